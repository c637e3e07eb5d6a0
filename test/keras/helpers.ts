import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as jr from '../../src';
import { topSingularValue, jacobianByRows } from '../helpers/oracle';

export const init = (seed: number) => tfl.initializers.glorotNormal({ seed });

/** A seeded MLP n → hidden (tanh) → m whose second layer is wrapped with `regularizers` (none: plain dense). */
export function regularizedMlp(
  n: number,
  hidden: number,
  m: number,
  regularizers: jr.DerivativeRegularizer[] = [],
  seed = 1,
): tfl.Sequential {
  const model = tfl.sequential();
  const first = tfl.layers.dense({ inputShape: [n], units: hidden, activation: 'tanh', kernelInitializer: init(seed) });
  const second = tfl.layers.dense({ units: m, kernelInitializer: init(seed + 1) });
  // Whole-network Jacobian: wrap a sequential of both layers.
  if (regularizers.length > 0) {
    const inner = tfl.sequential({ layers: [first, second] });
    model.add(jr.layers.regularized({ layer: inner, regularizers, inputShape: [n] } as jr.RegularizedArgs));
  } else {
    model.add(first);
    model.add(second);
  }
  return model;
}

/** Mean over samples of σ_max(J_b − T_b) of the model's input-Jacobian, from the row-by-row Jacobian and an SVD. */
export function meanDistance(model: tfl.LayersModel, x: tf.Tensor, target: (j: number[][]) => number[][]): number {
  const jac = jacobianByRows((z) => model.predict(z) as tf.Tensor, x);
  const sigmas = jac.map((j) => {
    const t = target(j);
    return topSingularValue(j.map((row, i) => row.map((v, k) => v - t[i][k])));
  });
  return sigmas.reduce((a, b) => a + b, 0) / sigmas.length;
}

export const zeroT = (j: number[][]) => j.map((r) => r.map(() => 0));
export const transposeT = (j: number[][]) => j[0].map((_, c) => j.map((r) => r[c]));
export const rowSumDiagonalT = (j: number[][]) =>
  j.map((r, i) => r.map((_, k) => (i === k ? r.reduce((s, v) => s + v, 0) : 0)));

/** Regression data y = sin(x A) (seeded). */
export function regressionData(count: number, n: number, m: number, seed: number): { x: tf.Tensor2D; y: tf.Tensor2D } {
  return tf.tidy(() => {
    const x = tf.randomNormal([count, n], 0, 1, 'float32', seed) as tf.Tensor2D;
    const a = tf.randomNormal([n, m], 0, 1.5, 'float32', seed + 1) as tf.Tensor2D;
    return { x, y: tf.sin(tf.matMul(x, a)) as tf.Tensor2D };
  });
}

/**
 * `regressionData(count, n, m, seed)` made in beforeAll (on the backend of the enclosing suite) and disposed in
 * afterAll; call inside a describe. The returned object is filled when the suite starts.
 */
export function useRegressionData(
  count: number,
  n: number,
  m: number,
  seed: number,
): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const data = {} as { x: tf.Tensor2D; y: tf.Tensor2D };
  beforeAll(() => {
    Object.assign(data, regressionData(count, n, m, seed));
  });
  afterAll(() => tf.dispose([data.x, data.y]));
  return data;
}
