/**
 * The loss-Hessian penalty of a softmax classifier (jr.regularizers.hessian({scalar: 'loss'}) through the callback)
 * is exact on confidently classified samples, where tfjs' clipped categoricalCrossentropy has zero curvature.
 * Closed form for z = xK + b: H_x = K (diag(p) − ppᵀ) Kᵀ, p = softmax(z), computed here in float64.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as jr from '../../../src';
import { describeEachBackend } from '../../helpers/backends';
import { mean, topSingularTriplet } from '../../helpers/oracle';

const K = [
  [10, 0, 0],
  [0, 10, 0],
  [0, 0, 10],
  [1, -1, 0.5],
];
const B = [0.5, -0.3, 0.2];
/** Logit gaps ≥ 20 in every sample; the last sample is confidently wrong (label 1, arg-max 0). */
const X = [
  [3, 0.5, 0, 0.2],
  [0.2, 2.6, -0.1, 1],
  [-0.3, 0.1, 2.8, -0.5],
  [2.9, 0.4, 0.3, -1],
];
const LABELS = [0, 1, 2, 1];

/** z = xK + b in float64. */
const logits = (k: number[][], x: number[]) => B.map((bc, c) => bc + x.reduce((s, xi, i) => s + xi * k[i][c], 0));
/** H_x = K (diag(p) − ppᵀ) Kᵀ, p = softmax(z), float64. */
function exactHessian(k: number[][], x: number[]): number[][] {
  const z = logits(k, x);
  const top = Math.max(...z);
  const e = z.map((v) => Math.exp(v - top));
  const sum = e.reduce((a, b) => a + b, 0);
  const p = e.map((v) => v / sum);
  const hz = p.map((pi, i) => p.map((pj, j) => (i === j ? pi : 0) - pi * pj));
  return k.map((ki) =>
    k.map((kj) => hz.reduce((s, row, a) => s + ki[a] * row.reduce((t, h, c) => t + h * kj[c], 0), 0)),
  );
}
/** Top |λ| of the closed form, by the independent Jacobi SVD (H is symmetric PSD: σ = λmax). */
const exactSigma = (k: number[][], x: number[]) => topSingularTriplet(exactHessian(k, x)).sigma;

function classifier(loss: string | ((a: tf.Tensor, b: tf.Tensor) => tf.Tensor), kernel = K): tfl.Sequential {
  const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [4], units: 3, activation: 'softmax' })] });
  model.layers[0].setWeights([tf.tensor2d(kernel), tf.tensor1d(B)]);
  model.compile({ optimizer: tf.train.sgd(0.1), loss });
  return model;
}

/** The regularizer after the callback's onTrainBegin chose its loss; and the σ_b of one penalty on (x, y). */
async function prepared(
  model: tfl.LayersModel,
  x: tf.Tensor,
  y: tf.Tensor,
  extra: Partial<jr.RegularizationCallbackArgs> = {},
  bound?: number,
) {
  const regularizer = jr.regularizers.hessian({ scalar: 'loss', method: 'exact', weight: 1, bound });
  const callback = jr.callbacks.regularization({ regularizer, data: { x, y }, batchSize: x.shape[0], ...extra });
  callback.setModel(model);
  await callback.onTrainBegin();
  const sigmas = tf.tidy(() => {
    const { sigma } = regularizer.penalty(model, x, { epoch: 0, step: 0 }, y);
    return Array.from(sigma.dataSync());
  });
  return { regularizer, callback, sigmas };
}

