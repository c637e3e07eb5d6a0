/**
 * LRN (local response normalization): the stock gradient saves the op's output and runs the LRNGrad kernel, which
 * has no gradient; it is re-registered with `inputsToSave` only, as differentiable ops of x (correct to any order).
 */
import * as tf from '@tensorflow/tfjs-core';

/** Banded ones matrix B[i][j] = [|i − j| ≤ r] of size c × c (the LRN channel window). */
function lrnBand(c: number, r: number): tf.Tensor2D {
  const vals = new Float32Array(c * c);
  for (let i = 0; i < c; i++) for (let j = Math.max(0, i - r); j <= Math.min(c - 1, i + r); j++) vals[i * c + j] = 1;
  return tf.tensor2d(vals, [c, c]);
}

/** Applies the symmetric channel window: out = t · B along the last axis. */
function channelWindowSum(t: tf.Tensor, band: tf.Tensor2D): tf.Tensor {
  const c = t.shape[t.rank - 1];
  return tf.reshape(tf.matMul(tf.reshape(t, [-1, c]), band), t.shape);
}

/** LRN: with N = bias + α·B(x²): dx = dy · N^(−β) − 2αβ · x · B(dy · x · N^(−β−1)). */
const lrnGrad: tf.GradConfig = {
  kernelName: tf.LRN,
  inputsToSave: ['x'],
  gradFunc: (dy, [x], attrs) => ({
    x: () => {
      const { depthRadius, bias, alpha, beta } = attrs as unknown as tf.LRNAttrs;
      const band = lrnBand(x.shape[x.rank - 1], depthRadius);
      const norm = tf.add(bias, tf.mul(alpha, channelWindowSum(tf.square(x), band)));
      const direct = tf.mul(dy as tf.Tensor, tf.pow(norm, -beta));
      const inner = tf.mul(tf.mul(dy as tf.Tensor, x), tf.pow(norm, -beta - 1));
      return tf.sub(direct, tf.mul(2 * alpha * beta, tf.mul(x, channelWindowSum(inner, band))));
    },
  }),
};

/**
 * The normalization gradients.
 * @internal
 */
export const NORMALIZATION_GRADIENTS: readonly tf.GradConfig[] = [lrnGrad];
