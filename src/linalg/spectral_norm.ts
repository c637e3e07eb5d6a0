/**
 * Top singular value σ_max(M_b) and the vector that attains it, per sample, for M = A − T given as an operator.
 *
 * Where the estimate runs ("space"): on M itself when M is symmetric (σ = |λ|max), else on the Gram matrix in the
 * smaller space — MMᵀ (output space, m ≤ n: a classifier's Jacobian) or MᵀM (input space) — where σ² = λmax.
 * The vectors v then give the penalty products: ‖Mᵀv‖² (output space) or ‖Mv‖² (input space, self).
 */
import * as tf from '@tensorflow/tfjs-core';
import { checkBoolean, checkInteger, checkNumber, checkOneOf, checkOptions, fail } from '../errors';
import { randomUnitRows } from './batched_vectors';
import { exactTopEigen } from './exact';
import { lanczos } from './lanczos';
import { LinearOperator, checkedOperator, dense, flatMatvec, flatRmatvec, sizeOf } from './operator';
import { powerIteration } from './power_iteration';

/**
 * Estimator of σ_max: 'lanczos' (batched Lanczos, the paper's), 'power' (power iteration), 'hutchinson' (random
 * projections: a Frobenius-norm bound) or 'exact' (dense eigen-decomposition, small sizes only).
 */
export type Method = 'lanczos' | 'power' | 'hutchinson' | 'exact';
/** All {@link Method} names. */
export const METHODS: readonly Method[] = ['lanczos', 'power', 'hutchinson', 'exact'];
/** Where the estimate runs: the output space (MMᵀ), the input space (MᵀM), or M itself when symmetric ('self'). */
export type Space = 'output' | 'input' | 'self';

/** Options of {@link estimateSpectralNorm}. */
export interface SpectralNormOptions {
  /** Estimator. Default 'lanczos'. */
  method?: Method;
  /** Products with the Gram matrix (or with M when symmetric); for 'hutchinson', random projections. Default 8. */
  iterations?: number;
  /** Seed of the random start (or projection) vectors. */
  seed?: number;
  /** Lanczos only: early-stop tolerance on the Ritz residual (see `lanczos`). */
  tol?: number;
  /** Lanczos only: full re-orthogonalization. Default true. */
  reorthogonalize?: boolean;
}

/** What {@link estimateSpectralNorm} returns: per sample σ_max(M_b) and the vectors that attain it. */
export interface SpectralNormEstimate {
  /**
   * Per sample [B]: the σ_max estimate; for 'hutchinson' the Frobenius estimate (Σᵢ‖Mᵀvᵢ‖²)^½, which is ≥ σ_max.
   */
  sigma: tf.Tensor1D;
  /** Per sample p vectors [B, p, d] in `space`: p = 1 unit vector, or p random projections for 'hutchinson'. */
  vectors: tf.Tensor3D;
  /** The space the estimate ran in: M itself when symmetric, else the smaller of output (MMᵀ) and input (MᵀM). */
  space: Space;
  /** Products made with M or Mᵀ (a Gram product counts two). */
  products: number;
}

/**
 * Symmetric M: itself; otherwise the smaller of the output (m) and input (n) space.
 * @internal
 */
export function chooseSpace(m: LinearOperator): Space {
  if (m.symmetric) return 'self';
  return sizeOf(m.outShape) <= sizeOf(m.inShape) ? 'output' : 'input';
}

/**
 * The penalty product of a vector v[B, d] in `space`: Mᵀv (output space) or Mv (input space, self).
 * @internal
 */
export function project(m: LinearOperator, space: Space, v: tf.Tensor): tf.Tensor2D {
  return space === 'output' ? flatRmatvec(m, v) : flatMatvec(m, v);
}

/** S v for the operator the estimate runs on: MMᵀv (output), MᵀMv (input) or Mv (self); flat [B, d]. */
function gramProduct(m: LinearOperator, space: Space, v: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    if (space === 'self') return flatMatvec(m, v);
    return space === 'output' ? flatMatvec(m, flatRmatvec(m, v)) : flatRmatvec(m, flatMatvec(m, v));
  });
}

/** Dimension d of the space the estimate runs in. */
function spaceDim(m: LinearOperator, space: Space): number {
  return sizeOf(space === 'output' ? m.outShape : m.inShape);
}

/**
 * The keys of {@link SpectralNormOptions}.
 * @internal
 */
export const SPECTRAL_NORM_OPTIONS = ['method', 'iterations', 'seed', 'tol', 'reorthogonalize'] as const;
/**
 * Checks the values of the estimator's options, naming `where` (a public name) in errors: method one of
 * {@link METHODS}, iterations an integer ≥ 1, seed an integer, tol a finite number ≥ 0, reorthogonalize a boolean.
 * @internal
 */
