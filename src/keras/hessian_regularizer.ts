import * as tf from '@tensorflow/tfjs-core';
import { BatchFunction } from '../autodiff/products';
import { ValueError, checkOneOf } from '../errors';
import { LinearOperator } from '../linalg/operator';
import { hessianOperator } from '../linalg/operators/hessian';
import { DerivativeRegularizer } from './regularizer';
import { DerivativeRegularizerArgs, REGULARIZER_OPTIONS, configArgs } from './regularizer_args';

/** What the Hessian is of: the per-sample sum or mean of the outputs (in-graph), or the training loss (callback). */
export type HessianScalar = 'sum' | 'mean' | 'loss';
const HESSIAN_SCALARS: readonly HessianScalar[] = ['sum', 'mean', 'loss'];

/** Constructor args of {@link HessianRegularizer}: {@link DerivativeRegularizerArgs} plus the scalar s. */
export interface HessianRegularizerArgs extends DerivativeRegularizerArgs {
  /** s(x) whose input Hessian is regularized. 'loss' needs labels: use it with the callback. Default 'sum'. */
  scalar?: HessianScalar;
}

/**
 * penalty = weight · ‖vᵀ(H − T)‖², H = ∂²s(x)/∂x² per sample; v the top Lanczos vector of H − T itself.
 * ```js
 * const reg = jr.regularizers.hessian({scalar: 'sum', method: 'exact'});
 * const {sigma} = reg.penalty((z) => tf.tanh(z), x);  // s = Σ_i tanh(x_i): H_b = diag(tanh''(x_b))
 * console.log(reg instanceof jr.HessianRegularizer, sigma.shape);  // → true, [8]
 * ```
 */
export class HessianRegularizer extends DerivativeRegularizer {
  /** Registered tfjs serialization name. */
  static className = 'tfjs-jacobian-reg>HessianRegularizer';
  /** s(x) whose input Hessian is regularized: 'sum', 'mean' or 'loss'. */
  readonly scalar: HessianScalar;
  /** Per-sample loss (yTrue, yPred) ↦ [B] for scalar 'loss'; the callback sets it from the compiled model. */
  loss: ((yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor) | null = null;
  /**
   * For scalar 'loss': x ↦ the yPred that `loss` is given; null: the model's output. The callback sets the model's
   * logits here (and `loss` to the cross-entropy of logits) when the model ends in softmax and is compiled with
   * (sparse) categorical cross-entropy, so that the loss is not clipped.
   */
  lossPrediction: BatchFunction | null = null;

  /** Options object, or a number: the weight. */
  constructor(args: HessianRegularizerArgs | number = {}) {
    super(args);
    const scalar = typeof args === 'number' || args?.scalar === undefined ? 'sum' : args.scalar;
    this.scalar = checkOneOf('jr.regularizers.hessian', 'scalar', scalar, HESSIAN_SCALARS);
  }
  get kind() {
    return 'hessian';
  }
  protected optionKeys(): readonly string[] {
    return [...REGULARIZER_OPTIONS, 'scalar'];
  }
  protected operator(f: BatchFunction, x: tf.Tensor, y?: tf.Tensor): LinearOperator {
    const batch = x.shape[0];
    const perSample = (z: tf.Tensor) => tf.reshape(z, [batch, -1]);
    let g: BatchFunction;
    if (this.scalar === 'loss') {
      const loss = this.loss;
      if (y == null || loss == null) {
        throw new ValueError(
          "jr.regularizers.hessian: scalar 'loss' needs labels and a loss: use it with jr.callbacks.regularization({data, regularizer}).",
        );
      }
      const predict = this.lossPrediction ?? f;
      g = (z) => loss(y, predict(z));
    } else {
      g = this.scalar === 'sum' ? (z) => tf.sum(perSample(f(z)), 1) : (z) => tf.mean(perSample(f(z)), 1);
    }
    return hessianOperator(g, x);
  }
  getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), scalar: this.scalar };
  }
  static fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls(configArgs('jr.regularizers.hessian', config));
  }
}
