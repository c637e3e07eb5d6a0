/**
 * The two steps of spectral norm minimization for one batch, on M = A − T with A the input-Jacobian of f or the
 * input-Hessian of a per-sample scalar g:
 *   1. off the tape: v = top vector of MMᵀ (or of M when symmetric) by Lanczos / power iteration / exact,
 *      or random projections (Hutchinson);
 *   2. on the tape: penalty = mean_b ‖v_bᵀ M_b‖² with v held fixed; with a bound L (a Lipschitz target),
 *      mean_b max(0, ‖v_bᵀ M_b‖ − L)².
 */
import * as tf from '@tensorflow/tfjs-core';
import { noGradient } from '../autodiff/no_gradient';
import { BatchFunction } from '../autodiff/products';
import { hessianOperator } from '../linalg/operators/hessian';
import { jacobianOperator } from '../linalg/operators/jacobian';
import { difference } from '../linalg/operators/difference';
import { LinearOperator } from '../linalg/operator';
import { PenaltyOptions, checkBound, meanPenalty, projectedSquares } from './spectral';
import {
  SPECTRAL_NORM_OPTIONS,
  Space,
  SpectralNormEstimate,
  SpectralNormOptions,
  checkSpectralNormOptions,
  chooseSpace,
  estimateSpectralNorm,
  randomProjections,
} from '../linalg/spectral_norm';
import { checkBoolean, checkOptions } from '../errors';
import { Target, TargetName, UserOperator, resolveTarget } from '../linalg/targets/index';

/** Options of {@link jacobianPenalty}, {@link hessianPenalty} and {@link operatorPenalty}: the estimator's, the penalty's, and the target T. */
export interface DerivativePenaltyOptions extends SpectralNormOptions, PenaltyOptions {
  /** T in ‖A − T‖: a name, a user operator {matvec, rmatvec}, or a Target. Default 'zero'. */
  target?: TargetName | UserOperator | Target;
}

/**
 * What {@link jacobianPenalty} and {@link hessianPenalty} return: the differentiable penalty, the σ estimate, and
 * the fixed vectors v the penalty used. `sigma` and `vectors` are constants (no gradient) that the caller disposes.
 * ```js
 * const {penalty, sigma, vectors, space} = jr.jacobianPenalty(f, x, {target: 'zero', iterations: 4});
 * console.log(space, vectors.shape);  // → 'output', [8, 1, 3]
 * tf.dispose([sigma, vectors]);  // the penalty joins the loss
 * ```
 */
export interface DerivativePenalty {
  /**
   * mean_b ‖v_bᵀ(A − T)_b‖² (or its square root per sample); with a bound L, mean_b max(0, ‖v_bᵀ(A − T)_b‖ − L)²:
   * differentiable w.r.t. the weights.
   */
  penalty: tf.Scalar;
  /** Per-sample estimate of ‖A − T‖₂ (Frobenius for 'hutchinson'), [B]; a constant. */
  sigma: tf.Tensor1D;
  /**
   * The vectors held fixed in the penalty, [B, p, d] as `estimateSpectralNorm` gives them, in `space`: p = 1 unit
   * top vector (a left singular vector of A − T in the output space, d = m; a right one in the input space, d = n;
   * an eigenvector of a symmetric A − T), or p random projections for 'hutchinson'. A constant.
   */
  vectors: tf.Tensor3D;
  /** The space `vectors` live in: 'output' (MMᵀ), 'input' (MᵀM) or 'self' (symmetric M). */
  space: Space;
}

/**
 * The spectral penalty of M = A − T for an operator A made by `makeA`: off the tape for the estimate, on the tape for
 * the penalty (Hutchinson needs no estimate: its random projections are the penalty's vectors).
 * ```js
 * const makeA = () => jr.linearizedJacobian(model.layers[0], x);  // J of dense(8, tanh): 8×4 per sample
 * const {penalty, sigma, space} = jr.operatorPenalty(makeA, {method: 'exact'});
 * console.log(space, sigma.shape);  // → 'input', [8]
 * ```
 * @throws ValueError when `bound` is not a finite number ≥ 0 (or null).
 */
