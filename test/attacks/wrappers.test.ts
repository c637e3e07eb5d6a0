/** fgsm / pgd / apgd / square / accuracy against their formulas on linear softmax classifiers (float64 oracles). */
import * as tf from '@tensorflow/tfjs-core';
import * as jr from '../../src';
import { Linear, argmax, denseModel, logitsOf, randomLinear, stream, worstMargin } from './linear';

const r = stream(17);

/** ∇ₓ CE = Σ_c (p_c − [c = y]) w_c for p = softmax(W x + b). */
function ceGradient(m: Linear, x: number[], y: number): number[] {
  const z = logitsOf(m, x);
  const p = z.map((v) => Math.exp(v) / z.reduce((s, t) => s + Math.exp(t), 0));
  return x.map((_, i) => p.reduce((s, pc, c) => s + (pc - (c === y ? 1 : 0)) * m.W[c][i], 0));
}

/** FGSM's formula: clip(x + ε·sign ∇ₓ CE, 0, 1). */
function fgsmOracle(m: Linear, x: number[], y: number, epsilon: number): number[] {
  const g = ceGradient(m, x, y);
  return x.map((v, i) => Math.min(1, Math.max(0, v + epsilon * Math.sign(g[i]))));
}

describe('attack wrappers', () => {
  it('fgsm: x′ = clip(x + ε·sign Σ_c (p_c − y_c) w_c) (ℓ∞) and x + ε·g/‖g‖₂ (ℓ2), on a 3-class softmax model', () => {
    const m = randomLinear(3, 5, 41);
    const model = denseModel(m, 'softmax');
    const rows = Array.from({ length: 6 }, () => m.W[0].map(() => r()));
    const labels = rows.map((_, n) => n % 3);
    const x = tf.tensor2d(rows);
    const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 3);
    const before = tf.memory().numTensors;
    const [linf, l2] = [
      jr.attacks.fgsm(model, x, y, { epsilon: 0.1 }),
      jr.attacks.fgsm(model, x, y, { epsilon: 0.1, norm: 'l2', clip: [-5, 5] }),
    ];
    const [a, b] = [linf.arraySync() as number[][], l2.arraySync() as number[][]];
    rows.forEach((row, n) => {
      const g = ceGradient(m, row, labels[n]);
      const norm = Math.sqrt(g.reduce((s, t) => s + t * t, 0));
      const expected = fgsmOracle(m, row, labels[n], 0.1);
      row.forEach((v, i) => {
        expect(a[n][i]).toBeCloseTo(expected[i], 6);
        expect(b[n][i]).toBeCloseTo(v + (0.1 * g[i]) / norm, 5);
      });
    });
    tf.dispose([linf, l2]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
  });

  it('pgd (ℓ∞, binary): every start reaches the corner clip(x + ε·sign(w_j − w_y)) in k steps of 2.5ε/k', () => {
    const m = randomLinear(2, 6, 42);
    const model = denseModel(m, 'softmax');
    const rows = Array.from({ length: 5 }, () => m.W[0].map(() => r()));
    const labels = rows.map((row) => argmax(logitsOf(m, row)));
    const x = tf.tensor2d(rows);
    const y = tf.tensor1d(labels, 'int32');
    const before = tf.memory().numTensors;
    const adv = jr.attacks.pgd(model, x, y, { epsilon: 0.08, steps: 10, restarts: 2, seed: 5 });
    const got = adv.arraySync() as number[][];
    rows.forEach((row, n) => {
      const other = 1 - labels[n];
      row.forEach((v, i) =>
        expect(got[n][i]).toBeCloseTo(
          Math.min(1, Math.max(0, v + 0.08 * Math.sign(m.W[other][i] - m.W[labels[n]][i]))),
          6,
        ),
      );
    });
    adv.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
  });

  it.each([
    ['linf', 0.02, { pgd: 1e-4, apgd: 1e-4, square: 1e-4 }],
    // ℓ2: fixed-step PGD circles the sphere towards the optimum; Square's ℓ2 windows are ≥ 3 features wide.
    ['l2', 0.2, { pgd: 0.1, apgd: 1e-4, square: 0.15 }],
  ] as const)(
    'pgd, apgd and square (%s, binary, no box): stay in the ball and reach the closed-form worst margin',
    (norm, epsilon, tolerance) => {
      // Two classes: every loss is monotone in the one margin, so its maximizer is the closed-form minimizer.
      const m = randomLinear(2, 6, 43);
      const model = denseModel(m, 'softmax');
      // Samples that no attack can break (worst margin > 0), so none stops early.
      const rows = Array.from({ length: 40 }, () => m.W[0].map(() => r()))
        .filter((row) => worstMargin(m, norm, row, argmax(logitsOf(m, row)), epsilon) > 0)
        .slice(0, 5);
      const labels = rows.map((row) => argmax(logitsOf(m, row)));
      expect(rows).toHaveLength(5);
      const x = tf.tensor2d(rows);
      const y = tf.tensor1d(labels, 'int32');
      const options = { epsilon, norm, clip: [-5, 5] as [number, number] };
      const before = tf.memory().numTensors;
      const cases: ['pgd' | 'apgd' | 'square', tf.Tensor][] = [
        ['pgd', jr.attacks.pgd(model, x, y, { ...options, steps: 50 })],
        ['apgd', jr.attacks.apgd(model, x, y, { ...options, steps: 50 })],
        ['square', jr.attacks.square(model, x, y, { ...options, queries: 400 })],
      ];
      for (const [name, adv] of cases) {
        (adv.arraySync() as number[][]).forEach((point, n) => {
          const delta = point.map((v, i) => v - rows[n][i]);
          const size =
            norm === 'linf' ? Math.max(...delta.map(Math.abs)) : Math.sqrt(delta.reduce((s, t) => s + t * t, 0));
          expect(size).toBeLessThanOrEqual(epsilon * (1 + 1e-5));
          const z = logitsOf(m, point);
          const margin = z[labels[n]] - z[1 - labels[n]];
          const [worst, clean] = [
            worstMargin(m, norm, rows[n], labels[n], epsilon),
            worstMargin(m, norm, rows[n], labels[n], 0),
          ];
          expect(margin).toBeGreaterThanOrEqual(worst - 1e-4);
          const gap = (margin - worst) / (clean - worst); // 0: the optimum, 1: no progress
          expect({ name, gap, within: gap <= tolerance[name] }).toMatchObject({ name, within: true });
        });
        adv.dispose();
      }
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, y]);
    },
  );

  it('accuracy counts arg-max hits in batches, on attacked inputs when asked', () => {
    const m = randomLinear(3, 4, 44);
    const model = denseModel(m, 'softmax');
    const rows = Array.from({ length: 7 }, () => m.W[0].map(() => r()));
    const labels = rows.map((row, n) => (n < 5 ? argmax(logitsOf(m, row)) : (argmax(logitsOf(m, row)) + 1) % 3));
    const x = tf.tensor2d(rows);
    const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 3);
    expect(jr.attacks.accuracy(model, x, y, { batchSize: 3 })).toBeCloseTo(5 / 7, 10);
    const attacked = jr.attacks.accuracy(model, x, y, {
      batchSize: 2,
      attack: (a, b) => jr.attacks.fgsm(model, a, b, { epsilon: 0.5 }),
    });
    const hits = rows.filter((row, n) => argmax(logitsOf(m, fgsmOracle(m, row, labels[n], 0.5))) === labels[n]).length;
    expect(attacked).toBeCloseTo(hits / 7, 10);
    expect(attacked).toBeLessThan(5 / 7);
    expect(() => jr.attacks.accuracy(model, x, y, { batchSize: 0 })).toThrow(
      'jr.attacks.accuracy: batchSize must be an integer ≥ 1; got 0.',
    );
    expect(() => jr.attacks.pgd(model, x, y, { epsilon: 0.1, steps: 2.5 })).toThrow(
      'jr.attacks.pgd: steps must be an integer ≥ 1; got 2.5.',
    );
    expect(() => jr.attacks.apgd(model, x, y, { epsilon: 0.1, loss: 'cw' as 'ce' })).toThrow(
      "jr.attacks.apgd: loss must be one of 'ce', 'dlr'; got 'cw'.",
    );
    tf.dispose([x, y]);
  });
});
