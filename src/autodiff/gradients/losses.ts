/**
 * Guards for tf.logSoftmax and tf.losses.softmaxCrossEntropy. Both are ops built with tf.customGrad that save
 * their own output: the tape node is named after the op scope and its gradient only sees the saved copy, never
 * the input, so no registry entry can give a correct 2nd derivative. The stock first-order formula is kept and the
 * gradient refuses when the backward pass is itself being recorded (gradientDepth > 0), i.e. when a higher-order
 * derivative through the op may be taken.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Grads, unsupported } from './common';

/** A first-order gradient registered under a custom op's scope name, refusing inside a recorded backward pass. */
function customOpGuard(
  scopeName: string,
  opName: string,
  grad: (dy: tf.Tensor, saved: tf.Tensor[]) => Grads,
): tf.GradConfig {
  return {
    kernelName: scopeName,
    gradFunc: (dy, saved) => {
      if (tf.engine().state.gradientDepth > 0) {
        unsupported(
          opName,
          `it is a tf.customGrad op that saves its output, so gradients of order ≥ 2 through it ` +
            `are wrong in tfjs 4.22; use an equivalent built from primitive ops (e.g. x − logSumExp(x))`,
        );
      }
      return grad(dy as tf.Tensor, saved);
    },
  };
}

/** tf.logSoftmax (first order only): dx = dy − Σdy · exp(value). */
const logSoftmaxOpGuard = customOpGuard('logSoftmax__op', 'tf.logSoftmax', (dy, [value]) => ({
  0: () => tf.sub(dy, tf.mul(tf.sum(dy, -1, true), tf.exp(value))),
}));

/** tf.losses.softmaxCrossEntropy (first order only): dlabels = dy·(labels − p), dlogits = dy·(p − labels). */
const softmaxCrossEntropyOpGuard = customOpGuard(
  'softmaxCrossEntropy__op',
  'tf.losses.softmaxCrossEntropy',
  (dy, [labels, logResult]) => {
    const dyKeep = () => tf.expandDims(dy, -1);
    const diff = () => tf.sub(tf.cast(labels, 'float32'), tf.exp(logResult));
    return { 0: () => tf.mul(dyKeep(), diff()), 1: () => tf.neg(tf.mul(dyKeep(), diff())) };
  },
);

/**
 * The custom-op guards, in registration order.
 * @internal
 */
export const LOSS_GRADIENTS: readonly tf.GradConfig[] = [logSoftmaxOpGuard, softmaxCrossEntropyOpGuard];
