import * as tf from '@tensorflow/tfjs-core';
import { makeOperator } from '../operator';
import { Target, requireSquare } from './target';

/**
 * T = I (square A only): Tv = v, regularizing A towards the identity map.
 * ```js
 * const j = jr.jacobianOperator((z) => tf.matMul(z, tf.tensor2d([[1, 2], [3, 4]])), tf.ones([1, 2]));  // 2×2
 * console.log(jr.dense(jr.identityTarget(j)).arraySync());  // → [[[1, 0], [0, 1]]]
 * try { jr.identityTarget(a); } catch (e) { console.log(e.message); }  // a is 3×4
 * // → jr.identityTarget: target 'identity' needs a square matrix (input size n equal to output size m), but A is 3×4…
 * ```
 * @throws ValueError when A is not square.
 */
export const identityTarget: Target = (a) => {
  requireSquare(a, 'identity');
  return makeOperator('jr.identityTarget', a, {
    symmetric: true,
    matvec: (v) => tf.reshape(v, [a.batchSize, ...a.outShape]),
    rmatvec: (u) => tf.reshape(u, [a.batchSize, ...a.inShape]),
  });
};
