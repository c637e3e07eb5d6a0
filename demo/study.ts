/**
 * `npm run demo -- study`: what each regularizer buys, measured fairly. Every arm is swept over penalty weights
 * (from "barely changes clean accuracy" to "costs ≥ 5 points"), each weight over several seeds, at the same number
 * of matvecs per step; every model is attacked with jr.attacks.evaluate under ℓ∞ and ℓ2 on the same evaluation
 * images, and saved with everything needed to re-attack it with another tool (layout: docs/STUDY.md).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as jr from '../src';
import { markdownTable, writeReport } from './report';
import { ArmSpec, BASE_ARMS, BaseArm, TrainOptions, boundSupported, measureSigma, stepCost, stepsPerModel, trainModel } from './study/arms';
import { ATTACK_ENGINE, AttackName, evaluateAttacks } from './study/attack';
import { StudyData, float32Text, loadStudyData, writeEvalFile } from './study/data';
import { digitGridPng } from './study/png';
import { StudyProgress } from './study/progress';
import { ModelResult, ThreatModel, aggregate, paretoCharts, summaryTable, threatKey, threatLabel } from './study/summary';

export interface StudyOptions extends TrainOptions {
  dataset: 'mnist' | 'fashion-mnist';
  train: number;
  /** Arms: base arms, and '<base>-bound' for a bound arm. */
  arms: string[];
  /** Weights per arm name (an arm without an entry uses its base arm's). */
  weights: Record<string, number[]>;
  seeds: number;
  evalSize: number;
  threats: ThreatModel[];
  attacks: AttackName[];
  steps: number;
  restarts: number;
  queries: number;
  attackBatch: number;
  /** L = boundFraction × mean σ_max(J) of the plain models. */
  boundFraction: number;
  /** Images whose σ_max(J) is measured (the first of the evaluation set). */
  probe: number;
  /** Evaluation images shown per row of adversarial.png. */
  grid: number;
  outDir: string;
  command: string;
  quiet: boolean;
}

export const STUDY_DEFAULTS: StudyOptions = {
  dataset: 'mnist',
  model: 'mlp',
  hidden: 64,
  train: 2000,
  epochs: 2,
  batchSize: 64,
  learningRate: 2e-3,
  iterations: 4,
  hessianBatch: 32,
  arms: [...BASE_ARMS, 'jacobian-lanczos-bound'],
  weights: {
    'jacobian-hutchinson': [0.01, 0.04, 0.15, 0.6],
    'jacobian-power': [0.02, 0.08, 0.3, 1.2],
    'jacobian-lanczos': [0.02, 0.08, 0.3, 1.2],
    'hessian-hutchinson': [0.5, 3, 15, 60],
    'hessian-lanczos': [1, 6, 30, 150],
    'jacobian-lanczos-bound': [0.08, 0.3, 1.2, 5]
  },
  seeds: 3,
  evalSize: 500,
  threats: [
    { norm: 'linf', epsilon: 0.1 },
    { norm: 'linf', epsilon: 0.2 },
    { norm: 'l2', epsilon: 1 },
    { norm: 'l2', epsilon: 1.5 }
  ],
  attacks: ['apgd-ce', 'apgd-dlr', 'square'],
  steps: 5,
  restarts: 1,
  queries: 25,
  attackBatch: 500,
  boundFraction: 0.2,
  probe: 100,
  grid: 10,
  outDir: 'demo-out/study',
  command: 'npm run demo -- study',
  quiet: false
};

/** The base arm of an arm name ('jacobian-lanczos-bound' → 'jacobian-lanczos'). */
export const baseOf = (arm: string) => arm.replace(/-bound$/, '') as BaseArm;

/** Rounds to float32 and to the shortest decimal that reads back the same (for JSON). */
const f32 = (values: ArrayLike<number>) => Array.from(values, float32Text);

async function cleanAccuracy(model: tfl.LayersModel, x: tf.Tensor2D, y: tf.Tensor2D, batch = 1000): Promise<number> {
  let correct = 0;
  for (let s = 0; s < x.shape[0]; s += batch) {
    const n = Math.min(batch, x.shape[0] - s);
    correct += tf.tidy(() => {
      const p = model.predict(tf.slice(x, s, n)) as tf.Tensor;
      return tf.sum(tf.cast(tf.equal(tf.argMax(p, 1), tf.argMax(tf.slice(y, s, n), 1)), 'float32')).dataSync()[0];
    });
  }
  return correct / x.shape[0];
}

interface Job {
  arm: ArmSpec;
  weight: number;
  seed: number;
}

