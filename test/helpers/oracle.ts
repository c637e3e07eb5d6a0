/**
 * Independent oracles for the core tests: dense derivatives from plain first-order autodiff (one gradient per
 * output component) or from closed forms, and a one-sided Jacobi SVD in float64 that shares nothing with the
 * library's Lanczos / eigen code.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * Top singular triplet of a small dense matrix by one-sided Jacobi (Hestenes) with accumulated rotations, in float64:
 * W = A V is orthogonalized column by column; σ_j = ‖W_j‖, v_j = V_j, u_j = W_j / σ_j. Shares nothing with the
 * library's Lanczos / eigen code.
 */
export function topSingularTriplet(a: number[][]): { sigma: number; u: number[]; v: number[] } {
  const n = a[0].length;
  const w = a.map((row) => row.slice());
  const v = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  const rotate = (rows: number[][], p: number, q: number, c: number, s: number) => {
    for (const row of rows) {
      const [x, y] = [row[p], row[q]];
      row[p] = c * x - s * y;
      row[q] = s * x + c * y;
    }
  };
  for (let sweep = 0; sweep < 60; sweep++) {
    let rotated = false;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        let [alpha, beta, gamma] = [0, 0, 0];
        for (const row of w) {
          alpha += row[p] * row[p];
          beta += row[q] * row[q];
          gamma += row[p] * row[q];
        }
        if (Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        rotate(w, p, q, c, c * t);
        rotate(v, p, q, c, c * t);
      }
    }
    if (!rotated) break;
  }
  const norms = Array.from({ length: n }, (_, j) => Math.sqrt(w.reduce((s, row) => s + row[j] * row[j], 0)));
  const top = norms.indexOf(Math.max(...norms));
  const sigma = norms[top];
  return { sigma, u: w.map((row) => row[top] / sigma), v: v.map((row) => row[top]) };
}

/** Dense helpers in float64 (with matVec and transpose below). */
export const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0);
export const norm = (a: number[]) => Math.sqrt(dot(a, a));
export const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Largest singular value of a dense matrix (one-sided Jacobi on the taller orientation). */
export function topSingularValue(a: number[][]): number {
  return topSingularTriplet(a[0].length <= a.length ? a : transpose(a)).sigma;
}

/** Per-sample Jacobians [B][m][n] of f at x, row i = ∇_x Σ_b f(x)_{b,i} (first-order tf.grad only). */
export function jacobianByRows(f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor): number[][][] {
  return tf.tidy(() => {
    const batch = x.shape[0];
    const m = f(x).size / batch;
    const rows: tf.Tensor[] = [];
    for (let i = 0; i < m; i++) {
      const pick = tf.cast(tf.oneHot(tf.fill([batch], i, 'int32') as tf.Tensor1D, m), 'float32');
      rows.push(
        tf.reshape(tf.grad((z: tf.Tensor) => tf.sum(tf.mul(tf.reshape(f(z), [batch, m]), pick)))(x), [batch, -1]),
      );
    }
    return tf.stack(rows, 1).arraySync() as number[][][];
  });
}

/** Per-sample Hessians [B][n][n] of a per-sample scalar g at x, row i = ∇_x (∂ Σ_b g / ∂x_{b,i}). */
export function hessianByRows(g: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor): number[][][] {
  return tf.tidy(() => {
    const batch = x.shape[0];
    const n = x.size / batch;
    const gradient = (z: tf.Tensor) => tf.reshape(tf.grad((w: tf.Tensor) => tf.sum(g(w)))(z), [batch, n]);
    const rows: tf.Tensor[] = [];
    for (let i = 0; i < n; i++) {
      const pick = tf.cast(tf.oneHot(tf.fill([batch], i, 'int32') as tf.Tensor1D, n), 'float32');
      rows.push(tf.reshape(tf.grad((z: tf.Tensor) => tf.sum(tf.mul(gradient(z), pick)))(x), [batch, -1]));
    }
    return tf.stack(rows, 1).arraySync() as number[][][];
  });
}

/** Central finite differences of f along x's entries: a [B][m][n] Jacobian for the loose check of the oracle. */
export function jacobianByDifferences(f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor, h = 1e-2): number[][][] {
  const batch = x.shape[0];
  const flat = tf.reshape(x, [batch, -1]).arraySync() as number[][];
  const n = flat[0].length;
  const out: number[][][] = [];
  const evalAt = (rows: number[][]) =>
    tf.tidy(() => tf.reshape(f(tf.reshape(tf.tensor(rows), x.shape)), [batch, -1]).arraySync() as number[][]);
  for (let j = 0; j < n; j++) {
    const plus = evalAt(flat.map((r) => r.map((v, k) => (k === j ? v + h : v))));
    const minus = evalAt(flat.map((r) => r.map((v, k) => (k === j ? v - h : v))));
    plus.forEach((row, b) => {
      out[b] = out[b] ?? row.map(() => new Array(n).fill(0));
      row.forEach((p, i) => (out[b][i][j] = (p - minus[b][i]) / (2 * h)));
    });
  }
  return out;
}

export function matVec(a: number[][], v: number[]): number[] {
  return a.map((row) => row.reduce((s, x, j) => s + x * v[j], 0));
}
export function transpose(a: number[][]): number[][] {
  return a[0].map((_, j) => a.map((r) => r[j]));
}
export function maxRelativeError(actual: number[], expected: number[]): number {
  const scale = Math.max(...expected.map(Math.abs), 1e-12);
  return Math.max(...actual.map((x, i) => Math.abs(x - expected[i]))) / scale;
}
