/** Eigenvalues and unit eigenvectors of a symmetric matrix, as {@link symmetricEigen} returns them. */
export interface EigenPairs {
  /** Eigenvalues, unsorted. */
  values: number[];
  /** vectors[i] is the unit eigenvector of values[i]. */
  vectors: number[][];
}

/**
 * Eigen-decomposition of a small dense symmetric matrix in float64 on the host (cyclic Jacobi rotations).
 * Used for Lanczos' tridiagonal matrices and for the exact reference; sizes are tens, not thousands.
 * @internal
 */
export function symmetricEigen(matrix: number[][]): EigenPairs {
  const n = matrix.length;
  const a = matrix.map((row) => row.slice());
  const v: number[][] = a.map((_, i) => a.map((__, j) => (i === j ? 1 : 0)));
  const norm2 = a.reduce((s, row) => s + row.reduce((t, x) => t + x * x, 0), 0);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p][q] * a[p][q];
    if (off <= 1e-30 * norm2 || off === 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (a[p][q] === 0) continue;
        // Rotation angle that zeroes a[p][q]: t = tan θ solves t² + 2τt − 1 = 0, τ = (a_qq − a_pp) / (2 a_pq).
        const tau = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const t = (tau >= 0 ? 1 : -1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k][p];
          const akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p][k];
          const aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k][p];
          const vkq = v[k][q];
          v[k][p] = c * vkp - s * vkq;
          v[k][q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { values: a.map((row, i) => row[i]), vectors: a.map((_, i) => v.map((row) => row[i])) };
}

/** Which end of the spectrum: the largest eigenvalue (a Gram matrix), or the largest |λ| (a symmetric M). */
export type Which = 'largest' | 'largestMagnitude';

/**
 * Index of the top eigenvalue by `which`.
 * @internal
 */
export function topIndex(values: number[], which: Which): number {
  const key = (x: number) => (which === 'largest' ? x : Math.abs(x));
  let best = 0;
  for (let i = 1; i < values.length; i++) if (key(values[i]) > key(values[best])) best = i;
  return best;
}
