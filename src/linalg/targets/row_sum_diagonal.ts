import * as tf from '@tensorflow/tfjs-core';
import { makeOperator } from '../operator';
import { Target, requireSquare } from './target';

/**
 * T = D(A·1) (square A only), the diagonality target: the diagonal matrix of A's row sums, Tv = (A·1) ⊙ v = Tᵀv.
 * By Theorem 1 of Cui et al., (1/N)‖A − D(A1)‖²_F ≤ Σ_{i≠j} A²ᵢⱼ ≤ ‖A − D(A1)‖²_F. A·1 costs one matvec, made
 * on first use and held until `dispose()`.
 * ```js
 * // f(x) = x W, W = [[1, 2], [3, 4]]: J = Wᵀ = [[1, 3], [2, 4]] has row sums J·1 = [4, 6]
 * const j = jr.jacobianOperator((z) => tf.matMul(z, tf.tensor2d([[1, 2], [3, 4]])), tf.ones([1, 2]));
 * console.log(jr.dense(jr.rowSumDiagonalTarget(j)).arraySync());  // → [[[4, 0], [0, 6]]]
 * ```
 */
export const rowSumDiagonalTarget: Target = (a) => {
  requireSquare(a, 'rowSumDiagonal');
  let rowSums: tf.Tensor | null = null;
  const scale = (v: tf.Tensor, shape: number[]) => {
    if (rowSums == null) {
      rowSums = tf.keep(tf.tidy(() => tf.reshape(a.matvec(tf.ones([a.batchSize, ...a.inShape])), [a.batchSize, -1])));
    }
    const r = rowSums;
    return tf.tidy(() => tf.reshape(tf.mul(r, tf.reshape(v, [a.batchSize, -1])), [a.batchSize, ...shape]));
  };
  return makeOperator('jr.rowSumDiagonalTarget', a, {
    symmetric: true,
    matvec: (v) => scale(v, a.outShape),
    rmatvec: (u) => scale(u, a.inShape),
    dispose: () => {
      rowSums?.dispose();
      rowSums = null;
    },
  });
};
