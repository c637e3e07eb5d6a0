/**
 * The exploratory experiments of the paper's Figure 1 (Cui et al., arXiv 2212.00311), on f(x) = Σ g(xᵢ), x ~ N(0, I):
 *
 * - Symmetry: g = sin; a network N: ℝᵈ → ℝᵈ learns the gradient field ∇f(x) = cos(x) by MSE. The regularized arm
 *   wraps the whole network in `jr.layers.regularized` with `jr.regularizers.jacobian({target: 'transpose'})`, which
 *   pushes J towards Jᵀ (a conservative field). Curves: test MSE and the exact ‖J − Jᵀ‖_F, averaged over test points.
 * - Diagonality: g = x²; a network N: ℝᵈ → ℝ learns f by MSE. The regularized arm uses
 *   `jr.regularizers.hessian({target: 'rowSumDiagonal', scalar: 'sum'})`, which pushes the input Hessian towards the
 *   diagonal of its row sums (the target's Hessian is 2I). Curves: test MSE and the exact off-diagonal energy
 *   Σ_{i≠j} H²ᵢⱼ, averaged over test points.
 *
 * Both arms of an experiment start from the same weights and see the same batches (seeded initializers and a seeded
 * per-epoch shuffle); epoch 0 of the curves is the initial network.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as cliProgress from 'cli-progress';
import * as path from 'path';
import * as jr from '../src';
import { ChartSpec, markdownTable, writeReport } from './report';

export interface ExploratoryOptions {
  /** Input dimension d (the paper uses 1024). */
  dim: number;
  /** Width of the two hidden layers. */
  hidden: number;
  epochs: number;
  trainSize: number;
  testSize: number;
  batchSize: number;
  /** Weight of the derivative penalty in the regularized arm. */
  weight: number;
  /** Lanczos iterations of the penalty. */
  iterations: number;
  seed: number;
  /** Reports go to <outDir>/symmetry and <outDir>/diagonality. */
  outDir: string;
  /** No progress bar and no printed table. */
  quiet?: boolean;
  /** Adam learning rate. Default 0.01. */
  learningRate?: number;
  /** The command recorded in the report. Default: the call with its options. */
  command?: string;
}

export const EXPLORATORY_DEFAULTS: ExploratoryOptions = {
  dim: 16,
  hidden: 64,
  epochs: 30,
  trainSize: 1024,
  testSize: 256,
  batchSize: 64,
  weight: 0.3,
  iterations: 4,
  seed: 1,
  outDir: 'out/exploratory',
  learningRate: 0.01,
};

export type Arm = 'plain' | 'regularized';
export const ARMS: readonly Arm[] = ['plain', 'regularized'];

export interface ArmCurves {
  /** 0 (the initial network), 1, …, epochs. */
  epoch: number[];
  testMse: number[];
  /** ‖J − Jᵀ‖_F (symmetry) or Σ_{i≠j} H²ᵢⱼ (diagonality), exact, mean over the test set. */
  distance: number[];
  /** Mean training loss of each epoch (MSE plus the weighted penalty in the regularized arm); NaN at epoch 0. */
  trainLoss: number[];
}

export interface ExploratoryRow {
  arm: Arm;
  finalTestMse: number;
  finalDistance: number;
  initialDistance: number;
  /** Seconds in model.fit. */
  trainSeconds: number;
  /** Seconds for the arm, with the exact per-epoch evaluation. */
  totalSeconds: number;
}

export interface ExploratoryResult {
  name: 'symmetry' | 'diagonality';
  /** What `distance` measures. */
  distanceLabel: string;
  options: ExploratoryOptions;
  rows: ExploratoryRow[];
  curves: Record<Arm, ArmCurves>;
  /** The markdown table of `rows`. */
  table: string;
  /** Files written by `writeReport`. */
  paths: string[];
  /** The test inputs [testSize][dim] and, per arm, the exact distance of each test point after the last epoch. */
  testX: number[][];
  finalPerPoint: Record<Arm, number[]>;
  /** The trained networks (the plain function N, without the wrapper); `dispose()` frees them. */
  networks: Record<Arm, tfl.LayersModel>;
  dispose(): void;
}

