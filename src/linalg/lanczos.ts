/**
 * Batched ("parallelized") Lanczos: one independent recurrence per sample, every product one batched call.
 *
 * For a symmetric S_b and unit q₀: w = S q_j − α_j q_j − β_{j−1} q_{j−1}, α_j = q_jᵀ S q_j, β_j = ‖w‖,
 * q_{j+1} = w / β_j. Then Q_kᵀ S Q_k = T_k (tridiagonal α, β) and the Ritz pairs (θ, Q_k s) of T_k approximate S's
 * extreme eigenpairs; the residual of a pair is ‖S y − θ y‖ = β_k |s_k|.
 */
import * as tf from '@tensorflow/tfjs-core';
import { checkBoolean, checkInteger, checkNumber, checkOneOf, checkOptions } from '../errors';
import { checkBatchApply, normalizeRows, rowDot } from './batched_vectors';
import { Which, symmetricEigen, topIndex } from './symmetric_eigen';

/** Options of {@link lanczos}. */
export interface LanczosOptions {
  /** Number of products with S (Krylov dimension); capped at the vector dimension d. */
  steps: number;
  /** Re-orthogonalize every new vector against the whole basis (classical Gram-Schmidt, twice). Default true. */
  reorthogonalize?: boolean;
  /** Stop once every sample's top Ritz pair has residual ≤ tol·|θ|. Default 1e-4; 0 runs all steps. */
  tol?: number;
  /** β_j ≤ breakdownTol·(largest |α|, β seen) ends that sample's recurrence (invariant subspace). Default 1e-6. */
  breakdownTol?: number;
  /** 'largest' θ (for a Gram matrix MMᵀ) or 'largestMagnitude' |θ| (for a symmetric M). Default 'largest'. */
  which?: Which;
}

/** What {@link lanczos} returns: the top Ritz pair per sample and the tridiagonal coefficients of T. */
export interface LanczosResult {
  /** Top Ritz value θ per sample. */
  values: number[];
  /** Top Ritz vector per sample, unit norm, [B, d]. */
  vectors: tf.Tensor2D;
  /** Products with S made (the batch shares them). */
  steps: number;
  /** Per sample the diagonal α and off-diagonal β of T (β has one more entry: the last residual coupling). */
  alphas: number[][];
  /** Per sample the off-diagonal β of T; its last entry β_k couples T to the next (unbuilt) Lanczos vector. */
  betas: number[][];
}

/** A Ritz pair (θ, Q_k s) of the tridiagonal T, as {@link topRitzPair} returns it. */
export interface RitzPair {
  /** Ritz value θ, an eigenvalue of T. */
  value: number;
  /** Its unit eigenvector s of T: the Ritz vector's coefficients in the Lanczos basis. */
  coefficients: number[];
  /** Residual ‖S y − θ y‖ = β_k |s_k| of the Ritz vector y = Q_k s. */
  residual: number;
}

/**
 * Top Ritz pair of the tridiagonal (α, β): θ, its coefficients s in the Lanczos basis, and residual β_k |s_k|.
 * @internal
 */
export function topRitzPair(alphas: number[], betas: number[], which: Which): RitzPair {
  const k = alphas.length;
  const t = alphas.map((a, i) =>
    alphas.map((_, j) => (i === j ? a : Math.abs(i - j) === 1 ? betas[Math.min(i, j)] : 0)),
  );
  const { values, vectors } = symmetricEigen(t);
  const top = topIndex(values, which);
  const s = vectors[top];
  return { value: values[top], coefficients: s, residual: Math.abs((betas[k - 1] ?? 0) * s[k - 1]) };
}

/** The keys of {@link LanczosOptions}. */
const LANCZOS_OPTIONS = ['steps', 'reorthogonalize', 'tol', 'breakdownTol', 'which'] as const;

/**
 * Runs Lanczos on y ↦ S y (batched [B, d] → [B, d]) from start[B, d] (normalized here).
 * ```js
 * const s = tf.tensor2d([[2, 0, 0], [0, 5, 0], [0, 0, 1]]);  // one sample, S = diag(2, 5, 1)
 * const {values, steps} = jr.lanczos((q) => tf.matMul(q, s), tf.ones([1, 3]), {steps: 3});
 * console.log(values, steps);  // → [5], 3
 * ```
 * @throws ValueError for an unknown option or a bad value, a start that is not [B, d], or apply(q) not [B, d].
 */
