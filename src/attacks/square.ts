/**
 * Square Attack (Andriushchenko, Croce, Flammarion, Hein 2020): gradient-free random search on the margin
 * m(x') = z_y − max_{j≠y} z_j. Each query changes one random window covering a fraction p of the pixels
 * (p = 0.8 halved on a fixed schedule) and is kept when m decreases; a sample stops once m ≤ 0.
 *   ℓ∞: the window is set to x ± ε (one random sign per channel); start: vertical stripes x ± ε.
 *   ℓ2: the mass of a second window moves into the first, shaped like nested squares (`eta`), then δ is rescaled
 *       to ‖δ‖₂ = ε; start: a grid of such squares with random signs.
 * Inputs [N, H, W, C], [N, H, W], or [N, D] with D = H² (one channel) are images; any other [N, D] is a 1 × D strip
 * (windows become segments of p·D features).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { margins } from './losses';
import { AttackOptions, prepare } from './options';
import { broadcastWhere, rowNorm, selectRows } from './project';
import { generator, randomInt, randomSigns } from './random';
import { AttackRun, RunOptions } from './run';

export interface SquareRunOptions extends RunOptions {
  queries: number;
}

const P_INIT = 0.8;

/**
 * Fraction of pixels changed at query i of n: 0.8 halved at 10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000 (per 10,000).
 */
function squareFraction(i: number, n: number): number {
  const it = Math.floor((i / n) * 10000);
  const bounds = [10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000];
  let halvings = 0;
  for (const b of bounds) if (it > b) halvings++;
  return P_INIT / 2 ** halvings;
}

interface Layout {
  h: number;
  w: number;
  c: number;
}

/** The image layout [H, W, C] the windows move on. */
function layoutOf(shape: number[]): Layout {
  const rest = shape.slice(1);
  const size = rest.reduce((a, b) => a * b, 1);
  let [h, w, c] = rest.length === 3 ? rest : rest.length === 2 ? [rest[0], rest[1], 1] : [1, size, 1];
  if (rest.length === 1) {
    const side = Math.round(Math.sqrt(size));
    if (side * side === size) [h, w] = [side, side];
  }
  if (h < 5 || w < 5) [h, w] = [1, h * w]; // too small for squares: a strip
  return { h, w, c };
}

/** Window [rows, cols] covering a fraction p of the H·W pixels (at least `min` wide), inside the image. */
function windowSize(l: Layout, p: number, min: number, odd: boolean): [number, number] {
  if (l.h === 1) {
    const n = Math.min(Math.max(Math.round(p * l.w), min), l.w);
    return [1, odd && n % 2 === 0 && n < l.w ? n + 1 : n];
  }
  let s = Math.max(Math.round(Math.sqrt(p * l.h * l.w)), min);
  if (odd && s % 2 === 0) s++;
  s = Math.min(s, l.h, l.w);
  return [s, s];
}

/** Centered nested rectangles of weight 1/(k+1)² in an a × b array, unit ℓ2 norm. */
function rectangles(a: number, b: number): Float32Array {
  const out = new Float32Array(a * b);
  const [ra, rb] = [Math.floor(a / 2), Math.floor(b / 2)];
  for (let k = 0; k < Math.max(ra, rb) + 1; k++) {
    for (let i = Math.max(ra - k, 0); i < Math.min(ra - k + 2 * k + 1, a); i++) {
      for (let j = Math.max(rb - k, 0); j < Math.min(rb - k + 2 * k + 1, b); j++) out[i * b + j] += 1 / (k + 1) ** 2;
    }
  }
  return normalized(out);
}

function normalized(v: Float32Array): Float32Array {
  const n = Math.sqrt(v.reduce((s, t) => s + t * t, 0));
  return n > 0 ? v.map((t) => t / n) : v;
}

/** The ℓ2 proposal shape of an [sh, sw] window: +rectangles in one half, −rectangles in the other, unit norm. */
function eta(sh: number, sw: number, random: () => number): Float32Array {
  const out = new Float32Array(sh * sw);
  if (sh === 1) {
    const left = Math.floor(sw / 2);
    out.set(rectangles(1, left), 0);
    out.set(
      rectangles(1, sw - left).map((t) => -t),
      left,
    );
    return normalized(out);
  }
  const top = Math.floor(sh / 2);
  out.set(rectangles(top, sw), 0);
  out.set(
    rectangles(sh - top, sw).map((t) => -t),
    top * sw,
  );
  const result = normalized(out);
  if (random() <= 0.5) return result;
  const transposed = new Float32Array(sh * sw);
  for (let i = 0; i < sh; i++) for (let j = 0; j < sw; j++) transposed[j * sh + i] = result[i * sw + j];
  return transposed;
}

