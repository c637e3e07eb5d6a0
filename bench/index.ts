/**
 * Cost benchmark of Jacobian regularization (issue 5): every number is a ratio against a baseline measured in the
 * same process (a plain training step or a plain fit epoch), never an absolute assertion.
 *
 *   npm run bench                       # = ts-node bench/index.ts (cpu and wasm, ~6–8 min on 2 cores)
 *   BENCH_BACKENDS=wasm npm run bench   # one backend
 *   BENCH_QUICK=1 npm run bench         # fewer repetitions (smoke run)
 *
 * Sections: (a) one Gram matvec JJᵀu of the logits' Jacobian / one plain step; (b) one penalty step / one plain step;
 * (c) a regularized model.fit epoch at every = 1, 4, 10 / a plain fit epoch; (d) σ_max relative error of Lanczos and
 * power iteration vs 'exact' (brief: bench/estimator_accuracy.ts is the thorough one); (e) tensors and bytes left
 * after 100 regularized steps, and the peak bytes of a penalty step / a plain step; plus tf.profile kernel shares.
 * Writes bench/results/bench.json and bench/results/bench.md and prints the markdown.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { execSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as jr from '../src';
import { DESCRIPTION, INPUT_SHAPE, ModelKind, layersOf, network, randomData, variablesOf } from './lib/models';
import { pretransposedDenseJacobian } from './lib/pretransposed';
import { Job, ProfileSummary, interleaved, profileJob, quantile } from './lib/timing';

const QUICK = process.env.BENCH_QUICK === '1';
const BACKENDS = (process.env.BENCH_BACKENDS ?? 'cpu,wasm').split(',').filter(Boolean);
const BATCH = 64;
const PENALTY_WEIGHT = 0.01;
const ITERATIONS = 4;
const FIT_SAMPLES = 1024;
const EVERY = [1, 4, 10];
const LEAK_STEPS = 100;

/** Warm-up rounds and timed rounds per (backend, model); the cpu CNN is slow, so it gets fewer. */
function reps(backend: string, kind: ModelKind): { warmup: number; steps: number; fit: number } {
  if (QUICK) return { warmup: 1, steps: 2, fit: 1 };
  if (kind === 'cnn' && backend === 'cpu') return { warmup: 1, steps: 3, fit: 1 };
  if (backend === 'cpu') return { warmup: 2, steps: 5, fit: 2 };
  return { warmup: 3, steps: 9, fit: 4 };
}

/**
 * Leak check: regularized steps in a manual optimizer.minimize loop, and through model.fit with the callback. The
 * full LEAK_STEPS run on wasm (fast); on cpu a shorter manual loop on the MLP only, to keep the run under 8 min.
 */
function leakPlan(backend: string, kind: ModelKind): { manual: number; fit: number } {
  if (QUICK) return { manual: 4, fit: 0 };
  if (backend === 'cpu') return kind === 'mlp' ? { manual: 20, fit: 0 } : { manual: 0, fit: 0 };
  return { manual: LEAK_STEPS, fit: LEAK_STEPS };
}

const round = (v: number, d = 2) => (Number.isFinite(v) ? Number(v.toFixed(d)) : v);
const ms = (v: number | null | undefined) => (v == null || !Number.isFinite(v) ? '—' : v >= 100 ? v.toFixed(0) : v.toFixed(1));
const ratio = (v: number | null | undefined) => (v == null || !Number.isFinite(v) ? '—' : `${v.toFixed(2)}×`);
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(2);

function log(...args: unknown[]) {
  console.error(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...args);
}

async function useBackend(name: string): Promise<boolean> {
  try {
    if (name === 'wasm') {
      require('@tensorflow/tfjs-backend-wasm');
      jr.registerWasmKernels();
    }
    const ok = await tf.setBackend(name);
    await tf.ready();
    return ok && tf.getBackend() === name;
  } catch (err) {
    log(`backend ${name} unavailable: ${(err as Error).message}`);
    return false;
  }
}

/** Whether training (gradients of every op) works for `kind` on the current backend. */
function trainingSupported(kind: ModelKind): { ok: boolean; why?: string } {
  if (kind !== 'cnn') return { ok: true };
  const missing = ['Conv2DBackpropFilter', 'Conv2DBackpropInput'].filter((k) => tf.getKernel(k, tf.getBackend()) == null);
  return missing.length === 0 ? { ok: true } : { ok: false, why: `no ${missing.join(', ')} kernel on ${tf.getBackend()}` };
}

const crossEntropy = (net: tfl.LayersModel, x: tf.Tensor, y: tf.Tensor) =>
  tf.losses.softmaxCrossEntropy(y, net.apply(x, { training: true }) as tf.Tensor) as tf.Scalar;

