/**
 * Keras-style derivative regularizers: serializable configs (like `tf.regularizers.l1l2`) that know how to build
 * their penalty for a batch. They hold no per-step state; the wrapper layer and the callback drive them.
 *
 *   penalty = weight · ‖vᵀ(A − T)‖²,  v = top Lanczos vector of (A − T)(A − T)ᵀ (or of A − T), held fixed,
 * with A the input-Jacobian (`JacobianRegularizer`) or input-Hessian of a per-sample scalar (`HessianRegularizer`).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { BatchFunction } from '../autodiff/products';
import { ValueError, checkBoolean, checkInteger, checkNumber, checkOneOf, checkOptions, fail } from '../errors';
import { DerivativePenalty, operatorPenalty } from '../penalty/derivative';
import { LinearOperator } from '../linalg/operator';
import { hessianOperator } from '../linalg/operators/hessian';
import { jacobianOperator } from '../linalg/operators/jacobian';
import { checkBound } from '../penalty/spectral';
import { METHODS, Method } from '../linalg/spectral_norm';
import {
  TARGETS,
  TARGET_RULE,
  TargetName,
  UserOperator,
  checkUserOperator,
  requireSquare,
} from '../linalg/targets/index';
import { linearizedJacobian } from './linearized_jacobian';
import { Schedule, scheduleValue, validateSchedule } from './schedule';
import { single } from './tfjs_internals';

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

/** The factory that makes `r`, for messages: 'jr.regularizers.jacobian' or 'jr.regularizers.hessian'. */
const factoryName = (r: DerivativeRegularizer) => `jr.regularizers.${r.kind}`;

/** The options of {@link DerivativeRegularizerArgs}. */
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
 */
function regularizerArgs(where: string, args: unknown, known: readonly string[]): HessianRegularizerArgs {
  if (typeof args === 'number') return { weight: args };
  const plain =
    args !== null && typeof args === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(args));
  if (args !== undefined && !plain) {
    fail(where, 'args', `must be the weight (a number) or an options object with keys ${known.join(', ')}`, args);
  }
  return checkOptions(where, args, known, 'args') as HessianRegularizerArgs;
}

/**
 * Checks `penalty`'s arguments and fills the context in: epoch and step default to 0.
 */
