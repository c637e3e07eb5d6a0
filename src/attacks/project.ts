/**
 * The threat model: the ε-ball around x in ℓ∞ or ℓ2, intersected with the valid input box [lo, hi] (`clip`).
 *   ℓ∞: Π(v) = clip(min(max(v, x − ε), x + ε), lo, hi)                     (exact projection)
 *   ℓ2: Π(v) = clip(x + δ · min(1, ε / ‖δ‖₂), lo, hi),  δ = v − x           (ball, then box: stays in the ball)
 * Steepest-ascent directions: sign(g) for ℓ∞, g / ‖g‖₂ for ℓ2 (per sample).
 */
import * as tf from '@tensorflow/tfjs-core';

/** The threat model's norm: 'linf' (‖δ‖∞ ≤ ε) or 'l2' (‖δ‖₂ ≤ ε). */
export type Norm = 'linf' | 'l2';
/** The valid input box [lo, hi]. */
export type Clip = [number, number];

/**
 * Per-sample ℓ2 norm, shaped [B, 1, ..., 1] to broadcast against x.
 * @internal
 */
export function rowNorm(t: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const axes = t.shape.map((_, i) => i).slice(1);
    return tf.sqrt(tf.sum(tf.square(t), axes, true));
  });
}

/** Per-sample max |t|, shaped [B, 1, ..., 1]. */
function rowMaxAbs(t: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const axes = t.shape.map((_, i) => i).slice(1);
    return tf.max(tf.abs(t), axes, true);
  });
}

/**
 * Π onto {v : ‖v − x‖ ≤ ε} ∩ [lo, hi].
 * @internal
 */
export function project(norm: Norm, v: tf.Tensor, x: tf.Tensor, epsilon: number, clip: Clip): tf.Tensor {
  return tf.tidy(() => {
    if (norm === 'linf')
      return tf.clipByValue(tf.minimum(tf.maximum(v, tf.sub(x, epsilon)), tf.add(x, epsilon)), clip[0], clip[1]);
    const delta = tf.sub(v, x);
    const scale = tf.minimum(1, tf.div(epsilon, tf.add(rowNorm(delta), 1e-12)));
    return tf.clipByValue(tf.add(x, tf.mul(delta, scale)), clip[0], clip[1]);
  });
}

/**
 * The unit steepest-ascent step for gradient g: sign(g) (ℓ∞) or g / ‖g‖₂ (ℓ2; 0 where g = 0).
 * @internal
 */
export function direction(norm: Norm, g: tf.Tensor): tf.Tensor {
  return tf.tidy(() => (norm === 'linf' ? tf.sign(g) : tf.div(g, tf.add(rowNorm(g), 1e-12))));
}

/**
 * A seeded random start on the ball's surface, as APGD: ℓ∞ x + ε·t / max|t|, t ~ U(−1, 1); ℓ2 x + ε·t / ‖t‖₂,
 * t ~ N(0, I); then clipped to [lo, hi].
 * @internal
 */
export function randomStart(norm: Norm, x: tf.Tensor, epsilon: number, clip: Clip, seed: number): tf.Tensor {
  return tf.tidy(() => {
    const t =
      norm === 'linf'
        ? tf.randomUniform(x.shape, -1, 1, 'float32', seed)
        : tf.randomNormal(x.shape, 0, 1, 'float32', seed);
    const scale = norm === 'linf' ? rowMaxAbs(t) : rowNorm(t);
    return tf.clipByValue(tf.add(x, tf.mul(epsilon, tf.div(t, tf.add(scale, 1e-12)))), clip[0], clip[1]);
  });
}

/**
 * tf.where with the three arguments broadcast to `shape` by adding zeros (tf.where broadcasts with Tile, which is
 * slow on wasm); `mask` is nonzero where `a` is taken.
 * @internal
 */
export function broadcastWhere(mask: tf.Tensor, a: tf.Tensor, b: tf.Tensor, shape: number[]): tf.Tensor {
  return tf.tidy(() => {
    const zeros = tf.zeros(shape);
    const widen = (t: tf.Tensor) =>
      t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]) ? t : tf.add(zeros, t);
    return tf.where(tf.notEqual(widen(tf.cast(mask, 'float32')), 0), widen(a), widen(b));
  });
}

/**
 * Rows of `a` where `mask` [B] is true, else rows of `b`.
 * @internal
 */
export function selectRows(mask: tf.Tensor, a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.tidy(() =>
    broadcastWhere(tf.reshape(mask, [mask.shape[0], ...a.shape.slice(1).map(() => 1)]), a, b, a.shape),
  );
}