interface StepsRow {
  backend: string;
  model: ModelKind;
  reps: number;
  plainStepMs: number | null;
  genericGramMs: number;
  genericVjpMs: number;
  genericJvpMs: number;
  linearizedGramMs: number;
  linearizationMs: number;
  pretransposedGramMs: number | null;
  /** (a) */
  genericGramRatio: number | null;
  linearizedGramRatio: number | null;
  linearizationRatio: number | null;
  pretransposedGramRatio: number | null;
  /** (b) */
  penaltyLinearizedMs: number | null;
  penaltyGenericMs: number | null;
  penaltyLinearizedRatio: number | null;
  penaltyGenericRatio: number | null;
  /** MLP only: the linearized penalty step with Wᵀ cached (bench/lib/pretransposed.ts). */
  penaltyPretransposedMs: number | null;
  penaltyPretransposedRatio: number | null;
  /** Every timed run (ms) per job, in round order. */
  runs: Record<string, number[]>;
  unsupported?: string;
}

/** Sections (a) and (b) for one model on the current backend. */
async function stepSection(kind: ModelKind): Promise<StepsRow> {
  const backend = tf.getBackend();
  const r = reps(backend, kind);
  const net = network(kind, 7);
  const { x, y } = randomData(kind, BATCH, 11);
  const u = tf.randomNormal([BATCH, 10], 0, 1, 'float32', 13);
  const v = tf.randomNormal([BATCH, ...INPUT_SHAPE[kind]], 0, 1, 'float32', 17);
  const vars = variablesOf(net);
  const optimizer = tf.train.adam(1e-3);
  const f = (z: tf.Tensor) => net.apply(z) as tf.Tensor;
  const generic = jr.jacobianOperator(f, x);
  const linear = jr.linearizedJacobian(net, x);
  if (linear == null) throw new Error('linearizedJacobian returned null for a supported stack');
  const pre = kind === 'mlp' ? pretransposedDenseJacobian(net, x as tf.Tensor2D) : null;
  const regularizer = jr.regularizers.jacobian({ iterations: ITERATIONS });
  const support = trainingSupported(kind);

  const jobs: Record<string, Job> = {};
  if (support.ok) jobs.plain = () => tf.tidy(() => optimizer.minimize(() => crossEntropy(net, x, y), true, vars)!);
  jobs.genericGram = () => tf.tidy(() => generic.matvec(generic.rmatvec(u)));
  jobs.genericVjp = () => generic.rmatvec(u);
  jobs.genericJvp = () => generic.matvec(v);
  jobs.linearizedGram = () => tf.tidy(() => linear.matvec(linear.rmatvec(u)));
  jobs.linearization = () => {
    const op = jr.linearizedJacobian(net, x)!;
    op.dispose();
  };
  if (pre) jobs.pretransposedGram = () => tf.tidy(() => pre.matvec(pre.rmatvec(u)));
  if (support.ok) {
    jobs.penaltyLinearized = () =>
      tf.tidy(() =>
        optimizer.minimize(() => {
          const p = regularizer.penalty(net, x, { epoch: 0, step: 0 }).penalty;
          return tf.add(crossEntropy(net, x, y), tf.mul(PENALTY_WEIGHT, p)) as tf.Scalar;
        }, true, vars)!
      );
    if (kind === 'mlp') {
      jobs.penaltyPretransposed = () =>
        tf.tidy(() =>
          optimizer.minimize(() => {
            const p = jr.operatorPenalty(() => pretransposedDenseJacobian(net, x as tf.Tensor2D), { iterations: ITERATIONS }).penalty;
            return tf.add(crossEntropy(net, x, y), tf.mul(PENALTY_WEIGHT, p)) as tf.Scalar;
          }, true, vars)!
        );
    }
    jobs.penaltyGeneric = () =>
      tf.tidy(() =>
        optimizer.minimize(() => {
          const p = jr.jacobianPenalty(f, x, { iterations: ITERATIONS }).penalty;
          return tf.add(crossEntropy(net, x, y), tf.mul(PENALTY_WEIGHT, p)) as tf.Scalar;
        }, true, vars)!
      );
  }
  log(`${backend} ${kind}: steps (${r.warmup} warm-up + ${r.steps} rounds of ${Object.keys(jobs).join(', ')})`);
  const { timings, ratios } = await interleaved(jobs, r.warmup, r.steps);
  const t = (k: string) => timings[k]?.ms ?? null;
  const q = (k: string) => (support.ok ? ratios[k] ?? null : null);
  linear.dispose();
  pre?.dispose();
  generic.dispose();
  optimizer.dispose();
  net.dispose();
  [x, y, u, v].forEach((z) => z.dispose());
  return {
    backend,
    model: kind,
    reps: r.steps,
    plainStepMs: t('plain'),
    genericGramMs: t('genericGram')!,
    genericVjpMs: t('genericVjp')!,
    genericJvpMs: t('genericJvp')!,
    linearizedGramMs: t('linearizedGram')!,
    linearizationMs: t('linearization')!,
    pretransposedGramMs: t('pretransposedGram'),
    genericGramRatio: q('genericGram'),
    linearizedGramRatio: q('linearizedGram'),
    linearizationRatio: q('linearization'),
    pretransposedGramRatio: pre ? q('pretransposedGram') : null,
    penaltyLinearizedMs: t('penaltyLinearized'),
    penaltyGenericMs: t('penaltyGeneric'),
    penaltyLinearizedRatio: q('penaltyLinearized'),
    penaltyGenericRatio: q('penaltyGeneric'),
    penaltyPretransposedMs: t('penaltyPretransposed'),
    penaltyPretransposedRatio: kind === 'mlp' ? q('penaltyPretransposed') : null,
    runs: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, v.runs.map((x) => round(x, 3))])),
    unsupported: support.ok ? undefined : `training: ${support.why}`
  };
}

