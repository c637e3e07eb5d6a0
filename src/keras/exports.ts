/** The Keras-style entry points: `jr.regularizers`, `jr.layers`, `jr.callbacks`, `jr.io` (factories, like tfjs'). */
import { fileSystem } from '../io/file_system';
import { accuracy, fgsm, pgd } from './attacks';
import { RegularizationCallback, RegularizationCallbackArgs } from './callback';
import { DerivativeRegularizerArgs, HessianRegularizer, HessianRegularizerArgs, JacobianRegularizer } from './regularizer';
import { Regularized, RegularizedArgs } from './regularized';

/** Regularizer factories, like `tf.regularizers`: spectral-norm penalties on input derivatives. */
export const regularizers = {
  /**
   * penalty = weight · ‖vᵀ(J − T)‖², J the input-Jacobian of the wrapped layer or model, v the top Lanczos vector
   * of (J − T)(J − T)ᵀ held fixed.
   * ```js
   * const reg = jr.regularizers.jacobian({weight: 0.01, target: 'zero', method: 'lanczos', iterations: 4});
   * ```
   */
  jacobian: (args?: DerivativeRegularizerArgs) => new JacobianRegularizer(args),
  /**
   * penalty = weight · ‖vᵀ(H − T)‖², H the input-Hessian of a per-sample scalar: the sum or mean of the outputs, or
   * (with `jr.callbacks.regularization`) the training loss.
   * ```js
   * const reg = jr.regularizers.hessian({weight: 0.01, scalar: 'sum', iterations: 4});
   * ```
   */
  hessian: (args?: HessianRegularizerArgs) => new HessianRegularizer(args)
};

/** Layer factories, like `tf.layers`: the wrapper that adds derivative penalties to a layer or model. */
export const layers = {
  /**
   * Wraps a layer, or a whole `LayersModel`, and adds its regularizers' penalties to the loss of `model.fit`.
   * ```js
   * model.add(jr.layers.regularized({layer: tf.layers.dense({units: 10}), regularizers: jr.regularizers.jacobian()}));
   * ```
   */
  regularized: (args: RegularizedArgs) => new Regularized(args)
};

/** Callback factories for `model.fit`, like `tf.callbacks`. */
export const callbacks = {
  /**
   * Drives the regularizers' schedules, logs their estimates, skips non-finite steps, and optionally regularizes the
   * whole network on mini-batches of `data` (e.g. the Hessian of the training loss).
   * ```js
   * await model.fit(x, y, {callbacks: [jr.callbacks.regularization()]});
   * ```
   */
  regularization: (args?: RegularizationCallbackArgs) => new RegularizationCallback(args)
};

/** IO handlers for `model.save` / `tf.loadLayersModel`, like `tf.io`. */
export const io = {
  /**
   * A `file://`-style handler for Node without tfjs-node: `model.save(jr.io.fileSystem('out/model'))`,
   * `tf.loadLayersModel(jr.io.fileSystem('out/model'))`.
   */
  fileSystem
};

/**
 * ℓ∞ attacks and accuracy, to measure robustness: `jr.attacks.pgd(model, x, y, 0.1, 10)` returns adversarial inputs.
 * ```js
 * const robust = jr.attacks.accuracy(model, xTest, yTest, (x, y) => jr.attacks.pgd(model, x, y, 0.1, 10));
 * ```
 */
export const attacks = {
  /** FGSM: x' = clip(x + ε·sign ∇ₓ CE(x)) in [0, 1]. */
  fgsm,
  /** PGD-k from a seeded random start in the ε-ball: k steps of α = 2.5ε/k, projected onto the ball and [0, 1]. */
  pgd,
  /** Fraction of correct arg-max predictions, on `attack(x, y)` when an attack is given. */
  accuracy
};
