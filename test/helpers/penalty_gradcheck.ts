/**
 * Weight-gradient checks of the package's own penalties, for the layer matrix (test/keras/differentiable/*.test.ts).
 *
 *   order 2: P(W) = jr.regularizers.jacobian(...).penalty(model, x)  = mean_b Σᵢ ‖(J_b)ᵀ uᵢ‖²  (or ‖J_b uᵢ‖²)
 *   order 3: Q(W) = jr.regularizers.hessian({scalar: 'sum'}).penalty(model, x) = mean_b Σᵢ ‖H_b uᵢ‖²
 * with the estimator 'hutchinson' and a fixed seed, so the vectors uᵢ do not depend on W and P, Q are smooth
 * functions of the weights: their autodiff gradient (what training uses) must equal central differences.
 * This runs exactly the package's code path (regularizer.penalty → linearized / double-VJP Jacobian operator,
 * or the HVP operator); only the choice of vectors differs from training (Lanczos there, held fixed as here).
 *
 * Piecewise-linear layers (max pooling, maximum, relu) have kinks: where the forward and backward one-sided
 * differences of a coordinate disagree, autodiff must match one of them (it picks a side at a tie).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as jr from '../../src';
import { autodiffGrad, norm, oneSidedDiffs, relError } from './gradcheck';

/** 2: weight gradient of the Jacobian penalty; 3: of the Hessian penalty. */
export type Order = 2 | 3;

/** What the penalty is of: a layer or model (run by the package with training: false) or a batch function. */
export type PenaltyTarget = tfl.layers.Layer | jr.BatchFunction;

/** The package's penalty of `target` at x, with Hutchinson vectors from `seed` (so it is a smooth function of W). */
export function packagePenalty(order: Order, target: PenaltyTarget, x: tf.Tensor, seed = 11): tf.Scalar {
  const options = { method: 'hutchinson' as const, iterations: 1, seed };
  const regularizer =
    order === 2 ? jr.regularizers.jacobian(options) : jr.regularizers.hessian({ ...options, scalar: 'sum' });
  const { penalty, sigma, vectors } = regularizer.penalty(target, x, { epoch: 0, step: 0 });
  tf.dispose([sigma, vectors]);
  return penalty;
}

/** Result of {@link checkWeightGradient}: relative error, the gradient norm, and how many kinks were met. */
export interface GradientCheck {
  error: number;
  gradNorm: number;
  kinks: number;
  entries: number;
}

/**
 * ‖∇_W P (autodiff) − ∇_W P (differences)‖ / ‖∇_W P‖ for the package penalty of `order`. With `piecewise`, a
 * coordinate whose one-sided differences disagree by more than `kinkTol` (relative to the gradient's scale) is
 * compared with whichever of its central and one-sided values is nearest to autodiff.
 */
export function checkWeightGradient(
  order: Order,
  target: PenaltyTarget,
  x: tf.Tensor,
  vars: tf.Variable[],
  {
    h = 5e-3,
    piecewise = false,
    kinkTol = 0.05,
    seed = 11,
  }: { h?: number; piecewise?: boolean; kinkTol?: number; seed?: number } = {},
): GradientCheck {
  const f = () => packagePenalty(order, target, x, seed);
  const ad = autodiffGrad(f, vars);
  const { central, forward, backward } = oneSidedDiffs(f, vars, h);
  const scale = Math.max(norm(central), 1e-6) / Math.sqrt(central.length);
  const fd = Float64Array.from(central);
  let kinks = 0;
  if (piecewise) {
    for (let i = 0; i < fd.length; i++) {
      if (Math.abs(forward[i] - backward[i]) > kinkTol * scale + 0.05 * Math.abs(central[i])) {
        kinks++;
        fd[i] = [central[i], forward[i], backward[i]].reduce((best, d) =>
          Math.abs(d - ad[i]) < Math.abs(best - ad[i]) ? d : best,
        );
      }
    }
  }
  return { error: relError(ad, fd, 1e-5), gradNorm: norm(fd), kinks, entries: fd.length };
}