function penaltyContext(where: string, model: unknown, x: unknown, context: unknown, y: unknown): RegularizerContext {
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
 * Base class of the derivative regularizers: penalty = weight · ‖vᵀ(A − T)‖² with A from the subclass. Serializable
 * like a tfjs regularizer; make one with `jr.regularizers.jacobian()` or `jr.regularizers.hessian()`.
 */
export abstract class DerivativeRegularizer extends tf.serialization.Serializable {
  /** Penalty weight, or a schedule by epoch. */
  readonly weight: Schedule;
  /** T in ‖A − T‖: a built-in target name or a user operator. */
  readonly target: TargetName | UserOperator;
  /** Estimator of the top vector v. */
  readonly method: Method;
  /** Matvecs per estimate (Lanczos / power steps; projections for Hutchinson), or a schedule by epoch. */
  readonly iterations: Schedule;
  /** The penalty is computed every `every` training steps. */
  readonly every: number;
  /** Penalize σ² (true) or σ. */
  readonly squared: boolean;
  /** Seed of the start / projection vectors (step t uses seed + t), or null for unseeded. */
  readonly seed: number | null;
  /** The Lipschitz target L (penalty max(0, σ − L)²), or null for none. */
  readonly bound: number | null;

  /** Options object, or a number: the weight (as `tf.regularizers.l2(0.01)` takes it). */
  constructor(args: DerivativeRegularizerArgs | number = {}) {
    super();
    const where = factoryName(this);
    const options = regularizerArgs(where, args, this.optionKeys());
    const given = <T>(value: T | undefined, fallback: T): T => (value === undefined ? fallback : value);
    this.weight = given(options.weight, 0.01);
    this.target = given(options.target, 'zero');
    this.method = given(options.method, 'lanczos');
    this.iterations = given(options.iterations, 4);
    this.every = given(options.every, 1);
    this.squared = given(options.squared, true);
    this.seed = given(options.seed, null);
    this.bound = checkBound(factoryName(this), options.bound);
    validateSchedule(where, 'weight', this.weight, (w) =>
      Number.isFinite(w) && w >= 0 ? null : 'must be a finite number ≥ 0',
    );
    validateSchedule(where, 'iterations', this.iterations, (n) =>
      Number.isInteger(n) && n >= 1 && n <= MAX_ITERATIONS ? null : `must be an integer from 1 to ${MAX_ITERATIONS}`,
    );
    if (typeof this.target === 'string') {
      if (!Object.prototype.hasOwnProperty.call(TARGETS, this.target)) fail(where, 'target', TARGET_RULE, this.target);
    } else if (this.target === null || typeof this.target !== 'object') {
      fail(where, 'target', TARGET_RULE, this.target);
    } else {
      checkUserOperator(where, this.target);
    }
    checkOneOf(where, 'method', this.method, METHODS);
    checkInteger(where, 'every', this.every, 1);
    checkBoolean(where, 'squared', this.squared);
    if (this.seed !== null && !(typeof this.seed === 'number' && Number.isSafeInteger(this.seed))) {
      fail(where, 'seed', 'must be an integer or null', this.seed);
    }
  }

  /** The option keys the constructor accepts (a subclass adds its own). */
  protected optionKeys(): readonly string[] {
    return REGULARIZER_OPTIONS;
  }

  /** A short key for logs: 'jacobian' or 'hessian'. */
  abstract get kind(): string;

  /** The operator A at x of f (the wrapped layer or model, run with training: false); labels y when needed. */
  protected abstract operator(f: BatchFunction, x: tf.Tensor, y?: tf.Tensor, layer?: tfl.layers.Layer): LinearOperator;

  /** Whether the penalty is computed at this (0-based) training step: steps 0, k, 2k, .... */
  isDue(step: number): boolean {
    return step % this.every === 0;
  }

  /** The penalty weight at `epoch` (0-based), from the `weight` schedule. */
  weightAt(epoch: number): number {
    return scheduleValue(this.weight, epoch);
  }

  /**
   * Throws at build time if the target needs a square A but f maps per-sample inShape to outShape of different
   * sizes (shapes without the batch axis).
   */
  checkShapes(inShape: number[], outShape: number[]): void {
    if (typeof this.target !== 'string' || this.target === 'zero') return;
    requireSquare({ inShape, outShape: this.kind === 'hessian' ? inShape : outShape }, this.target, factoryName(this));
  }

  /**
   * The unweighted penalty of one batch and its per-sample estimate (see `jacobianPenalty`), for a function or a
   * layer / model (run in inference mode; a stack of built-in layers gets the linearized Jacobian).
   */
  penalty(
    model: BatchFunction | tfl.layers.Layer,
    x: tf.Tensor,
    context: Partial<RegularizerContext> = {},
    y?: tf.Tensor,
  ): DerivativePenalty {
    const { epoch, step } = penaltyContext(`${factoryName(this)}(…).penalty`, model, x, context, y);
    const layer = model instanceof tfl.layers.Layer ? model : undefined;
    const f: BatchFunction = layer ? (z) => single(layer.call(z, { training: false })) : (model as BatchFunction);
    return operatorPenalty(() => this.operator(f, x, y, layer), {
      target: this.target,
      method: this.method,
      iterations: scheduleValue(this.iterations, epoch),
      squared: this.squared,
      seed: this.seed == null ? undefined : this.seed + step,
      bound: this.bound,
    });
  }

  /**
   * What a training step adds, kept on the device: `loss` = weight(epoch) · penalty, or 0 when the penalty is not
   * finite, and `stats` = [mean_b σ_b, penalty, fraction of σ_b > L (with a bound L)] for the logs.
   * Unguarded, the stats are read (one sync; returned as `read`) so that a non-finite penalty never joins the loss. `guarded` (the callback
   * checks every gradient before the optimizer applies it, and skips a step whose gradients are not finite): nothing
   * is read; a non-finite penalty is masked out of the loss on the device and its step skipped by that check.
   */
  stepPenalty(
    model: BatchFunction | tfl.layers.Layer,
    x: tf.Tensor,
    context: Partial<RegularizerContext> = {},
    y?: tf.Tensor,
    guarded = false,
  ): StepPenalty {
    return tf.tidy(() => {
      // The tidy disposes σ and the vectors with every other intermediate; only the loss and the stats leave it.
      const { penalty, sigma } = this.penalty(model, x, context, y);
      const parts = [tf.mean(sigma), penalty];
      if (this.bound != null) parts.push(tf.mean(tf.cast(tf.greater(sigma, this.bound), 'float32')));
      const stats = tf.stack(parts) as tf.Tensor1D;
      const weighted = tf.mul(this.weightAt(context.epoch ?? 0), penalty) as tf.Scalar;
      if (guarded)
        return { loss: tf.where(tf.isFinite(penalty), weighted, tf.zerosLike(weighted)) as tf.Scalar, stats };
      const read = stats.dataSync() as Float32Array; // one read of all the stats
      return { loss: Number.isFinite(read[1]) ? weighted : tf.scalar(0), stats, read };
    });
  }

  /**
   * What a training step adds: weight(epoch) · penalty, or 0 when the penalty is not finite (it never reaches the
   * weights), with the batch-mean σ and the penalty's value for the logs; with a bound L, also `aboveBound`, the
   * fraction of the batch with σ_b > L. The estimate's σ and vectors are disposed here.
   */
  weightedPenalty(
    model: BatchFunction | tfl.layers.Layer,
    x: tf.Tensor,
    context: Partial<RegularizerContext> = {},
    y?: tf.Tensor,
  ): WeightedPenalty {
    const { loss, stats, read } = this.stepPenalty(model, x, context, y);
    const [sigma, value, aboveBound] = read as Float32Array;
    stats.dispose();
    return aboveBound === undefined ? { loss, sigma, value } : { loss, sigma, value, aboveBound };
  }

  getConfig(): tf.serialization.ConfigDict {
    if (typeof this.target !== 'string') {
      throw new ValueError(
        `${factoryName(this)}: a user-operator target cannot be saved in a model config; ` +
          `save the model without it, or use one of ${Object.keys(TARGETS).join(', ')}.`,
      );
    }
    return {
      weight: this.weight as unknown as tf.serialization.ConfigDictValue,
      target: this.target,
      method: this.method,
      iterations: this.iterations as unknown as tf.serialization.ConfigDictValue,
      every: this.every,
      squared: this.squared,
      seed: this.seed,
      bound: this.bound,
    };
  }
}

/** penalty = weight · ‖vᵀ(J − T)‖², J = ∂f(x)/∂x per sample (f: the wrapped layer or model). */
export class JacobianRegularizer extends DerivativeRegularizer {
  /** Registered tfjs serialization name. */
  static className = 'tfjs-jacobian-reg>JacobianRegularizer';
  get kind() {
    return 'jacobian';
  }
  protected operator(f: BatchFunction, x: tf.Tensor, _y?: tf.Tensor, layer?: tfl.layers.Layer): LinearOperator {
    return (layer && linearizedJacobian(layer, x)) ?? jacobianOperator(f, x);
  }
  static fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls(configArgs('jr.regularizers.jacobian', config));
  }
}

