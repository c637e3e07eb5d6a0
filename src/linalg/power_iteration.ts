import * as tf from '@tensorflow/tfjs-core';
import { normalizeRows, rowDot } from './batched_vectors';

/** What {@link powerIteration} returns: per sample the top eigenvalue estimate and vector. */
export interface PowerIterationResult {
  /** Rayleigh quotient q_{k−1}ᵀ S q_{k−1} per sample (free: it reuses the last product). */
  values: number[];
  /** q_k = S q_{k−1} / ‖S q_{k−1}‖ per sample, [B, d] (a zero product keeps q_{k−1}). */
  vectors: tf.Tensor2D;
  /** Products with S made (the batch shares them). */
  steps: number;
}

/** Batched power iteration q_{j+1} = S q_j / ‖S q_j‖ for `steps` products with S, from start[B, d]. */
export function powerIteration(apply: (q: tf.Tensor2D) => tf.Tensor2D, start: tf.Tensor2D, steps: number): PowerIterationResult {
  if (!(steps >= 1)) throw new Error(`powerIteration: steps must be ≥ 1, got ${steps}.`);
  let q = normalizeRows(start);
  let values: number[] = [];
  for (let j = 0; j < Math.floor(steps); j++) {
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
  return { values, vectors: q, steps: Math.floor(steps) };
}