interface FitRow {
  backend: string;
  model: ModelKind;
  reps: number;
  plainEpochMs: number | null;
  /** every → epoch ms and ratio to the plain epoch (paired, median over rounds). */
  regularized: Array<{ every: number; epochMs: number; ratio: number }>;
  runs?: Record<string, number[]>;
  unsupported?: string;
}

function compiled(model: tfl.Sequential): tfl.Sequential {
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  return model;
}

/** Section (c): model.fit epochs, plain vs Regularized (with the documented callback). */
async function fitSection(kind: ModelKind): Promise<FitRow> {
  const backend = tf.getBackend();
  const support = trainingSupported(kind);
  if (!support.ok) return { backend, model: kind, reps: 0, plainEpochMs: null, regularized: [], unsupported: `training: ${support.why}` };
  const r = reps(backend, kind);
  const { x, y } = randomData(kind, FIT_SAMPLES, 21);
  const softmax = () => tfl.layers.activation({ activation: 'softmax' });
  const models: Record<string, tfl.Sequential> = { plain: compiled(tfl.sequential({ layers: [...layersOf(kind, 7), softmax()] })) };
  for (const every of EVERY) {
    models[`every${every}`] = compiled(
      tfl.sequential({
        layers: [
          jr.layers.regularized({
            layer: network(kind, 7),
            inputShape: INPUT_SHAPE[kind],
            regularizers: jr.regularizers.jacobian({ every })
          }),
          softmax()
        ]
      })
    );
  }
  const jobs: Record<string, Job> = {};
  const warmX = tf.slice(x, 0, BATCH);
  const warmY = tf.slice(y, 0, BATCH);
  for (const [name, model] of Object.entries(models)) {
    // Warm-up: one batch (builds the training function and the optimizer slots, runs one penalty step).
    await model.fit(warmX, warmY, { epochs: 1, batchSize: BATCH, verbose: 0, yieldEvery: 'never', callbacks: name === 'plain' ? [] : [jr.callbacks.regularization()] });
    jobs[name] = async () => {
      await model.fit(x, y, {
        epochs: 1,
        batchSize: BATCH,
        shuffle: false,
        verbose: 0,
        yieldEvery: 'never',
        callbacks: name === 'plain' ? [] : [jr.callbacks.regularization()]
      });
    };
  }
  warmX.dispose();
  warmY.dispose();
  log(`${backend} ${kind}: fit epochs (${FIT_SAMPLES} samples, batch ${BATCH}; one-batch warm-up + ${r.fit} rounds of ${Object.keys(jobs).join(', ')})`);
  const { timings, ratios } = await interleaved(jobs, 0, r.fit);
  Object.values(models).forEach((m) => {
    (m.optimizer as tf.Optimizer).dispose();
    m.dispose();
  });
  x.dispose();
  y.dispose();
  return {
    backend,
    model: kind,
    reps: r.fit,
    plainEpochMs: timings.plain.ms,
    regularized: EVERY.map((every) => ({ every, epochMs: timings[`every${every}`].ms, ratio: ratios[`every${every}`] })),
    runs: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, v.runs.map((x) => round(x, 1))]))
  };
}

interface MemoryRow {
  backend: string;
  model: ModelKind;
  /** Manual loop: optimizer.minimize(CE + 0.01 · regularizer.penalty(net, x)), this many steps. */
  manualSteps: number;
  manualTensorsLeaked: number;
  manualBytesLeaked: number;
  /** model.fit of a Regularized model (every = 1) with the callback, this many steps. */
  fitSteps: number;
  fitTensorsLeaked: number | null;
  fitBytesLeaked: number | null;
  plainPeak: ProfileSummary | null;
  penaltyLinearizedPeak: ProfileSummary | null;
  penaltyGenericPeak: ProfileSummary | null;
  /** Peak bytes above what was alive at the start of the step: penalty / plain. */
  linearizedPeakIncrementRatio: number | null;
  genericPeakIncrementRatio: number | null;
  /** Absolute peaks (weights, data and optimizer slots included): penalty / plain. */
  linearizedPeakAbsoluteRatio: number | null;
  genericPeakAbsoluteRatio: number | null;
  unsupported?: string;
}

