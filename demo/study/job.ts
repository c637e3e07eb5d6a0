/**
 * One job of the study: train one model (arm, weight, seed), attack it under every threat model, measure σ_max(J),
 * save it with its metrics.json and adversarial.png, and return its record. The same code runs in the parent
 * (`--workers 1`) and in each worker process; everything random is seeded by the job's own seed, so the record does
 * not depend on which process runs the job or what it ran before.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as jr from '../../src';
import { ArmSpec, TrainOptions, measureSigma, trainModel } from './arms';
import { ATTACK_ENGINE, AttackName, evaluateThreats } from './attack';
import { StudyData, float32Text } from './data';
import { digitGridPng } from './png';
import { ModelResult, ThreatModel, threatKey, threatLabel } from './summary';

/** The options a job needs (a subset of StudyOptions; plain data, sent to the workers as is). */
export interface JobOptions extends TrainOptions {
  evalSize: number;
  threats: ThreatModel[];
  attacks: AttackName[];
  steps: number;
  restarts: number;
  queries: number;
  attackBatch: number;
  probe: number;
  grid: number;
  outDir: string;
}

export interface Job {
  /** Position in the study's canonical job order (results are reported in this order). */
  index: number;
  arm: ArmSpec;
  weight: number;
  seed: number;
}

/** Progress of a running job (forwarded to the parent's progress bar). */
export interface JobEvents {
  step(label: string): void;
  trained(seconds: number): void;
  attacked(seconds: number, label: string): void;
}

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

/** Trains, attacks, measures and saves one model; writes its metrics.json and returns its record. */
export async function runJob(
  job: Job,
  data: StudyData,
  o: JobOptions,
  evalFile: { sha256: string },
  events: JobEvents,
): Promise<ModelResult> {
  const name = `${job.arm.name} ${job.weight} #${job.seed}`;
  const trained = await trainModel(job.arm, job.weight, job.seed, data.xTrain, data.yTrain, o, () =>
    events.step(`${name} training`),
  );
  events.trained(trained.seconds);
  const model = trained.model;
  const dir = path.join(job.arm.name, String(job.weight), String(job.seed));
  const absolute = path.join(o.outDir, dir);
  await model.save(jr.io.fileSystem(absolute, { overwrite: true }));

  const start = performance.now();
  const results = await evaluateThreats(
    model,
    data.xEval,
    data.yEval,
    o.threats,
    {
      attacks: o.attacks,
      restarts: o.restarts,
      steps: o.steps,
      queries: o.queries,
      seed: job.seed,
      batchSize: o.attackBatch,
    },
    (t, seconds) => events.attacked(seconds, `${name} ${threatLabel(t)}`),
  );
  const evalSeconds = (performance.now() - start) / 1000;
  const robust: ModelResult['robust'] = {};
  const flags: Record<string, string> = {};
  o.threats.forEach((t, k) => {
    robust[threatKey(t)] = { robustAccuracy: results[k].robustAccuracy, perAttack: results[k].perAttack };
    flags[threatKey(t)] = results[k].robust.map((b) => (b ? '1' : '0')).join('');
  });
  const take = Math.min(o.grid, o.evalSize);
  const features = data.xEval.shape[1];
  const rowsOf = (v: Float32Array) => Array.from({ length: take }, (_, i) => v.slice(i * features, (i + 1) * features));
  const clean = tf.slice(data.xEval, 0, take);
  const gridRows = [rowsOf(clean.dataSync() as Float32Array), ...results.map((r) => rowsOf(r.adversarial))];
  clean.dispose();

  const sigma = tf.tidy(() => measureSigma(model, tf.slice(data.xEval, 0, Math.min(o.probe, o.evalSize))));
  const [predictions, probabilities] = tf.tidy(() => {
    const p = model.predict(data.xEval) as tf.Tensor;
    return [Array.from(tf.argMax(p, 1).dataSync()), (tf.slice(p, 0, take).arraySync() as number[][]).map(f32)];
  });
  const cleanAcc = await cleanAccuracy(model, data.xTest, data.yTest);
  fs.writeFileSync(path.join(absolute, 'adversarial.png'), digitGridPng(gridRows).png);
  model.optimizer.dispose();
  model.dispose();

  const record: ModelResult = {
    arm: job.arm.name,
    weight: job.weight,
    seed: job.seed,
    dir,
    cleanAccuracy: cleanAcc,
    evalCleanAccuracy: results.length ? results[0].cleanAccuracy : NaN,
    robust,
    sigma,
    trainSeconds: trained.seconds,
    evalSeconds,
    finalLoss: trained.finalLoss,
    stopReason: trained.stopReason,
  };
  const extra = {
    bound: job.arm.bound ?? null,
    files: { model: 'model.json', weights: 'weights.bin', grid: 'adversarial.png' },
    eval: {
      file: path.relative(absolute, path.join(o.outDir, 'eval.json')),
      sha256: evalFile.sha256,
      count: o.evalSize,
    },
    gridRows: ['clean', ...o.threats.map(threatKey)],
    robustFlags: flags,
    predictions,
    probabilities,
  };
  const { robust: byThreat, ...rest } = record;
  fs.writeFileSync(
    path.join(absolute, 'metrics.json'),
    JSON.stringify({ ...rest, ...extra, attackEngine: ATTACK_ENGINE, robust: byThreat }, null, 1) + '\n',
  );
  return record;
}
