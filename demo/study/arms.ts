/**
 * The study's arms and how one model of an arm is trained. Every regularized arm uses the same `iterations`
 * (matvecs per estimate: Lanczos steps, power steps or Hutchinson projections), so they cost the same products.
 *   jacobian-*: the logits network wrapped in jr.layers.regularized with jr.regularizers.jacobian (σ_max(J) of the
 *     logits; Hutchinson estimates ‖J‖_F instead);
 *   hessian-*: jr.callbacks.regularization with jr.regularizers.hessian({scalar: 'loss'}) on a mini-batch drawn
 *     before each step (the input Hessian of the per-sample cross-entropy);
 *   <arm>-bound: <arm> with `bound: L`, penalty max(0, σ − L)², L a fraction of the plain models' measured σ.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as jr from '../../src';
import { permutation } from './data';

export const BASE_ARMS = [
  'plain',
  'jacobian-hutchinson',
  'jacobian-power',
  'jacobian-lanczos',
  'hessian-hutchinson',
  'hessian-lanczos',
] as const;
export type BaseArm = (typeof BASE_ARMS)[number];

export interface ArmSpec {
  /** Arm name, also its folder: a base arm, or '<base>-bound'. */
  name: string;
  base: BaseArm;
  /** Penalty weights swept (none for plain). */
  weights: number[];
  /** Set for a bound arm once the plain models are measured. */
  bound?: number;
}

export interface TrainOptions {
  model: 'mlp' | 'cnn';
  hidden: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  iterations: number;
  /** Mini-batch of the Hessian penalty (drawn by the callback before each step). */
  hessianBatch: number;
}

/** Logits network: MLP 784-hidden-10 or the small CNN (two stride-2 convs), softplus, seeded Glorot init. */
export function logitsNet(kind: 'mlp' | 'cnn', hidden: number, seed: number): tfl.Sequential {
  const init = (s: number) => tfl.initializers.glorotNormal({ seed: seed * 100 + s });
  const layers: tfl.layers.Layer[] =
    kind === 'mlp'
      ? [
          tfl.layers.dense({ inputShape: [784], units: hidden, activation: 'softplus', kernelInitializer: init(1) }),
          tfl.layers.dense({ units: 10, kernelInitializer: init(2) }),
        ]
      : [
          tfl.layers.reshape({ inputShape: [784], targetShape: [28, 28, 1] }),
          tfl.layers.conv2d({
            filters: 8,
            kernelSize: 3,
            strides: 2,
            activation: 'softplus',
            kernelInitializer: init(1),
          }),
          tfl.layers.conv2d({
            filters: 16,
            kernelSize: 3,
            strides: 2,
            activation: 'softplus',
            kernelInitializer: init(2),
          }),
          tfl.layers.flatten(),
          tfl.layers.dense({ units: 10, kernelInitializer: init(3) }),
        ];
  return tfl.sequential({ layers });
}

const methodOf = (base: BaseArm): jr.Method =>
  base.endsWith('hutchinson') ? 'hutchinson' : base.endsWith('power') ? 'power' : 'lanczos';

/** Regularizer args of an arm at `weight`, with `bound` when set. */
function regularizerArgs(arm: ArmSpec, weight: number, o: TrainOptions, seed: number): Record<string, unknown> {
  const args: Record<string, unknown> = {
    method: methodOf(arm.base),
    iterations: o.iterations,
    weight,
    seed: seed * 7919,
  };
  if (arm.bound !== undefined) args.bound = arm.bound;
  return args;
}

/** True when this checkout's regularizers keep a `bound` option (penalty max(0, σ − L)²). */
export function boundSupported(): boolean {
  const r = jr.regularizers.jacobian({ bound: 1 } as jr.DerivativeRegularizerArgs) as unknown as {
    bound?: number;
    getConfig(): Record<string, unknown>;
  };
  return r.bound === 1 || r.getConfig().bound === 1;
}

/** Relative training cost of one step of an arm, for the time estimate before anything is measured. */
export function stepCost(base: BaseArm): number {
  return base === 'plain' ? 1 : base.startsWith('hessian') ? 9 : base === 'jacobian-hutchinson' ? 3 : 2.3;
}

export interface Trained {
  model: tfl.LayersModel;
  seconds: number;
  /** Training steps skipped for a non-finite gradient, and the callback's stop reason if it stopped. */
  stopReason: string | null;
  finalLoss: number;
}

/**
 * Trains one model of `arm` at `weight` with `seed` (initial weights, batch order, estimator vectors, Hessian
 * mini-batches). `onStep` is called after every step.
 */
export async function trainModel(
  arm: ArmSpec,
  weight: number,
  seed: number,
  x: tf.Tensor2D,
  y: tf.Tensor2D,
  o: TrainOptions,
  onStep: () => void,
): Promise<Trained> {
  const net = logitsNet(o.model, o.hidden, seed);
  const regularized = arm.base.startsWith('jacobian');
  const first = regularized
    ? jr.layers.regularized({
        layer: net,
        inputShape: [784],
        regularizers: jr.regularizers.jacobian(regularizerArgs(arm, weight, o, seed) as jr.DerivativeRegularizerArgs),
      } as jr.RegularizedArgs)
    : net;
  const model = tfl.sequential({ layers: [first, tfl.layers.activation({ activation: 'softmax' })] });
  model.compile({ optimizer: tf.train.adam(o.learningRate), loss: 'categoricalCrossentropy' });
  const order = tf.tensor1d(permutation(x.shape[0], seed), 'int32');
  const xs = tf.gather(x, order);
  const ys = tf.gather(y, order);
  const regularization = arm.base.startsWith('hessian')
    ? jr.callbacks.regularization({
        regularizer: jr.regularizers.hessian({
          ...regularizerArgs(arm, weight, o, seed),
          scalar: 'loss',
        } as jr.HessianRegularizerArgs),
        data: { x: xs, y: ys },
        batchSize: o.hessianBatch,
        seed,
      })
    : jr.callbacks.regularization();
  const start = performance.now();
  const history = await model.fit(xs, ys, {
    epochs: o.epochs,
    batchSize: o.batchSize,
    shuffle: false, // the seeded order above: fit's own shuffle uses Math.random
    verbose: 0,
    callbacks: [regularization, new tfl.CustomCallback({ onBatchEnd: async () => onStep() })],
  });
  const seconds = (performance.now() - start) / 1000;
  tf.dispose([order, xs, ys]);
  const losses = history.history.loss.map(Number);
  return { model, seconds, stopReason: regularization.stopReason, finalLoss: losses[losses.length - 1] };
}

/** Mean over x of the exact σ_max of the logits' input-Jacobian (10 VJPs per image). */
export function measureSigma(model: tfl.LayersModel, x: tf.Tensor): number {
  const logits = jr.logitsOf(model);
  if (!logits) throw new Error('study: the model does not end in softmax.');
  return tf.tidy(
    () => tf.mean(jr.estimateSpectralNorm(jr.jacobianOperator(logits, x), { method: 'exact' }).sigma).dataSync()[0],
  );
}

/** Steps per model. */
export const stepsPerModel = (train: number, o: TrainOptions) => Math.ceil(train / o.batchSize) * o.epochs;
