/**
 * Checks shared by the gradient-fix suites (test/autodiff/gradients/): the weight gradient of a 2nd- or 3rd-order
 * penalty of a tiny seeded model or raw op against central differences,
 *   P(W) = Σ‖Jᵀu‖²  (Jᵀu = ∇ₓ Σ f(x)·u)   and   Q(W) = Σ‖Hv‖²  (H = ∇ₓ² Σ f(x)·u),
 * as a relative error ‖autodiff − FD‖ / ‖FD‖.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  autodiffGrad,
  finiteDiffGrad,
  hessianPenalty,
  jacobianPenalty,
  relError,
  seededNormal,
  trainableVariables,
} from './gradcheck';

/** Central-difference step. */
export const H = 5e-3;
/** Relative error accepted (observed errors are ~1e-4). */
export const TOL = 0.03;

const init = (seed: number, stddev = 0.6) => tfl.initializers.randomNormal({ mean: 0, stddev, seed });

/** Tiny model: dense(4, activation) → dense(2, linear); input dim 3. */
export function activationModel(activation: string, seed: number): tfl.Sequential {
  return tfl.sequential({
    layers: [
      tfl.layers.dense({
        units: 4,
        inputShape: [3],
        activation: activation as 'relu',
        kernelInitializer: init(seed),
        biasInitializer: init(seed + 1, 0.3),
      }),
      tfl.layers.dense({ units: 2, kernelInitializer: init(seed + 2), biasInitializer: init(seed + 3, 0.3) }),
    ],
  });
}

/** The weight-space penalty of `order` (P = Σ‖Jᵀu‖² or Q = Σ‖Hv‖²) of a model at x, with seeded probes. */
export function penaltyOf(model: tfl.LayersModel, order: 2 | 3, x: tf.Tensor, seed: number): () => tf.Scalar {
  const outShape = (model.outputs[0].shape as number[]).slice(1);
  const u = seededNormal([x.shape[0], ...outShape], seed + 100);
  const v = seededNormal(x.shape, seed + 200);
  const f = (xx: tf.Tensor) => model.apply(xx, { training: false }) as tf.Tensor;
  return () => (order === 2 ? jacobianPenalty(f, x, u) : hessianPenalty(f, x, u, v));
}

/** Relative error between the autodiff and central-difference gradients of the penalty w.r.t. all weights. */
export function checkPenalty(model: tfl.LayersModel, order: 2 | 3, x: tf.Tensor, seed: number): number {
  return tf.tidy(() => {
    const penalty = penaltyOf(model, order, x, seed);
    const vars = trainableVariables(model);
    return relError(autodiffGrad(penalty, vars), finiteDiffGrad(penalty, vars, H), 1e-5);
  });
}

/** FD check of d/dW Σ‖∇ₓ Σ g(x, W)·u‖² for a raw op g. */
export function checkRawOp(
  g: (x: tf.Tensor, w: tf.Variable) => tf.Tensor,
  x: tf.Tensor,
  w: tf.Variable,
  seed: number,
): number {
  const u = seededNormal(g(x, w).shape, seed);
  const penalty = () => jacobianPenalty((xx) => g(xx, w), x, u);
  const err = relError(autodiffGrad(penalty, [w]), finiteDiffGrad(penalty, [w], H), 1e-5);
  u.dispose();
  return err;
}
