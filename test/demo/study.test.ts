import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { STUDY_DEFAULTS, runStudy } from '../../demo/study';
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
    expect(bytes.readUInt32BE(offset + 8 + length)).toBe((zlib as unknown as { crc32(b: Buffer): number }).crc32(bytes.subarray(offset + 4, offset + 8 + length)));
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

describe('study demo (tiny config)', () => {
  it('writes the documented layout, and every saved model reloads with identical predictions', async () => {
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jr-study-'));
    const before = tf.memory().numTensors;
    const o = {
      ...STUDY_DEFAULTS,
      hidden: 8,
      train: 200,
      epochs: 2,
      batchSize: 50,
      hessianBatch: 16,
      arms: ['plain', 'jacobian-lanczos'],
      weights: { 'jacobian-lanczos': [0.1] },
      seeds: 1,
      evalSize: 12,
      threats: [
        { norm: 'linf' as const, epsilon: 0.1 },
        { norm: 'l2' as const, epsilon: 1 }
      ],
      steps: 2,
      queries: 5,
      probe: 4,
      grid: 4,
      outDir,
      command: 'npm run demo -- study --tiny',
      quiet: true
    };
    const { models } = await runStudy(o);
    expect(tf.memory().numTensors).toBe(before);
    expect(models.map((m) => m.dir)).toEqual([path.join('plain', '0', '1'), path.join('jacobian-lanczos', '0.1', '1')]);
    const top = fs.readdirSync(outDir).sort();
    expect(top).toEqual(['eval.json', 'jacobian-lanczos', 'pareto-l2-1.svg', 'pareto-linf-0.1.svg', 'plain', 'report.html', 'results.json', 'table.md']);

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
      for (const key of ['linf-0.1', 'l2-1']) {
        const flags = metrics.robustFlags[key] as string;
        expect(flags).toMatch(/^[01]{12}$/);
        expect(m.robust[key].robustAccuracy).toBeCloseTo(flags.split('').filter((c) => c === '1').length / 12, 12);
        expect(m.robust[key].robustAccuracy).toBeLessThanOrEqual(metrics.evalCleanAccuracy);
      }
      // adversarial.png: 3 rows (clean, 2 threat models) × 4 digits of 28 px with 2 px gaps; row 0 = the clean pixels.
      const png = readPng(fs.readFileSync(path.join(dir, 'adversarial.png')));
      expect([png.width, png.height]).toEqual([4 * 30 + 2, 3 * 30 + 2]);
      for (let c = 0; c < 4; c++) {
        for (const [py, px] of [[14, 14], [10, 20], [20, 7]]) {
          const v = pixels[c * 784 + py * 28 + px];
          expect(png.gray[(2 + py) * png.width + 2 + c * 30 + px]).toBe(Math.round(255 * v));
        }
      }
    }
    x.dispose();

    const results = JSON.parse(fs.readFileSync(path.join(outDir, 'results.json'), 'utf8'));
    expect(results.command).toBe('npm run demo -- study --tiny');
    expect(results.results.aggregates.map((a: { arm: string; cleanAccuracy: { mean: number } }) => [a.arm, a.cleanAccuracy.mean])).toEqual(models.map((m) => [m.arm, m.cleanAccuracy]));
    const html = fs.readFileSync(path.join(outDir, 'report.html'), 'utf8');
    expect(html).toContain('npm run demo -- study --tiny');
    expect(html.match(/<svg/g)?.length).toBe(2);
    expect(html.match(/data:image\/png;base64/g)?.length).toBe(2);
    expect(fs.readFileSync(path.join(outDir, 'table.md'), 'utf8').split('\n')[2]).toMatch(/^\| plain \| – \| 1 \| /);
  }, 120000);

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
