import * as tf from '@tensorflow/tfjs-core';
import { LinearOperator } from './operator';
import { SpectralNormEstimate, project } from './spectral_norm';

/** Options of {@link spectralPenalty}. */
export interface PenaltyOptions {
  /** Penalize σ² (default) or σ. */
  squared?: boolean;
}

/** Per sample [B]: s_b = Σᵢ ‖v_{b,i}ᵀ M_b‖² (output space; ‖M_b v_{b,i}‖² in input space), vectors held fixed. */
export function projectedSquares(m: LinearOperator, estimate: Pick<SpectralNormEstimate, 'vectors' | 'space'>): tf.Tensor1D {
  return tf.tidy(() =>
    tf.addN(tf.unstack(estimate.vectors, 1).map((v) => tf.sum(tf.square(project(m, estimate.space, v)), 1))) as tf.Tensor1D
  );
}

/** mean_b s_b, or mean_b √s_b with `squared: false`. */
export function meanPenalty(squares: tf.Tensor1D, options: PenaltyOptions = {}): tf.Scalar {
  const { squared = true } = options;
  return tf.tidy(() => tf.mean(squared ? squares : tf.sqrt(tf.add(squares, 1e-12))) as tf.Scalar);
}

/**
 * The spectral penalty mean_b ‖v_bᵀ M_b‖². With v the top singular vector this is σ_max², and where σ_max is simple
 * its weight gradient is that of σ_max² (v is stationary). Compute the estimate with `noGradient` and this inside
 * the loss, so the gradient flows through M but not through v.
 */
export function spectralPenalty(m: LinearOperator, estimate: SpectralNormEstimate, options: PenaltyOptions = {}): tf.Scalar {
  return tf.tidy(() => meanPenalty(projectedSquares(m, estimate), options));
}
