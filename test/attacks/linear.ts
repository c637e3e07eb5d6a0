/**
 * Linear classifiers z = W x + b whose minimal adversarial distances are closed form: class j overtakes y at
 * distance (z_y − z_j) / ‖w_y − w_j‖_* in the dual norm (ℓ1 for ℓ∞ attacks, ℓ2 for ℓ2 attacks), with no box.
 * Everything here is float64 JavaScript, independent of the attacks' tensors.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

export type Matrix = number[][];
export type Norm = 'linf' | 'l2';

/** A seeded pseudo-random stream (xorshift32) for fixtures. */
export function stream(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/** `count` points of [0, 1)^d drawn from `stream(seed)`. */
export function uniformRows(count: number, d: number, seed: number): Matrix {
  const r = stream(seed);
  return Array.from({ length: count }, () => Array.from({ length: d }, () => r()));
}

/** W[C][D] (row c is w_c) and b[C]. */
export interface Linear {
  W: Matrix;
  b: number[];
}

export function logitsOf({ W, b }: Linear, x: number[]): number[] {
  return W.map((w, c) => w.reduce((s, v, i) => s + v * x[i], b[c]));
}

/** The dual norm of the difference w_y − w_j. */
export function dualNorm(norm: Norm, v: number[]): number {
  return norm === 'linf' ? v.reduce((s, t) => s + Math.abs(t), 0) : Math.sqrt(v.reduce((s, t) => s + t * t, 0));
}

/** Minimal distance to misclassification and the nearest class (y must be the predicted class). */
export function distance(m: Linear, norm: Norm, x: number[], y: number): { d: number; j: number } {
  const z = logitsOf(m, x);
  let best = { d: Infinity, j: -1 };
  m.W.forEach((w, j) => {
    if (j === y) return;
    const d =
      (z[y] - z[j]) /
      dualNorm(
        norm,
        m.W[y].map((v, i) => v - w[i]),
      );
    if (d < best.d) best = { d, j };
  });
  return best;
}

/** min over the ε-ball of z_y − max_{j≠y} z_j: min_j (z_y − z_j − ε‖w_y − w_j‖_*). */
export function worstMargin(m: Linear, norm: Norm, x: number[], y: number, epsilon: number): number {
  const z = logitsOf(m, x);
  return Math.min(
    ...m.W.map((w, j) =>
      j === y
        ? Infinity
        : z[y] -
          z[j] -
          epsilon *
            dualNorm(
              norm,
              m.W[y].map((v, i) => v - w[i]),
            ),
    ),
  );
}

/** The unit-norm direction (in `norm`) that lowers z_y − z_j fastest. */
export function towards(m: Linear, norm: Norm, y: number, j: number): number[] {
  const g = m.W[j].map((v, i) => v - m.W[y][i]);
  if (norm === 'linf') return g.map(Math.sign);
  const n = Math.sqrt(g.reduce((s, t) => s + t * t, 0));
  return g.map((t) => t / n);
}

/** A dense layer computing z = W x + b, with an optional activation. */
export function denseModel({ W, b }: Linear, activation?: 'softmax'): tfl.LayersModel {
  const kernel = tf.tensor2d(W[0].map((_, i) => W.map((w) => w[i]))); // [D, C]
  return tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [W[0].length], units: W.length, activation, weights: [kernel, tf.tensor1d(b)] }),
    ],
  });
}

/** A random C × D linear classifier. */
export function randomLinear(c: number, d: number, seed: number): Linear {
  const r = stream(seed);
  return {
    W: Array.from({ length: c }, () => Array.from({ length: d }, () => 2 * r() - 1)),
    b: Array.from({ length: c }, () => 0.2 * (r() - 0.5)),
  };
}

export function argmax(v: number[]): number {
  return v.indexOf(Math.max(...v));
}

/** ∇ₓ CE = Σ_c (p_c − [c = y]) w_c for p = softmax(W x + b). */
export function ceGradient(m: Linear, x: number[], y: number): number[] {
  const z = logitsOf(m, x);
  const p = z.map((v) => Math.exp(v) / z.reduce((s, t) => s + Math.exp(t), 0));
  return x.map((_, i) => p.reduce((s, pc, c) => s + (pc - (c === y ? 1 : 0)) * m.W[c][i], 0));
}

/** FGSM's formula: clip(x + ε·sign ∇ₓ CE, 0, 1). */
export function fgsmOracle(m: Linear, x: number[], y: number, epsilon: number): number[] {
  const g = ceGradient(m, x, y);
  return x.map((v, i) => Math.min(1, Math.max(0, v + epsilon * Math.sign(g[i]))));
}