/** Attacks, measures and saves one trained model; returns its record. */
async function evaluateModel(job: Job, model: tfl.LayersModel, data: StudyData, o: StudyOptions, evalFile: { sha256: string }, progress: StudyProgress): Promise<Omit<ModelResult, 'trainSeconds' | 'finalLoss' | 'stopReason'> & { extra: Record<string, unknown> }> {
  const dir = path.join(job.arm.name, String(job.weight), String(job.seed));
  const absolute = path.join(o.outDir, dir);
  await model.save(jr.io.fileSystem(absolute, { overwrite: true }));
  const start = performance.now();
  const robust: ModelResult['robust'] = {};
  const flags: Record<string, string> = {};
  const gridRows: Float32Array[][] = [];
  const take = Math.min(o.grid, o.evalSize);
  const rowsOf = (t: tf.Tensor) => {
    const head = tf.slice(t, 0, take);
    const v = head.dataSync() as Float32Array;
    head.dispose();
    return Array.from({ length: take }, (_, i) => v.slice(i * 784, (i + 1) * 784));
  };
  gridRows.push(rowsOf(data.xEval));
  let evalClean = NaN;
  for (const t of o.threats) {
    const t0 = performance.now();
    const r = await evaluateAttacks(model, data.xEval, data.yEval, {
      norm: t.norm, epsilon: t.epsilon, attacks: o.attacks, restarts: o.restarts, steps: o.steps, queries: o.queries, seed: job.seed, batchSize: o.attackBatch
    });
    evalClean = r.cleanAccuracy;
    robust[threatKey(t)] = { robustAccuracy: r.robustAccuracy, perAttack: r.perAttack };
    flags[threatKey(t)] = r.robust.map((b) => (b ? '1' : '0')).join('');
    gridRows.push(rowsOf(r.adversarial));
    r.adversarial.dispose();
    progress.attacked((performance.now() - t0) / 1000, `${job.arm.name} ${job.weight} #${job.seed} ${threatLabel(t)}`);
  }
  const evalSeconds = (performance.now() - start) / 1000;
  const sigma = tf.tidy(() => measureSigma(model, tf.slice(data.xEval, 0, Math.min(o.probe, o.evalSize))));
  const [predictions, probabilities] = tf.tidy(() => {
    const p = model.predict(data.xEval) as tf.Tensor;
    return [Array.from(tf.argMax(p, 1).dataSync()), (tf.slice(p, 0, take).arraySync() as number[][]).map(f32)];
  });
  const cleanAcc = await cleanAccuracy(model, data.xTest, data.yTest);
  fs.writeFileSync(path.join(absolute, 'adversarial.png'), digitGridPng(gridRows).png);
  const extra = {
    bound: job.arm.bound ?? null,
    files: { model: 'model.json', weights: 'weights.bin', grid: 'adversarial.png' },
    eval: { file: path.relative(absolute, path.join(o.outDir, 'eval.json')), sha256: evalFile.sha256, count: o.evalSize },
    gridRows: ['clean', ...o.threats.map(threatKey)],
    robustFlags: flags,
    predictions,
    probabilities
  };
  return { arm: job.arm.name, weight: job.weight, seed: job.seed, dir, cleanAccuracy: cleanAcc, evalCleanAccuracy: evalClean, robust, sigma, evalSeconds, extra };
}

