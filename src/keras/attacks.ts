/**
 * ℓ∞ attacks to measure what the regularizers buy (`jr.attacks`), on a classifier whose `predict` returns class
 * probabilities, pixels in [0, 1]:
 *   FGSM:  x' = clip(x + ε·sign ∇ₓ CE(x))
 *   PGD-k: x₀ = clip(x + U(−ε, ε)),  x_{t+1} = clip(Π_ε(x_t + α·sign ∇ₓ CE(x_t))),  α = 2.5ε/k (Madry et al.)
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** ∇ₓ of the summed cross-entropy −Σ y·log p(x). */
function lossGradient(model: tfl.LayersModel, x: tf.Tensor, y: tf.Tensor): tf.Tensor {
  return tf.grad((z: tf.Tensor) => tf.neg(tf.sum(tf.mul(y, tf.log(tf.add(model.predict(z) as tf.Tensor, 1e-7))))))(x);
}

/** FGSM: x' = clip(x + ε·sign ∇ₓ CE(x)), clipped to [0, 1]. */
export function fgsm(model: tfl.LayersModel, x: tf.Tensor, y: tf.Tensor, epsilon: number): tf.Tensor {
  return tf.tidy(() => tf.clipByValue(tf.add(x, tf.mul(epsilon, tf.sign(lossGradient(model, x, y)))), 0, 1));
}

/** PGD-k with a random start in the ε-ball (seeded), k steps of α = 2.5ε/k, projected onto the ball and [0, 1]. */
export function pgd(model: tfl.LayersModel, x: tf.Tensor, y: tf.Tensor, epsilon: number, steps: number, seed = 0): tf.Tensor {
  const alpha = (2.5 * epsilon) / steps;
  let adv = tf.tidy(() => tf.clipByValue(tf.add(x, tf.randomUniform(x.shape, -epsilon, epsilon, 'float32', seed)), 0, 1));
  for (let i = 0; i < steps; i++) {
    const next = tf.tidy(() => {
      const stepped = tf.add(adv, tf.mul(alpha, tf.sign(lossGradient(model, adv, y))));
      return tf.clipByValue(tf.minimum(tf.maximum(stepped, tf.sub(x, epsilon)), tf.add(x, epsilon)), 0, 1);
    });
    adv.dispose();
    adv = next;
  }
  return adv;
}

/** Fraction of rows whose arg-max prediction equals the label's, over batches of `batchSize`. */
export function accuracy(model: tfl.LayersModel, x: tf.Tensor, y: tf.Tensor, attack?: (x: tf.Tensor, y: tf.Tensor) => tf.Tensor, batchSize = 100): number {
  let correct = 0;
  const n = x.shape[0];
  for (let start = 0; start < n; start += batchSize) {
    const size = Math.min(batchSize, n - start);
    correct += tf.tidy(() => {
      const xb = tf.slice(x, start, size);
      const yb = tf.slice(y, start, size);
      const input = attack ? attack(xb, yb) : xb;
      const predicted = tf.argMax(model.predict(input) as tf.Tensor, 1);
      return tf.sum(tf.cast(tf.equal(predicted, tf.argMax(yb, 1)), 'float32')).dataSync()[0];
    });
  }
  return correct / n;
}
