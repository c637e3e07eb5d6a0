/**
 * `npm run demo -- study`: what each regularizer buys, measured fairly. Every arm is swept over penalty weights
 * (from "barely changes clean accuracy" to "costs ≥ 5 points"), each weight over several seeds, at the same number
 * of matvecs per step; every model is attacked with jr.attacks.evaluate under ℓ∞ and ℓ2 on the same evaluation
 * images, and saved with everything needed to re-attack it with another tool (layout: docs/STUDY.md).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { markdownTable, writeReport } from './report';
import { ArmSpec, BASE_ARMS, BaseArm, boundSupported, stepCost, stepsPerModel } from './study/arms';
import { ATTACK_ENGINE } from './study/attack';
import { loadStudyData, writeEvalFile } from './study/data';
import { Job, JobOptions } from './study/job';
import { Runner, inProcessRunner, workerPool } from './study/pool';
import { StudyProgress } from './study/progress';
import { ModelResult, aggregate, paretoCharts, summaryTable, threatKey, threatLabel } from './study/summary';

export interface StudyOptions extends JobOptions {
  dataset: 'mnist' | 'fashion-mnist';
  train: number;
  /** Arms: base arms, and '<base>-bound' for a bound arm. */
  arms: string[];
  /** Weights per arm name (an arm without an entry uses its base arm's). */
  weights: Record<string, number[]>;
  seeds: number;
  /** L = boundFraction × mean σ_max(J) of the plain models. */
  boundFraction: number;
  /** Processes that train and attack: 1 runs everything here, N > 1 forks N workers (one per core). */
  workers: number;
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
    'jacobian-lanczos-bound': [0.08, 0.3, 1.2, 5],
  },
  seeds: 3,
  evalSize: 500,
  threats: [
    { norm: 'linf', epsilon: 0.1 },
    { norm: 'linf', epsilon: 0.2 },
    { norm: 'l2', epsilon: 1 },
    { norm: 'l2', epsilon: 1.5 },
  ],
  attacks: ['apgd-ce', 'apgd-dlr', 'square'],
  steps: 50,
  restarts: 1,
  queries: 500,
  attackBatch: 500,
  boundFraction: 0.2,
  probe: 100,
  grid: 10,
  workers: 2,
  outDir: 'demo-out/study',
  command: 'npm run demo -- study',
  quiet: false,
};

/** The base arm of an arm name ('jacobian-lanczos-bound' → 'jacobian-lanczos'). */
export const baseOf = (arm: string) => arm.replace(/-bound$/, '') as BaseArm;

