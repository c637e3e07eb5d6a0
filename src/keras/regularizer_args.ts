/**
 * The options of the derivative regularizers (`jr.regularizers.jacobian` / `hessian`) and their checks, the context of
 * a penalty call, and what a training step's penalty returns.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkInteger, checkNumber, checkOptions, fail } from '../errors';
import { Method } from '../linalg/spectral_norm';
import { TargetName, UserOperator } from '../linalg/targets/index';
import { Schedule } from './schedule';

/** The largest `iterations` accepted: Lanczos keeps that many basis vectors per sample. */
export const MAX_ITERATIONS = 256;

/** Constructor args of {@link JacobianRegularizer} (and, with `scalar`, {@link HessianRegularizer}); all optional. */
export interface DerivativeRegularizerArgs {
  /** Penalty weight (≥ 0), or a schedule by epoch. Default 0.01. */
  weight?: Schedule;
  /** T in ‖A − T‖. A user operator {matvec, rmatvec} works in code but cannot be saved. Default 'zero'. */
  target?: TargetName | UserOperator;
  /** Estimator of the top vector. Default 'lanczos'. */
  method?: Method;
  /** Matvecs (Lanczos / power steps; projections for Hutchinson), 1…256, or a schedule by epoch. Default 4. */
  iterations?: Schedule;
  /** Compute the penalty every k training steps (k ≥ 1); nothing is computed on the others. Default 1. */
  every?: number;
  /** Penalize σ² (default) or σ. */
  squared?: boolean;
  /** Seed of the start / projection vectors; step t uses seed + t. Default: unseeded. */
  seed?: number | null;
  /**
   * A Lipschitz target L ≥ 0: penalize max(0, σ_b − L)² per sample instead of σ_b² (max(0, σ_b − L) with
   * `squared: false`). Default null: no bound.
   */
  bound?: number | null;
}

/** What {@link DerivativeRegularizer.stepPenalty} returns. */
export interface StepPenalty {
  /** weight(epoch) · penalty, or 0 where the penalty is not finite: joins the training loss. */
  loss: tf.Scalar;
  /** [mean_b σ_b, penalty, fraction of σ_b above the bound (with a bound)], a constant for the logs. */
  stats: tf.Tensor1D;
  /** The values of `stats`, when they were read inside the step (unguarded). */
  read?: Float32Array;
}

/** What {@link DerivativeRegularizer.weightedPenalty} returns. */
export interface WeightedPenalty {
  /** weight(epoch) · penalty, or 0 where the penalty is not finite. */
  loss: tf.Scalar;
  /** mean_b σ_b of the batch. */
  sigma: number;
  /** The unweighted penalty. */
  value: number;
  /** With a bound L: the fraction of the batch with σ_b > L. */
  aboveBound?: number;
}

/** Where a regularizer is in training: the callback sets the epoch; the wrapper counts steps. */
export interface RegularizerContext {
  /** Current epoch (0-based): picks the schedules' values. */
  epoch: number;
  /** Current training step (0-based): offsets the seed and decides whether the penalty is due. */
  step: number;
}

/**
 * The options of {@link DerivativeRegularizerArgs}.
 * @internal
 */
export const REGULARIZER_OPTIONS: readonly string[] = [
  'weight',
  'target',
  'method',
  'iterations',
  'every',
  'squared',
  'seed',
  'bound',
];

/**
 * The constructor's options from what the user passed: a number is the weight (Keras' habit,
 * `tf.regularizers.l2(0.01)`); an options object may hold only `known` keys.
 * @internal
 */
export function regularizerArgs(where: string, args: unknown, known: readonly string[]): DerivativeRegularizerArgs {
  if (typeof args === 'number') return { weight: args };
  const plain =
    args !== null && typeof args === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(args));
  if (args !== undefined && !plain) {
    fail(where, 'args', `must be the weight (a number) or an options object with keys ${known.join(', ')}`, args);
  }
  return checkOptions(where, args, known, 'args') as DerivativeRegularizerArgs;
}

/**
 * Checks `penalty`'s arguments and fills the context in: epoch and step default to 0.
 * @internal
 */
export function penaltyContext(
  where: string,
  model: unknown,
  x: unknown,
  context: unknown,
  y: unknown,
): RegularizerContext {
  if (typeof model !== 'function' && !(model instanceof tfl.layers.Layer)) {
    fail(where, 'model', 'must be a tf.layers.Layer, a tf.LayersModel or a function x ↦ f(x)', model);
  }
  if (!(x instanceof tf.Tensor) || x.rank < 1)
    fail(where, 'x', 'must be a tensor [B, ...] (a batch)', x instanceof tf.Tensor ? x.shape : x);
  const { epoch = 0, step = 0 } = checkOptions(where, context, ['epoch', 'step'], 'context');
  checkNumber(where, 'context.epoch', epoch, { min: 0 });
  checkInteger(where, 'context.step', step, 0);
  if (y !== undefined && !(y instanceof tf.Tensor && y.shape[0] === x.shape[0])) {
    fail(
      where,
      'y',
      `must be undefined or a tensor of labels [${x.shape[0]}, ...] (x's batch)`,
      y instanceof tf.Tensor ? y.shape : y,
    );
  }
  return { epoch: epoch as number, step: step as number };
}

/**
 * Constructor args from a (possibly loaded) config: a plain object (a number or null is refused here, where the
 * constructor would take a number as the weight), without tfjs' `customObjects` key.
 * @internal
 */
export function configArgs(where: string, config: tf.serialization.ConfigDict): DerivativeRegularizerArgs {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    fail(where, 'config', 'must be an object from getConfig()', config);
  }
  const { customObjects, ...args } = config as Record<string, unknown>;
  void customObjects;
  return args as DerivativeRegularizerArgs;
}
