/**
 * Accuracy of the σ_max estimators on a trained-ish MNIST MLP's logit Jacobian J(x) ∈ ℝ^{10×784}.
 *
 *   npx ts-node --transpile-only -O '{"module":"commonjs"}' bench/estimator_accuracy.ts
 *
 * Trains a 784-64-64-10 tanh MLP (seeded, Adam, full determinism: no Math.random anywhere), then on held-out test
 * inputs compares `estimateSpectralNorm` with method 'lanczos' | 'power' | 'hutchinson' at 2, 4, 8, 16 iterations
 * against method 'exact' (the dense J from 10 VJPs per batch). Prints a markdown table and writes
 * bench/results/estimator_accuracy.json. Lanczos and power run in the 10-dim output space (Gram matrix JJᵀ), so with
 * 10 or more iterations Lanczos spans the whole space and is exact up to float32 (16 iterations are capped at 10).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Method, dense, estimateSpectralNorm, jacobianOperator } from '../src';
import { MNIST_SOURCE, loadMnist } from '../demo/data/mnist';

const CONFIG = {
  train: 2000,
  test: 1000, // accuracy is measured on all; the estimators on the first `evalSamples`
  evalSamples: 256,
  batch: 64,
  hidden: 64,
  activation: 'tanh' as const,
  learningRate: 2e-3,
  trainBatch: 64,
  trainSteps: 300,
  dataSeed: 1,
  initSeed: 42,
  matvecs: [2, 4, 8, 16],
  methods: ['lanczos', 'power', 'hutchinson'] as Method[],
  seedsPerSample: 3,
};

interface Row {
  method: Method;
  matvecs: number;
  /** Operator products (VJP or JVP) per sample that `estimateSpectralNorm` reports. */
  products: number;
  medianRelErrorPct: number;
  p95RelErrorPct: number;
  maxRelErrorPct: number;
  /** Hutchinson only: relative error against the exact Frobenius norm ‖J‖_F, which is what it estimates. */
  medianRelErrorVsFrobeniusPct?: number;
  p95RelErrorVsFrobeniusPct?: number;
  /** Mean milliseconds per batch of `batch` samples for one call. */
  msPerBatch: number;
}

function quantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

function buildModel(): tfl.Sequential {
  const { hidden, activation, initSeed } = CONFIG;
  const kernel = (s: number) => tfl.initializers.glorotUniform({ seed: initSeed + s });
  return tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [784], units: hidden, activation, kernelInitializer: kernel(0) }),
      tfl.layers.dense({ units: hidden, activation, kernelInitializer: kernel(1) }),
      tfl.layers.dense({ units: 10, kernelInitializer: kernel(2) }), // logits
    ],
  });
}

function accuracy(model: tfl.Sequential, x: tf.Tensor2D, y: tf.Tensor2D): number {
  return tf.tidy(() => {
    const hits = tf.equal(tf.argMax(model.predict(x) as tf.Tensor, 1), tf.argMax(y, 1));
    return tf.mean(tf.cast(hits, 'float32')).dataSync()[0];
  });
}

/** Deterministic training: fixed minibatch order over the (seeded-shuffled) training set. */
function train(model: tfl.Sequential, x: tf.Tensor2D, y: tf.Tensor2D): number {
  const { trainBatch, trainSteps, learningRate } = CONFIG;
  const optimizer = tf.train.adam(learningRate);
  const batches = Math.floor(x.shape[0] / trainBatch);
  let loss = NaN;
  for (let step = 0; step < trainSteps; step++) {
    const b = step % batches;
    const value = tf.tidy(() => {
      const xb = tf.slice(x, [b * trainBatch, 0], [trainBatch, -1]);
      const yb = tf.slice(y, [b * trainBatch, 0], [trainBatch, -1]);
      return optimizer.minimize(
        () => tf.losses.softmaxCrossEntropy(yb, model.apply(xb) as tf.Tensor) as tf.Scalar,
        true,
      ) as tf.Scalar;
    });
    if (step === trainSteps - 1) loss = value.dataSync()[0];
    value.dispose();
  }
  optimizer.dispose();
  return loss;
}

