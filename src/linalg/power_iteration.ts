import * as tf from '@tensorflow/tfjs-core';
import { checkInteger, checkOptions } from '../errors';
import { checkBatchApply, normalizeRows, rowDot } from './batched_vectors';

/** Options of {@link powerIteration}. */
export interface PowerIterationOptions {
  /** Products with S (an integer ≥ 1). */
  steps: number;
}

/** What {@link powerIteration} returns: per sample the top eigenvalue estimate and vector. */
export interface PowerIterationResult {
  /** Rayleigh quotient q_{k−1}ᵀ S q_{k−1} per sample (free: it reuses the last product). */
  values: number[];
  /** q_k = S q_{k−1} / ‖S q_{k−1}‖ per sample, [B, d] (a zero product keeps q_{k−1}). */
  vectors: tf.Tensor2D;
  /** Products with S made (the batch shares them). */
  steps: number;
}

/**
 * Batched power iteration q_{j+1} = S q_j / ‖S q_j‖ for `steps` products with S, from start[B, d].
 * ```js
 * const s = tf.tensor2d([[2, 0], [0, 5]]);  // the error shrinks by 2/5 per step
 * const {values} = jr.powerIteration((q) => tf.matMul(q, s), tf.ones([1, 2]), {steps: 30});
 * console.log(values);  // → [5]
 * ```
 * @throws ValueError unless steps is an integer ≥ 1, start a [B, d] tensor and apply(q) [B, d].
 */
export function powerIteration(
  apply: (q: tf.Tensor2D) => tf.Tensor2D,
  start: tf.Tensor2D,
  options: PowerIterationOptions,
): PowerIterationResult {
  const steps = checkInteger(
    'jr.powerIteration',
    'steps',
    checkOptions('jr.powerIteration', options ?? null, ['steps']).steps,
    1,
  );
  apply = checkBatchApply('jr.powerIteration', apply, start);
  let q = normalizeRows(start);
  let values: number[] = [];
  for (let j = 0; j < steps; j++) {
    const [next, rayleigh] = tf.tidy(() => {
      const w = apply(q);
      const zero = tf.equal(tf.norm(w, 'euclidean', 1, true), 0);
      return [tf.where(zero, q, normalizeRows(w)) as tf.Tensor2D, rowDot(w, q)];
    });
    values = Array.from(rayleigh.dataSync());
    rayleigh.dispose();
    q.dispose();
    q = next;
  }
  return { values, vectors: q, steps };
}
