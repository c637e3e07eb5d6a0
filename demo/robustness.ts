/**
 * The paper's comparative study at CPU scale: normal training vs Jacobian / Hessian regularization by Hutchinson
 * projections, power iteration and Lanczos at an equal budget of `iterations` products, on MNIST (or
 * Fashion-MNIST). Reports clean, FGSM and PGD accuracy, the measured σ_max of the logits' Jacobian and |λ|max of
 * the loss Hessian on test inputs, and the wall time per epoch.
 *
 * Jacobian arms wrap the logits network in `jr.layers.regularized` (penalty in the same step as the loss).
 * Hessian arms need labels: `jr.callbacks.regularization` draws a mini-batch from the training set before each
 * step and adds weight · penalty (the input Hessian of the per-sample loss) to that step's loss.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { SingleBar } from 'cli-progress';
import * as jr from '../src';
import { FASHION_MNIST_SOURCE, loadFashionMnist } from './data/fashion_mnist';
import { MNIST_SOURCE, MnistData, loadMnist } from './data/mnist';
import { ChartSpec, markdownTable, writeReport } from './report';
import { logitsNet } from './study/arms';

const { accuracy, fgsm, pgd } = jr.attacks;

export const ARMS = [
  'normal',
  'jacobian-hutchinson',
  'jacobian-power',
  'jacobian-lanczos',
  'hessian-hutchinson',
  'hessian-power',
  'hessian-lanczos',
] as const;
export type Arm = (typeof ARMS)[number];

/** Test inputs on which σ_max and |λ|max are measured. */
const PROBE = 100;

export interface RobustnessOptions {
  dataset: 'mnist' | 'fashion-mnist';
  model: 'mlp' | 'cnn';
  /** Hidden units of the MLP. */
  hidden: number;
  train: number;
  test: number;
  /** Test samples attacked (a prefix of the test set). */
  attackSize: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Products per estimate, or 'paper': 2/4/8/16 over the four quarters of training. */
  iterations: number | 'paper';
  jacobianWeight: number;
  hessianWeight: number;
  arms: Arm[];
  epsilons: number[];
  pgdSteps: number;
  seed: number;
  outDir: string;
  quiet: boolean;
}

export const ROBUSTNESS_DEFAULTS: RobustnessOptions = {
  dataset: 'mnist',
  model: 'mlp',
  hidden: 64,
  train: 4000,
  test: 1000,
  attackSize: 500,
  epochs: 5,
  batchSize: 64,
  learningRate: 2e-3,
  iterations: 4,
  jacobianWeight: 0.05,
  hessianWeight: 5,
  arms: [...ARMS],
  epsilons: [0, 0.05, 0.1, 0.15, 0.2],
  pgdSteps: 10,
  seed: 1,
  outDir: 'out/robustness',
  quiet: false,
};

/** The paper's schedule scaled to `epochs`: 2/4/8/16 products from 0, 50, 70, 90 % of training. */
export function iterationSchedule(options: RobustnessOptions): jr.Schedule {
  if (options.iterations !== 'paper') return options.iterations;
  const boundaries = [0.5, 0.7, 0.9].map((f) => Math.max(1, Math.round(f * options.epochs)));
  return {
    boundaries: boundaries.filter((b, i) => i === 0 || b > boundaries[i - 1]),
    values: [2, 4, 8, 16].slice(0, 1 + new Set(boundaries).size),
  };
}

interface ArmResult {
  arm: Arm;
  cleanAccuracy: number;
  fgsm: number[];
  pgd: number[];
  sigmaJacobian: number;
  lambdaHessian: number;
  secondsPerEpoch: number;
  history: Record<string, number[]>;
}

function estimator(arm: Arm): jr.Method {
  return arm.endsWith('hutchinson') ? 'hutchinson' : arm.endsWith('power') ? 'power' : 'lanczos';
}

