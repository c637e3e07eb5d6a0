/** jr.attacks.pgd against closed forms on linear softmax classifiers (float64 oracles), and its option checks. */
import * as tf from '@tensorflow/tfjs-core';
import * as jr from '../../src';
import { describeEachBackend } from '../helpers/backends';
import { reachesWorstMargin } from './binary';
import { argmax, denseModel, logitsOf, randomLinear, uniformRows } from './linear';

describeEachBackend('pgd', () => {
  it('ℓ∞, binary: every start reaches the corner clip(x + ε·sign(w_j − w_y)) in k steps of 2.5ε/k', () => {
    const m = randomLinear(2, 6, 42);
    const model = denseModel(m, 'softmax');
    const rows = uniformRows(5, 6, 18);
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
    ['linf', 0.02, 1e-4],
    // ℓ2: fixed-step PGD circles the sphere towards the optimum.
    ['l2', 0.2, 0.1],
  ] as const)(
    '%s, binary, no box: stays in the ball and reaches the closed-form worst margin',
    (norm, epsilon, tolerance) =>
      reachesWorstMargin(
        'pgd',
        (model, x, y, options) => jr.attacks.pgd(model, x, y, { ...options, steps: 50 }),
        norm,
        epsilon,
        tolerance,
      ),
  );
});

describe('pgd options', () => {
  it('refuses a non-integer steps with the public name', () => {
    const model = denseModel(randomLinear(3, 4, 44), 'softmax');
    const x = tf.tensor2d(uniformRows(7, 4, 19));
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0], 'int32'), 3);
    expect(() => jr.attacks.pgd(model, x, y, { epsilon: 0.1, steps: 2.5 })).toThrow(
      'jr.attacks.pgd: steps must be an integer ≥ 1; got 2.5.',
    );
    tf.dispose([x, y]);
  });
});
