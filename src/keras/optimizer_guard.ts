/**
 * The optimizer guard: a step is applied only when all_i all(isFinite(g_i)) over its gradients g_i (one read per
 * step); otherwise the weights stay unchanged and `onSkip` is called.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * Guards `optimizer.applyGradients`; returns the function that restores the original.
 * @internal
 */
export function guardOptimizer(optimizer: tf.Optimizer, onSkip: () => void): () => void {
  const original = optimizer.applyGradients;
  optimizer.applyGradients = (grads: tf.NamedTensorMap | Array<{ name: string; tensor: tf.Tensor }>) => {
    const tensors = Array.isArray(grads) ? grads.map((g) => g.tensor) : Object.values(grads);
    const finite = tf.tidy(() => tf.all(tf.stack(tensors.map((t) => tf.all(tf.isFinite(t))))).dataSync()[0]) === 1;
    if (finite) original.call(optimizer, grads);
    else onSkip();
  };
  return () => void (optimizer.applyGradients = original);
}