describeEachBackend('the loss Hessian of a softmax classifier is computed from the logits (exact, not clipped)', () => {
  let x: tf.Tensor2D;
  let oneHot: tf.Tensor;
  let sparse: tf.Tensor;
  const expected = X.map((xb) => exactSigma(K, xb));
  beforeAll(() => {
    x = tf.tensor2d(X);
    oneHot = tf.oneHot(tf.tensor1d(LABELS, 'int32'), 3);
    sparse = tf.tensor1d(LABELS);
  });
  afterAll(() => tf.dispose([x, oneHot, sparse]));

  it('the samples are confident (gaps ≥ 20) and the closed form is tiny but not zero', () => {
    X.forEach((xb) => {
      const z = logits(K, xb).sort((a, b) => b - a);
      expect(z[0] - z[1]).toBeGreaterThanOrEqual(20);
    });
    expected.forEach((s) => expect(s).toBeGreaterThan(1e-12));
  });

  it.each([
    ['categoricalCrossentropy', 'oneHot'],
    ['sparseCategoricalCrossentropy', 'sparse'],
    ['tf.metrics.categoricalCrossentropy', 'oneHot'],
  ])('%s: σ_b = λmax of K(diag(p) − ppᵀ)Kᵀ to 1e-4', async (loss, labels) => {
    const model = classifier(loss.startsWith('tf.') ? tfl.metrics.categoricalCrossentropy : loss);
    const { regularizer, callback, sigmas } = await prepared(model, x, labels === 'sparse' ? sparse : oneHot);
    expect(regularizer.lossPrediction).not.toBeNull();
    sigmas.forEach((s, b) => expect(Math.abs(s - expected[b]) / expected[b]).toBeLessThan(1e-4));
    await callback.onTrainEnd();
    model.dispose();
  });

  it('the old path (the compiled loss on clipped probabilities) gives exactly 0; a user loss is still honoured', async () => {
    const model = classifier('categoricalCrossentropy');
    const clipped = tf.tidy(() => {
      const g = (z: tf.Tensor) => tfl.metrics.categoricalCrossentropy(oneHot, model.apply(z) as tf.Tensor);
      return Array.from(jr.hessianPenalty(g, x, { method: 'exact' }).sigma.dataSync());
    });
    expect(clipped).toEqual([0, 0, 0, 0]);
    // With `loss` given, the callback uses it on the outputs as before: here the clipped one, so again 0.
    const { regularizer, callback, sigmas } = await prepared(model, x, oneHot, {
      loss: (a, b) => tfl.metrics.categoricalCrossentropy(a, b),
    });
    expect(regularizer.lossPrediction).toBeNull();
    expect(sigmas).toEqual([0, 0, 0, 0]);
    await callback.onTrainEnd();
    model.dispose();
  });

  it('inside a training step: the logged σ is the batch mean of the closed form; above_bound with a bound', async () => {
    const model = classifier('categoricalCrossentropy');
    const sorted = [...expected].sort((a, b) => a - b);
    const bound = (sorted[0] + sorted[1]) / 2; // three of four samples above
    const { callback } = await prepared(model, x, oneHot, {}, bound);
    await callback.onBatchBegin();
    tf.dispose(model.calculateLosses());
    const logs: tfl.Logs = {};
    await callback.onBatchEnd(0, logs);
    expect(Math.abs((logs['network_hessian_sigma'] as number) - mean(expected)) / mean(expected)).toBeLessThan(1e-4);
    expect(logs['network_hessian_above_bound']).toBe(0.75);
    const penalty = mean(expected.map((s) => Math.max(0, s - bound) ** 2));
    expect(Math.abs((logs['network_hessian_penalty'] as number) - penalty) / penalty).toBeLessThan(1e-3);
    await callback.onTrainEnd();
    model.dispose();
  });

  it('its weight gradient matches central differences of the closed form (moderate logits, third order)', async () => {
    const kernel = K.map((row) => row.map((v) => v / 8)); // gaps of a few units: curvature well inside float32
    const model = classifier('categoricalCrossentropy', kernel);
    const { regularizer, callback } = await prepared(model, x, oneHot);
    const variable = model.layers[0].trainableWeights[0].read() as tf.Variable;
    const { value, grads } = tf.variableGrads(
      () => tf.tidy(() => regularizer.penalty(model, x, { epoch: 0, step: 0 }, oneHot).penalty),
      [variable],
    );
    const closed = (k: number[][]) => mean(X.map((xb) => exactSigma(k, xb) ** 2));
    expect(Math.abs(value.dataSync()[0] - closed(kernel)) / closed(kernel)).toBeLessThan(1e-4);
    const g = grads[variable.name].arraySync() as number[][];
    const h = 1e-4;
    for (let k = 0; k < 3; k++) {
      const d = kernel.map((row, i) => row.map((_, j) => Math.sin(7 * i + 3 * j + k)));
      const along = g.reduce((s, row, i) => s + row.reduce((t, v, j) => t + v * d[i][j], 0), 0);
      const shifted = (s: number) => closed(kernel.map((row, i) => row.map((v, j) => v + s * d[i][j])));
      const differences = (shifted(h) - shifted(-h)) / (2 * h);
      expect(Math.abs(along - differences)).toBeLessThan(1e-3 * Math.abs(differences));
    }
    tf.dispose([value, ...Object.values(grads)]);
    await callback.onTrainEnd();
    model.dispose();
  });
});

describeEachBackend('other losses keep the compiled loss on the outputs', () => {
  it('meanSquaredError on a linear model: H = (2/m) K Kᵀ', async () => {
    const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [4], units: 3 })] });
    model.layers[0].setWeights([tf.tensor2d(K), tf.tensor1d(B)]);
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const x = tf.tensor2d(X);
    const y = tf.randomNormal([4, 3], 0, 1, 'float32', 3);
    const { regularizer, callback, sigmas } = await prepared(model, x, y);
    expect(regularizer.lossPrediction).toBeNull();
    const expected = topSingularTriplet(
      K.map((ki) => K.map((kj) => (2 / 3) * ki.reduce((s, v, c) => s + v * kj[c], 0))),
    ).sigma;
    sigmas.forEach((s) => expect(Math.abs(s - expected) / expected).toBeLessThan(1e-4));
    await callback.onTrainEnd();
    tf.dispose([x, y]);
    model.dispose();
  });
});