export function checkSpectralNormOptions(where: string, options: SpectralNormOptions): void {
  const { method, iterations, seed, tol, reorthogonalize } = options;
  if (method !== undefined) checkOneOf(where, 'method', method, METHODS);
  if (iterations !== undefined) checkInteger(where, 'iterations', iterations, 1);
  if (seed != null && !(typeof seed === 'number' && Number.isInteger(seed)))
    fail(where, 'seed', 'must be an integer or undefined', seed);
  if (tol !== undefined) checkNumber(where, 'tol', tol, { min: 0 });
  if (reorthogonalize !== undefined) checkBoolean(where, 'reorthogonalize', reorthogonalize);
}

/**
 * Estimates σ_max(M_b) per sample with `method`; no gradient is recorded by the caller's products' tensors.
 * `where` names the public entry point in errors.
 * ```js
 * // a = J of the logits, 3×4: the estimate runs on JJᵀ (3×3), where 3 Lanczos steps are exact
 * const {sigma, space, products} = jr.estimateSpectralNorm(a, {method: 'lanczos', iterations: 3, seed: 0});
 * console.log(space, sigma.shape, products);  // → 'output', [8], 6
 * ```
 * @throws ValueError for an unknown option or a bad value, an operator without its fields, or a product of the
 * wrong shape.
 */
export function estimateSpectralNorm(
  m: LinearOperator,
  options: SpectralNormOptions = {},
  where = 'jr.estimateSpectralNorm',
): SpectralNormEstimate {
  checkOptions(where, options, SPECTRAL_NORM_OPTIONS);
  checkSpectralNormOptions(where, options);
  m = checkedOperator(where, m);
  const { method = 'lanczos', iterations = 8, seed } = options;
  const space = chooseSpace(m);
  const dim = spaceDim(m, space);
  const perGram = space === 'self' ? 1 : 2;
  const which = space === 'self' ? 'largestMagnitude' : 'largest';
  const toSigma = (values: number[]) =>
    tf.tensor1d(values.map((v) => (space === 'self' ? Math.abs(v) : Math.sqrt(Math.max(v, 0)))));
  const single = (vectors: tf.Tensor2D) => {
    const result = tf.expandDims(vectors, 1) as tf.Tensor3D;
    vectors.dispose();
    return result;
  };
  const apply = (v: tf.Tensor2D) => gramProduct(m, space, v);

  if (method === 'hutchinson') {
    return tf.tidy(() => {
      const vectors = randomProjections(m, iterations, seed);
      const squares = tf.unstack(vectors, 1).map((v) => tf.sum(tf.square(project(m, space, v)), 1));
      return { sigma: tf.sqrt(tf.addN(squares)) as tf.Tensor1D, vectors, space, products: iterations };
    });
  }
  if (method === 'exact') {
    const { values, vectors } = tf.tidy(() => {
      const mat = dense(m); // [B, rows, cols]
      const s =
        space === 'self'
          ? mat
          : space === 'output'
            ? tf.matMul(mat, mat, false, true)
            : tf.matMul(mat, mat, true, false);
      return exactTopEigen(s as tf.Tensor3D, which);
    });
    return {
      sigma: toSigma(values),
      vectors: single(vectors),
      space,
      products: Math.min(sizeOf(m.inShape), sizeOf(m.outShape)),
    };
  }
  const start = randomUnitRows(m.batchSize, dim, seed);
  try {
    if (method === 'power') {
      const { values, vectors, steps } = powerIteration(apply, start, { steps: iterations });
      return { sigma: toSigma(values), vectors: single(vectors), space, products: steps * perGram };
    }
    const { values, vectors, steps } = lanczos(apply, start, {
      steps: iterations,
      which,
      tol: options.tol,
      reorthogonalize: options.reorthogonalize,
    });
    return { sigma: toSigma(values), vectors: single(vectors), space, products: steps * perGram };
  } finally {
    start.dispose();
  }
}

/**
 * p Hutchinson projections per sample in the estimate's space, [B, p, d]: vᵢ ~ N(0, I)/√p, so that
 * E Σᵢ ‖Mᵀvᵢ‖² = ‖M‖²_F (Hoffman et al. 2019).
 * @internal
 */
export function randomProjections(m: LinearOperator, count: number, seed?: number): tf.Tensor3D {
  checkInteger('jr.randomProjections', 'count', count, 1);
  if (seed != null && !Number.isInteger(seed))
    fail('jr.randomProjections', 'seed', 'must be an integer or undefined', seed);
  const dim = spaceDim(m, chooseSpace(m));
  return tf.tidy(
    () => tf.div(tf.randomNormal([m.batchSize, count, dim], 0, 1, 'float32', seed), Math.sqrt(count)) as tf.Tensor3D,
  );
}
