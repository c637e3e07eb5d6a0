import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { ARMS, ROBUSTNESS_DEFAULTS, iterationSchedule, runRobustness } from '../../demo/robustness';
import * as jr from '../../src';
import * as tfl from '@tensorflow/tfjs-layers';

const { accuracy, fgsm, pgd } = jr.attacks;

describe('robustness demo (tiny budget)', () => {
  it('runs every arm and writes a finite, well-formed table, results.json, SVG charts and an HTML report', async () => {
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jr-robustness-'));
    const before = tf.memory().numTensors;
    const { results, paths } = await runRobustness({
      ...ROBUSTNESS_DEFAULTS,
      hidden: 8,
      train: 64,
      test: 20,
      attackSize: 10,
      epochs: 1,
      batchSize: 32,
      iterations: 2,
      epsilons: [0, 0.1],
      pgdSteps: 2,
      outDir,
      quiet: true,
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(results.map((r) => r.arm)).toEqual([...ARMS]);
    for (const r of results) {
      [r.cleanAccuracy, ...r.fgsm, ...r.pgd].forEach((a) => expect(a >= 0 && a <= 1).toBe(true));
      [r.sigmaJacobian, r.lambdaHessian, r.secondsPerEpoch].forEach((v) =>
        expect(Number.isFinite(v) && v >= 0).toBe(true),
      );
      // ε = 0 is the clean accuracy of the attacked subset, for both attacks.
      expect(r.fgsm[0]).toBe(r.pgd[0]);
    }
    const json = JSON.parse(fs.readFileSync(path.join(outDir, 'results.json'), 'utf8'));
    expect(JSON.stringify(json)).not.toMatch(/NaN|null/);
    expect(paths.filter((p) => p.endsWith('.svg')).map((p) => fs.readFileSync(p, 'utf8').slice(0, 4))).toEqual([
      '<svg',
      '<svg',
      '<svg',
    ]);
    expect(fs.readFileSync(path.join(outDir, 'report.html'), 'utf8')).toContain('PGD-2 accuracy');
  }, 300000);

  it("scales the paper's 2/4/8/16 schedule to the run's epochs", () => {
    expect(iterationSchedule({ ...ROBUSTNESS_DEFAULTS, iterations: 'paper', epochs: 100 })).toEqual({
      boundaries: [50, 70, 90],
      values: [2, 4, 8, 16],
    });
    expect(iterationSchedule({ ...ROBUSTNESS_DEFAULTS, iterations: 'paper', epochs: 10 })).toEqual({
      boundaries: [5, 7, 9],
      values: [2, 4, 8, 16],
    });
    expect(iterationSchedule({ ...ROBUSTNESS_DEFAULTS, iterations: 6 })).toBe(6);
  });

  it('FGSM on a linear softmax classifier moves each pixel by ε against the gradient sign (hand-solved)', () => {
    // p = softmax(x W), W = [[1, −1], [−1, 1]], label 0: ∂CE/∂x = (p − y) W has signs (−, +).
    const model = tfl.sequential({
      layers: [
        tfl.layers.dense({
          inputShape: [2],
          units: 2,
          useBias: false,
          activation: 'softmax',
          weights: [
            tf.tensor2d([
              [1, -1],
              [-1, 1],
            ]),
          ],
        }),
      ],
    });
    const x = tf.tensor2d([[0.6, 0.4]]); // x W = [0.2, −0.2]: class 0, correct
    const y = tf.tensor2d([[1, 0]]);
    expect(Array.from(fgsm(model, x, y, { epsilon: 0.1 }).dataSync()).map((v) => +v.toFixed(6))).toEqual([0.5, 0.5]);
    expect(accuracy(model, x, y)).toBe(1);
    expect(accuracy(model, x, y, { attack: (a, b) => fgsm(model, a, b, { epsilon: 0.15 }) })).toBe(0); // [0.45, 0.55] → class 1
    // PGD stays in the ε-ball and the [0, 1] box, and also flips the label.
    const adv = Array.from(pgd(model, x, y, { epsilon: 0.15, steps: 5 }).dataSync());
    adv.forEach((v, i) => expect(Math.abs(v - [0.6, 0.4][i])).toBeLessThanOrEqual(0.15 + 1e-6));
    expect(accuracy(model, x, y, { attack: (a, b) => pgd(model, a, b, { epsilon: 0.15, steps: 5 }) })).toBe(0);
  });
});
