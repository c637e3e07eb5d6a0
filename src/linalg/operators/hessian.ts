import * as tf from '@tensorflow/tfjs-core';
import { BatchFunction, checkBatchInput, hvp } from '../../autodiff/products';
import { LinearOperator, makeOperator } from '../operator';

/**
 * The per-sample input Hessian H_b = ∂²g(x)_b/∂x_b² of a per-sample scalar g: x[B, ...] ↦ [B] (or [B, 1]),
 * as a symmetric operator: matvec = rmatvec = v ↦ Hv (HVP, double backprop).
 * ```js
 * const hessian = jr.hessianOperator(g, x);  // g = Σ_i tanh(x_i): H_b = diag(tanh''(x_b)), 4×4 per sample
 * const H = jr.dense(hessian);
 * console.log(hessian.symmetric, H.shape);  // → true, [8, 4, 4]
 * ```
 * @throws ValueError unless g is a function and x a tensor [B, ...].
 */
export function hessianOperator(g: BatchFunction, x: tf.Tensor): LinearOperator {
  checkBatchInput('jr.hessianOperator', g, x);
  const product = (v: tf.Tensor) => hvp(g, x, v);
  const shapes = { batchSize: x.shape[0], inShape: x.shape.slice(1), outShape: x.shape.slice(1) };
  return makeOperator('jr.hessianOperator', shapes, { symmetric: true, matvec: product, rmatvec: product });
}
