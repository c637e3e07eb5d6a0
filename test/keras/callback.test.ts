import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as jr from '../../src';
import { describeEachBackend } from '../helpers/backends';
import { init, useRegressionData } from './helpers';

function classifier() {
  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [4], units: 6, activation: 'softplus', kernelInitializer: init(1) }),
      tfl.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init(2) }),
    ],
  });
  model.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
  return model;
}
const LABELS = [0, 1, 2, 1, 0, 2, 2, 1, 0, 1, 2, 0, 1, 1, 0, 2, 0, 1, 2, 1, 0, 2, 2, 1, 0, 1, 2, 0, 1, 1, 0, 2];

describeEachBackend('the callback regularizes the whole network on labelled data', () => {
  const data = useRegressionData(32, 4, 3, 5);
  let labels: tf.Tensor2D;
  beforeAll(() => {
    labels = tf.tidy(() => tf.oneHot(tf.tensor1d(LABELS, 'int32'), 3) as tf.Tensor2D);
  });
  afterAll(() => labels.dispose());

  it("adds weight · (Hessian-of-loss penalty) on a mini-batch of data to the step's loss, with its weight gradient", async () => {
    const model = classifier();
    const weight = 0.5;
    const regularizer = jr.regularizers.hessian({ scalar: 'loss', weight, iterations: 4, seed: 3 });
    // batchSize = all 32 samples: the sampled batch is a permutation of the data, and the penalty (a batch mean,
    // exact for 4 iterations on a 4×4 Hessian) does not depend on the order.
    const callback = jr.callbacks.regularization({ regularizer, data: { x: data.x, y: labels }, batchSize: 32 });
    callback.setModel(model);
    await callback.onTrainBegin();
    await callback.onBatchBegin();
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const modelLosses = () => tf.addN(model.calculateLosses()) as tf.Scalar;
    // The expected value and gradient, from the core penalty (checked against finite differences in test/penalty/derivative/gradient.test.ts).
    const loss = (yTrue: tf.Tensor, yPred: tf.Tensor) => tfl.metrics.categoricalCrossentropy(yTrue, yPred);
    const expected = () =>
      tf.mul(
        weight,
        jr.hessianPenalty((z) => loss(labels, model.apply(z) as tf.Tensor), data.x, { iterations: 4, method: 'exact' })
          .penalty,
      ) as tf.Scalar;
    const actual = tf.variableGrads(modelLosses, variables);
    const reference = tf.variableGrads(expected, variables);
    expect(actual.value.dataSync()[0]).toBeCloseTo(reference.value.dataSync()[0], 4);
    variables.forEach((v) => {
      const [a, r] = [actual.grads[v.name], reference.grads[v.name]];
      if (r == null) return expect(a == null || tf.max(tf.abs(a)).dataSync()[0] === 0).toBe(true);
      const scale = tf.max(tf.abs(r)).dataSync()[0] + 1e-12;
      expect(tf.max(tf.abs(tf.sub(a, r))).dataSync()[0] / scale).toBeLessThan(1e-3);
    });
    expect(callback.evaluations).toBe(1);
    // After the step nothing is pending: the closure computes nothing and adds 0.
    const logs: tfl.Logs = {};
    await callback.onBatchEnd(0, logs);
    expect(logs['network_hessian_sigma']).toBeGreaterThan(0);
    expect(modelLosses().dataSync()[0]).toBe(0);
    expect(callback.evaluations).toBe(1);
    await callback.onTrainEnd();
  });

  it('inside fit: every k steps from a tf.data-like dataset, with the estimate in history', async () => {
    const model = classifier();
    // Like tf.data: every element is a fresh pair of tensors that the consumer disposes.
    const batch = (i: number) => ({ xs: tf.slice(data.x, 8 * (i % 4), 8), ys: tf.slice(labels, 8 * (i % 4), 8) });
    const dataset: jr.DatasetLike = {
      iterator: async () => {
        let i = 0;
        return { next: async () => (i < 4 ? { value: batch(i++), done: false } : { value: batch(0), done: true }) };
      },
    };
    const callback = jr.callbacks.regularization({
      regularizer: jr.regularizers.jacobian({ weight: 0.1, every: 3, iterations: 3 }),
      data: dataset,
    });
    const history = await model.fit(data.x, labels, { epochs: 2, batchSize: 4, verbose: 0, callbacks: [callback] });
    expect(callback.evaluations).toBe(Math.ceil(16 / 3));
    expect(history.history['network_jacobian_sigma']).toHaveLength(2);
    expect(callback.stopReason).toBeNull();
  });
});

describe('the callback without data', () => {
  it('refuses a regularizer without data', () => {
    expect(() => jr.callbacks.regularization({ regularizer: jr.regularizers.jacobian() })).toThrow(
      /a regularizer needs data/,
    );
  });
});
