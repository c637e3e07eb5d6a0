import * as tf from '@tensorflow/tfjs-core';
import { fail } from '../errors';
import { LinearOperator } from '../linalg/operator';
import { SpectralNormEstimate, project } from '../linalg/spectral_norm';

/** Options of {@link spectralPenalty}. */
export interface PenaltyOptions {
  /** Penalize σ² (default) or σ. */
  squared?: boolean;
  /**
   * A Lipschitz target L ≥ 0: penalize only the excess, max(0, s_b − L)² (or max(0, s_b − L) with
   * `squared: false`), s_b = ‖v_bᵀM_b‖. Default null: no bound, s_b² (or s_b).
   */
  bound?: number | null;
}

/**
 * Checks a bound: a finite number ≥ 0, or null / undefined (no bound); returns it or null.
 * @internal
 */
export function checkBound(where: string, value: unknown): number | null {
  if (value == null) return null;
  if (!(typeof value === 'number' && Number.isFinite(value) && value >= 0)) {
    fail(where, 'bound', 'must be a finite number ≥ 0 (a Lipschitz target) or null (no bound)', value);
  }
  return value as number;
}

/**
 * Per sample [B]: s_b = Σᵢ ‖v_{b,i}ᵀ M_b‖² (output space; ‖M_b v_{b,i}‖² in input space), vectors held fixed.
 * @internal
 */
export function projectedSquares(
  m: LinearOperator,
  estimate: Pick<SpectralNormEstimate, 'vectors' | 'space'>,
): tf.Tensor1D {
  return tf.tidy(
    () =>
      tf.addN(
        tf.unstack(estimate.vectors, 1).map((v) => tf.sum(tf.square(project(m, estimate.space, v)), 1)),
      ) as tf.Tensor1D,
  );
}

/**
 * From the per-sample squares q_b = s_b²: mean_b q_b, or mean_b √(q_b + 1e-12) with `squared: false`; with a bound
 * L, mean_b max(0, s_b − L)² (or mean_b max(0, s_b − L)), s_b = √max(q_b, 1e-30): exact down to the tiny σ of a
 * confident classifier's loss Hessian (~1e-9), with a finite gradient at q_b = 0.
 * @internal
 */
export function meanPenalty(squares: tf.Tensor1D, options: PenaltyOptions = {}): tf.Scalar {
  const { squared = true, bound = null } = options;
  return tf.tidy(() => {
    if (bound == null) return tf.mean(squared ? squares : tf.sqrt(tf.add(squares, 1e-12))) as tf.Scalar;
    const excess = tf.relu(tf.sub(tf.sqrt(tf.maximum(squares, 1e-30)), bound));
    return tf.mean(squared ? tf.square(excess) : excess) as tf.Scalar;
  });
}

/**
 * The spectral penalty mean_b ‖v_bᵀ M_b‖² (or its bounded form, see `meanPenalty`). With v the top singular
 * vector this is σ_max², and where σ_max is simple its weight gradient is that of σ_max² (v is stationary). Compute
 * the estimate with `noGradient` and this inside the loss, so the gradient flows through M but not through v.
 * ```js
 * const estimate = jr.noGradient(() => jr.estimateSpectralNorm(a, {iterations: 3}));  // v_b: fixed top vectors
 * // mean_b σ_b², with the gradients of the 3 weights J depends on (W₁, b₁, W₂; not the output bias b₂)
 * const {value, grads} = tf.variableGrads(() => jr.spectralPenalty(jr.jacobianOperator(f, x), estimate));
 * console.log(value.shape, Object.keys(grads).length);  // → [], 3
 * ```
 */
export function spectralPenalty(
  m: LinearOperator,
  estimate: SpectralNormEstimate,
  options: PenaltyOptions = {},
): tf.Scalar {
  return tf.tidy(() => meanPenalty(projectedSquares(m, estimate), options));
}
