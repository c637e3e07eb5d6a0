import * as tf from '@tensorflow/tfjs-core';

/** Per-row unit vectors v_b / ‖v_b‖ of a [B, d] batch (a zero row stays zero). */
export function normalizeRows(v: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.div(v, tf.maximum(tf.norm(v, 'euclidean', 1, true), 1e-30)) as tf.Tensor2D);
}

/** Per-row inner products ⟨a_b, b_b⟩ of two [B, d] batches: [B]. */
export function rowDot(a: tf.Tensor, b: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => tf.sum(tf.mul(a, b), 1) as tf.Tensor1D);
}

/** A seeded batch of random unit start vectors, [B, d]. */
export function randomUnitRows(batchSize: number, dim: number, seed?: number): tf.Tensor2D {
  return tf.tidy(() => normalizeRows(tf.randomNormal([batchSize, dim], 0, 1, 'float32', seed)));
}
