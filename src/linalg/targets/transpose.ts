import * as tf from '@tensorflow/tfjs-core';
import { makeOperator } from '../operator';
import { Target, requireSquare } from './target';

/**
 * T = Aᵀ (square A only), the symmetry target: ‖J − Jᵀ‖ = 0 exactly when the vector field f is conservative
 * (a gradient field). Tv = Aᵀv, Tᵀu = Au.
 * ```js
 * const j = jr.jacobianOperator((z) => tf.matMul(z, tf.tensor2d([[1, 2], [3, 4]])), tf.ones([1, 2]));  // J = Wᵀ
 * console.log(jr.dense(jr.transposeTarget(j)).arraySync());  // → [[[1, 2], [3, 4]]]
 * ```
 */
export const transposeTarget: Target = (a) => {
  requireSquare(a, 'transpose');
  return makeOperator('jr.transposeTarget', a, {
    symmetric: a.symmetric,
    matvec: (v) => tf.reshape(a.rmatvec(tf.reshape(v, [a.batchSize, ...a.outShape])), [a.batchSize, ...a.outShape]),
    rmatvec: (u) => tf.reshape(a.matvec(tf.reshape(u, [a.batchSize, ...a.inShape])), [a.batchSize, ...a.inShape]),
  });
};