export async function runStudy(o: StudyOptions): Promise<{ models: ModelResult[]; paths: string[] }> {
  const arms: ArmSpec[] = o.arms.map((name) => {
    const base = baseOf(name);
    if (!(BASE_ARMS as readonly string[]).includes(base)) throw new Error(`study: unknown arm '${name}'; allowed: ${BASE_ARMS.join(', ')}, or <arm>-bound.`);
    const weights = base === 'plain' ? [0] : o.weights[name] ?? o.weights[base] ?? [];
    if (!weights.length) throw new Error(`study: no weights for arm '${name}'.`);
    return { name, base, weights };
  });
  const bounded = arms.filter((a) => a.name.endsWith('-bound'));
  if (bounded.length && !arms.some((a) => a.base === 'plain')) throw new Error('study: a bound arm needs the plain arm (L comes from its σ).');
  if (bounded.length && !boundSupported()) throw new Error('study: this checkout has no `bound` option in jr.regularizers.jacobian / hessian; drop the bound arm.');
  arms.sort((a, b) => Number(b.base === 'plain') - Number(a.base === 'plain') || Number(a.name.endsWith('-bound')) - Number(b.name.endsWith('-bound')));
  const jobs: Job[] = arms.flatMap((arm) => arm.weights.flatMap((weight) => Array.from({ length: o.seeds }, (_, s) => ({ arm, weight, seed: s + 1 }))));

  fs.mkdirSync(o.outDir, { recursive: true });
  const data = loadStudyData(o.dataset, o.train, o.evalSize);
  const evalFile = writeEvalFile(o.outDir, o.dataset, data);
  const steps = stepsPerModel(o.train, o);
  const progress = new StudyProgress(jobs.map((j) => ({ arm: j.arm.name, steps, stepCost: stepCost(j.arm.base), attacks: o.threats.length })), o.quiet);
  progress.log(`${jobs.length} models (${arms.map((a) => `${a.name} × ${a.weights.length}`).join(', ')}; ${o.seeds} seeds), ${steps} steps each; attacks: ${ATTACK_ENGINE}.`);
  const models: ModelResult[] = [];
  const images: Array<{ title: string; png: Buffer }> = [];
  let boundL: number | null = null;
  for (const job of jobs) {
    if (job.arm.name.endsWith('-bound') && job.arm.bound === undefined) {
      const plain = models.filter((m) => m.arm === 'plain').map((m) => m.sigma);
      boundL = +(o.boundFraction * (plain.reduce((a, b) => a + b, 0) / plain.length)).toPrecision(3);
      for (const a of bounded) a.bound = boundL;
      progress.log(`bound L = ${o.boundFraction} × mean σ_max(J) of the plain models = ${boundL}`);
    }
    const trained = await trainModel(job.arm, job.weight, job.seed, data.xTrain, data.yTrain, o, () => progress.step(`${job.arm.name} ${job.weight} #${job.seed} training`));
    progress.trained(job.arm.name, trained.seconds, steps);
    const { extra, ...result } = await evaluateModel(job, trained.model, data, o, evalFile, progress);
    const record: ModelResult = { ...result, trainSeconds: trained.seconds, finalLoss: trained.finalLoss, stopReason: trained.stopReason };
    models.push(record);
    const { robust, ...rest } = record;
    fs.writeFileSync(path.join(o.outDir, record.dir, 'metrics.json'), JSON.stringify({ ...rest, ...extra, attackEngine: ATTACK_ENGINE, robust }, null, 1) + '\n');
    if (job.seed === 1) images.push({ title: `${job.arm.name}, weight ${job.weight}, seed 1: rows clean, ${o.threats.map(threatLabel).join(', ')}`, png: fs.readFileSync(path.join(o.outDir, record.dir, 'adversarial.png')) });
    trained.model.optimizer.dispose();
    trained.model.dispose();
    const at = threatKey(o.threats[0]);
    progress.log(`${job.arm.name} ${job.weight} #${job.seed}: clean ${(100 * record.cleanAccuracy).toFixed(1)}%, ${threatLabel(o.threats[0])} ${(100 * record.robust[at].robustAccuracy).toFixed(1)}%, σ ${record.sigma.toFixed(2)}, train ${record.trainSeconds.toFixed(1)} s, attacks ${record.evalSeconds.toFixed(1)} s`);
    progress.jobDone();
  }
  data.dispose();
  const seconds = progress.stop();

  const aggregates = aggregate(models, o.threats);
  const table = summaryTable(aggregates, o.threats);
  const markdown = markdownTable(table.headers, table.rows);
  fs.writeFileSync(path.join(o.outDir, 'table.md'), markdown + '\n');
  if (!o.quiet) console.log(`\n${markdown}`);
  const { command, quiet, outDir, ...settings } = o;
  const paths = await writeReport(o.outDir, {
    title: `Regularizer study: ${o.dataset}, ${o.model}`,
    command,
    summary: [
      `Data: ${data.source}; ${o.train} training images, clean accuracy on the ${data.xTest.shape[0]} others, attacks on the first ${o.evalSize} of them (eval.json).`,
      `Training: ${o.epochs} epochs, batch ${o.batchSize}, Adam ${o.learningRate}; ${o.iterations} matvecs per estimate in every regularized arm; Hessian penalty on ${o.hessianBatch}-image mini-batches.`,
      `Attacks: ${ATTACK_ENGINE} (${o.attacks.join(', ')}; ${o.steps} steps, ${o.restarts} restart(s), ${o.queries} queries).`,
      boundL === null ? 'No bound arm.' : `Bound arms: L = ${o.boundFraction} × mean σ_max(J) of the plain models = ${boundL}.`,
      `Accuracies are mean ± sample standard deviation over ${o.seeds} seed(s); wall time ${seconds.toFixed(0)} s.`
    ],
    tables: [{ title: 'Results', ...table }],
    charts: paretoCharts(aggregates, o.threats),
    json: { options: settings, bound: boundL, evalFile: { file: 'eval.json', sha256: evalFile.sha256 }, attackEngine: ATTACK_ENGINE, seconds, aggregates, models },
    images
  });
  if (!o.quiet) console.log(`\nWrote ${[...paths, path.join(o.outDir, 'table.md'), evalFile.file].join(', ')} and ${models.length} model folders.`);
  return { models, paths };
}