async function main(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
  const t0 = Date.now();
  const data = loadMnist({ train: CONFIG.train, test: CONFIG.test, seed: CONFIG.dataSeed });
  const model = buildModel();
  const tTrain = Date.now();
  const finalLoss = train(model, data.xTrain, data.yTrain);
  const trainSeconds = (Date.now() - tTrain) / 1000;
  const trainAcc = accuracy(model, data.xTrain, data.yTrain);
  const testAcc = accuracy(model, data.xTest, data.yTest);
  console.log(
    `model: 784-${CONFIG.hidden}-${CONFIG.hidden}-10 ${CONFIG.activation}, ${CONFIG.trainSteps} Adam steps ` +
      `(${trainSeconds.toFixed(1)} s), final loss ${finalLoss.toFixed(3)}, train acc ${(100 * trainAcc).toFixed(1)}%, ` +
      `test acc ${(100 * testAcc).toFixed(1)}% (${CONFIG.test} test images)`,
  );

  const f = (x: tf.Tensor) => model.apply(x) as tf.Tensor;
  const keys = CONFIG.methods.flatMap((method) => CONFIG.matvecs.map((k) => `${method}:${k}`));
  const errors = new Map<string, number[]>(keys.map((k) => [k, []]));
  const frobErrors = new Map<string, number[]>(keys.map((k) => [k, []]));
  const millis = new Map<string, number>(keys.map((k) => [k, 0]));
  const products = new Map<string, number>();
  const sigmas: number[] = [];
  const ratios: number[] = []; // ‖J‖_F / σ_max
  const numTensors: number[] = [];
  const batches = CONFIG.evalSamples / CONFIG.batch;
  let calls = 0;
  const numTensorsBefore = tf.memory().numTensors;
  console.log(`before the first batch: tf.memory().numTensors = ${numTensorsBefore} (model weights + data)`);

  for (let b = 0; b < batches; b++) {
    const x = tf.slice(data.xTest, [b * CONFIG.batch, 0], [CONFIG.batch, -1]);
    const op = jacobianOperator(f, x);
    // Reference: σ_max from the dense J (10 VJPs), and ‖J‖_F from the same dense J for Hutchinson.
    const exact = estimateSpectralNorm(op, { method: 'exact' });
    const sigma = Array.from(exact.sigma.dataSync());
    exact.sigma.dispose();
    exact.vectors.dispose();
    const frob = tf.tidy(() => {
      const j = dense(op);
      return Array.from(tf.sqrt(tf.sum(tf.square(j), [1, 2])).dataSync());
    });
    sigmas.push(...sigma);
    sigma.forEach((s, i) => ratios.push(frob[i] / s));

    for (let r = 0; r < CONFIG.seedsPerSample; r++) {
      const seed = 1000 * (b + 1) + r;
      for (const method of CONFIG.methods) {
        for (const k of CONFIG.matvecs) {
          const key = `${method}:${k}`;
          const t = Date.now();
          const est = estimateSpectralNorm(op, { method, iterations: k, seed, tol: 0 });
          const hat = Array.from(est.sigma.dataSync());
          millis.set(key, millis.get(key)! + Date.now() - t);
          products.set(key, est.products);
          est.sigma.dispose();
          est.vectors.dispose();
          hat.forEach((h, i) => {
            errors.get(key)!.push(Math.abs(h - sigma[i]) / sigma[i]);
            frobErrors.get(key)!.push(Math.abs(h - frob[i]) / frob[i]);
          });
        }
      }
      calls++;
    }
    op.dispose();
    x.dispose();
    numTensors.push(tf.memory().numTensors);
    console.log(`batch ${b + 1}/${batches}: tf.memory().numTensors = ${tf.memory().numTensors}`);
  }

  const rows: Row[] = keys.map((key) => {
    const [method, k] = key.split(':');
    const e = errors.get(key)!;
    const row: Row = {
      method: method as Method,
      matvecs: Number(k),
      products: products.get(key)!,
      medianRelErrorPct: 100 * quantile(e, 0.5),
      p95RelErrorPct: 100 * quantile(e, 0.95),
      maxRelErrorPct: 100 * Math.max(...e),
      msPerBatch: millis.get(key)! / calls,
    };
    if (method === 'hutchinson') {
      row.medianRelErrorVsFrobeniusPct = 100 * quantile(frobErrors.get(key)!, 0.5);
      row.p95RelErrorVsFrobeniusPct = 100 * quantile(frobErrors.get(key)!, 0.95);
    }
    return row;
  });
  const wallSeconds = (Date.now() - t0) / 1000;
  const env = {
    backend: tf.getBackend(),
    tfjsCore: tf.version_core,
    tfjsLayers: tfl.version_layers,
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
  };

  const pct = (v: number | undefined) =>
    v === undefined ? '—' : v === 0 ? '0' : v < 0.01 ? v.toExponential(1) : v.toFixed(2);
  const lines = [
    '| method | matvecs (`iterations`) | products / sample | median rel. err. (%) | p95 rel. err. (%) | max rel. err. (%) | Hutchinson vs ‖J‖_F: median / p95 (%) | ms / batch of 64 |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.method} | ${r.matvecs} | ${r.products} | ${pct(r.medianRelErrorPct)} | ${pct(r.p95RelErrorPct)} | ${pct(r.maxRelErrorPct)} | ` +
        `${r.method === 'hutchinson' ? `${pct(r.medianRelErrorVsFrobeniusPct)} / ${pct(r.p95RelErrorVsFrobeniusPct)}` : '—'} | ${r.msPerBatch.toFixed(0)} |`,
    ),
  ];
  const summary = {
    samples: CONFIG.evalSamples,
    seedsPerSample: CONFIG.seedsPerSample,
    observationsPerRow: CONFIG.evalSamples * CONFIG.seedsPerSample,
    sigmaMaxMedian: quantile(sigmas, 0.5),
    frobeniusOverSigmaMedian: quantile(ratios, 0.5),
    frobeniusOverSigmaRange: [Math.min(...ratios), Math.max(...ratios)],
  };
  console.log('');
  console.log(lines.join('\n'));
  console.log('');
  console.log(
    `${summary.observationsPerRow} (sample, seed) pairs per row: ${CONFIG.evalSamples} held-out test inputs × ` +
      `${CONFIG.seedsPerSample} seeds, batches of ${CONFIG.batch}; reference: method 'exact'. ` +
      `Median σ_max ${summary.sigmaMaxMedian.toFixed(3)}, median ‖J‖_F/σ_max ${summary.frobeniusOverSigmaMedian.toFixed(3)} ` +
      `(range ${summary.frobeniusOverSigmaRange.map((v) => v.toFixed(3)).join('–')}).`,
  );
  console.log(
    `tf.memory().numTensors before the batches ${numTensorsBefore}, after each batch: ${numTensors.join(', ')}`,
  );
  console.log(
    `wall time ${wallSeconds.toFixed(1)} s (training ${trainSeconds.toFixed(1)} s); backend ${env.backend}, ` +
      `tfjs-core ${env.tfjsCore}, tfjs-layers ${env.tfjsLayers}, node ${env.node}, ${env.cpus} CPUs (${env.cpuModel})`,
  );

  const out = path.join(__dirname, 'results', 'estimator_accuracy.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(
    out,
    JSON.stringify(
      {
        command: `npx ts-node --transpile-only -O '{"module":"commonjs"}' bench/estimator_accuracy.ts`,
        date: new Date().toISOString(),
        data: MNIST_SOURCE,
        config: CONFIG,
        model: { trainSeconds, finalLoss, trainAccuracy: trainAcc, testAccuracy: testAcc },
        environment: env,
        wallSeconds,
        numTensorsBeforeBatches: numTensorsBefore,
        numTensorsAfterEachBatch: numTensors,
        summary,
        rows,
        markdown: lines.join('\n'),
      },
      null,
      2,
    ) + '\n',
  );
  console.log(`wrote ${path.relative(process.cwd(), out)}`);
  model.dispose();
  Object.values(data).forEach((t) => t.dispose());
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