interface Experiment {
  name: 'symmetry' | 'diagonality';
  title: string;
  distanceLabel: string;
  outUnits: number;
  activation: 'tanh' | 'softplus';
  /** The training target of inputs x[B, d]. */
  target(x: tf.Tensor2D): tf.Tensor2D;
  regularizer(o: ExploratoryOptions): jr.DerivativeRegularizer;
  /** The exact distance per test point [B] of the network f at x. */
  distance(f: (z: tf.Tensor) => tf.Tensor, x: tf.Tensor2D): tf.Tensor1D;
}

const SYMMETRY: Experiment = {
  name: 'symmetry',
  title: 'Symmetry: learning ∇Σ sin(xᵢ) = cos(x)',
  distanceLabel: '‖J − Jᵀ‖_F',
  outUnits: -1,
  activation: 'tanh',
  target: (x) => tf.cos(x),
  regularizer: (o) =>
    jr.regularizers.jacobian({ target: 'transpose', weight: o.weight, iterations: o.iterations, seed: o.seed }),
  distance: (f, x) =>
    tf.tidy(() => {
      const j = jr.dense(jr.jacobianOperator(f, x)); // [B, m, n]
      const d = tf.sub(j, tf.transpose(j, [0, 2, 1]));
      return tf.sqrt(tf.sum(tf.square(d), [1, 2])) as tf.Tensor1D;
    }),
};

const DIAGONALITY: Experiment = {
  name: 'diagonality',
  title: 'Diagonality: learning Σ xᵢ² (standardized)',
  distanceLabel: 'Σ_{i≠j} H²ᵢⱼ',
  outUnits: 1,
  activation: 'softplus',
  // Standardized: (Σ xᵢ² − d) / √(2d) has mean 0 and variance 1 under x ~ N(0, I) (so the test MSE is the fraction of
  // the variance left unexplained); its Hessian is √(2/d) · I, still diagonal.
  target: (x) => tf.div(tf.sub(tf.sum(tf.square(x), 1, true), x.shape[1]), Math.sqrt(2 * x.shape[1])),
  regularizer: (o) =>
    jr.regularizers.hessian({
      target: 'rowSumDiagonal',
      scalar: 'sum',
      weight: o.weight,
      iterations: o.iterations,
      seed: o.seed,
    }),
  distance: (f, x) =>
    tf.tidy(() => {
      const h = jr.dense(jr.hessianOperator((z) => tf.reshape(f(z), [-1]), x)); // [B, d, d]
      const n = x.shape[1];
      const offDiagonal = tf.mul(h, tf.sub(1, tf.eye(n)));
      return tf.sum(tf.square(offDiagonal), [1, 2]) as tf.Tensor1D;
    }),
};