/** Section (e): leaks over LEAK_STEPS regularized steps, and the peak bytes of one step. */
async function memorySection(kind: ModelKind): Promise<MemoryRow> {
  const backend = tf.getBackend();
  const support = trainingSupported(kind);
  const empty = {
    backend, model: kind, manualSteps: 0, manualTensorsLeaked: NaN, manualBytesLeaked: NaN, fitSteps: 0, fitTensorsLeaked: null, fitBytesLeaked: null,
    plainPeak: null, penaltyLinearizedPeak: null, penaltyGenericPeak: null, linearizedPeakIncrementRatio: null,
    genericPeakIncrementRatio: null, linearizedPeakAbsoluteRatio: null, genericPeakAbsoluteRatio: null
  };
  if (!support.ok) return { ...empty, unsupported: `training: ${support.why}` };
  const net = network(kind, 7);
  const vars = variablesOf(net);
  const { x, y } = randomData(kind, BATCH, 11);
  const optimizer = tf.train.adam(1e-3);
  const regularizer = jr.regularizers.jacobian({ iterations: ITERATIONS });
  const f = (z: tf.Tensor) => net.apply(z) as tf.Tensor;
  const plain = () => tf.tidy(() => optimizer.minimize(() => crossEntropy(net, x, y), true, vars)!);
  const penaltyLinearized = (step: number) => () =>
    tf.tidy(() =>
      optimizer.minimize(() => {
        const p = regularizer.penalty(net, x, { epoch: 0, step }).penalty;
        return tf.add(crossEntropy(net, x, y), tf.mul(PENALTY_WEIGHT, p)) as tf.Scalar;
      }, true, vars)!
    );
  const penaltyGeneric = () =>
    tf.tidy(() =>
      optimizer.minimize(() => tf.add(crossEntropy(net, x, y), tf.mul(PENALTY_WEIGHT, jr.jacobianPenalty(f, x, { iterations: ITERATIONS }).penalty)) as tf.Scalar, true, vars)!
    );
  // Warm-up: creates the optimizer slots.
  plain().dispose();
  penaltyLinearized(0)().dispose();
  const row: MemoryRow = { ...empty };
  const plan = leakPlan(backend, kind);
  if (plan.manual > 0) {
    log(`${backend} ${kind}: ${plan.manual} manual penalty steps (leak check)`);
    const before = tf.memory();
    for (let s = 1; s <= plan.manual; s++) penaltyLinearized(s)().dispose();
    const after = tf.memory();
    row.manualSteps = plan.manual;
    row.manualTensorsLeaked = after.numTensors - before.numTensors;
    row.manualBytesLeaked = after.numBytes - before.numBytes;
  }
  if (plan.fit > 0) {
    log(`${backend} ${kind}: model.fit of a Regularized model, ${plan.fit} steps (leak check)`);
    const model = compiled(
      tfl.sequential({
        layers: [
          jr.layers.regularized({ layer: network(kind, 7), inputShape: INPUT_SHAPE[kind], regularizers: jr.regularizers.jacobian({ every: 1 }) }),
          tfl.layers.activation({ activation: 'softmax' })
        ]
      })
    );
    const data = randomData(kind, (plan.fit / 4) * BATCH, 31);
    const fitOptions = { batchSize: BATCH, shuffle: false, verbose: 0 as const, yieldEvery: 'never' as const };
    const warm = { x: tf.slice(data.x, 0, BATCH), y: tf.slice(data.y, 0, BATCH) };
    await model.fit(warm.x, warm.y, { ...fitOptions, epochs: 1, callbacks: [jr.callbacks.regularization()] });
    const fitBefore = tf.memory();
    await model.fit(data.x, data.y, { ...fitOptions, epochs: 4, callbacks: [jr.callbacks.regularization()] });
    const fitAfter = tf.memory();
    row.fitSteps = plan.fit;
    row.fitTensorsLeaked = fitAfter.numTensors - fitBefore.numTensors;
    row.fitBytesLeaked = fitAfter.numBytes - fitBefore.numBytes;
    (model.optimizer as tf.Optimizer).dispose();
    model.dispose();
    [warm.x, warm.y, data.x, data.y].forEach((t) => t.dispose());
  }
  log(`${backend} ${kind}: peak bytes (tf.profile)`);
  row.plainPeak = await profileJob(plain);
  row.penaltyLinearizedPeak = await profileJob(penaltyLinearized(0));
  row.penaltyGenericPeak = await profileJob(penaltyGeneric);
  const inc = (p: ProfileSummary) => p.peakBytes - p.startBytes;
  row.linearizedPeakIncrementRatio = inc(row.penaltyLinearizedPeak) / inc(row.plainPeak);
  row.genericPeakIncrementRatio = inc(row.penaltyGenericPeak) / inc(row.plainPeak);
  row.linearizedPeakAbsoluteRatio = row.penaltyLinearizedPeak.peakBytes / row.plainPeak.peakBytes;
  row.genericPeakAbsoluteRatio = row.penaltyGenericPeak.peakBytes / row.plainPeak.peakBytes;
  optimizer.dispose();
  net.dispose();
  x.dispose();
  y.dispose();
  return row;
}

interface ProfileRow {
  backend: string;
  model: ModelKind;
  what: string;
  summary: ProfileSummary;
}

