/**
 * Matrix-free derivative products, per sample and batched over the leading axis.
 *
 * Every function f maps a batch x[B, ...] to y[B, ...] with samples independent, so the gradient of the batch sum
 * Σ_b ⟨f(x)_b, u_b⟩ is, row by row, the per-sample product J_bᵀ u_b. The products work outside any tape (no
 * gradient is recorded, nothing is left behind when wrapped in `tf.tidy`) and inside `optimizer.minimize` /
 * `tf.variableGrads`, where the weight gradients of the result flow through the nested tapes.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ValueError, fail } from '../errors';
import { ensureGradientFixes } from './gradients/index';

/** A batched function: x[B, ...] ↦ y[B, ...], sample b of y depending only on sample b of x. */
export type BatchFunction = (x: tf.Tensor) => tf.Tensor;

/**
 * Checks a function and its input batch x[B, ...] (a tensor of rank ≥ 1); `where` is the public name.
 * @internal
 */
export function checkBatchInput(where: string, f: unknown, x: unknown, parameter = 'f'): void {
  if (typeof f !== 'function') fail(where, parameter, 'must be a function of a batch x[B, ...]', f);
  if (!(x instanceof tf.Tensor) || x.rank < 1)
    fail(where, 'x', 'must be a tensor [B, ...] with the batch on axis 0', x instanceof tf.Tensor ? x.shape : x);
}

/** Throws unless `t` is a tensor of the shape `expected` (of `like`). */
function checkSameShape(where: string, parameter: string, t: unknown, expected: number[], like: string): void {
  if (!(t instanceof tf.Tensor))
    fail(where, parameter, `must be a tensor of the shape of ${like}, [${expected.join(', ')}]`, t);
  const shape = (t as tf.Tensor).shape;
  if (shape.length !== expected.length || shape.some((d, i) => d !== expected[i])) {
    throw new ValueError(
      `${where}: ${parameter} must have the shape of ${like}, [${expected.join(', ')}]; got shape [${shape.join(', ')}].`,
    );
  }
}

/**
 * ∇_x s(x) for a scalar-valued s. A zero-weighted `Σx` term anchors s to x, so a result that does not depend on x
 * (a constant network, the Hessian of a linear model) gives zeros instead of tfjs' "Cannot compute gradient".
 * ```js
 * console.log(jr.gradient((z) => tf.sum(tf.square(z)), tf.tensor1d([1, 2, 3])).arraySync());  // → [2, 4, 6]
 * console.log(jr.gradient(() => tf.scalar(5), tf.tensor1d([1, 2])).arraySync());  // → [0, 0]
 * ```
 */
export function gradient(s: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor): tf.Tensor {
  if (typeof s !== 'function') fail('jr.gradient', 's', 'must be a function x ↦ scalar', s);
  if (!(x instanceof tf.Tensor)) fail('jr.gradient', 'x', 'must be a tensor', x);
  ensureGradientFixes(); // every product goes through here
  return tf.grad((xx: tf.Tensor) => {
    const value = s(xx);
    if (!(value instanceof tf.Tensor) || value.size !== 1) {
      fail('jr.gradient', 's(x)', 'must return a scalar tensor', value instanceof tf.Tensor ? value.shape : value);
    }
    return tf.add(tf.reshape(value, []), tf.mul(0, tf.sum(xx))) as tf.Scalar;
  })(x);
}

/**
 * Vector-Jacobian product Jᵀu = ∇_x Σ_b ⟨f(x)_b, u_b⟩; u has the shape of f(x), the result that of x.
 * ```js
 * const square = (z) => tf.square(z);  // J_b = diag(2 x_b), so Jᵀu = 2 x ⊙ u
 * console.log(jr.vjp(square, tf.tensor2d([[1, 2]]), tf.tensor2d([[1, 10]])).arraySync());  // → [[2, 40]]
 * ```
 * @throws ValueError when u does not have the shape of f(x).
 */
export function vjp(f: BatchFunction, x: tf.Tensor, u: tf.Tensor): tf.Tensor {
  checkBatchInput('jr.vjp', f, x);
  if (!(u instanceof tf.Tensor)) fail('jr.vjp', 'u', 'must be a tensor of the shape of f(x)', u);
  return gradient((xx) => {
    const y = f(xx);
    checkSameShape('jr.vjp', 'u', u, y instanceof tf.Tensor ? y.shape : [], 'f(x)');
    return tf.sum(tf.mul(y, u));
  }, x);
}

/**
 * Jacobian-vector product Jv by the double-VJP: Jᵀu is linear in u, so Jv = ∇_u ⟨Jᵀu, v⟩ (evaluated at u = 0).
 * `outShape` (the shape of f(x)) saves one forward pass when the caller knows it.
 * ```js
 * const w = tf.tensor2d([[1, 2], [3, 4]]);  // f(x) = x W: J_b = Wᵀ, so Jv = v W
 * console.log(jr.jvp((z) => tf.matMul(z, w), tf.ones([1, 2]), tf.tensor2d([[1, 0]])).arraySync());  // → [[1, 2]]
 * ```
 * @throws ValueError when v does not have the shape of x.
 */
export function jvp(f: BatchFunction, x: tf.Tensor, v: tf.Tensor, outShape?: number[]): tf.Tensor {
  checkBatchInput('jr.jvp', f, x);
  checkSameShape('jr.jvp', 'v', v, x.shape, 'x');
  if (outShape !== undefined && !(Array.isArray(outShape) && outShape.every((d) => Number.isInteger(d) && d >= 0))) {
    fail('jr.jvp', 'outShape', 'must be the shape of f(x), an array of integers ≥ 0, or undefined', outShape);
  }
  const shape = outShape ?? tf.tidy(() => f(x).shape);
  return tf.tidy(() => gradient((u) => tf.sum(tf.mul(vjp(f, x, u), v)), tf.zeros(shape)));
}

/**
 * Hessian-vector product Hv = ∇_x ⟨∇_x Σ_b g(x)_b, v⟩ for a per-sample scalar g: x[B, ...] ↦ [B] (or [B, 1]).
 * H is the per-sample input Hessian (symmetric), so this is also vᵀH.
 * ```js
 * const cube = (z) => tf.sum(tf.pow(z, 3), 1);  // g(x)_b = Σ_i x_bi³: H_b = diag(6 x_b)
 * console.log(jr.hvp(cube, tf.tensor2d([[1, 2]]), tf.tensor2d([[1, 1]])).arraySync());  // → [[6, 12]]
 * ```
 * @throws ValueError when v does not have the shape of x, or g(x) is not [B] or [B, 1].
 */
export function hvp(g: BatchFunction, x: tf.Tensor, v: tf.Tensor): tf.Tensor {
  checkBatchInput('jr.hvp', g, x, 'g');
  checkSameShape('jr.hvp', 'v', v, x.shape, 'x');
  const batch = x.shape[0];
  const perSample = (z: tf.Tensor) => {
    const s = g(z);
    const ok = s instanceof tf.Tensor && s.shape[0] === batch && (s.rank === 1 || (s.rank === 2 && s.shape[1] === 1));
    if (!ok)
      fail(
        'jr.hvp',
        'g(x)',
        `must return one scalar per sample: shape [${batch}] or [${batch}, 1]`,
        s instanceof tf.Tensor ? s.shape : s,
      );
    return tf.sum(s) as tf.Scalar;
  };
  return gradient((xx) => tf.sum(tf.mul(gradient(perSample, xx), v)), x);
}
