import * as tf from '@tensorflow/tfjs-core';
import { fail } from '../../errors';
import { BatchFunction, checkBatchInput, jvp, vjp } from '../../autodiff/products';
import { LinearOperator, makeOperator } from '../operator';

/**
 * The input-Jacobian J_b = ∂f(x)_b/∂x_b of a batched function at x, as an operator: matvec v ↦ Jv (JVP),
 * rmatvec u ↦ Jᵀu (VJP). One forward pass at construction finds the output shape.
 * ```js
 * const jacobian = jr.jacobianOperator(f, x);  // J_b = ∂f(x)_b/∂x_b, 3×4 per sample
 * console.log(jacobian.inShape, jacobian.outShape, jacobian.symmetric);  // → [4], [3], false
 * const jv = jacobian.matvec(tf.onesLike(x));  // J_b · 1 per sample (a JVP), [8, 3]
 * ```
 * @throws ValueError unless f is a function and x a tensor [B, ...], and f(x) keeps the batch axis.
 */
export function jacobianOperator(f: BatchFunction, x: tf.Tensor): LinearOperator {
  const where = 'jr.jacobianOperator';
  checkBatchInput(where, f, x);
  const fullOutShape = tf.tidy(() => {
    const y = f(x);
    if (!(y instanceof tf.Tensor) || y.shape[0] !== x.shape[0]) {
      fail(
        where,
        'f(x)',
        `must return a tensor [B, ...] with the batch size B = ${x.shape[0]} of x`,
        y instanceof tf.Tensor ? y.shape : y,
      );
    }
    return y.shape;
  });
  const shapes = { batchSize: x.shape[0], inShape: x.shape.slice(1), outShape: fullOutShape.slice(1) };
  return makeOperator(where, shapes, {
    symmetric: false,
    matvec: (v) => jvp(f, x, v, fullOutShape),
    rmatvec: (u) => vjp(f, x, u),
  });
}
