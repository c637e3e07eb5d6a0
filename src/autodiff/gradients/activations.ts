/**
 * Activation kernels whose stock gradient saves the op's output (Tanh, Sigmoid, Exp, Elu, Softmax, LogSoftmax):
 * re-registered with `inputsToSave` only, the forward value recomputed from x with differentiable ops, so that
 * derivatives of order ≥ 2 see every path through x. Plus the missing gradient of EluGrad.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Tanh: dx = dy · (1 − tanh(x)²). */
const tanhGrad: tf.GradConfig = {
  kernelName: tf.Tanh,
  inputsToSave: ['x'],
  gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy as tf.Tensor, tf.sub(1, tf.square(tf.tanh(x)))) }),
};

/** Sigmoid: dx = dy · σ(x)(1 − σ(x)). */
const sigmoidGrad: tf.GradConfig = {
  kernelName: tf.Sigmoid,
  inputsToSave: ['x'],
  gradFunc: (dy, [x]) => ({
    x: () => {
      const s = tf.sigmoid(x);
      return tf.mul(dy as tf.Tensor, tf.mul(s, tf.sub(1, s)));
    },
  }),
};

/** Exp: dx = dy · exp(x). */
const expGrad: tf.GradConfig = {
  kernelName: tf.Exp,
  inputsToSave: ['x'],
  gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy as tf.Tensor, tf.exp(x)) }),
};

/** Elu (α = 1): dx = dy · exp(min(x, 0)); min() keeps exp finite for large x. */
const eluGrad: tf.GradConfig = {
  kernelName: tf.Elu,
  inputsToSave: ['x'],
  gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy as tf.Tensor, tf.exp(tf.minimum(x, 0))) }),
};

/** Softmax: dx = y ⊙ dy − y ⊙ Σ(y ⊙ dy), y = softmax(x). */
const softmaxGrad: tf.GradConfig = {
  kernelName: tf.Softmax,
  inputsToSave: ['logits'],
  gradFunc: (dy, [logits], attrs) => ({
    logits: () => {
      const dim = (attrs as unknown as tf.SoftmaxAttrs).dim;
      const y = tf.softmax(logits, dim);
      const yDy = tf.mul(y, dy as tf.Tensor);
      return tf.sub(yDy, tf.mul(tf.sum(yDy, dim, true), y));
    },
  }),
};

/** LogSoftmax: dx = dy − softmax(x) · Σ dy. */
const logSoftmaxGrad: tf.GradConfig = {
  kernelName: tf.LogSoftmax,
  inputsToSave: ['logits'],
  gradFunc: (dy, [logits], attrs) => ({
    logits: () => {
      const axis = (attrs as unknown as tf.LogSoftmaxAttrs).axis;
      return tf.sub(dy as tf.Tensor, tf.mul(tf.sum(dy as tf.Tensor, axis, true), tf.softmax(logits, axis)));
    },
  }),
};

/** EluGrad(dy, y) = dy · (1 + min(y, 0)): ddy = ddx · (1 + min(y, 0)), dy_y = ddx · dy · [y ≤ 0]. */
const eluGradGrad: tf.GradConfig = {
  kernelName: tf.EluGrad,
  inputsToSave: ['dy', 'y'],
  gradFunc: (ddx, [dy, y]) => ({
    dy: () => tf.mul(ddx as tf.Tensor, tf.add(1, tf.minimum(y, 0))),
    y: () => tf.mul(tf.mul(ddx as tf.Tensor, dy), tf.cast(tf.lessEqual(y, 0), 'float32')),
  }),
};

/**
 * The activation gradients, in registration order.
 * @internal
 */
export const ACTIVATION_GRADIENTS: readonly tf.GradConfig[] = [
  tanhGrad,
  sigmoidGrad,
  expGrad,
  eluGrad,
  softmaxGrad,
  logSoftmaxGrad,
  eluGradGrad,
];
