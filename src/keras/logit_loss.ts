/**
 * The exact per-sample loss of a softmax classifier for the loss-Hessian penalty. tfjs' `categoricalCrossentropy`
 * works on probabilities clipped to [1e-7, 1 − 1e-7], so for a confidently classified sample (p_y > 1 − 1e-7) its
 * curvature in x is exactly zero. From the logits z the cross-entropy is exact to every order:
 *   CE(y, z) = Σ_c y_c (logSumExp(z) − z_c)   (= logSumExp(z) − z_y for a one-hot y).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { BatchFunction } from '../autodiff/products';
import { logitsOf } from './logits';

/** A per-sample loss (yTrue, yPred) ↦ [B]. */
export type PerSampleLoss = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

/**
 * Per-sample softmax cross-entropy of the logits z [B, C]: Σ_c y_c (logSumExp(z) − z_c); `sparse`: y holds class
 * indices ([B] or [B, 1]), as in `sparseCategoricalCrossentropy`. (`tf.logSoftmax` has no gradient beyond first
 * order; z − logSumExp(z) has.)
 */
function crossEntropyOfLogits(sparse: boolean): PerSampleLoss {
  return (yTrue, z) =>
    tf.tidy(() => {
      const classes = z.shape[z.rank - 1];
      const y = sparse
        ? tf.reshape(tf.oneHot(tf.cast(tf.floor(tf.reshape(yTrue, [-1])), 'int32'), classes), z.shape)
        : tf.cast(yTrue, 'float32');
      return tf.neg(tf.sum(tf.mul(y, tf.sub(z, tf.logSumExp(z, -1, true))), -1));
    });
}

/** Which cross-entropy the model was compiled with: 'categorical', 'sparse', or null for another loss. */
function compiledCrossEntropy(model: tfl.LayersModel): 'categorical' | 'sparse' | null {
  type Compiled = { loss?: unknown; lossFunctions?: unknown[]; model?: Compiled };
  const compiled = model as unknown as Compiled;
  let loss = compiled.loss ?? compiled.model?.loss;
  if (Array.isArray(loss) && loss.length === 1) loss = loss[0];
  else if (loss != null && typeof loss === 'object' && Object.keys(loss).length === 1) loss = Object.values(loss)[0];
  if (loss === 'categoricalCrossentropy' || loss === tfl.metrics.categoricalCrossentropy) return 'categorical';
  if (loss === 'sparseCategoricalCrossentropy') return 'sparse';
  return null;
}

/**
 * The loss of a 'loss' Hessian for a compiled model: cross-entropy of its logits with x ↦ z as `prediction` when
 * the model ends in softmax and was compiled with (sparse) categorical cross-entropy; otherwise `compiledLoss` on
 * the model's output (prediction null).
 * @internal
 */
export function exactLoss(
  model: tfl.LayersModel,
  compiledLoss: PerSampleLoss,
): { loss: PerSampleLoss; prediction: BatchFunction | null } {
  const kind = compiledCrossEntropy(model);
  const logits = kind == null ? null : logitsOf(model);
  if (kind == null || logits == null) return { loss: compiledLoss, prediction: null };
  return { loss: crossEntropyOfLogits(kind === 'sparse'), prediction: logits };
}
