/** The attacks run on logits: found behind a softmax, passed by the caller, or (with a warning) the raw output. */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as jr from '../../src';
import { describeEachBackend } from '../helpers/backends';
import { argmax, denseModel, logitsOf, randomLinear, uniformRows, worstMargin } from './linear';

/** softmax as a layer class `logitsOf` does not recognize: the model's output is probabilities, its logits hidden. */
class OpaqueSoftmax extends tfl.layers.Layer {
  static className = 'OpaqueSoftmaxForTest';
  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.softmax(Array.isArray(inputs) ? inputs[0] : inputs);
  }
}

const m = randomLinear(3, 4, 31);
const rows = uniformRows(8, 4, 8).map((row) => row.map((v) => 0.3 + 0.4 * v));
const labels = rows.map((row) => argmax(logitsOf(m, row)));
const EPSILON = 0.05;

describeEachBackend('logits', () => {
  let warn: jest.SpyInstance;
  beforeEach(() => (warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined)));
  afterEach(() => warn.mockRestore());

  it('a softmax model is attacked on its pre-softmax logits: margins are the closed form of z = Wx + b', async () => {
    const model = denseModel(m, 'softmax');
    const x = tf.tensor2d(rows);
    const y = tf.tensor1d(labels, 'int32');
    const clean = await jr.attacks.evaluate(model, x, y, { epsilon: 0 });
    const attacked = await jr.attacks.evaluate(model, x, y, { epsilon: EPSILON, steps: 30, queries: 100 });
    rows.forEach((row, n) => {
      expect(clean.margins[n]).toBeCloseTo(worstMargin(m, 'linf', row, labels[n], 0), 5);
      expect(attacked.margins[n]).toBeCloseTo(worstMargin(m, 'linf', row, labels[n], EPSILON), 4);
    });
    expect(warn).not.toHaveBeenCalled();
    tf.dispose([x, y, clean.adversarial, attacked.adversarial]);
  });

  it('an opaque probability output is attacked as given, with one warning per model; `logits` fixes it', async () => {
    const model = tfl.sequential({ layers: [denseModel(m), new OpaqueSoftmax({})] });
    const x = tf.tensor2d(rows);
    const y = tf.tensor1d(labels, 'int32');
    const first = await jr.attacks.evaluate(model, x, y, { epsilon: 0 });
    const second = await jr.attacks.evaluate(model, x, y, { epsilon: 0 });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(
      /^jr\.attacks\.evaluate: .*probabilities.*\{logits: modelOrFunction\}.*docs\/ATTACKS\.md/,
    );
    // Margins of probabilities: p_y − max_{j≠y} p_j, computed here from softmax of the closed-form logits.
    rows.forEach((row, n) => {
      const z = logitsOf(m, row);
      const p = z.map((v) => Math.exp(v) / z.reduce((s, t) => s + Math.exp(t), 0));
      expect(first.margins[n]).toBeCloseTo(p[labels[n]] - Math.max(...p.filter((_, c) => c !== labels[n])), 5);
    });
    const viaFunction = await jr.attacks.evaluate(model, x, y, {
      epsilon: EPSILON,
      steps: 30,
      queries: 100,
      logits: (v) => (model.layers[0] as tfl.LayersModel).apply(v) as tf.Tensor,
    });
    const viaModel = await jr.attacks.evaluate(model, x, y, {
      epsilon: EPSILON,
      steps: 30,
      queries: 100,
      logits: model.layers[0] as tfl.LayersModel,
    });
    rows.forEach((row, n) => {
      expect(viaFunction.margins[n]).toBeCloseTo(worstMargin(m, 'linf', row, labels[n], EPSILON), 4);
      expect(viaModel.margins[n]).toBe(viaFunction.margins[n]);
    });
    expect(warn).toHaveBeenCalledTimes(1);
    tf.dispose([x, y, first.adversarial, second.adversarial, viaFunction.adversarial, viaModel.adversarial]);
  });
});
