/**
 * The binary, no-box case shared by the pgd, apgd and square tests: with two classes every loss is monotone in the
 * one margin z_y − z_j, so the maximizer of the attack's loss over the ε-ball is the closed-form minimizer of the
 * margin, min_δ (z_y − z_j)(x + δ) = z_y − z_j − ε‖w_y − w_j‖_* (see `worstMargin`).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { Norm, argmax, denseModel, logitsOf, randomLinear, uniformRows, worstMargin } from './linear';

/** Runs one attack on (model, x, y) in the ε-ball with `options`, returning the adversarial inputs. */
export type BinaryAttack = (
  model: tfl.LayersModel,
  x: tf.Tensor,
  y: tf.Tensor,
  options: { epsilon: number; norm: Norm; clip: [number, number] },
) => tf.Tensor;

/**
 * On 5 samples of a random 2 × 6 linear softmax classifier that no attack can break (worst margin > 0, so none
 * stops early), every adversarial point lies in the ball, its margin is never below the closed-form worst margin,
 * and the gap (margin − worst) / (clean − worst) is at most `tolerance` (0: the optimum, 1: no progress).
 */
export function reachesWorstMargin(
  name: string,
  attack: BinaryAttack,
  norm: Norm,
  epsilon: number,
  tolerance: number,
): void {
  const m = randomLinear(2, 6, 43);
  const model = denseModel(m, 'softmax');
  const rows = uniformRows(40, 6, 17)
    .filter((row) => worstMargin(m, norm, row, argmax(logitsOf(m, row)), epsilon) > 0)
    .slice(0, 5);
  const labels = rows.map((row) => argmax(logitsOf(m, row)));
  expect(rows).toHaveLength(5);
  const x = tf.tensor2d(rows);
  const y = tf.tensor1d(labels, 'int32');
  const before = tf.memory().numTensors;
  const adv = attack(model, x, y, { epsilon, norm, clip: [-5, 5] });
  (adv.arraySync() as number[][]).forEach((point, n) => {
    const delta = point.map((v, i) => v - rows[n][i]);
    const size = norm === 'linf' ? Math.max(...delta.map(Math.abs)) : Math.sqrt(delta.reduce((s, t) => s + t * t, 0));
    expect(size).toBeLessThanOrEqual(epsilon * (1 + 1e-5));
    const z = logitsOf(m, point);
    const margin = z[labels[n]] - z[1 - labels[n]];
    const [worst, clean] = [
      worstMargin(m, norm, rows[n], labels[n], epsilon),
      worstMargin(m, norm, rows[n], labels[n], 0),
    ];
    expect(margin).toBeGreaterThanOrEqual(worst - 1e-4);
    const gap = (margin - worst) / (clean - worst); // 0: the optimum, 1: no progress
    expect({ name, gap, within: gap <= tolerance }).toMatchObject({ name, within: true });
  });
  adv.dispose();
  expect(tf.memory().numTensors).toBe(before);
  tf.dispose([x, y]);
}
