import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { STUDY_DEFAULTS, runStudy } from '../../demo/study';
import { trainModel } from '../../demo/study/arms';
import { evaluateThreats } from '../../demo/study/attack';
import { float32Text, loadStudyData } from '../../demo/study/data';
import { stat } from '../../demo/study/summary';
import * as jr from '../../src';

/** Chunks of a PNG, each CRC checked with node's zlib.crc32 (independent of the writer's table). */
function readPng(bytes: Buffer): { width: number; height: number; gray: Uint8Array } {
  expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  let offset = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  while (offset < bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString('ascii', offset + 4, offset + 8);
    const data = bytes.subarray(offset + 8, offset + 8 + length);
    expect(bytes.readUInt32BE(offset + 8 + length)).toBe(
      (zlib as unknown as { crc32(b: Buffer): number }).crc32(bytes.subarray(offset + 4, offset + 8 + length)),
    );
    if (type === 'IHDR') [width, height] = [data.readUInt32BE(0), data.readUInt32BE(4)];
    if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const gray = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (width + 1)]).toBe(0); // filter type None
    gray.set(raw.subarray(y * (width + 1) + 1, (y + 1) * (width + 1)), y * width);
  }
  return { width, height, gray };
}

/** The tiny study both runs use: 3 models (plain, a Jacobian arm and the bound arm), ε reuse on ℓ∞ 0.1 < 0.2. */
const tiny = (outDir: string, workers: number) => ({
  ...STUDY_DEFAULTS,
  hidden: 8,
  train: 200,
  epochs: 2,
  batchSize: 50,
  hessianBatch: 16,
  arms: ['plain', 'jacobian-lanczos', 'jacobian-lanczos-bound'],
  weights: { 'jacobian-lanczos': [0.1], 'jacobian-lanczos-bound': [0.3] },
  seeds: 1,
  evalSize: 12,
  threats: [
    { norm: 'linf' as const, epsilon: 0.2 },
    { norm: 'l2' as const, epsilon: 1 },
    { norm: 'linf' as const, epsilon: 0.1 },
  ],
  steps: 2,
  queries: 5,
  probe: 4,
  grid: 4,
  workers,
  outDir,
  command: 'npm run demo -- study --tiny',
  quiet: true,
});
const KEYS = ['linf-0.2', 'l2-1', 'linf-0.1'];
const DIRS = [
  path.join('plain', '0', '1'),
  path.join('jacobian-lanczos', '0.1', '1'),
  path.join('jacobian-lanczos-bound', '0.3', '1'),
];
/** A record without its wall times (the only fields allowed to differ between runs). */
const untimed = ({ trainSeconds, evalSeconds, ...rest }: { trainSeconds: number; evalSeconds: number }) => rest;

