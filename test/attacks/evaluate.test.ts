/** jr.attacks.evaluate against closed-form minimal adversarial distances of linear classifiers. */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as jr from '../../src';
import { describeEachBackend } from '../helpers/backends';
import {
  Linear,
  Norm,
  argmax,
  denseModel,
  distance,
  logitsOf,
  randomLinear,
  stream,
  towards,
  worstMargin,
} from './linear';

const EPSILON = 0.3;
const FAST = { steps: 30, queries: 300, clip: [-20, 20] as [number, number] };

/**
 * Samples placed at distance (1 ± 2 %)·ε from the decision boundary: x = x₀ + s·u, u the unit direction towards
 * x₀'s nearest class, which lowers the distance by exactly s. Returns rows, labels and each row's distance.
 */
function nearBoundary(m: Linear, norm: Norm, count: number, seed: number): { x: number[][]; y: number[]; d: number[] } {
  const r = stream(seed);
  const out = { x: [] as number[][], y: [] as number[], d: [] as number[] };
  while (out.x.length < 2 * count) {
    const x0 = m.W[0].map(() => 4 * r() - 2);
    const y = argmax(logitsOf(m, x0));
    const { d, j } = distance(m, norm, x0, y);
    if (d < 1.1 * EPSILON) continue;
    for (const target of [0.98 * EPSILON, 1.02 * EPSILON]) {
      const u = towards(m, norm, y, j);
      const x = x0.map((v, i) => v + (d - target) * u[i]);
      out.x.push(x);
      out.y.push(y);
      out.d.push(distance(m, norm, x, y).d);
    }
  }
  return out;
}

describeEachBackend('evaluate, linear 4-class classifier', () => {
  describe.each(['linf', 'l2'] as const)('%s', (norm) => {
    const m = randomLinear(4, 5, norm === 'linf' ? 11 : 12);
    const data = nearBoundary(m, norm, 6, 5);
    let model: tfl.LayersModel;
    beforeAll(() => {
      model = denseModel(m);
    });

    it('robust exactly where the closed-form distance exceeds ε (±2 %); margins match the ball minimum', async () => {
      const x = tf.tensor2d(data.x);
      const y = tf.tensor1d(data.y, 'int32');
      const before = tf.memory().numTensors;
      const r = await jr.attacks.evaluate(model, x, y, { norm, epsilon: EPSILON, ...FAST });
      expect(r.robust).toEqual(data.d.map((d) => d > EPSILON));
      expect(r.correct).toEqual(data.y.map(() => true));
      expect(r.robustAccuracy).toBeCloseTo(0.5, 10);
      expect(r.perAttack['square']).toBe(r.robustAccuracy);
      // Margins: never below the minimum over the ball (the ball is respected), and within 1 % of the clean-to-worst
      // gap above it (the attacks reach the optimum).
      data.x.forEach((row, n) => {
        const worst = worstMargin(m, norm, row, data.y[n], EPSILON);
        const clean = logitsOf(m, row).reduce(
          (best, v, c) => (c === data.y[n] ? best : Math.min(best, logitsOf(m, row)[data.y[n]] - v)),
          Infinity,
        );
        expect(r.margins[n]).toBeGreaterThanOrEqual(worst - 1e-4);
        expect(r.margins[n]).toBeLessThanOrEqual(worst + 0.01 * (clean - worst) + 1e-4);
      });
      // Every adversarial point lies in the ball.
      const delta = tf.tidy(() => tf.sub(r.adversarial, x));
      const rows = (await delta.array()) as number[][];
      rows.forEach((v) => {
        const size = norm === 'linf' ? Math.max(...v.map(Math.abs)) : Math.sqrt(v.reduce((s, t) => s + t * t, 0));
        expect(size).toBeLessThanOrEqual(EPSILON * (1 + 1e-5));
      });
      tf.dispose([delta, r.adversarial]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, y]);
    });
  });
});

/** A 3-class linear classifier, 10 samples, and their labels with one mislabeled sample (incorrect, never attacked). */
function bookkeeping(): { m: Linear; rows: number[][]; labels: number[] } {
  const m = randomLinear(3, 4, 21);
  const r = stream(3);
  const rows = Array.from({ length: 10 }, () => m.W[0].map(() => r()));
  const labels = rows.map((row) => argmax(logitsOf(m, row)));
  labels[0] = (labels[0] + 1) % 3;
  return { m, rows, labels };
}

/** `m` as a layers model, made in beforeAll (on the suite's backend). */
function useModel(m: Linear): () => tfl.LayersModel {
  let model: tfl.LayersModel;
  beforeAll(() => {
    model = denseModel(m);
  });
  return () => model;
}

