/** jr.attacks.accuracy against arg-max counts of a linear softmax classifier, clean and under FGSM (float64 oracle). */
import * as tf from '@tensorflow/tfjs-core';
import * as jr from '../../src';
import { describeEachBackend } from '../helpers/backends';
import { argmax, denseModel, fgsmOracle, logitsOf, randomLinear, uniformRows } from './linear';

describeEachBackend('accuracy', () => {
  it('counts arg-max hits in batches, on attacked inputs when asked', () => {
    const m = randomLinear(3, 4, 44);
    const model = denseModel(m, 'softmax');
    const rows = uniformRows(7, 4, 20);
    const labels = rows.map((row, n) => (n < 5 ? argmax(logitsOf(m, row)) : (argmax(logitsOf(m, row)) + 1) % 3));
    const x = tf.tensor2d(rows);
    const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 3);
    expect(jr.attacks.accuracy(model, x, y, { batchSize: 3 })).toBeCloseTo(5 / 7, 10);
    const attacked = jr.attacks.accuracy(model, x, y, {
      batchSize: 2,
      attack: (a, b) => jr.attacks.fgsm(model, a, b, { epsilon: 0.5 }),
    });
    const hits = rows.filter((row, n) => argmax(logitsOf(m, fgsmOracle(m, row, labels[n], 0.5))) === labels[n]).length;
    expect(attacked).toBeCloseTo(hits / 7, 10);
    expect(attacked).toBeLessThan(5 / 7);
    expect(() => jr.attacks.accuracy(model, x, y, { batchSize: 0 })).toThrow(
      'jr.attacks.accuracy: batchSize must be an integer ≥ 1; got 0.',
    );
    tf.dispose([x, y]);
  });
});
