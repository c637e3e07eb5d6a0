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

/** Dense helpers in float64. */
export const transpose = (a: number[][]) => a[0].map((_, j) => a.map((r) => r[j]));
export const matVec = (a: number[][], x: number[]) => a.map((r) => r.reduce((s, v, j) => s + v * x[j], 0));
export const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0);
export const norm = (a: number[]) => Math.sqrt(dot(a, a));
export const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
