/** The Keras-style entry points: `jr.regularizers`, `jr.layers`, `jr.callbacks`, `jr.io` (factories, like tfjs'). */
import { fileSystem } from '../io/file_system';
import { RegularizationCallback } from './callback';
import { RegularizationCallbackArgs } from './callback_args';
import { HessianRegularizer, HessianRegularizerArgs } from './hessian_regularizer';
import { JacobianRegularizer } from './jacobian_regularizer';
import { DerivativeRegularizerArgs } from './regularizer_args';
import { Regularized, RegularizedArgs } from './regularized';

/** Regularizer factories, like `tf.regularizers`: spectral-norm penalties on input derivatives. */
export const regularizers = {
  /**
   * penalty = weight · ‖vᵀ(J − T)‖², J the input-Jacobian of the wrapped layer or model, v the top Lanczos vector
   * of (J − T)(J − T)ᵀ held fixed.
   * A number is the weight, as in `tf.regularizers.l2(0.01)`.
   * ```js
   * const reg = jr.regularizers.jacobian({weight: 0.01, target: 'zero', method: 'lanczos', iterations: 4});
   * const same = jr.regularizers.jacobian(0.01);  // the other options take their defaults
   * const {weight, ...defaults} = same.getConfig();
   * console.log(weight, defaults);
   * // → 0.01, {target: 'zero', method: 'lanczos', iterations: 4, every: 1, squared: true, seed: null, bound: null}
   * ```
   * @throws ValueError for an unknown option or a value out of range.
   */
  jacobian: (args?: DerivativeRegularizerArgs | number) => new JacobianRegularizer(args),
  /**
   * penalty = weight · ‖vᵀ(H − T)‖², H the input-Hessian of a per-sample scalar: the sum or mean of the outputs, or
   * (with `jr.callbacks.regularization`) the training loss.
   * ```js
   * const reg = jr.regularizers.hessian({weight: 0.01, scalar: 'sum', method: 'exact'});
   * const {sigma} = reg.penalty(f, x);  // σ_b = ‖H_b‖₂, H_b the input Hessian of Σ_i f(x)_bi
   * console.log(sigma.shape, reg.scalar);  // → [8], 'sum'
   * ```
   * A number is the weight.
   * @throws ValueError for an unknown option or a value out of range.
   */
  hessian: (args?: HessianRegularizerArgs | number) => new HessianRegularizer(args),
};

/** Layer factories, like `tf.layers`: the wrapper that adds derivative penalties to a layer or model. */
export const layers = {
  /**
   * Wraps a layer, or a whole `LayersModel`, and adds its regularizers' penalties to the loss of `model.fit`.
   * ```js
   * const wrapper = jr.layers.regularized({layer: model, regularizers: jr.regularizers.jacobian()});
   * const net = tf.sequential({layers: [wrapper]});
   * net.compile({optimizer: 'adam', loss: 'categoricalCrossentropy'});
   * const {history} = await net.fit(x, y, {epochs: 1, callbacks: [jr.callbacks.regularization()]});
   * console.log(Object.keys(history));  // → ['loss', 'regularized_1_jacobian_sigma', 'regularized_1_jacobian_penalty']
   * ```
   * @throws ValueError for an unknown option, a layer that is not a single-input `tf.layers.Layer`, or no regularizer.
   */
  regularized: (args: RegularizedArgs) => new Regularized(args),
};

/** Callback factories for `model.fit`, like `tf.callbacks`. */
export const callbacks = {
  /**
   * Drives the regularizers' schedules, logs their estimates, skips non-finite steps, and optionally regularizes the
   * whole network on mini-batches of `data` (e.g. the Hessian of the training loss).
   * ```js
   * const cb = jr.callbacks.regularization();
   * await model.fit(x, tf.fill([8, 3], NaN), {callbacks: [cb]});  // NaN labels: a NaN loss and NaN gradients
   * console.log(cb.skippedSteps, model.getWeights()[1].arraySync());  // → 1, [0, 0, 0, 0, 0, 0, 0, 0]
   * ```
   * @throws ValueError for an unknown option or a bad value (e.g. data without a regularizer).
   */
  regularization: (args?: RegularizationCallbackArgs) => new RegularizationCallback(args),
};

/** IO handlers for `model.save` / `tf.loadLayersModel`, like `tf.io`. */
export const io = {
  /**
   * A `file://`-style handler for Node without tfjs-node: `model.save(jr.io.fileSystem('out/model'))`,
   * `tf.loadLayersModel(jr.io.fileSystem('out/model'))`.
   */
  fileSystem,
};
