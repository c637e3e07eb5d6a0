import * as tf from '@tensorflow/tfjs-core';
import { BatchFunction, hvp } from '../../autodiff/products';
import { LinearOperator } from '../operator';

/**
 * The per-sample input Hessian H_b = ∂²g(x)_b/∂x_b² of a per-sample scalar g: x[B, ...] ↦ [B] (or [B, 1]),
 * as a symmetric operator: matvec = rmatvec = v ↦ Hv (HVP, double backprop).
 */
export function hessianOperator(g: BatchFunction, x: tf.Tensor): LinearOperator {
  const product = (v: tf.Tensor) => hvp(g, x, v);
  return {
    batchSize: x.shape[0],
    inShape: x.shape.slice(1),
    outShape: x.shape.slice(1),
    symmetric: true,
    matvec: product,
    rmatvec: product,
    dispose: () => undefined
  };
}
