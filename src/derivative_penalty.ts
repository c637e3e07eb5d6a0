/**
 * The two steps of spectral norm minimization for one batch, on M = A − T with A the input-Jacobian of f or the
 * input-Hessian of a per-sample scalar g:
 *   1. off the tape: v = top vector of MMᵀ (or of M when symmetric) by Lanczos / power iteration / exact,
 *      or random projections (Hutchinson);
 *   2. on the tape: penalty = mean_b ‖v_bᵀ M_b‖² with v held fixed.
 */
import * as tf from '@tensorflow/tfjs-core';
import { noGradient } from './autodiff/no_gradient';
import { BatchFunction } from './autodiff/products';
import { hessianOperator } from './linalg/operators/hessian';
import { jacobianOperator } from './linalg/operators/jacobian';
import { difference } from './linalg/operators/difference';
import { LinearOperator } from './linalg/operator';
import { PenaltyOptions, meanPenalty, projectedSquares } from './linalg/penalty';
import { SpectralNormEstimate, SpectralNormOptions, chooseSpace, estimateSpectralNorm, randomProjections } from './linalg/spectral_norm';
import { Target, TargetName, UserOperator, resolveTarget } from './linalg/targets/index';

/** Options of {@link jacobianPenalty}, {@link hessianPenalty} and {@link operatorPenalty}: the estimator's, the penalty's, and the target T. */
export interface DerivativePenaltyOptions extends SpectralNormOptions, PenaltyOptions {
  /** T in ‖A − T‖: a name, a user operator {matvec, rmatvec}, or a Target. Default 'zero'. */
  target?: TargetName | UserOperator | Target;
}

/**
 * What {@link jacobianPenalty} and {@link hessianPenalty} return: the differentiable penalty and the σ estimate.
 * ```js
 * const { penalty, sigma } = jr.jacobianPenalty(f, x, { target: 'zero', iterations: 4 });
 * ```
 */
export interface DerivativePenalty {
  /** mean_b ‖v_bᵀ(A − T)_b‖² (or its square root per sample): differentiable w.r.t. the weights. */
  penalty: tf.Scalar;
  /** Per-sample estimate of ‖A − T‖₂ (Frobenius for 'hutchinson'), [B]; a constant. */
  sigma: tf.Tensor1D;
}

/**
 * The spectral penalty of M = A − T for an operator A made by `makeA`: off the tape for the estimate, on the tape for
 * the penalty (Hutchinson needs no estimate: its random projections are the penalty's vectors).
 */
export function operatorPenalty(makeA: () => LinearOperator, options: DerivativePenaltyOptions = {}): DerivativePenalty {
  const target = resolveTarget(options.target);
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
          return estimateSpectralNorm(m, options);
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
      const sigma = estimate ? estimate.sigma.clone() : noGradient(() => tf.sqrt(squares));
      return { penalty: meanPenalty(squares, options), sigma: sigma as tf.Tensor1D };
    });
  } finally {
    m.dispose();
    if (estimate) tf.dispose([estimate.sigma, estimate.vectors]);
  }
}

/** Hutchinson in training: only the projections (their products are the penalty itself); σ is filled in later. */
function hutchinsonEstimate(m: LinearOperator, options: SpectralNormOptions): Omit<SpectralNormEstimate, 'sigma'> {
  return { vectors: randomProjections(m, options.iterations ?? 8, options.seed), space: chooseSpace(m), products: 0 };
}

/** Jacobian penalty ‖v_bᵀ(J − T)_b‖², J = ∂f(x)/∂x per sample. */
export function jacobianPenalty(f: BatchFunction, x: tf.Tensor, options: DerivativePenaltyOptions = {}): DerivativePenalty {
  return operatorPenalty(() => jacobianOperator(f, x), options);
}

/** Hessian penalty ‖v_bᵀ(H − T)_b‖², H = ∂²g(x)/∂x² per sample for a per-sample scalar g: x ↦ [B]. */
export function hessianPenalty(g: BatchFunction, x: tf.Tensor, options: DerivativePenaltyOptions = {}): DerivativePenalty {
  return operatorPenalty(() => hessianOperator(g, x), options);
}