describe('study demo (tiny config)', () => {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jr-study-'));

  it('writes the documented layout, and every saved model reloads with identical predictions', async () => {
    const before = tf.memory().numTensors;
    const o = tiny(outDir, 1);
    const { models } = await runStudy(o);
    expect(tf.memory().numTensors).toBe(before);
    expect(models.map((m) => m.dir)).toEqual(DIRS);
    const top = fs.readdirSync(outDir).sort();
    expect(top).toEqual([
      'eval.json',
      'jacobian-lanczos',
      'jacobian-lanczos-bound',
      'pareto-l2-1.svg',
      'pareto-linf-0.1.svg',
      'pareto-linf-0.2.svg',
      'plain',
      'report.html',
      'results.json',
      'table.md',
    ]);

    // eval.json holds exactly the images the loader gives (as float32) and their labels.
    const evalText = fs.readFileSync(path.join(outDir, 'eval.json'), 'utf8');
    const evalFile = JSON.parse(evalText);
    const data = loadStudyData('mnist', o.train, o.evalSize);
    const pixels = data.xEval.dataSync();
    const labels = Array.from(tf.tidy(() => tf.argMax(data.yEval, 1).dataSync()));
    data.dispose();
    expect(evalFile.count).toBe(12);
    expect(evalFile.labels).toEqual(labels);
    expect(Float32Array.from(evalFile.images.flat())).toEqual(pixels);
    const sha256 = crypto.createHash('sha256').update(evalText).digest('hex');

    const x = tf.tensor2d(evalFile.images);
    for (const m of models) {
      const dir = path.join(outDir, m.dir);
      expect(fs.readdirSync(dir).sort()).toEqual(['adversarial.png', 'metrics.json', 'model.json', 'weights.bin']);
      const metrics = JSON.parse(fs.readFileSync(path.join(dir, 'metrics.json'), 'utf8'));
      expect(metrics.eval).toEqual({ file: path.join('..', '..', '..', 'eval.json'), sha256, count: 12 });
      // Reloaded model: the same class for every evaluation image and the same probabilities (float32) as saved.
      const loaded = await tfl.loadLayersModel(jr.io.fileSystem(dir));
      const p = loaded.predict(x) as tf.Tensor;
      const predicted = Array.from(tf.tidy(() => tf.argMax(p, 1).dataSync()));
      expect(metrics.predictions).toEqual(predicted);
      expect(Float32Array.from(metrics.probabilities.flat())).toEqual(tf.tidy(() => tf.slice(p, 0, 4).dataSync()));
      expect(metrics.evalCleanAccuracy).toBeCloseTo(predicted.filter((c, i) => c === labels[i]).length / 12, 12);
      p.dispose();
      loaded.dispose();
      // Robust accuracy = the share of '1' flags, never above the clean accuracy of the same images.
      for (const key of KEYS) {
        const flags = metrics.robustFlags[key] as string;
        expect(flags).toMatch(/^[01]{12}$/);
        expect(m.robust[key].robustAccuracy).toBeCloseTo(flags.split('').filter((c) => c === '1').length / 12, 12);
        expect(m.robust[key].robustAccuracy).toBeLessThanOrEqual(metrics.evalCleanAccuracy);
      }
      // ε reuse: ε = 0.2 was attacked only where ε = 0.1 left the image robust, so its flags are a subset.
      const [small, large] = [metrics.robustFlags['linf-0.1'], metrics.robustFlags['linf-0.2']] as string[];
      for (let i = 0; i < 12; i++) if (large[i] === '1') expect(small[i]).toBe('1');
      // adversarial.png: 4 rows (clean, 3 threat models) × 4 digits of 28 px with 2 px gaps; row 0 = the clean pixels.
      const png = readPng(fs.readFileSync(path.join(dir, 'adversarial.png')));
      expect([png.width, png.height]).toEqual([4 * 30 + 2, 4 * 30 + 2]);
      for (let c = 0; c < 4; c++) {
        for (const [py, px] of [
          [14, 14],
          [10, 20],
          [20, 7],
        ]) {
          const v = pixels[c * 784 + py * 28 + px];
          expect(png.gray[(2 + py) * png.width + 2 + c * 30 + px]).toBe(Math.round(255 * v));
        }
      }
    }
    x.dispose();

    const results = JSON.parse(fs.readFileSync(path.join(outDir, 'results.json'), 'utf8'));
    expect(results.command).toBe('npm run demo -- study --tiny');
    expect(
      results.results.aggregates.map((a: { arm: string; cleanAccuracy: { mean: number } }) => [
        a.arm,
        a.cleanAccuracy.mean,
      ]),
    ).toEqual(models.map((m) => [m.arm, m.cleanAccuracy]));
    // The bound arm's L: 0.2 × the plain model's σ, 3 significant digits.
    expect(results.results.bound).toBe(+(0.2 * models[0].sigma).toPrecision(3));
    const html = fs.readFileSync(path.join(outDir, 'report.html'), 'utf8');
    expect(html).toContain('npm run demo -- study --tiny');
    expect(html.match(/<svg/g)?.length).toBe(3);
    expect(html.match(/data:image\/png;base64/g)?.length).toBe(3);
    expect(fs.readFileSync(path.join(outDir, 'table.md'), 'utf8').split('\n')[2]).toMatch(/^\| plain \| – \| 1 \| /);
  }, 60000);

  it('gives identical records and files with 2 worker processes as in one process', async () => {
    const forked = fs.mkdtempSync(path.join(os.tmpdir(), 'jr-study-workers-'));
    const { models } = await runStudy(tiny(forked, 2));
    const single = JSON.parse(fs.readFileSync(path.join(outDir, 'results.json'), 'utf8')).results;
    const parallel = JSON.parse(fs.readFileSync(path.join(forked, 'results.json'), 'utf8')).results;
    expect(models.map((m) => m.dir)).toEqual(DIRS);
    expect(parallel.models.map(untimed)).toEqual(single.models.map(untimed));
    expect(parallel.bound).toBe(single.bound);
    for (const dir of DIRS) {
      const [a, b] = [outDir, forked].map((root) =>
        untimed(JSON.parse(fs.readFileSync(path.join(root, dir, 'metrics.json'), 'utf8'))),
      );
      expect(b).toEqual(a);
      for (const file of ['weights.bin', 'adversarial.png'])
        expect(fs.readFileSync(path.join(forked, dir, file))).toEqual(fs.readFileSync(path.join(outDir, dir, file)));
    }
  }, 60000);
});