export async function runStudy(o: StudyOptions): Promise<{ models: ModelResult[]; paths: string[] }> {
  const arms: ArmSpec[] = o.arms.map((name) => {
    const base = baseOf(name);
    if (!(BASE_ARMS as readonly string[]).includes(base))
      throw new Error(`study: unknown arm '${name}'; allowed: ${BASE_ARMS.join(', ')}, or <arm>-bound.`);
    const weights = base === 'plain' ? [0] : (o.weights[name] ?? o.weights[base] ?? []);
    if (!weights.length) throw new Error(`study: no weights for arm '${name}'.`);
    return { name, base, weights };
  });
  const bounded = arms.filter((a) => a.name.endsWith('-bound'));
  if (bounded.length && !arms.some((a) => a.base === 'plain'))
    throw new Error('study: a bound arm needs the plain arm (L comes from its σ).');
  if (bounded.length && !boundSupported())
    throw new Error(
      'study: this checkout has no `bound` option in jr.regularizers.jacobian / hessian; drop the bound arm.',
    );
  arms.sort(
    (a, b) =>
      Number(b.base === 'plain') - Number(a.base === 'plain') ||
      Number(a.name.endsWith('-bound')) - Number(b.name.endsWith('-bound')),
  );
  const jobs: Job[] = arms
    .flatMap((arm) =>
      arm.weights.flatMap((weight) => Array.from({ length: o.seeds }, (_, s) => ({ arm, weight, seed: s + 1 }))),
    )
    .map((job, index) => ({ index, ...job }));
  if (!Number.isInteger(o.workers) || o.workers < 1)
    throw new Error(`study: workers must be an integer ≥ 1; got ${o.workers}.`);

  fs.mkdirSync(o.outDir, { recursive: true });
  const data = loadStudyData(o.dataset, o.train, o.evalSize);
  const evalFile = writeEvalFile(o.outDir, o.dataset, data);
  const steps = stepsPerModel(o.train, o);
  const workers = Math.min(o.workers, jobs.length);
  const progress = new StudyProgress(
    jobs.map((j) => ({ arm: j.arm.name, steps, stepCost: stepCost(j.arm.base), attacks: o.threats.length })),
    workers,
    o.quiet,
  );
  progress.log(
    `${jobs.length} models (${arms.map((a) => `${a.name} × ${a.weights.length}`).join(', ')}; ${o.seeds} seeds), ${steps} steps each; attacks: ${ATTACK_ENGINE}; ${workers} worker(s).`,
  );
  const jobOptions: JobOptions = { ...o };
  const runner: Runner =
    workers > 1
      ? await workerPool(workers, {
          backend: tf.getBackend(),
          dataset: o.dataset,
          train: o.train,
          options: jobOptions,
          evalSha256: evalFile.sha256,
        })
      : inProcessRunner(data, jobOptions, evalFile);
  const records: ModelResult[] = new Array(jobs.length);
  let boundL: number | null = null;
  try {
    // Scheduler: jobs in order, up to `slots` in flight; bound jobs wait until every plain model is done (L comes
    // from their σ), the other arms keep the workers busy meanwhile.
    const queue = jobs.slice();
    const running = new Set<Promise<void>>();
    const plainDone = () => jobs.every((j) => j.arm.base !== 'plain' || records[j.index] !== undefined);
    while (queue.length || running.size) {
      while (running.size < runner.slots) {
        const next = queue.findIndex((j) => !j.arm.name.endsWith('-bound') || plainDone());
        if (next < 0) break;
        const [job] = queue.splice(next, 1);
        if (job.arm.name.endsWith('-bound') && boundL === null) {
          const plain = records.filter((m) => m !== undefined && m.arm === 'plain').map((m) => m.sigma);
          boundL = +(o.boundFraction * (plain.reduce((a, b) => a + b, 0) / plain.length)).toPrecision(3);
          for (const a of bounded) a.bound = boundL;
          progress.log(`bound L = ${o.boundFraction} × mean σ_max(J) of the plain models = ${boundL}`);
        }
        const name = `${job.arm.name} ${job.weight} #${job.seed}`;
        const task: Promise<void> = runner
          .run(job, {
            step: (label) => progress.step(job.index, label),
            trained: (seconds) => progress.trained(job.arm.name, seconds, steps),
            attacked: (seconds, label) => progress.attacked(job.index, seconds, label),
          })
          .then((record) => {
            records[job.index] = record;
            running.delete(task);
            const at = threatKey(o.threats[0]);
            progress.log(
              `${name}: clean ${(100 * record.cleanAccuracy).toFixed(1)}%, ${threatLabel(o.threats[0])} ${(100 * record.robust[at].robustAccuracy).toFixed(1)}%, σ ${record.sigma.toFixed(2)}, train ${record.trainSeconds.toFixed(1)} s, attacks ${record.evalSeconds.toFixed(1)} s`,
            );
            progress.jobDone(job.index);
          });
        task.catch(() => {}); // raised through Promise.race below
        running.add(task);
      }
      if (!running.size) throw new Error('study: no job can start (a bound arm without plain models)');
      await Promise.race(running);
    }
  } finally {
    runner.close();
  }
  const models = records;
  const images = jobs
    .filter((j) => j.seed === 1)
    .map((j) => ({
      title: `${j.arm.name}, weight ${j.weight}, seed 1: rows clean, ${o.threats.map(threatLabel).join(', ')}`,
      png: fs.readFileSync(path.join(o.outDir, records[j.index].dir, 'adversarial.png')),
    }));
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
      boundL === null
        ? 'No bound arm.'
        : `Bound arms: L = ${o.boundFraction} × mean σ_max(J) of the plain models = ${boundL}.`,
      `Accuracies are mean ± sample standard deviation over ${o.seeds} seed(s); wall time ${seconds.toFixed(0)} s.`,
    ],
    tables: [{ title: 'Results', ...table }],
    charts: paretoCharts(aggregates, o.threats),
    json: {
      options: settings,
      bound: boundL,
      evalFile: { file: 'eval.json', sha256: evalFile.sha256 },
      attackEngine: ATTACK_ENGINE,
      seconds,
      aggregates,
      models,
    },
    images,
  });
  if (!o.quiet)
    console.log(
      `\nWrote ${[...paths, path.join(o.outDir, 'table.md'), evalFile.file].join(', ')} and ${models.length} model folders.`,
    );
  return { models, paths };
}
