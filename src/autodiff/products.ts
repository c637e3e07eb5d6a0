/**
 * Matrix-free derivative products, per sample and batched over the leading axis.
 *
 * Every function f maps a batch x[B, ...] to y[B, ...] with samples independent, so the gradient of the batch sum
 * Σ_b ⟨f(x)_b, u_b⟩ is, row by row, the per-sample product J_bᵀ u_b. The products work outside any tape (no
 * gradient is recorded, nothing is left behind when wrapped in `tf.tidy`) and inside `optimizer.minimize` /
 * `tf.variableGrads`, where the weight gradients of the result flow through the nested tapes.
 */
import * as tf from '@tensorflow/tfjs-core';

/** A batched function: x[B, ...] ↦ y[B, ...], sample b of y depending only on sample b of x. */
export type BatchFunction = (x: tf.Tensor) => tf.Tensor;

/**
 * ∇_x s(x) for a scalar-valued s. A zero-weighted `Σx` term anchors s to x, so a result that does not depend on x
 * (a constant network, the Hessian of a linear model) gives zeros instead of tfjs' "Cannot compute gradient".
 */
export function gradient(s: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor): tf.Tensor {
  return tf.grad((xx: tf.Tensor) => tf.add(s(xx), tf.mul(0, tf.sum(xx))) as tf.Scalar)(x);
}

/** Vector-Jacobian product Jᵀu = ∇_x Σ_b ⟨f(x)_b, u_b⟩; u has the shape of f(x), the result that of x. */
export function vjp(f: BatchFunction, x: tf.Tensor, u: tf.Tensor): tf.Tensor {
  return gradient((xx) => tf.sum(tf.mul(f(xx), u)), x);
}

/**
 * Jacobian-vector product Jv by the double-VJP: Jᵀu is linear in u, so Jv = ∇_u ⟨Jᵀu, v⟩ (evaluated at u = 0).
 * `outShape` (the shape of f(x)) saves one forward pass when the caller knows it.
 */
export function jvp(f: BatchFunction, x: tf.Tensor, v: tf.Tensor, outShape?: number[]): tf.Tensor {
  const shape = outShape ?? tf.tidy(() => f(x).shape);
  return tf.tidy(() => gradient((u) => tf.sum(tf.mul(vjp(f, x, u), v)), tf.zeros(shape)));
}

/**
 * Hessian-vector product Hv = ∇_x ⟨∇_x Σ_b g(x)_b, v⟩ for a per-sample scalar g: x[B, ...] ↦ [B] (or [B, 1]).
 * H is the per-sample input Hessian (symmetric), so this is also vᵀH.
 */
export function hvp(g: BatchFunction, x: tf.Tensor, v: tf.Tensor): tf.Tensor {
  return gradient((xx) => tf.sum(tf.mul(gradient((z) => tf.sum(g(z)), xx), v)), x);
}
