import * as tf from '@tensorflow/tfjs-core';
import { checkOptions, fail } from '../../errors';
import { makeOperator } from '../operator';
import { Target } from './target';

/** A user operator T given by its products, with A's batch and shapes: v[B, ...in] ↦ Tv, u[B, ...out] ↦ Tᵀu. */
export interface UserOperator {
  /** T v: maps v[B, ...inShape] to [B, ...outShape] (A's shapes). */
  matvec(v: tf.Tensor): tf.Tensor;
  /** Tᵀu: maps u[B, ...outShape] to [B, ...inShape]. */
  rmatvec(u: tf.Tensor): tf.Tensor;
  /** Declare T = Tᵀ, letting a symmetric A − T use Lanczos on itself. Default false. */
  symmetric?: boolean;
}

/** The keys of a {@link UserOperator}. */
const USER_OPERATOR_KEYS = ['matvec', 'rmatvec', 'symmetric'] as const;

/**
 * Checks a user operator {matvec, rmatvec, symmetric?}: both products functions, symmetric true, false or absent,
 * no other keys. `where` and `parameter` name it in errors.
 * @internal
 */
export function checkUserOperator(where: string, t: unknown, parameter = 'target'): UserOperator {
  const rule = 'must be a user operator {matvec(v), rmatvec(u), symmetric?}';
  if (t === null || typeof t !== 'object' || Array.isArray(t)) fail(where, parameter, rule, t);
  checkOptions(where, t, USER_OPERATOR_KEYS, parameter);
  const o = t as Record<string, unknown>;
  if (typeof o.matvec !== 'function') fail(where, `${parameter}.matvec`, 'must be a function v ↦ Tv', o.matvec);
  if (typeof o.rmatvec !== 'function') fail(where, `${parameter}.rmatvec`, 'must be a function u ↦ Tᵀu', o.rmatvec);
  if (o.symmetric !== undefined && typeof o.symmetric !== 'boolean')
    fail(where, `${parameter}.symmetric`, 'must be true, false or absent', o.symmetric);
  return t as UserOperator;
}

/**
 * Any T with cheap Tv and Tᵀu: a constant matrix, another network's Jacobian, .... Its products are checked: Tv
 * must be [B, ...outShape] and Tᵀu [B, ...inShape], A's batch and shapes.
 * ```js
 * const c = tf.tensor2d([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]);  // T_b = C, 3×4 like the Jacobian a
 * const target = jr.userTarget({matvec: (v) => tf.matMul(v, c, false, true), rmatvec: (u) => tf.matMul(u, c)});
 * console.log(jr.dense(target(a)).arraySync()[0]);  // → [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]
 * ```
 * @throws ValueError when `t` is not a user operator, or (on a product) T returns another shape.
 */
export function userTarget(t: UserOperator): Target {
  checkUserOperator('jr.userTarget', t);
  return (a) =>
    makeOperator(
      'jr.userTarget',
      a,
      { symmetric: t.symmetric ?? false, matvec: (v) => t.matvec(v), rmatvec: (u) => t.rmatvec(u) },
      'target.',
    );
}
