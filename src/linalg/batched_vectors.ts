import * as tf from '@tensorflow/tfjs-core';
import { ValueError, fail, formatValue } from '../errors';

/**
 * Checks `apply` is a function and `start` a [B, d] tensor, and returns `apply` with its results checked to be
 * [B, d] too (Lanczos and power iteration need S square and batched like the start).
 * @internal
 */
export function checkBatchApply(
  where: string,
  apply: (q: tf.Tensor2D) => tf.Tensor2D,
  start: tf.Tensor2D,
): (q: tf.Tensor2D) => tf.Tensor2D {
  if (typeof apply !== 'function') fail(where, 'apply', 'must be a function q[B, d] ↦ S q [B, d]', apply);
  if (!(start instanceof tf.Tensor) || start.rank !== 2 || start.size === 0) {
    fail(
      where,
      'start',
      'must be a non-empty tensor [B, d] (one start vector per sample)',
      start instanceof tf.Tensor ? start.shape : start,
    );
  }
  const [b, d] = start.shape;
  return (q) => {
    const result = apply(q);
    if (!(result instanceof tf.Tensor) || result.rank !== 2 || result.shape[0] !== b || result.shape[1] !== d) {
      const got = result instanceof tf.Tensor ? `shape [${result.shape.join(', ')}]` : formatValue(result);
      throw new ValueError(
        `${where}: apply(q) must return a tensor of shape [${b}, ${d}] (the start's shape); got ${got}.`,
      );
    }
    return result;
  };
}

/**
 * Per-row unit vectors v_b / ‖v_b‖ of a [B, d] batch (a zero row stays zero).
 * @internal
 */
export function normalizeRows(v: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.div(v, tf.maximum(tf.norm(v, 'euclidean', 1, true), 1e-30)) as tf.Tensor2D);
}

/**
 * Per-row inner products ⟨a_b, b_b⟩ of two [B, d] batches: [B].
 * @internal
 */
export function rowDot(a: tf.Tensor, b: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => tf.sum(tf.mul(a, b), 1) as tf.Tensor1D);
}

/**
 * A seeded batch of random unit start vectors, [B, d].
 * @internal
 */
export function randomUnitRows(batchSize: number, dim: number, seed?: number): tf.Tensor2D {
  return tf.tidy(() => normalizeRows(tf.randomNormal([batchSize, dim], 0, 1, 'float32', seed)));
}
