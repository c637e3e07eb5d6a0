/**
 * Per-sample losses on logits z[B, C] with integer labels y[B] (attacks maximize them):
 *   CE     = logSumExp(z) − z_y
 *   margin = max_{j≠y} z_j − z_y                                  (Carlini–Wagner; > 0 ⇔ misclassified)
 *   DLR    = −(z_y − max_{j≠y} z_j) / (z_π1 − z_π3 + 1e-12)        (Croce & Hein 2020; z_π sorted descending)
 * DLR is invariant to shifting and scaling the logits, so it keeps a gradient where softmax saturates.
 */
import * as tf from '@tensorflow/tfjs-core';
import { noGradient } from '../autodiff/no_gradient';
import { gradient } from '../autodiff/products';

/** A per-sample loss: logits [B, C], labels [B] int32 → [B]. */
export type Loss = (z: tf.Tensor, labels: tf.Tensor) => tf.Tensor;
export type LossName = 'ce' | 'margin' | 'dlr';

/** One-hot rows as float32 (cast from int32: wasm's oneHot with dtype float32 writes integer bits). */
function floatOneHot(labels: tf.Tensor, classes: number): tf.Tensor {
  return tf.cast(tf.oneHot(tf.cast(labels, 'int32'), classes), 'float32');
}

/** z_y per row. */
function trueLogit(z: tf.Tensor, oneHot: tf.Tensor): tf.Tensor {
  return tf.sum(tf.mul(z, oneHot), 1);
}

/** max_{j≠y} z_j per row (the label's entry replaced by −∞). */
function bestOtherLogit(z: tf.Tensor, oneHot: tf.Tensor): tf.Tensor {
  return tf.max(tf.where(tf.cast(oneHot, 'bool'), tf.fill(z.shape, -Infinity), z), 1);
}

function oneHotOf(z: tf.Tensor, labels: tf.Tensor): tf.Tensor {
  return floatOneHot(labels, z.shape[1] as number);
}

/**
 * CE = logSumExp(z) − z_y, exact for any logits (no clipped probabilities).
 * ```js
 * const z = tf.tensor2d([[1, 2, 3]]);  // one sample's logits; its label is 0
 * console.log(jr.attacks.losses.crossEntropy(z, tf.tensor1d([0], 'int32')).arraySync());  // → [2.4076]
 * ```
 */
export const crossEntropy: Loss = (z, labels) =>
  tf.tidy(() => tf.sub(tf.logSumExp(z, 1), trueLogit(z, oneHotOf(z, labels))));

/**
 * margin = max_{j≠y} z_j − z_y: positive exactly when the sample is misclassified.
 * ```js
 * console.log(jr.attacks.losses.margin(tf.tensor2d([[1, 2, 3]]), tf.tensor1d([0], 'int32')).arraySync());  // → [2]
 * ```
 */
export const marginLoss: Loss = (z, labels) =>
  tf.tidy(() => {
    const oneHot = oneHotOf(z, labels);
    return tf.sub(bestOtherLogit(z, oneHot), trueLogit(z, oneHot));
  });

/**
 * DLR = −(z_y − max_{j≠y} z_j) / (z_π1 − z_π3 + 1e-12). With fewer than 3 classes z_π3 does not exist (and
 * z_π1 − z_π2 would make DLR the constant ±1), so the margin loss is used instead.
 * ```js
 * const z = tf.tensor2d([[1, 2, 4]]);  // label 1: −(2 − 4) / (4 − 1)
 * console.log(jr.attacks.losses.dlr(z, tf.tensor1d([1], 'int32')).arraySync());  // → [0.6667]
 * ```
 */
export const dlrLoss: Loss = (z, labels) =>
  tf.tidy(() => {
    const classes = z.shape[1] as number;
    if (classes < 3) return marginLoss(z, labels);
    const indices = noGradient(() => tf.topk(z, 3).indices); // positions only (no gradient); values gathered from z
    const pick = (k: number) =>
      tf.sum(tf.mul(z, floatOneHot(tf.squeeze(tf.slice(indices, [0, k], [-1, 1]), [1]), classes)), 1);
    const scale = tf.add(tf.sub(pick(0), pick(2)), 1e-12);
    return tf.div(marginLoss(z, labels), scale);
  });

/** @internal */
export const LOSSES: Record<LossName, Loss> = { ce: crossEntropy, margin: marginLoss, dlr: dlrLoss };

/**
 * The classification margin z_y − max_{j≠y} z_j per row (> 0: correct; ≤ 0: broken).
 * ```js
 * const z = tf.tensor2d([[1, 2, 3], [1, 2, 3]]);
 * console.log(jr.attacks.losses.margins(z, tf.tensor1d([2, 0], 'int32')).arraySync());  // → [1, -2]
 * ```
 */
export function margins(z: tf.Tensor, labels: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.neg(marginLoss(z, labels)));
}

/**
 * One forward and backward pass: the per-sample loss ℓ(z(x), y), the margin at x, and ∇ₓ Σ_b ℓ_b (samples are
 * independent, so row b is ∇ of ℓ_b). Nothing is recorded on an outer tape.
 * @internal
 */
export function lossAndGradient(
  logits: (x: tf.Tensor) => tf.Tensor,
  loss: Loss,
  x: tf.Tensor,
  labels: tf.Tensor,
): { loss: tf.Tensor; margin: tf.Tensor; grad: tf.Tensor } {
  let z: tf.Tensor | null = null;
  const grad = gradient((xx) => {
    z = tf.keep(logits(xx));
    return tf.sum(loss(z, labels)) as tf.Scalar;
  }, x);
  const kept = z as unknown as tf.Tensor;
  const out = tf.tidy(() => ({ loss: loss(kept, labels), margin: margins(kept, labels) }));
  kept.dispose();
  return { ...out, grad };
}
