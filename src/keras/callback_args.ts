/** The arguments and the serializable settings of `jr.callbacks.regularization` (`RegularizationCallback`). */
import * as tf from '@tensorflow/tfjs-core';
import { BatchData } from './batches';
import type { DerivativeRegularizer } from './regularizer';

/** Args of `RegularizationCallback` (`jr.callbacks.regularization(args)`); all optional. */
export interface RegularizationCallbackArgs {
  /** A whole-network regularizer the callback applies on its own mini-batches of `data`. */
  regularizer?: DerivativeRegularizer;
  /** Where those mini-batches come from: tensors (sampled with replacement-free shuffles) or a dataset. */
  data?: BatchData;
  /** Mini-batch size drawn from `{x, y}` tensors. Default 32. */
  batchSize?: number;
  /**
   * Per-sample loss (yTrue, yPred) ↦ [B] for a Hessian of scalar 'loss'. Default: the compiled model's loss; for a
   * model ending in softmax compiled with (sparse) categorical cross-entropy, the cross-entropy of its logits
   * (exact, where the compiled loss clips the probabilities and loses all curvature on confident samples).
   */
  loss?: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;
  /** Stop training when the loss or a penalty is not finite, or a step was skipped. Default true. */
  stopOnNonFinite?: boolean;
  /** Seed of the mini-batch sampling. Default 0. */
  seed?: number;
}

/** The serializable settings of a `RegularizationCallback`, from `getConfig()`. */
export interface RegularizationCallbackConfig {
  /** The whole-network regularizer as `{className, config}`, or null. */
  regularizer: {
    /** Its registered class name, e.g. 'tfjs-jacobian-reg>HessianRegularizer'. */
    className: string;
    /** Its `getConfig()`. */
    config: tf.serialization.ConfigDict;
  } | null;
  /** Mini-batch size drawn from `{x, y}` tensors. */
  batchSize: number;
  /** Stop training on a non-finite loss, penalty or step. */
  stopOnNonFinite: boolean;
  /** Seed of the mini-batch sampling (the next one to use). */
  seed: number;
}