async function trainArm(
  arm: Arm,
  data: MnistData,
  o: RobustnessOptions,
): Promise<{
  model: tfl.LayersModel;
  net: tfl.LayersModel;
  result: Omit<ArmResult, 'cleanAccuracy' | 'fgsm' | 'pgd' | 'sigmaJacobian' | 'lambdaHessian'>;
}> {
  const net = logitsNet(o.model, o.hidden, o.seed);
  const iterations = iterationSchedule(o);
  const options = { method: estimator(arm), iterations, seed: o.seed };
  const first = arm.startsWith('jacobian')
    ? jr.layers.regularized({
        layer: net,
        inputShape: [784],
        regularizers: jr.regularizers.jacobian({ ...options, weight: o.jacobianWeight }),
      } as jr.RegularizedArgs)
    : net;
  const model = tfl.sequential({ layers: [first, tfl.layers.activation({ activation: 'softmax' })] });
  model.compile({ optimizer: tf.train.adam(o.learningRate), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const regularization = arm.startsWith('hessian')
    ? jr.callbacks.regularization({
        regularizer: jr.regularizers.hessian({ ...options, scalar: 'loss', weight: o.hessianWeight }),
        data: { x: data.xTrain, y: data.yTrain },
        batchSize: o.batchSize,
        seed: o.seed,
      })
    : jr.callbacks.regularization();
  const steps = Math.ceil(data.xTrain.shape[0] / o.batchSize) * o.epochs;
  const bar = o.quiet
    ? null
    : new SingleBar({ format: `${arm.padEnd(20)} {bar} {value}/{total} steps | {eta_formatted} left | loss {loss}` });
  bar?.start(steps, 0, { loss: '-' });
  const epochSeconds: number[] = [];
  let epochStart = 0;
  const progress = new tfl.CustomCallback({
    onEpochBegin: async () => void (epochStart = performance.now()),
    onEpochEnd: async () => void epochSeconds.push((performance.now() - epochStart) / 1000),
    onBatchEnd: async (_, logs) => bar?.increment({ loss: Number(logs?.loss ?? NaN).toFixed(3) }),
  });
  const history = await model.fit(data.xTrain, data.yTrain, {
    epochs: o.epochs,
    batchSize: o.batchSize,
    shuffle: false, // the loader's seeded order: runs are repeatable (fit's shuffle uses Math.random)
    verbose: 0,
    callbacks: [regularization, progress],
  });
  bar?.stop();
  if (regularization.stopReason) console.warn(regularization.stopReason);
  const numbers = Object.fromEntries(Object.entries(history.history).map(([k, v]) => [k, v.map(Number)]));
  return {
    model,
    net,
    result: { arm, secondsPerEpoch: epochSeconds.reduce((a, b) => a + b, 0) / epochSeconds.length, history: numbers },
  };
}

/** Mean σ_max of the logits' Jacobian (exact, 10 VJPs) and |λ|max of the loss Hessian (Lanczos, 10 steps). */
function measure(
  model: tfl.LayersModel,
  net: tfl.LayersModel,
  x: tf.Tensor,
  y: tf.Tensor,
): { sigma: number; lambda: number } {
  return tf.tidy(() => {
    const logits = (z: tf.Tensor) => net.apply(z) as tf.Tensor;
    const loss = (z: tf.Tensor) => tf.neg(tf.sum(tf.mul(y, tf.log(tf.add(model.apply(z) as tf.Tensor, 1e-7))), 1));
    const sigma = jr.estimateSpectralNorm(jr.jacobianOperator(logits, x), { method: 'exact' }).sigma;
    const lambda = jr.estimateSpectralNorm(jr.hessianOperator(loss, x), {
      method: 'lanczos',
      iterations: 10,
      seed: 7,
    }).sigma;
    return { sigma: tf.mean(sigma).dataSync()[0], lambda: tf.mean(lambda).dataSync()[0] };
  });
}

export async function runRobustness(o: RobustnessOptions): Promise<{ results: ArmResult[]; paths: string[] }> {
  const data =
    o.dataset === 'mnist'
      ? loadMnist({ train: o.train, test: o.test, seed: o.seed })
      : loadFashionMnist({ train: o.train, test: o.test });
  const source = o.dataset === 'mnist' ? MNIST_SOURCE : FASHION_MNIST_SOURCE;
  const attackX = tf.slice(data.xTest, 0, Math.min(o.attackSize, o.test));
  const attackY = tf.slice(data.yTest, 0, Math.min(o.attackSize, o.test));
  const results: ArmResult[] = [];
  for (const arm of o.arms) {
    const { model, net, result } = await trainArm(arm, data, o);
    const cleanAccuracy = accuracy(model, data.xTest, data.yTest);
    const fgsmAcc = o.epsilons.map((e) =>
      e === 0
        ? accuracy(model, attackX, attackY)
        : accuracy(model, attackX, attackY, { attack: (x, y) => fgsm(model, x, y, { epsilon: e }) }),
    );
    const pgdAcc = o.epsilons.map((e) =>
      e === 0
        ? accuracy(model, attackX, attackY)
        : accuracy(model, attackX, attackY, {
            attack: (x, y) => pgd(model, x, y, { epsilon: e, steps: o.pgdSteps, seed: o.seed }),
          }),
    );
    const probe = Math.min(PROBE, o.test);
    const probeX = tf.slice(data.xTest, 0, probe);
    const probeY = tf.slice(data.yTest, 0, probe);
    const { sigma, lambda } = measure(model, net, probeX, probeY);
    results.push({ ...result, cleanAccuracy, fgsm: fgsmAcc, pgd: pgdAcc, sigmaJacobian: sigma, lambdaHessian: lambda });
    tf.dispose([probeX, probeY]);
    model.optimizer.dispose();
    model.dispose();
    if (!o.quiet) {
      const at = o.epsilons.indexOf(0.1) >= 0 ? o.epsilons.indexOf(0.1) : o.epsilons.length - 1;
      console.log(
        `${arm}: clean ${(100 * cleanAccuracy).toFixed(1)}%, PGD-${o.pgdSteps}@${o.epsilons[at]} ${(100 * pgdAcc[at]).toFixed(1)}%, σ ${sigma.toFixed(2)}, |λ| ${lambda.toFixed(2)}, ${result.secondsPerEpoch.toFixed(1)} s/epoch`,
      );
    }
  }
  tf.dispose([data.xTrain, data.yTrain, data.xTest, data.yTest, attackX, attackY]);

  const pct = (v: number) => +(100 * v).toFixed(1);
  const headers = [
    'arm',
    'clean %',
    ...o.epsilons.filter((e) => e > 0).flatMap((e) => [`FGSM ε=${e} %`, `PGD-${o.pgdSteps} ε=${e} %`]),
    'σ_max(J)',
    '|λ|max(H)',
    's/epoch',
  ];
  const rows = results.map((r) => [
    r.arm,
    pct(r.cleanAccuracy),
    ...o.epsilons.flatMap((e, i) => (e > 0 ? [pct(r.fgsm[i]), pct(r.pgd[i])] : [])),
    +r.sigmaJacobian.toFixed(3),
    +r.lambdaHessian.toFixed(3),
    +r.secondsPerEpoch.toFixed(2),
  ]);
  const charts: ChartSpec[] = [
    {
      title: `PGD-${o.pgdSteps} accuracy vs ε`,
      xLabel: 'ε (ℓ∞)',
      yLabel: 'accuracy',
      series: results.map((r) => ({ name: r.arm, x: o.epsilons, y: r.pgd })),
    },
    {
      title: 'FGSM accuracy vs ε',
      xLabel: 'ε (ℓ∞)',
      yLabel: 'accuracy',
      series: results.map((r) => ({ name: r.arm, x: o.epsilons, y: r.fgsm })),
    },
    {
      title: 'training loss per epoch',
      xLabel: 'epoch',
      yLabel: 'loss',
      series: results.map((r) => ({ name: r.arm, x: r.history.loss.map((_, i) => i + 1), y: r.history.loss })),
    },
  ];
  const command = process.argv.slice(1).join(' ');
  if (!o.quiet) console.log(`\n${markdownTable(headers, rows)}`);
  const paths = await writeReport(o.outDir, {
    title: `Robustness: ${o.dataset}, ${o.model}`,
    command,
    summary: [
      `Data: ${source}; ${o.train} training / ${o.test} test images; attacks on the first ${Math.min(o.attackSize, o.test)} test images.`,
      `Training: ${o.epochs} epochs, batch ${o.batchSize}, Adam ${o.learningRate}; iterations ${JSON.stringify(iterationSchedule(o))}; Jacobian weight ${o.jacobianWeight}, Hessian weight ${o.hessianWeight}.`,
      `σ_max(J): exact top singular value of the logits' input-Jacobian; |λ|max(H): Lanczos (10 steps) on the input Hessian of the per-sample loss; means over ${Math.min(PROBE, o.test)} test inputs.`,
    ],
    tables: [{ title: 'Results', headers, rows }],
    charts,
    json: { options: o, results },
  });
  if (!o.quiet) console.log(`\nWrote ${paths.join(', ')}`);
  return { results, paths };
}
