/*
 * ℓ∞ attacks for the browser demo, on a classifier whose `apply` / `predict` returns class probabilities, pixels in
 * [0, 1] (the same as demo/attacks.ts):
 *   FGSM:  x' = clip(x + ε·sign ∇ₓ CE(x))
 *   PGD-k: x₀ = clip(x + U(−ε, ε)),  x_{t+1} = clip(Π_ε(x_t + α·sign ∇ₓ CE(x_t))),  α = 2.5ε/k (Madry et al.)
 * Exposes window.demoAttacks = {fgsm, pgd, accuracy}.
 */
/* global tf */
'use strict';

(function () {
  /** ∇ₓ of the summed cross-entropy −Σ y·log p(x). */
  function lossGradient(model, x, y) {
    return tf.grad((z) => tf.neg(tf.sum(tf.mul(y, tf.log(tf.add(model.apply(z), 1e-7))))))(x);
  }

  /** FGSM: x' = clip(x + ε·sign ∇ₓ CE). */
  function fgsm(model, x, y, epsilon) {
    return tf.tidy(() => tf.clipByValue(tf.add(x, tf.mul(epsilon, tf.sign(lossGradient(model, x, y)))), 0, 1));
  }

  /** PGD-k: random start in the ε-ball, k steps of α = 2.5ε/k, projected onto the ball and [0, 1]. */
  function pgd(model, x, y, epsilon, steps, seed) {
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

  /** Accuracy on (x, y), optionally on attacked inputs, in batches of 100. */
  function accuracy(model, x, y, attack) {
    const n = x.shape[0];
    let correct = 0;
    for (let start = 0; start < n; start += 100) {
      const size = Math.min(100, n - start);
      const xb = tf.slice(x, start, size);
      const yb = tf.slice(y, start, size);
      const input = attack ? attack(xb, yb) : xb;
      correct += tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(model.predict(input), 1), tf.argMax(yb, 1)), 'float32')).dataSync()[0]);
      tf.dispose([xb, yb, input]);
    }
    return correct / n;
  }

  window.demoAttacks = { fgsm, pgd, accuracy };
})();