/** What the Hessian is of: the per-sample sum or mean of the outputs (in-graph), or the training loss (callback). */
export type HessianScalar = 'sum' | 'mean' | 'loss';
export const HESSIAN_SCALARS: readonly HessianScalar[] = ['sum', 'mean', 'loss'];

/** Constructor args of {@link HessianRegularizer}: {@link DerivativeRegularizerArgs} plus the scalar s. */
export interface HessianRegularizerArgs extends DerivativeRegularizerArgs {
  /** s(x) whose input Hessian is regularized. 'loss' needs labels: use it with the callback. Default 'sum'. */
  scalar?: HessianScalar;
}

/** penalty = weight · ‖vᵀ(H − T)‖², H = ∂²s(x)/∂x² per sample; v the top Lanczos vector of H − T itself. */
export class HessianRegularizer extends DerivativeRegularizer {
  /** Registered tfjs serialization name. */
  static className = 'tfjs-jacobian-reg>HessianRegularizer';
  /** s(x) whose input Hessian is regularized: 'sum', 'mean' or 'loss'. */
  readonly scalar: HessianScalar;
  /** Per-sample loss (yTrue, yPred) ↦ [B] for scalar 'loss'; the callback sets it from the compiled model. */
  loss: ((yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor) | null = null;
  /**
   * For scalar 'loss': x ↦ the yPred that `loss` is given; null: the model's output. The callback sets the model's
   * logits here (and `loss` to the cross-entropy of logits) when the model ends in softmax and is compiled with
   * (sparse) categorical cross-entropy, so that the loss is not clipped.
   */
  lossPrediction: BatchFunction | null = null;

  /** Options object, or a number: the weight. */
  constructor(args: HessianRegularizerArgs | number = {}) {
    super(args);
    const scalar = typeof args === 'number' || args?.scalar === undefined ? 'sum' : args.scalar;
    this.scalar = checkOneOf('jr.regularizers.hessian', 'scalar', scalar, HESSIAN_SCALARS);
  }
  get kind() {
    return 'hessian';
  }
  protected optionKeys(): readonly string[] {
    return [...REGULARIZER_OPTIONS, 'scalar'];
  }
  protected operator(f: BatchFunction, x: tf.Tensor, y?: tf.Tensor): LinearOperator {
    const batch = x.shape[0];
    const perSample = (z: tf.Tensor) => tf.reshape(z, [batch, -1]);
    let g: BatchFunction;
    if (this.scalar === 'loss') {
      const loss = this.loss;
      if (y == null || loss == null) {
        throw new ValueError(
          "jr.regularizers.hessian: scalar 'loss' needs labels and a loss: use it with jr.callbacks.regularization({data, regularizer}).",
        );
      }
      const predict = this.lossPrediction ?? f;
      g = (z) => loss(y, predict(z));
    } else {
      g = this.scalar === 'sum' ? (z) => tf.sum(perSample(f(z)), 1) : (z) => tf.mean(perSample(f(z)), 1);
    }
    return hessianOperator(g, x);
  }
  getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), scalar: this.scalar };
  }
  static fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls(configArgs('jr.regularizers.hessian', config));
  }
}

/**
 * Constructor args from a (possibly loaded) config: a plain object (a number or null is refused here, where the
 * constructor would take a number as the weight), without tfjs' `customObjects` key.
 */
function configArgs(where: string, config: tf.serialization.ConfigDict): DerivativeRegularizerArgs {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    fail(where, 'config', 'must be an object from getConfig()', config);
  }
  const { customObjects, ...args } = config as Record<string, unknown>;
  void customObjects;
  return args as DerivativeRegularizerArgs;
}
