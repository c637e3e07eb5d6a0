import * as tf from '@tensorflow/tfjs-core';
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

/** Any T with cheap Tv and Tᵀu: a constant matrix, another network's Jacobian, .... */
export function userTarget(t: UserOperator): Target {
  if (typeof t?.matvec !== 'function' || typeof t?.rmatvec !== 'function') {
    throw new Error('userTarget(t): t must be an object with functions t.matvec(v) and t.rmatvec(u).');
  }
  return (a) => ({
    batchSize: a.batchSize,
    inShape: a.inShape,
    outShape: a.outShape,
    symmetric: t.symmetric ?? false,
    matvec: (v) => t.matvec(v),
    rmatvec: (u) => t.rmatvec(u),
    dispose: () => undefined
  });
}
