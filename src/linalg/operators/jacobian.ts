import * as tf from '@tensorflow/tfjs-core';
import { BatchFunction, jvp, vjp } from '../../autodiff/products';
import { LinearOperator } from '../operator';

/**
 * The input-Jacobian J_b = ∂f(x)_b/∂x_b of a batched function at x, as an operator: matvec v ↦ Jv (JVP),
 * rmatvec u ↦ Jᵀu (VJP). One forward pass at construction finds the output shape.
 */
export function jacobianOperator(f: BatchFunction, x: tf.Tensor): LinearOperator {
  const fullOutShape = tf.tidy(() => f(x).shape);
  return {
    batchSize: x.shape[0],
    inShape: x.shape.slice(1),
    outShape: fullOutShape.slice(1),
    symmetric: false,
    matvec: (v) => jvp(f, x, v, fullOutShape),
    rmatvec: (u) => vjp(f, x, u),
    dispose: () => undefined
  };
}
