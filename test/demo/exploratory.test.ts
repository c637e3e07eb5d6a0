/**
 * Smoke test of the Figure 1 demo on a tiny budget: the report files are well-formed, every curve value is finite,
 * both arms start from the same network, and the exact distances agree with finite-difference oracles.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  ARMS,
  EXPLORATORY_DEFAULTS,
  ExploratoryOptions,
  ExploratoryResult,
  runDiagonality,
  runSymmetry,
} from '../../demo/exploratory';

const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jr-exploratory-'));
const tiny: ExploratoryOptions = {
  ...EXPLORATORY_DEFAULTS,
  dim: 4,
  hidden: 8,
  epochs: 2,
  trainSize: 64,
  testSize: 8,
  batchSize: 32,
  iterations: 2,
  seed: 3,
  outDir,
  quiet: true,
};

afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

/** f(x) of one input (float32 forward pass of the trained network). */
function predictOne(net: tfl.LayersModel, x: number[]): number[] {
  return tf.tidy(() => Array.from((net.predict(tf.tensor2d([x])) as tf.Tensor).dataSync()));
}

function checkWellFormed(result: ExploratoryResult, name: string) {
  const dir = path.join(outDir, name);
  expect(result.paths).toEqual(expect.arrayContaining([path.join(dir, 'results.json'), path.join(dir, 'report.html')]));
  for (const p of result.paths) expect(fs.existsSync(p)).toBe(true);
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8'));
  expect(json.results.name).toBe(name);
  expect(json.tables[0].rows).toHaveLength(2);
  const svgs = result.paths.filter((p) => p.endsWith('.svg'));
  expect(svgs).toHaveLength(2);
  for (const p of svgs) expect(fs.readFileSync(p, 'utf8').startsWith('<svg')).toBe(true);
  const html = fs.readFileSync(path.join(dir, 'report.html'), 'utf8');
  expect(html).toContain('<svg');
  expect(html).not.toMatch(/(src|href)="https?:/);
  for (const arm of ARMS) {
    const c = result.curves[arm];
    expect(c.epoch).toEqual([0, 1, 2]);
    for (const key of ['testMse', 'distance'] as const) {
      expect(c[key]).toHaveLength(3);
      for (const v of c[key]) expect(Number.isFinite(v)).toBe(true);
    }
    c.trainLoss.slice(1).forEach((v) => expect(Number.isFinite(v)).toBe(true));
    expect(json.results.curves[arm].distance).toEqual(c.distance);
  }
  // Same seed: both arms start from the same network.
  expect(result.curves.regularized.distance[0]).toBeCloseTo(result.curves.plain.distance[0], 5);
  expect(result.curves.regularized.testMse[0]).toBeCloseTo(result.curves.plain.testMse[0], 5);
  // The curve's last point is the mean of the per-point distances.
  for (const arm of ARMS) {
    const mean = result.finalPerPoint[arm].reduce((a, b) => a + b, 0) / result.finalPerPoint[arm].length;
    expect(result.curves[arm].distance[2]).toBeCloseTo(mean, 5);
  }
}

describe('exploratory demo (Figure 1)', () => {
  it('symmetry: well-formed outputs, and ‖J − Jᵀ‖_F matches central finite differences', async () => {
    const before = tf.memory().numTensors;
    const result = await runSymmetry(tiny);
    try {
      checkWellFormed(result, 'symmetry');
      const x = result.testX[0];
      const h = 1e-2;
      for (const arm of ARMS) {
        // J[i][j] = ∂f_i/∂x_j by central differences of predict.
        const d = x.length;
        const J = Array.from({ length: d }, () => new Array<number>(d).fill(0));
        for (let j = 0; j < d; j++) {
          const plus = predictOne(
            result.networks[arm],
            x.map((v, k) => (k === j ? v + h : v)),
          );
          const minus = predictOne(
            result.networks[arm],
            x.map((v, k) => (k === j ? v - h : v)),
          );
          for (let i = 0; i < d; i++) J[i][j] = (plus[i] - minus[i]) / (2 * h);
        }
        let sq = 0;
        for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) sq += (J[i][j] - J[j][i]) ** 2;
        const exact = result.finalPerPoint[arm][0];
        expect(exact).toBeGreaterThan(1e-3);
        expect(Math.abs(Math.sqrt(sq) - exact)).toBeLessThan(0.03 * exact + 1e-3);
      }
    } finally {
      result.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('diagonality: well-formed outputs, and the off-diagonal Hessian energy matches differences of gradients', async () => {
    const result = await runDiagonality(tiny);
    try {
      checkWellFormed(result, 'diagonality');
      const x = result.testX[0];
      const d = x.length;
      const h = 1e-2;
      for (const arm of ARMS) {
        const net = result.networks[arm];
        const grad = (z: number[]) =>
          tf.tidy(() =>
            Array.from(
              tf
                .grad((t: tf.Tensor) => tf.sum(net.apply(t) as tf.Tensor))(tf.tensor2d([z]))
                .dataSync(),
            ),
          );
        // H[:, j] = (∇g(x + h e_j) − ∇g(x − h e_j)) / 2h.
        const H = Array.from({ length: d }, () => new Array<number>(d).fill(0));
        for (let j = 0; j < d; j++) {
          const plus = grad(x.map((v, k) => (k === j ? v + h : v)));
          const minus = grad(x.map((v, k) => (k === j ? v - h : v)));
          for (let i = 0; i < d; i++) H[i][j] = (plus[i] - minus[i]) / (2 * h);
        }
        let offDiagonal = 0;
        for (let i = 0; i < d; i++)
          for (let j = 0; j < d; j++) if (i !== j) offDiagonal += ((H[i][j] + H[j][i]) / 2) ** 2;
        const exact = result.finalPerPoint[arm][0];
        expect(Math.abs(offDiagonal - exact)).toBeLessThan(0.02 * exact + 1e-6);
      }
    } finally {
      result.dispose();
    }
  });
});
