/**
 * A batch of per-sample linear operators A_b: ℝⁿ → ℝᵐ known only through products (scipy's `LinearOperator`,
 * batched). Tensors carry the batch on axis 0: `matvec` maps v[B, ...inShape] to A v [B, ...outShape] and
 * `rmatvec` maps u[B, ...outShape] to Aᵀu [B, ...inShape].
 */
import * as tf from '@tensorflow/tfjs-core';

/** A batch of per-sample linear operators A_b known only through their products A v and Aᵀu (batch on axis 0). */
export interface LinearOperator {
  /** Number of samples B (size of axis 0 of every operand). */
  readonly batchSize: number;
  /** Per-sample shape of the domain (n = its size). */
  readonly inShape: number[];
  /** Per-sample shape of the range (m = its size). */
  readonly outShape: number[];
  /** True when every A_b equals its transpose (then matvec and rmatvec agree). */
  readonly symmetric: boolean;
  /** A v: maps v[B, ...inShape] to [B, ...outShape]. */
  matvec(v: tf.Tensor): tf.Tensor;
  /** Aᵀu (adjoint): maps u[B, ...outShape] to [B, ...inShape]. */
  rmatvec(u: tf.Tensor): tf.Tensor;
  /** Frees tensors the operator holds (e.g. a cached A·1); a no-op for most operators. */
  dispose(): void;
}

/** Number of elements of a per-sample shape. */
export function sizeOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Whether m = n, as the square-only targets (identity, transpose, rowSumDiagonal) require. */
export function isSquare(op: Pick<LinearOperator, 'inShape' | 'outShape'>): boolean {
  return sizeOf(op.inShape) === sizeOf(op.outShape);
}

/** The products of `op` on flattened per-sample vectors: [B, n] → [B, m] and [B, m] → [B, n]. */
export function flatMatvec(op: LinearOperator, v: tf.Tensor): tf.Tensor2D {
  return tf.reshape(op.matvec(tf.reshape(v, [op.batchSize, ...op.inShape])), [op.batchSize, -1]);
}
export function flatRmatvec(op: LinearOperator, u: tf.Tensor): tf.Tensor2D {
  return tf.reshape(op.rmatvec(tf.reshape(u, [op.batchSize, ...op.outShape])), [op.batchSize, -1]);
}

/**
 * The dense per-sample matrices A[B, m, n], built from n matvecs (columns A e_j) or m rmatvecs (rows Aᵀ e_i),
 * whichever is fewer. For small sizes only: tests and the exact reference use it.
 */
export function dense(op: LinearOperator): tf.Tensor3D {
  const m = sizeOf(op.outShape);
  const n = sizeOf(op.inShape);
  const byRows = m < n;
  const count = byRows ? m : n;
  const product = (e: tf.Tensor) => (byRows ? flatRmatvec(op, e) : flatMatvec(op, e));
  return tf.tidy(() => {
    const lines: tf.Tensor2D[] = [];
    for (let j = 0; j < count; j++) {
      const e = tf.tile(tf.cast(tf.oneHot([j], count), 'float32'), [op.batchSize, 1]);
      lines.push(product(e));
    }
    // Columns stack on axis 2 ([B, m, n]); rows on axis 1.
    return tf.stack(lines, byRows ? 1 : 2) as tf.Tensor3D;
  });
}