/** A [1, H, W, 1] tensor that is `values` ([sh, sw], default ones) inside the window at (top, left), 0 elsewhere. */
function placed(l: Layout, [sh, sw]: [number, number], top: number, left: number, values?: Float32Array): tf.Tensor4D {
  return tf.tidy(() => {
    const inner = values ? tf.tensor2d(values, [sh, sw]) : tf.ones([sh, sw]);
    return tf.reshape(
      tf.pad(inner, [
        [top, l.h - top - sh],
        [left, l.w - left - sw],
      ]),
      [1, l.h, l.w, 1],
    ) as tf.Tensor4D;
  });
}

/** The ℓ2 starting perturbation: a grid of `eta` squares of side ⌊H/5⌋ with random signs per sample and channel. */
function l2Start(n: number, l: Layout, random: () => number): Float32Array {
  const delta = new Float32Array(n * l.h * l.w * l.c);
  const s = l.h === 1 ? Math.max(Math.floor(l.w / 5), 1) : Math.max(Math.floor(l.h / 5), 1);
  const [sh, sw] = l.h === 1 ? [1, s] : [s, s];
  const [rows, cols] = [Math.floor(l.h / sh), Math.floor(l.w / sw)];
  const [top0, left0] = [Math.floor((l.h - rows * sh) / 2), Math.floor((l.w - cols * sw) / 2)];
  for (let r = 0; r < rows; r++) {
    for (let q = 0; q < cols; q++) {
      const shape = eta(sh, sw, random);
      for (let b = 0; b < n; b++) {
        for (let ch = 0; ch < l.c; ch++) {
          const sign = random() < 0.5 ? -1 : 1;
          for (let i = 0; i < sh; i++) {
            for (let j = 0; j < sw; j++) {
              delta[((b * l.h + top0 + r * sh + i) * l.w + left0 + q * sw + j) * l.c + ch] += sign * shape[i * sw + j];
            }
          }
        }
      }
    }
  }
  return delta;
}

/** One ℓ∞ proposal: the window set to x + ε·sign (per sample and channel), clipped. */
function linfProposal(x: tf.Tensor, best: tf.Tensor, window: tf.Tensor, signs: tf.Tensor, o: RunOptions): tf.Tensor {
  return tf.tidy(() =>
    broadcastWhere(window, tf.clipByValue(tf.add(x, tf.mul(o.epsilon, signs)), o.clip[0], o.clip[1]), best, best.shape),
  );
}

/** One ℓ2 proposal: window 2's mass moves into window 1 (shape `eta`), then δ is rescaled to ‖δ‖₂ = ε and clipped. */
function l2Proposal(
  x: tf.Tensor,
  best: tf.Tensor,
  w1: tf.Tensor,
  w2: tf.Tensor,
  shape: tf.Tensor,
  signs: tf.Tensor,
  c: number,
  o: RunOptions,
): tf.Tensor {
  return tf.tidy(() => {
    const delta = tf.sub(best, x);
    const union = tf.maximum(w1, w2);
    const inWindow1 = tf.sqrt(tf.sum(tf.square(tf.mul(delta, w1)), [1, 2], true));
    const total = rowNorm(delta);
    const inWindows = rowNorm(tf.mul(delta, union));
    let proposal = tf.add(tf.mul(shape, signs), tf.div(tf.mul(delta, w1), tf.add(inWindow1, 1e-12)));
    const size = tf.sqrt(tf.add(tf.div(tf.relu(tf.sub(o.epsilon ** 2, tf.square(total))), c), tf.square(inWindows)));
    proposal = tf.mul(tf.div(proposal, tf.add(tf.sqrt(tf.sum(tf.square(proposal), [1, 2], true)), 1e-12)), size);
    const moved = tf.add(tf.mul(delta, tf.sub(1, union)), proposal);
    return tf.clipByValue(
      tf.add(x, tf.mul(o.epsilon, tf.div(moved, tf.add(rowNorm(moved), 1e-12)))),
      o.clip[0],
      o.clip[1],
    );
  });
}

/**
 * Square Attack on a batch with integer labels; samples already misclassified at the start are returned as is.
 * @internal
 */