export function lanczos(
  apply: (q: tf.Tensor2D) => tf.Tensor2D,
  start: tf.Tensor2D,
  options: LanczosOptions,
): LanczosResult {
  const where = 'jr.lanczos';
  checkOptions(where, options, LANCZOS_OPTIONS);
  const {
    steps: maxProducts,
    reorthogonalize = true,
    tol = 1e-4,
    breakdownTol = 1e-6,
    which = 'largest',
  } = options ?? ({} as LanczosOptions);
  checkInteger(where, 'steps', maxProducts, 1);
  checkBoolean(where, 'reorthogonalize', reorthogonalize);
  checkNumber(where, 'tol', tol, { min: 0 });
  checkNumber(where, 'breakdownTol', breakdownTol, { min: 0 });
  checkOneOf(where, 'which', which, ['largest', 'largestMagnitude'] as const);
  apply = checkBatchApply(where, apply, start);
  const [batchSize, dim] = start.shape;
  const maxSteps = Math.min(maxProducts, dim);
  const basis: tf.Tensor2D[] = [normalizeRows(start)];
  const alphas: number[][] = Array.from({ length: batchSize }, () => []);
  const betas: number[][] = Array.from({ length: batchSize }, () => []);
  const scale = new Array<number>(batchSize).fill(0);
  const active = new Array<boolean>(batchSize).fill(true);
  let ritz: ReturnType<typeof topRitzPair>[] = [];
  for (let j = 0; j < maxSteps; j++) {
    const q = basis[j];
    const previous = j > 0 ? basis[j - 1] : null;
    const previousBeta = betas.map((b) => (j > 0 ? (b[j - 1] ?? 0) : 0));
    const [w, alpha, beta] = tf.tidy(() => {
      let w: tf.Tensor2D = apply(q);
      const alpha = rowDot(w, q);
      w = tf.sub(w, tf.mul(tf.expandDims(alpha, 1), q));
      if (previous != null) w = tf.sub(w, tf.mul(tf.tensor2d(previousBeta, [batchSize, 1]), previous));
      if (reorthogonalize) {
        const stacked = tf.stack(basis, 1); // [B, j+1, d]
        for (let pass = 0; pass < 2; pass++) {
          const coefficients = tf.sum(tf.mul(stacked, tf.expandDims(w, 1)), 2, true); // [B, j+1, 1]
          w = tf.sub(w, tf.sum(tf.mul(stacked, coefficients), 1));
        }
      }
      return [w, alpha, tf.norm(w, 'euclidean', 1)] as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
    });
    // One read per product: α and β feed the host-side tridiagonal eigen-solve and the early stop.
    const both = tf.concat([alpha, beta]);
    const values = both.dataSync();
    const [alphaValues, betaValues] = [values.subarray(0, batchSize), values.subarray(batchSize)];
    tf.dispose([alpha, beta, both]);
    const inverseBeta = new Array<number>(batchSize).fill(0);
    for (let b = 0; b < batchSize; b++) {
      if (!active[b]) continue;
      scale[b] = Math.max(scale[b], Math.abs(alphaValues[b]), betaValues[b]);
      const brokeDown = !(betaValues[b] > breakdownTol * scale[b]);
      alphas[b].push(alphaValues[b]);
      betas[b].push(brokeDown ? 0 : betaValues[b]);
      if (brokeDown) active[b] = false;
      else inverseBeta[b] = 1 / betaValues[b];
    }
    ritz = alphas.map((a, b) => topRitzPair(a, betas[b], which));
    const converged = ritz.every((r, b) => !active[b] || (tol > 0 && r.residual <= tol * Math.abs(r.value)));
    if (converged || j + 1 === maxSteps) {
      w.dispose();
      break;
    }
    // Samples that broke down continue with q = 0: their α, β stay out of T.
    basis.push(tf.tidy(() => tf.mul(w, tf.tensor2d(inverseBeta, [batchSize, 1]))));
    w.dispose();
  }
  const steps = basis.length;
  const vectors = tf.tidy(() => {
    const coefficients = ritz.map((r) => [...r.coefficients, ...new Array(steps - r.coefficients.length).fill(0)]);
    const combined = tf.sum(
      tf.mul(tf.stack(basis, 1), tf.expandDims(tf.tensor2d(coefficients, [batchSize, steps]), 2)),
      1,
    );
    return normalizeRows(combined as tf.Tensor2D);
  });
  basis.forEach((q) => q.dispose());
  return { values: ritz.map((r) => r.value), vectors, steps, alphas, betas };
}
