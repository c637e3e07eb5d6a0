/**
 * The cascade on a masked gradient: the model rounds its input first (zero gradient almost everywhere), so the
 * gradient attacks do not move, while the gradient-free Square Attack reaches the minimum of the margin, known in
 * closed form.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as jr from '../../../src';
import { describeEachBackend } from '../../helpers/backends';

class Round extends tfl.layers.Layer {
  static className = 'RoundForTest';
  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.round(Array.isArray(inputs) ? inputs[0] : inputs);
  }
}

const D = 20;
/** z = [D − 0.5, Σ_i round(x_i)]: class 0 until every coordinate is pushed past 0.5. */
function roundingModel(): tfl.LayersModel {
  const kernel = tf.tensor2d(Array.from({ length: D }, () => [0, 1]));
  return tfl.sequential({
    layers: [
      new Round({ inputShape: [D] }),
      tfl.layers.dense({ units: 2, weights: [kernel, tf.tensor1d([D - 0.5, 0])] }),
    ],
  });
}

describeEachBackend('masked gradient (rounding)', () => {
  it('APGD leaves it robust; Square breaks it at the closed-form worst margin (D − 0.5) − D = −0.5', async () => {
    const model = roundingModel();
    // x = 0.3: round(x + δ) = 1 needs δ > 0.2, so with ε = 0.25 only the corner region x + (0.2, 0.25]^D breaks.
    const x = tf.fill([3, D], 0.3);
    const y = tf.zeros([3], 'int32');
    const before = tf.memory().numTensors;
    const gradientOnly = await jr.attacks.evaluate(model, x, y, {
      epsilon: 0.25,
      attacks: ['apgd-ce', 'apgd-dlr', 'pgd', 'fgsm'],
      steps: 20,
    });
    expect(gradientOnly.robustAccuracy).toBe(1);
    const full = await jr.attacks.evaluate(model, x, y, { epsilon: 0.25, steps: 20, queries: 500 });
    expect(full.cleanAccuracy).toBe(1);
    expect(full.perAttack).toEqual({ 'apgd-ce': 1, 'apgd-dlr': 1, square: 0 });
    expect(Array.from(full.margins)).toEqual([-0.5, -0.5, -0.5]);
    // The adversarial points are the ℓ∞ corner x + ε·1 (Square sets whole windows to x ± ε).
    expect(Array.from(full.adversarial.dataSync()).every((v) => Math.abs(v - 0.55) < 1e-6)).toBe(true);
    tf.dispose([gradientOnly.adversarial, full.adversarial]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
  });

  it('the same through the `logits` option, for ℓ2: Square breaks what APGD cannot', async () => {
    const model = roundingModel(); // ignored: the `logits` function is what is attacked
    // z = [4.5, Σ_i round(x_i)] on 64 = 8 × 8 pixels: broken once 5 pixels pass 0.5 (δ_i > 0.2 on 5 of them, so
    // ‖δ‖₂ > 0.2·√5 ≈ 0.45). A random start on the 0.7-sphere moves a pixel by 0.7/8 on average: far too little.
    const logits = (v: tf.Tensor) => tf.stack([tf.fill([v.shape[0]], 4.5), tf.sum(tf.round(v), 1)], 1);
    const x = tf.fill([2, 64], 0.3);
    const y = tf.zeros([2], 'int32');
    const gradientOnly = await jr.attacks.evaluate(model, x, y, {
      norm: 'l2',
      epsilon: 0.7,
      logits,
      attacks: ['apgd-ce', 'apgd-dlr'],
      steps: 20,
    });
    expect(gradientOnly.robustAccuracy).toBe(1);
    const withSquare = await jr.attacks.evaluate(model, x, y, {
      norm: 'l2',
      epsilon: 0.7,
      logits,
      steps: 20,
      queries: 500,
    });
    expect(withSquare.robustAccuracy).toBe(0);
    expect(Array.from(withSquare.margins).every((m) => m <= -0.5)).toBe(true);
    const norms = tf.tidy(() => tf.sqrt(tf.sum(tf.square(tf.sub(withSquare.adversarial, x)), 1)).dataSync());
    norms.forEach((n) => expect(n).toBeLessThanOrEqual(0.7 * (1 + 1e-5)));
    tf.dispose([x, y, gradientOnly.adversarial, withSquare.adversarial]);
  });
});