export function squareRun(
  logits: (x: tf.Tensor) => tf.Tensor,
  x: tf.Tensor,
  labels: tf.Tensor,
  o: SquareRunOptions,
): AttackRun {
  const shape = x.shape;
  const n = shape[0];
  const l = layoutOf(shape);
  const features = l.h * l.w * l.c;
  const random = generator(o.seed);
  const margin = (images: tf.Tensor, ls: tf.Tensor) =>
    tf.tidy(
      () => margins(logits(tf.reshape(images, [images.shape[0], ...shape.slice(1)])), ls).dataSync() as Float32Array,
    );
  const x4 = tf.reshape(x, [n, l.h, l.w, l.c]);
  const start = tf.tidy(() => {
    if (o.norm === 'linf') {
      const stripes = tf.tensor4d(randomSigns(random, n * l.w * l.c), [n, 1, l.w, l.c]);
      return tf.clipByValue(tf.add(x4, tf.mul(o.epsilon, stripes)), o.clip[0], o.clip[1]);
    }
    const delta = tf.tensor4d(l2Start(n, l, random), [n, l.h, l.w, l.c]);
    return tf.clipByValue(
      tf.add(x4, tf.mul(o.epsilon, tf.div(delta, tf.add(rowNorm(delta), 1e-12)))),
      o.clip[0],
      o.clip[1],
    );
  });
  const bestAll = start.dataSync().slice() as Float32Array;
  const marginAll = margin(start, labels).slice();
  start.dispose();

  let active = Array.from(marginAll.keys()).filter((i) => marginAll[i] > 0);
  const gatherActive = (from: tf.Tensor) => tf.tidy(() => tf.gather(from, tf.tensor1d(active, 'int32')));
  let xs = gatherActive(x4);
  let ls = gatherActive(labels);
  let best: tf.Tensor = tf.tidy(() =>
    tf.gather(tf.tensor4d(bestAll, [n, l.h, l.w, l.c]), tf.tensor1d(active, 'int32')),
  );
  let lowest = Float32Array.from(active, (i) => marginAll[i]);
  const writeBack = () => {
    const rows = best.dataSync();
    active.forEach((i, k) => {
      bestAll.set(rows.subarray(k * features, (k + 1) * features), i * features);
      marginAll[i] = lowest[k];
    });
  };

  for (let q = 0; q < o.queries && active.length > 0; q++) {
    const p = squareFraction(q, o.queries);
    const size = windowSize(l, p, o.norm === 'linf' ? 1 : 3, o.norm === 'l2');
    const top = randomInt(random, 0, l.h - size[0] + 1);
    const left = randomInt(random, 0, l.w - size[1] + 1);
    const signs = tf.tensor4d(randomSigns(random, active.length * l.c), [active.length, 1, 1, l.c]);
    const w1 = placed(l, size, top, left);
    let proposal: tf.Tensor;
    if (o.norm === 'linf') proposal = linfProposal(xs, best, w1, signs, o);
    else {
      const top2 = randomInt(random, 0, l.h - size[0] + 1);
      const left2 = randomInt(random, 0, l.w - size[1] + 1);
      const w2 = placed(l, size, top2, left2);
      const bump = placed(l, size, top, left, eta(size[0], size[1], random));
      proposal = l2Proposal(xs, best, w1, w2, bump, signs, l.c, o);
      tf.dispose([w2, bump]);
    }
    const m = margin(proposal, ls);
    const improved = Uint8Array.from(m, (v, k) => (v < lowest[k] ? 1 : 0));
    const next = tf.tidy(() => selectRows(tf.tensor1d(improved, 'bool'), proposal, best));
    tf.dispose([signs, w1, proposal, best]);
    best = next;
    lowest = lowest.map((v, k) => Math.min(v, m[k]));
    if (lowest.some((v) => v <= 0)) {
      writeBack();
      const keep = Array.from(lowest.keys()).filter((k) => lowest[k] > 0);
      const local = tf.tensor1d(keep, 'int32');
      const [nx, nl, nb] = [tf.gather(xs, local), tf.gather(ls, local), tf.gather(best, local)];
      tf.dispose([local, xs, ls, best]);
      [xs, ls, best] = [nx, nl, nb];
      active = keep.map((k) => active[k]);
      lowest = Float32Array.from(keep, (k) => lowest[k]);
    }
  }
  writeBack();
  tf.dispose([x4, xs, ls, best]);
  return { adversarial: tf.tensor(bestAll, shape), margin: tf.tensor1d(marginAll) };
}

export interface SquareOptions extends AttackOptions {
  /** Queries (model evaluations after the start). Default 1000. */
  queries?: number;
  /** Seed of the windows and signs. Default 0. */
  seed?: number;
}

/**
 * Square Attack adversarial inputs (gradient-free, on the margin z_y − max_{j≠y} z_j of the logits): per sample the
 * lowest-margin point found in `queries` random window updates.
 * ```js
 * const xAdv = jr.attacks.square(model, x, y, {epsilon: 0.1, queries: 500, seed: 0});
 * ```
 * @throws ValueError on bad options, labels or inputs outside `clip`.
 */
export function square(model: tfl.LayersModel, x: tf.Tensor, y: tf.Tensor, options: SquareOptions): tf.Tensor {
  const p = prepare('jr.attacks.square', model, x, y, options, { queries: 1000, seed: 0 });
  if (p.epsilon === 0) return p.finish(x.clone());
  const run = squareRun(p.logits, x, p.labels, { ...p.run, seed: p.seed, queries: p.queries });
  run.margin.dispose();
  return p.finish(run.adversarial);
}