describe('ε reuse (demo/study/attack.ts)', () => {
  it('attacks ε in ascending order; every broken image has a misclassified point inside its ball, robust sets shrink', async () => {
    const data = loadStudyData('mnist', 200, 40);
    const plain = { name: 'plain', base: 'plain' as const, weights: [0] };
    const { model } = await trainModel(
      plain,
      0,
      1,
      data.xTrain,
      data.yTrain,
      { model: 'mlp', hidden: 8, epochs: 3, batchSize: 50, learningRate: 1e-2, iterations: 4, hessianBatch: 16 },
      () => {},
    );
    const before = tf.memory().numTensors;
    const threats = [0.2, 0.05, 0.1].map((epsilon) => ({ norm: 'linf' as const, epsilon }));
    const order: number[] = [];
    const results = await evaluateThreats(
      model,
      data.xEval,
      data.yEval,
      threats,
      { attacks: ['apgd-ce', 'apgd-dlr', 'square'], steps: 5, queries: 10, seed: 1, batchSize: 40 },
      (t) => order.push(t.epsilon),
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(order).toEqual([0.05, 0.1, 0.2]);
    // Oracle: the model's own prediction at each returned point, and the ball and box measured here.
    const x = data.xEval.dataSync();
    const labels = Array.from(tf.tidy(() => tf.argMax(data.yEval, 1).dataSync()));
    const cleanPredicted = Array.from(tf.tidy(() => tf.argMax(model.predict(data.xEval) as tf.Tensor, 1).dataSync()));
    const byEpsilon = new Map(threats.map((t, k) => [t.epsilon, results[k]]));
    for (const [k, t] of threats.entries()) {
      const r = results[k];
      const points = tf.tensor2d(r.adversarial, [40, 784]);
      const predicted = Array.from(tf.tidy(() => tf.argMax(model.predict(points) as tf.Tensor, 1).dataSync()));
      points.dispose();
      for (let i = 0; i < 40; i++) {
        let distance = 0;
        for (let j = 0; j < 784; j++) {
          const v = r.adversarial[i * 784 + j];
          expect(v >= 0 && v <= 1).toBe(true);
          distance = Math.max(distance, Math.abs(v - x[i * 784 + j]));
        }
        expect(distance).toBeLessThanOrEqual(t.epsilon * (1 + 1e-6));
        const correct = cleanPredicted[i] === labels[i];
        if (r.robust[i]) expect(predicted[i]).toBe(labels[i]);
        else if (correct) expect(predicted[i]).not.toBe(labels[i]);
      }
      expect(r.robustAccuracy).toBeCloseTo(r.robust.filter(Boolean).length / 40, 12);
      const perAttack = ['apgd-ce', 'apgd-dlr', 'square'].map((a) => r.perAttack[a]);
      for (let a = 1; a < 3; a++) expect(perAttack[a]).toBeLessThanOrEqual(perAttack[a - 1]);
      expect(perAttack[2]).toBeCloseTo(r.robustAccuracy, 12);
    }
    // Robust at a larger ε ⇒ robust at the smaller; images broken at the smaller count as broken from the first attack on.
    for (const [small, large] of [
      [0.05, 0.1],
      [0.1, 0.2],
    ]) {
      const [a, b] = [byEpsilon.get(small)!, byEpsilon.get(large)!];
      b.robust.forEach((robust, i) => robust && expect(a.robust[i]).toBe(true));
      expect(b.perAttack['apgd-ce']).toBeLessThanOrEqual(a.robustAccuracy);
    }
    // The check is not empty: some images are broken at 0.05, some survive it, and 0.2 breaks more.
    const counts = [0.05, 0.2].map((e) => byEpsilon.get(e)!.robust.filter(Boolean).length);
    expect(counts[0]).toBeGreaterThan(0);
    expect(counts[0]).toBeLessThan(cleanPredicted.filter((c, i) => c === labels[i]).length);
    expect(counts[1]).toBeLessThan(counts[0]);
    model.optimizer.dispose();
    model.dispose();
    data.dispose();
  }, 30000);
});

describe('study helpers', () => {
  it('aggregates seeds as mean and sample standard deviation (hand-solved)', () => {
    // [1, 2, 3, 4]: mean 2.5, Σ(v − mean)² = 5, sd = √(5/3).
    expect(stat([1, 2, 3, 4])).toEqual({ mean: 2.5, std: Math.sqrt(5 / 3), min: 1, max: 4, n: 4 });
    expect(stat([0.7]).std).toBe(0);
  });

  it('writes pixels as the shortest decimal that reads back as the same float32', () => {
    expect(float32Text(0.149)).toBe(0.149);
    expect(float32Text(1 / 255)).toBe(0.003921569);
    expect(Math.fround(float32Text(1 / 3))).toBe(Math.fround(1 / 3));
  });
});
