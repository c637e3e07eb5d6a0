/** jr.attacks.fgsm against its formula on a linear softmax classifier (float64 oracle). */
import * as tf from '@tensorflow/tfjs-core';
import * as jr from '../../src';
import { describeEachBackend } from '../helpers/backends';
import { ceGradient, denseModel, fgsmOracle, randomLinear, uniformRows } from './linear';

describeEachBackend('fgsm', () => {
  it('x′ = clip(x + ε·sign Σ_c (p_c − y_c) w_c) (ℓ∞) and x + ε·g/‖g‖₂ (ℓ2), on a 3-class softmax model', () => {
    const m = randomLinear(3, 5, 41);
    const model = denseModel(m, 'softmax');
    const rows = uniformRows(6, 5, 17);
    const labels = rows.map((_, n) => n % 3);
    const x = tf.tensor2d(rows);
    const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 3);
    const before = tf.memory().numTensors;
    const [linf, l2] = [
      jr.attacks.fgsm(model, x, y, { epsilon: 0.1 }),
      jr.attacks.fgsm(model, x, y, { epsilon: 0.1, norm: 'l2', clip: [-5, 5] }),
    ];
    const [a, b] = [linf.arraySync() as number[][], l2.arraySync() as number[][]];
    rows.forEach((row, n) => {
      const g = ceGradient(m, row, labels[n]);
      const norm = Math.sqrt(g.reduce((s, t) => s + t * t, 0));
      const expected = fgsmOracle(m, row, labels[n], 0.1);
      row.forEach((v, i) => {
        expect(a[n][i]).toBeCloseTo(expected[i], 6);
        expect(b[n][i]).toBeCloseTo(v + (0.1 * g[i]) / norm, 5);
      });
    });
    tf.dispose([linf, l2]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
  });
});