export function operatorPenalty(
  makeA: () => LinearOperator,
  options: DerivativePenaltyOptions = {},
): DerivativePenalty {
  return penaltyOf('jr.operatorPenalty', makeA, options);
}

/** The keys of {@link DerivativePenaltyOptions}. */
const PENALTY_OPTIONS = [...SPECTRAL_NORM_OPTIONS, 'target', 'squared', 'bound'] as const;

function penaltyOf(where: string, makeA: () => LinearOperator, options: DerivativePenaltyOptions): DerivativePenalty {
  const {
    target: targetOption,
    squared,
    bound,
    ...estimatorOptions
  } = checkOptions(where, options, PENALTY_OPTIONS) as DerivativePenaltyOptions;
  checkSpectralNormOptions(where, estimatorOptions);
  checkBound(where, bound);
  if (squared !== undefined) checkBoolean(where, 'squared', squared);
  const target = resolveTarget(targetOption, where);
  const makeM = () => {
    const a = makeA();
    return difference(a, target(a));
  };
  const hutchinson = options.method === 'hutchinson';
  const estimate = hutchinson
    ? null
    : noGradient(() => {
        const m = makeM();
        try {
          return estimateSpectralNorm(m, estimatorOptions, where);
        } finally {
          m.dispose();
        }
      });
  const m = makeM();
  try {
    return tf.tidy(() => {
      const e = estimate ?? hutchinsonEstimate(m, options);
      const squares = projectedSquares(m, e);
      // Hutchinson's σ: the Frobenius estimate (Σᵢ‖Mᵀvᵢ‖²)^½ of the same products, as a constant.
      const sigma = estimate ? estimate.sigma : (noGradient(() => tf.sqrt(squares)) as tf.Tensor1D);
      return { penalty: meanPenalty(squares, options), sigma, vectors: e.vectors, space: e.space };
    });
  } catch (error) {
    if (estimate) tf.dispose([estimate.sigma, estimate.vectors]);
    throw error;
  } finally {
    m.dispose();
  }
}

/** Hutchinson in training: only the projections (their products are the penalty itself); σ is filled in later. */
function hutchinsonEstimate(m: LinearOperator, options: SpectralNormOptions): Omit<SpectralNormEstimate, 'sigma'> {
  return { vectors: randomProjections(m, options.iterations ?? 8, options.seed), space: chooseSpace(m), products: 0 };
}

/**
 * Jacobian penalty ‖v_bᵀ(J − T)_b‖² (bounded: max(0, ‖v_bᵀ(J − T)_b‖ − L)²), J = ∂f(x)/∂x per sample.
 * ```js
 * const {penalty, sigma} = jr.jacobianPenalty(f, x, {iterations: 3});  // penalty = mean_b σ_max(J_b)²
 * console.log(sigma.shape, penalty.shape);  // → [8], []
 * ```
 */
export function jacobianPenalty(
  f: BatchFunction,
  x: tf.Tensor,
  options: DerivativePenaltyOptions = {},
): DerivativePenalty {
  return penaltyOf('jr.jacobianPenalty', () => jacobianOperator(f, x), options);
}

/**
 * Hessian penalty ‖v_bᵀ(H − T)_b‖² (bounded: max(0, ‖v_bᵀ(H − T)_b‖ − L)²), H = ∂²g(x)/∂x² per sample for a
 * per-sample scalar g: x ↦ [B].
 * ```js
 * const {penalty, sigma} = jr.hessianPenalty(g, x, {method: 'exact'});  // H_b = diag(tanh''(x_b))
 * console.log(sigma.shape, penalty.shape);  // → [8], []
 * ```
 */
export function hessianPenalty(
  g: BatchFunction,
  x: tf.Tensor,
  options: DerivativePenaltyOptions = {},
): DerivativePenalty {
  return penaltyOf('jr.hessianPenalty', () => hessianOperator(g, x), options);
}