/** Kernel shares of the linearized Gram matvec, a plain step and a linearized penalty step. */
async function profileSection(kind: ModelKind): Promise<ProfileRow[]> {
  const backend = tf.getBackend();
  const net = network(kind, 7);
  const vars = variablesOf(net);
  const { x, y } = randomData(kind, BATCH, 11);
  const u = tf.randomNormal([BATCH, 10], 0, 1, 'float32', 13);
  const linear = jr.linearizedJacobian(net, x)!;
  const optimizer = tf.train.adam(1e-3);
  const regularizer = jr.regularizers.jacobian({ iterations: ITERATIONS });
  const gram = () => tf.tidy(() => linear.matvec(linear.rmatvec(u)));
  const rows: ProfileRow[] = [];
  log(`${backend} ${kind}: kernel profile`);
  gram().dispose();
  // Best of 3 profiled runs of the Gram matvec (it is short, so one run is noisy).
  const gramRuns = [await profileJob(gram), await profileJob(gram), await profileJob(gram)];
  rows.push({ backend, model: kind, what: 'linearized Gram matvec JJᵀu', summary: gramRuns.sort((a, b) => a.wallMs - b.wallMs)[0] });
  if (trainingSupported(kind).ok) {
    const plain = () => tf.tidy(() => optimizer.minimize(() => crossEntropy(net, x, y), true, vars)!);
    const penalty = () =>
      tf.tidy(() =>
        optimizer.minimize(() => {
          const p = regularizer.penalty(net, x, { epoch: 0, step: 0 }).penalty;
          return tf.add(crossEntropy(net, x, y), tf.mul(PENALTY_WEIGHT, p)) as tf.Scalar;
        }, true, vars)!
      );
    plain().dispose();
    penalty().dispose();
    rows.push({ backend, model: kind, what: 'plain step', summary: await profileJob(plain) });
    rows.push({ backend, model: kind, what: 'penalty step (linearized, 4 Lanczos)', summary: await profileJob(penalty) });
  }
  linear.dispose();
  optimizer.dispose();
  net.dispose();
  [x, y, u].forEach((t) => t.dispose());
  return rows;
}

interface MatmulRow {
  backend: string;
  shape: string;
  plainMs: number;
  transposedBMs: number;
  ratio: number;
}

/**
 * Transposed vs plain matmuls at the MLP's shapes: matMul(a, W, false, true) (the pull-back gᵀWᵀ and tfjs' own
 * MatMul gradient dx = dy·Wᵀ) and matMul(x, dy, true, false) (the weight gradient xᵀdy), each against the same
 * product with the transposed operand precomputed.
 */
async function matmulSection(): Promise<MatmulRow[]> {
  const backend = tf.getBackend();
  const rows: MatmulRow[] = [];
  const compare = async (label: string, plain: () => tf.Tensor, transposed: () => tf.Tensor) => {
    const { timings, ratios } = await interleaved({ plain, transposed }, 5, QUICK ? 5 : 31);
    rows.push({ backend, shape: label, plainMs: timings.plain.ms, transposedBMs: timings.transposed.ms, ratio: ratios.transposed });
  };
  for (const [k, n] of [[10, 256], [256, 256], [256, 784]] as Array<[number, number]>) {
    // a = [64, k], W = [n, k]: a·Wᵀ = [64, n]
    const a = tf.randomNormal([BATCH, k], 0, 1, 'float32', 1) as tf.Tensor2D;
    const w = tf.randomNormal([n, k], 0, 1, 'float32', 2) as tf.Tensor2D;
    const wt = tf.transpose(w) as tf.Tensor2D;
    await compare(`matMul(a, W, false, true): [64,${k}]·[${n},${k}]ᵀ`, () => tf.matMul(a, wt), () => tf.matMul(a, w, false, true));
    [a, w, wt].forEach((t) => t.dispose());
  }
  {
    // x = [64, 784], dy = [64, 256]: xᵀ·dy = [784, 256]
    const x = tf.randomNormal([BATCH, 784], 0, 1, 'float32', 3) as tf.Tensor2D;
    const dy = tf.randomNormal([BATCH, 256], 0, 1, 'float32', 4) as tf.Tensor2D;
    const xt = tf.transpose(x) as tf.Tensor2D;
    await compare('matMul(x, dy, true, false): [64,784]ᵀ·[64,256]', () => tf.matMul(xt, dy), () => tf.matMul(x, dy, true, false));
    [x, dy, xt].forEach((t) => t.dispose());
  }
  return rows;
}

interface AccuracyRow {
  state: string;
  method: 'lanczos' | 'power';
  matvecs: number;
  medianRelErrorPct: number;
  p95RelErrorPct: number;
}