/** A seeded permutation of 0…n−1 (mulberry32 + Fisher–Yates). */
function permutation(n: number, seed: number): Int32Array {
  let s = seed >>> 0;
  const random = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const p = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

/** The network N (same weights for the same seed): d → hidden → hidden → out. */
function network(e: Experiment, o: ExploratoryOptions): tfl.Sequential {
  const dense = (units: number, i: number, activation?: 'tanh' | 'softplus') =>
    tfl.layers.dense({
      units,
      activation,
      kernelInitializer: tfl.initializers.glorotUniform({ seed: o.seed * 101 + i }),
    });
  const net = tfl.sequential();
  net.add(
    tfl.layers.dense({
      inputShape: [o.dim],
      units: o.hidden,
      activation: e.activation,
      kernelInitializer: tfl.initializers.glorotUniform({ seed: o.seed * 101 }),
    }),
  );
  net.add(dense(o.hidden, 1, e.activation));
  net.add(dense(e.outUnits > 0 ? e.outUnits : o.dim, 2));
  return net;
}

async function runArm(
  e: Experiment,
  o: ExploratoryOptions,
  arm: Arm,
  data: { x: tf.Tensor2D; y: tf.Tensor2D; testX: tf.Tensor2D; testY: tf.Tensor2D },
) {
  const start = Date.now();
  const net = network(e, o);
  const model =
    arm === 'plain'
      ? net
      : tfl.sequential({
          layers: [jr.layers.regularized({ layer: net, inputShape: [o.dim], regularizers: e.regularizer(o) })],
        });
  model.compile({ optimizer: tf.train.adam(o.learningRate ?? 0.01), loss: 'meanSquaredError' });
  const f = (z: tf.Tensor) => net.apply(z) as tf.Tensor;
  const curves: ArmCurves = { epoch: [], testMse: [], distance: [], trainLoss: [] };
  let perPoint: number[] = [];
  const evaluate = (epoch: number, loss: number) => {
    const mse = tf.tidy(() => tf.mean(tf.square(tf.sub(f(data.testX), data.testY))).dataSync()[0]);
    const d = e.distance(f, data.testX);
    perPoint = Array.from(d.dataSync());
    d.dispose();
    curves.epoch.push(epoch);
    curves.testMse.push(mse);
    curves.distance.push(perPoint.reduce((a, b) => a + b, 0) / perPoint.length);
    curves.trainLoss.push(loss);
  };
  const bar = o.quiet
    ? null
    : new cliProgress.SingleBar(
        {
          format: `${e.name} ${arm.padEnd(11)} [{bar}] {value}/{total} epochs | test MSE {mse} | {dist}`,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      );
  evaluate(0, NaN);
  bar?.start(o.epochs, 0, { mse: curves.testMse[0].toPrecision(3), dist: curves.distance[0].toPrecision(3) });
  let trainMs = 0;
  const callback = jr.callbacks.regularization();
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    const fitStart = Date.now();
    const order = tf.tensor1d(permutation(o.trainSize, o.seed * 7919 + epoch), 'int32');
    const xs = tf.gather(data.x, order);
    const ys = tf.gather(data.y, order);
    const history = await model.fit(xs, ys, {
      initialEpoch: epoch,
      epochs: epoch + 1,
      batchSize: o.batchSize,
      shuffle: false,
      verbose: 0,
      callbacks: arm === 'regularized' ? [callback] : [],
    });
    tf.dispose([order, xs, ys]);
    trainMs += Date.now() - fitStart;
    evaluate(epoch + 1, Number(history.history.loss[0]));
    bar?.update(epoch + 1, {
      mse: curves.testMse[epoch + 1].toPrecision(3),
      dist: curves.distance[epoch + 1].toPrecision(3),
    });
  }
  bar?.stop();
  model.optimizer.dispose(); // Adam's moments; the weights stay with `net`
  return { net, curves, perPoint, trainSeconds: trainMs / 1000, totalSeconds: (Date.now() - start) / 1000 };
}

async function runExperiment(e: Experiment, options: ExploratoryOptions): Promise<ExploratoryResult> {
  const o = { ...EXPLORATORY_DEFAULTS, ...options };
  const data = tf.tidy(() => {
    const x = tf.randomNormal([o.trainSize, o.dim], 0, 1, 'float32', o.seed) as tf.Tensor2D;
    const testX = tf.randomNormal([o.testSize, o.dim], 0, 1, 'float32', o.seed + 1000003) as tf.Tensor2D;
    return { x, y: e.target(x), testX, testY: e.target(testX) };
  });
  const runs = {} as Record<Arm, Awaited<ReturnType<typeof runArm>>>;
  try {
    for (const arm of ARMS) runs[arm] = await runArm(e, o, arm, data);
  } catch (err) {
    tf.dispose(data);
    throw err;
  }
  const testX = data.testX.arraySync();
  tf.dispose(data);

  const rows: ExploratoryRow[] = ARMS.map((arm) => {
    const c = runs[arm].curves;
    return {
      arm,
      finalTestMse: c.testMse[c.testMse.length - 1],
      finalDistance: c.distance[c.distance.length - 1],
      initialDistance: c.distance[0],
      trainSeconds: runs[arm].trainSeconds,
      totalSeconds: runs[arm].totalSeconds,
    };
  });
  const headers = [
    'arm',
    'final test MSE',
    `final ${e.distanceLabel}`,
    `initial ${e.distanceLabel}`,
    'train s',
    'total s',
  ];
  const tableRows = rows.map((r) => [
    r.arm,
    r.finalTestMse,
    r.finalDistance,
    r.initialDistance,
    Number(r.trainSeconds.toFixed(1)),
    Number(r.totalSeconds.toFixed(1)),
  ]);
  const table = markdownTable(headers, tableRows);
  const curves = { plain: runs.plain.curves, regularized: runs.regularized.curves };
  const series = (key: 'testMse' | 'distance') =>
    ARMS.map((arm) => ({ name: arm, x: curves[arm].epoch, y: curves[arm][key] }));
  const charts: ChartSpec[] = [
    { title: `${e.name}: test MSE`, xLabel: 'epoch', yLabel: 'test MSE', series: series('testMse'), logY: true },
    {
      title: `${e.name}: ${e.distanceLabel}`,
      xLabel: 'epoch',
      yLabel: `${e.distanceLabel} (test mean)`,
      series: series('distance'),
      logY: true,
    },
  ];
  const { command: _command, quiet: _quiet, ...recorded } = o;
  const command = o.command ?? `run${e.name[0].toUpperCase()}${e.name.slice(1)}(${JSON.stringify(recorded)})`;
  const ratio = rows[1].finalDistance / rows[0].finalDistance;
  const summary = [
    `d = ${o.dim}, hidden ${o.hidden} (${e.activation}), ${o.epochs} epochs, ${o.trainSize} train / ${o.testSize} test points, batch ${o.batchSize}, ` +
      `weight ${o.weight}, ${o.iterations} Lanczos iterations, seed ${o.seed}.`,
    `Final ${e.distanceLabel}: plain ${rows[0].finalDistance.toPrecision(4)}, regularized ${rows[1].finalDistance.toPrecision(4)} (×${ratio.toPrecision(3)}).`,
    `Final test MSE: plain ${rows[0].finalTestMse.toPrecision(4)}, regularized ${rows[1].finalTestMse.toPrecision(4)}.`,
  ];
  const paths = await writeReport(path.join(o.outDir, e.name), {
    title: e.title,
    command,
    summary,
    tables: [{ title: 'Final epoch', headers, rows: tableRows }],
    charts,
    json: { name: e.name, distance: e.distanceLabel, options: recorded, rows, curves },
  });
  if (!o.quiet) console.log(`\n${e.title}\n\n${table}\n\n${summary.join('\n')}\nWrote ${paths.join(', ')}\n`);
  const networks = { plain: runs.plain.net, regularized: runs.regularized.net };
  return {
    name: e.name,
    distanceLabel: e.distanceLabel,
    options: o,
    rows,
    curves,
    table,
    paths,
    testX,
    finalPerPoint: { plain: runs.plain.perPoint, regularized: runs.regularized.perPoint },
    networks,
    dispose: () => ARMS.forEach((arm) => networks[arm].dispose()),
  };
}

/** Figure 1, left: a network learns the gradient field cos(x) of Σ sin(xᵢ), with and without ‖J − Jᵀ‖ regularization. */
export function runSymmetry(o: ExploratoryOptions): Promise<ExploratoryResult> {
  return runExperiment(SYMMETRY, o);
}

/** Figure 1, right: a network learns Σ xᵢ², with and without pushing its input Hessian towards a diagonal. */
export function runDiagonality(o: ExploratoryOptions): Promise<ExploratoryResult> {
  return runExperiment(DIAGONALITY, o);
}