describeEachBackend('evaluate, bookkeeping', () => {
  const { m, rows, labels } = bookkeeping();
  const getModel = useModel(m);

  it('ε = 0 is clean accuracy; margins are the clean margins of the logits; adversarial is x', async () => {
    const x = tf.tensor2d(rows);
    const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 3);
    const res = await jr.attacks.evaluate(getModel(), x, y, { epsilon: 0 });
    const clean = rows.map((row, n) => {
      const z = logitsOf(m, row);
      return z[labels[n]] - Math.max(...z.filter((_, c) => c !== labels[n]));
    });
    Array.from(res.margins).forEach((v, n) => expect(v).toBeCloseTo(clean[n], 5));
    expect(res.correct).toEqual(clean.map((v) => v > 0));
    expect(res.cleanAccuracy).toBeCloseTo(0.9, 10);
    expect(res.perAttack).toEqual({ 'apgd-ce': 0.9, 'apgd-dlr': 0.9, square: 0.9 });
    expect(Array.from(res.adversarial.dataSync())).toEqual(Array.from(x.dataSync()));
    tf.dispose([x, y, res.adversarial]);
  });

  it('seeded runs repeat bit for bit; another seed explores other points', async () => {
    const x = tf.tensor2d(rows);
    const y = tf.tensor1d(labels, 'int32');
    const options = { epsilon: 0.05, steps: 10, queries: 50, restarts: 2, seed: 3 };
    const [a, b, c] = [
      await jr.attacks.evaluate(getModel(), x, y, options),
      await jr.attacks.evaluate(getModel(), x, y, options),
      // Square's random search stops short of the optimum in 50 queries, so its end point depends on the seed.
      await jr.attacks.evaluate(getModel(), x, y, { ...options, attacks: ['square'] }),
    ];
    const d = await jr.attacks.evaluate(getModel(), x, y, { ...options, attacks: ['square'], seed: 4 });
    expect(Array.from(a.adversarial.dataSync())).toEqual(Array.from(b.adversarial.dataSync()));
    expect(Array.from(a.margins)).toEqual(Array.from(b.margins));
    expect(Array.from(c.adversarial.dataSync())).not.toEqual(Array.from(d.adversarial.dataSync()));
    tf.dispose([x, y, a.adversarial, b.adversarial, c.adversarial, d.adversarial]);
  });
});

describe('evaluate, progress and options', () => {
  const { m, rows, labels } = bookkeeping();
  const getModel = useModel(m);

  it('reports progress per batch and refuses bad options with the public name', async () => {
    const x = tf.tensor2d(rows);
    const y = tf.tensor1d(labels, 'int32');
    const seen: string[] = [];
    const res = await jr.attacks.evaluate(getModel(), x, y, {
      epsilon: 0.05,
      attacks: ['fgsm', 'pgd'],
      steps: 5,
      batchSize: 4,
      onProgress: (p) => seen.push(`${p.attack}:${p.done}/${p.total}`),
    });
    expect(seen.slice(0, 3)).toEqual(['fgsm:4/9', 'fgsm:8/9', 'fgsm:9/9']);
    expect(Object.keys(res.perAttack)).toEqual(['fgsm', 'pgd']);
    res.adversarial.dispose();
    const before = tf.memory().numTensors;
    const bad: [unknown, RegExp][] = [
      [{}, /^jr\.attacks\.evaluate: epsilon is required/],
      [{ epsilon: -0.1 }, /epsilon must be a finite number ≥ 0; got -0\.1\./],
      [{ epsilon: 0.1, norm: 'l1' }, /norm must be one of 'linf', 'l2'; got 'l1'\./],
      [{ epsilon: 0.1, attacks: ['apgd-t'] }, /attacks\[0\] must be one of/],
      [{ epsilon: 0.1, attacks: ['fgsm', 'fgsm'] }, /attacks must not repeat an attack/],
      [{ epsilon: 0.1, step: 10 }, /unknown option 'step' \(did you mean 'steps'\?\)/],
      [{ epsilon: 0.1, clip: [1, 0] }, /clip must be \[lo, hi\] with finite lo < hi/],
      [{ epsilon: 0.1, clip: [0.5, 1] }, /x must lie in the clip range \[0\.5, 1\]/],
    ];
    for (const [options, message] of bad) {
      await expect(jr.attacks.evaluate(getModel(), x, y, options as jr.EvaluateOptions)).rejects.toThrow(message);
    }
    await expect(jr.attacks.evaluate(getModel(), x, tf.zeros([3]), { epsilon: 0.1 })).rejects.toThrow(
      /y must have one row per sample of x \(10\)/,
    );
    expect(tf.memory().numTensors).toBe(before + 1); // the tf.zeros above
    tf.dispose([x, y]);
  });
});