/** Section (d): σ_max relative error vs 'exact' on the MLP, at init and after 300 Adam steps on random data. */
async function accuracySection(): Promise<{ backend: string; trainSteps: number; finalLoss: number; rows: AccuracyRow[] }> {
  const backend = tf.getBackend();
  const trainSteps = QUICK ? 30 : 300;
  const net = network('mlp', 7);
  const vars = variablesOf(net);
  const evalData = randomData('mlp', 256, 41);
  const train = randomData('mlp', 1024, 43);
  const rows: AccuracyRow[] = [];
  const measure = (state: string) => {
    const errors = new Map<string, number[]>();
    for (let b = 0; b < 256 / BATCH; b++) {
      const xb = tf.slice(evalData.x, b * BATCH, BATCH);
      const op = jr.linearizedJacobian(net, xb)!;
      const exact = jr.estimateSpectralNorm(op, { method: 'exact' });
      const sigma = Array.from(exact.sigma.dataSync());
      exact.sigma.dispose();
      exact.vectors.dispose();
      for (const method of ['lanczos', 'power'] as const) {
        for (const m of [2, 4, 8, 16]) {
          const est = jr.estimateSpectralNorm(op, { method, iterations: m, seed: 100 + b, tol: 0 });
          const hat = Array.from(est.sigma.dataSync());
          est.sigma.dispose();
          est.vectors.dispose();
          const key = `${method}:${m}`;
          const list = errors.get(key) ?? [];
          hat.forEach((h, i) => list.push(Math.abs(h - sigma[i]) / sigma[i]));
          errors.set(key, list);
        }
      }
      op.dispose();
      xb.dispose();
    }
    for (const [key, e] of errors) {
      const [method, m] = key.split(':');
      rows.push({ state, method: method as 'lanczos' | 'power', matvecs: Number(m), medianRelErrorPct: 100 * quantile(e, 0.5), p95RelErrorPct: 100 * quantile(e, 0.95) });
    }
  };
  log(`${backend} mlp: estimator accuracy at init`);
  measure('init');
  log(`${backend} mlp: ${trainSteps} Adam steps on random data, then accuracy`);
  const optimizer = tf.train.adam(1e-3);
  let finalLoss = NaN;
  for (let s = 0; s < trainSteps; s++) {
    const b = s % (1024 / BATCH);
    const cost = tf.tidy(() =>
      optimizer.minimize(() => crossEntropy(net, tf.slice(train.x, b * BATCH, BATCH), tf.slice(train.y, b * BATCH, BATCH)), true, vars)!
    );
    if (s === trainSteps - 1) finalLoss = cost.dataSync()[0];
    cost.dispose();
  }
  measure(`after ${trainSteps} steps`);
  optimizer.dispose();
  net.dispose();
  [evalData.x, evalData.y, train.x, train.y].forEach((t) => t.dispose());
  return { backend, trainSteps, finalLoss, rows };
}

