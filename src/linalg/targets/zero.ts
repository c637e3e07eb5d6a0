import * as tf from '@tensorflow/tfjs-core';
import { makeOperator } from '../operator';
import { Target } from './target';

/**
 * T = 0: the classic Jacobian / Hessian regularization ‖A‖.
 * ```js
 * const t = jr.zeroTarget(a);  // T = 0 with the batch and shapes of A
 * console.log(t.outShape, t.matvec(tf.onesLike(x)).arraySync()[0]);  // → [3], [0, 0, 0]
 * ```
 */
export const zeroTarget: Target = (a) =>
  makeOperator('jr.zeroTarget', a, {
    symmetric: true,
    matvec: () => tf.zeros([a.batchSize, ...a.outShape]),
    rmatvec: () => tf.zeros([a.batchSize, ...a.inShape]),
  });