function nproc(): number {
  try {
    return Number(execSync('nproc', { encoding: 'utf8' }).trim());
  } catch {
    return os.cpus().length;
  }
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const env: Record<string, unknown> = {
    tfjsCore: tf.version_core,
    tfjsLayers: tfl.version_layers,
    node: process.version,
    nproc: nproc(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    platform: `${os.platform()} ${os.release()}`,
    loadAverageAtStart: os.loadavg().map((v) => round(v)),
    quick: QUICK
  };
  const steps: StepsRow[] = [];
  const fits: FitRow[] = [];
  const memory: MemoryRow[] = [];
  const profiles: ProfileRow[] = [];
  const matmuls: MatmulRow[] = [];
  const backendsRun: string[] = [];
  let accuracy: Awaited<ReturnType<typeof accuracySection>> | null = null;

  for (const backend of BACKENDS) {
    if (!(await useBackend(backend))) continue;
    backendsRun.push(backend);
    if (backend === 'wasm') {
      env.wasmVersion = require('@tensorflow/tfjs-backend-wasm').version_wasm;
      env.wasmSimd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
      env.wasmThreads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    }
    log(`backend ${backend}: tensors alive ${tf.memory().numTensors}`);
    for (const kind of ['mlp', 'cnn'] as ModelKind[]) {
      steps.push(await stepSection(kind));
      fits.push(await fitSection(kind));
      memory.push(await memorySection(kind));
      profiles.push(...(await profileSection(kind)));
    }
    matmuls.push(...(await matmulSection()));
    // (d) once, on the fastest backend available (the numbers are the estimator's, not the backend's).
    if (accuracy == null && (backend === 'wasm' || !BACKENDS.includes('wasm'))) accuracy = await accuracySection();
  }
  if (accuracy == null) accuracy = await accuracySection();
  env.backends = backendsRun;
  env.loadAverageAtEnd = os.loadavg().map((v) => round(v));
  const wallSeconds = (performance.now() - t0) / 1000;
  env.wallSeconds = round(wallSeconds, 1);

  // ---- markdown ----
  const md: string[] = [];
  md.push(`Environment: backends ${backendsRun.join(', ')}; tfjs-core ${env.tfjsCore}, tfjs-layers ${env.tfjsLayers}` +
    `${env.wasmVersion ? `, tfjs-backend-wasm ${env.wasmVersion} (SIMD ${env.wasmSimd}, threads ${env.wasmThreads})` : ''}; ` +
    `node ${env.node}; nproc ${env.nproc} (${env.cpuModel}); load average ${(env.loadAverageAtStart as number[]).join(' ')} at start, ` +
    `${(env.loadAverageAtEnd as number[]).join(' ')} at end; wall ${env.wallSeconds} s${QUICK ? ' (BENCH_QUICK)' : ''}.`);
  md.push('');
  md.push(`Batch ${BATCH}; ${DESCRIPTION.mlp}; ${DESCRIPTION.cnn}. Times are medians of interleaved rounds (baseline and ` +
    'variants alternate); ratios are the median of the per-round ratios to the baseline of the same round.');
  md.push('');
  md.push('### (a) One Gram matvec JJᵀu of the logits\' Jacobian / one plain training step');
  md.push('');
  md.push('| backend | model | rounds | plain step (ms) | generic JJᵀu (ms) | ratio | linearized JJᵀu (ms) | ratio | linearization, once (ms) | ratio | generic VJP / JVP (ms) |');
  md.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const s of steps) {
    md.push(`| ${s.backend} | ${s.model} | ${s.reps} | ${s.plainStepMs == null ? `unsupported¹` : ms(s.plainStepMs)} | ${ms(s.genericGramMs)} | ${ratio(s.genericGramRatio)} | ` +
      `${ms(s.linearizedGramMs)} | ${ratio(s.linearizedGramRatio)} | ${ms(s.linearizationMs)} | ${ratio(s.linearizationRatio)} | ${ms(s.genericVjpMs)} / ${ms(s.genericJvpMs)} |`);
  }
  md.push('');
  md.push('### (b) One penalty training step (CE + 0.01 · penalty, 4 Lanczos iterations) / one plain training step');
  md.push('');
  md.push('| backend | model | plain step (ms) | penalty step, linearized (ms) | ratio | penalty step, generic double-VJP (ms) | ratio |');
  md.push('|---|---|---:|---:|---:|---:|---:|');
  for (const s of steps) {
    if (s.plainStepMs == null) md.push(`| ${s.backend} | ${s.model} | unsupported¹ | unsupported¹ | — | unsupported¹ | — |`);
    else md.push(`| ${s.backend} | ${s.model} | ${ms(s.plainStepMs)} | ${ms(s.penaltyLinearizedMs)} | ${ratio(s.penaltyLinearizedRatio)} | ${ms(s.penaltyGenericMs)} | ${ratio(s.penaltyGenericRatio)} |`);
  }
  md.push('');
  md.push('Bench-only variant (bench/lib/pretransposed.ts): the linearized operator with Wᵀ cached at linearization, MLP:');
  md.push('');
  md.push('| backend | linearized JJᵀu: library / cached Wᵀ (ms) | ratio to plain step: library / cached Wᵀ | penalty step: library / cached Wᵀ (ms) | ratio to plain step: library / cached Wᵀ |');
  md.push('|---|---:|---:|---:|---:|');
  for (const s of steps.filter((x) => x.pretransposedGramMs != null)) {
    md.push(`| ${s.backend} | ${ms(s.linearizedGramMs)} / ${ms(s.pretransposedGramMs)} | ${ratio(s.linearizedGramRatio)} / ${ratio(s.pretransposedGramRatio)} | ` +
      `${ms(s.penaltyLinearizedMs)} / ${ms(s.penaltyPretransposedMs)} | ${ratio(s.penaltyLinearizedRatio)} / ${ratio(s.penaltyPretransposedRatio)} |`);
  }
  md.push('');
  md.push(`### (c) One model.fit epoch (${FIT_SAMPLES} samples, batch ${BATCH}) with jr.layers.regularized + jr.callbacks.regularization() / a plain fit epoch`);
  md.push('');
  md.push(`| backend | model | rounds | plain epoch (ms) | ${EVERY.map((k) => `every ${k}${k === 1 ? ' (default)' : ''}: ms / ratio`).join(' | ')} |`);
  md.push(`|---|---|---:|---:|${EVERY.map(() => '---:').join('|')}|`);
  for (const f of fits) {
    if (f.unsupported) md.push(`| ${f.backend} | ${f.model} | — | unsupported¹ | ${EVERY.map(() => 'unsupported¹').join(' | ')} |`);
    else md.push(`| ${f.backend} | ${f.model} | ${f.reps} | ${ms(f.plainEpochMs)} | ${f.regularized.map((r) => `${ms(r.epochMs)} / ${ratio(r.ratio)}`).join(' | ')} |`);
  }
  md.push('');
  md.push(`### (d) σ_max relative error vs method 'exact' (MLP, 256 random inputs, ${accuracy.backend}; full study: docs/ESTIMATORS.md)`);
  md.push('');
  md.push(`After ${accuracy.trainSteps} Adam steps on 1,024 random inputs with random labels the training loss is ${accuracy.finalLoss.toFixed(3)}. ` +
    'tol 0 (all m steps run); Lanczos runs in the 10-dim output space, so m ≥ 10 is exact up to float32.');
  md.push('');
  md.push('| weights | method | m = 2: median / p95 (%) | m = 4 | m = 8 | m = 16 |');
  md.push('|---|---|---:|---:|---:|---:|');
  const pct = (v: number) => (v === 0 ? '0' : v < 0.01 ? v.toExponential(1) : v.toFixed(2));
  for (const state of [...new Set(accuracy.rows.map((r) => r.state))]) {
    for (const method of ['lanczos', 'power'] as const) {
      const cells = [2, 4, 8, 16].map((m) => {
        const r = accuracy!.rows.find((x) => x.state === state && x.method === method && x.matvecs === m)!;
        return `${pct(r.medianRelErrorPct)} / ${pct(r.p95RelErrorPct)}`;
      });
      md.push(`| ${state} | ${method} | ${cells.join(' | ')} |`);
    }
  }
  md.push('');
  md.push('### (e) Memory: tensors / bytes left after N regularized steps (after a warm-up step), and peak bytes of one step');
  md.push('');
  md.push('Peak = max of tf.memory().numBytes during the step (tf.profile). "Above start" subtracts what was alive when the step began ' +
    '(weights, data, optimizer slots): the step\'s own working memory.');
  md.push('');
  md.push(`| backend | model | manual loop: steps: Δtensors / Δbytes | model.fit + callback: steps: Δtensors / Δbytes | plain step peak above start (MB) | penalty (linearized) peak above start (MB) | ratio | generic penalty peak above start (MB) | ratio | absolute peak ratio: linearized / generic |`);
  md.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const m of memory) {
    if (m.unsupported) {
      md.push(`| ${m.backend} | ${m.model} | unsupported¹ | unsupported¹ | — | — | — | — | — | — |`);
      continue;
    }
    const inc = (p: ProfileSummary | null) => (p ? mb(p.peakBytes - p.startBytes) : '—');
    md.push(`| ${m.backend} | ${m.model} | ${m.manualSteps === 0 ? 'not run' : `${m.manualSteps}: ${m.manualTensorsLeaked} / ${m.manualBytesLeaked}`} | ` +
      `${m.fitSteps === 0 ? 'not run' : `${m.fitSteps}: ${m.fitTensorsLeaked} / ${m.fitBytesLeaked}`} | ${inc(m.plainPeak)} | ${inc(m.penaltyLinearizedPeak)} | ` +
      `${ratio(m.linearizedPeakIncrementRatio)} | ${inc(m.penaltyGenericPeak)} | ${ratio(m.genericPeakIncrementRatio)} | ` +
      `${ratio(m.linearizedPeakAbsoluteRatio)} / ${ratio(m.genericPeakAbsoluteRatio)} |`);
  }
  md.push('');
  md.push('### Kernel profile (tf.profile, one run; kernel time summed by kernel name)');
  md.push('');
  md.push('| backend | model | what | wall (ms) | kernels (ms) | kernel calls | top kernels: ms (share of kernel time) |');
  md.push('|---|---|---|---:|---:|---:|---|');
  for (const p of profiles) {
    const top = p.summary.top.slice(0, 5).map((k) => `${k.kernel} ×${k.calls}: ${ms(k.ms)} (${k.pct.toFixed(0)}%)`).join('; ');
    md.push(`| ${p.backend} | ${p.model} | ${p.what} | ${ms(p.summary.wallMs)} | ${ms(p.summary.kernelMs)} | ${p.summary.kernelCalls} | ${top} |`);
  }
  md.push('');
  md.push('### Transposed vs plain matmul at the MLP\'s shapes (median of 31 interleaved rounds)');
  md.push('');
  md.push('| backend | product | with the transposed operand precomputed (ms) | with the transpose flag (ms) | ratio |');
  md.push('|---|---|---:|---:|---:|');
  for (const m of matmuls) md.push(`| ${m.backend} | ${m.shape} | ${m.plainMs.toFixed(3)} | ${m.transposedBMs.toFixed(3)} | ${ratio(m.ratio)} |`);
  md.push('');
  if ([...steps, ...fits, ...memory].some((r) => r.unsupported)) {
    md.push('');
    md.push('¹ ' + [...new Set([...steps, ...fits, ...memory].filter((r) => r.unsupported).map((r) => `${r.backend} ${r.model}: ${r.unsupported}`))].join('; ') +
      ' — any gradient through a Conv2D layer fails there.');
  }
  const markdown = md.join('\n');

  const outDir = path.join(__dirname, 'results');
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(
    path.join(outDir, 'bench.json'),
    JSON.stringify(
      {
        command: 'npm run bench   # = ts-node bench/index.ts',
        date: new Date().toISOString(),
        environment: env,
        config: { batch: BATCH, penaltyWeight: PENALTY_WEIGHT, iterations: ITERATIONS, fitSamples: FIT_SAMPLES, every: EVERY, leakSteps: LEAK_STEPS, models: DESCRIPTION },
        steps,
        fits,
        accuracy,
        memory,
        profiles,
        matmuls,
        markdown
      },
      null,
      2
    ) + '\n'
  );
  fs.writeFileSync(path.join(outDir, 'bench.md'), `# Benchmark results\n\n\`npm run bench\` (${new Date().toISOString()})\n\n${markdown}\n`);
  console.log(markdown);
  log(`wrote bench/results/bench.json and bench/results/bench.md (${wallSeconds.toFixed(0)} s)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
