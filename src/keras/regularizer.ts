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
import { DerivativePenalty, operatorPenalty } from '../derivative_penalty';
import { LinearOperator } from '../linalg/operator';
import { hessianOperator } from '../linalg/operators/hessian';
import { jacobianOperator } from '../linalg/operators/jacobian';
import { METHODS, Method } from '../linalg/spectral_norm';
import { TARGETS, TargetName, UserOperator, requireSquare } from '../linalg/targets/index';
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
}

/** Where a regularizer is in training: the callback sets the epoch; the wrapper counts steps. */
export interface RegularizerContext {
  /** Current epoch (0-based): picks the schedules' values. */
  epoch: number;
  /** Current training step (0-based): offsets the seed and decides whether the penalty is due. */
  step: number;
}

const isEnum = <T extends string>(allowed: readonly T[], value: unknown): value is T => allowed.includes(value as T);

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

  constructor(args: DerivativeRegularizerArgs = {}) {
    super();
    const name = this.getClassName();
    this.weight = args.weight ?? 0.01;
    this.target = args.target ?? 'zero';
    this.method = args.method ?? 'lanczos';
    this.iterations = args.iterations ?? 4;
    this.every = args.every ?? 1;
    this.squared = args.squared ?? true;
    this.seed = args.seed ?? null;
    validateSchedule(`${name}: weight`, this.weight, (w) => (Number.isFinite(w) && w >= 0 ? null : 'must be a finite number ≥ 0'));
    validateSchedule(`${name}: iterations`, this.iterations, (n) =>
      Number.isInteger(n) && n >= 1 && n <= MAX_ITERATIONS ? null : `must be an integer from 1 to ${MAX_ITERATIONS}`
    );
    if (typeof this.target === 'string' ? !(this.target in TARGETS) : typeof this.target?.matvec !== 'function') {
      throw new Error(
        `${name}: target must be one of ${Object.keys(TARGETS).map((t) => `'${t}'`).join(', ')} or a user operator ` +
          `{matvec, rmatvec}; got ${JSON.stringify(this.target)}.`
      );
    }
    if (!isEnum(METHODS, this.method)) {
      throw new Error(`${name}: method must be one of ${METHODS.map((m) => `'${m}'`).join(', ')}; got ${JSON.stringify(this.method)}.`);
    }
    if (!(Number.isInteger(this.every) && this.every >= 1)) {
      throw new Error(`${name}: every must be an integer ≥ 1 (steps between penalties); got ${JSON.stringify(this.every)}.`);
    }
    if (typeof this.squared !== 'boolean') throw new Error(`${name}: squared must be true or false; got ${JSON.stringify(this.squared)}.`);
    if (this.seed != null && !Number.isInteger(this.seed)) throw new Error(`${name}: seed must be an integer or null; got ${JSON.stringify(this.seed)}.`);
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
    requireSquare({ inShape, outShape: this.kind === 'hessian' ? inShape : outShape }, this.target);
  }

  /**
   * The unweighted penalty of one batch and its per-sample estimate (see `jacobianPenalty`), for a function or a
   * layer / model (run in inference mode; a stack of built-in layers gets the linearized Jacobian).
   */
  penalty(model: BatchFunction | tfl.layers.Layer, x: tf.Tensor, context: RegularizerContext, y?: tf.Tensor): DerivativePenalty {
    const layer = model instanceof tfl.layers.Layer ? model : undefined;
    const f: BatchFunction = layer ? (z) => single(layer.call(z, { training: false })) : (model as BatchFunction);
    return operatorPenalty(() => this.operator(f, x, y, layer), {
      target: this.target,
      method: this.method,
      iterations: scheduleValue(this.iterations, context.epoch),
      squared: this.squared,
      seed: this.seed == null ? undefined : this.seed + context.step
    });
  }

  /**
   * What a training step adds: weight(epoch) · penalty, or 0 when the penalty is not finite (it never reaches the
   * weights), with the batch-mean σ and the penalty's value for the logs.
   */
  weightedPenalty(
    model: BatchFunction | tfl.layers.Layer,
    x: tf.Tensor,
    context: RegularizerContext,
    y?: tf.Tensor
  ): { loss: tf.Scalar; sigma: number; value: number } {
    return tf.tidy(() => {
      const { penalty, sigma } = this.penalty(model, x, context, y);
      const value = penalty.dataSync()[0];
      const loss = Number.isFinite(value) ? (tf.mul(this.weightAt(context.epoch), penalty) as tf.Scalar) : tf.scalar(0);
      return { loss, sigma: tf.mean(sigma).dataSync()[0], value };
    });
  }

  getConfig(): tf.serialization.ConfigDict {
    if (typeof this.target !== 'string') {
      throw new Error(
        `${this.getClassName()}: a user-operator target cannot be saved in a model config; ` +
          `save the model without it, or use one of ${Object.keys(TARGETS).join(', ')}.`
      );
    }
    return {
      weight: this.weight as unknown as tf.serialization.ConfigDictValue,
      target: this.target,
      method: this.method,
      iterations: this.iterations as unknown as tf.serialization.ConfigDictValue,
      every: this.every,
      squared: this.squared,
      seed: this.seed
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
  static fromConfig<T extends tf.serialization.Serializable>(cls: tf.serialization.SerializableConstructor<T>, config: tf.serialization.ConfigDict): T {
    return new cls(configArgs(config));
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

  constructor(args: HessianRegularizerArgs = {}) {
    super(args);
    this.scalar = args.scalar ?? 'sum';
    if (!isEnum(HESSIAN_SCALARS, this.scalar)) {
      throw new Error(
        `${this.getClassName()}: scalar must be one of ${HESSIAN_SCALARS.map((s) => `'${s}'`).join(', ')}; got ${JSON.stringify(this.scalar)}.`
      );
    }
  }
  get kind() {
    return 'hessian';
  }
  protected operator(f: BatchFunction, x: tf.Tensor, y?: tf.Tensor): LinearOperator {
    const batch = x.shape[0];
    const perSample = (z: tf.Tensor) => tf.reshape(z, [batch, -1]);
    let g: BatchFunction;
    if (this.scalar === 'loss') {
      const loss = this.loss;
      if (y == null || loss == null) {
        throw new Error(`${this.getClassName()}: scalar 'loss' needs labels and a loss: use it with jr.callbacks.regularization({data, regularizer}).`);
      }
      g = (z) => loss(y, f(z));
    } else {
      g = this.scalar === 'sum' ? (z) => tf.sum(perSample(f(z)), 1) : (z) => tf.mean(perSample(f(z)), 1);
    }
    return hessianOperator(g, x);
  }
  getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), scalar: this.scalar };
  }
  static fromConfig<T extends tf.serialization.Serializable>(cls: tf.serialization.SerializableConstructor<T>, config: tf.serialization.ConfigDict): T {
    return new cls(configArgs(config));
  }
}

/** Constructor args from a (possibly loaded) config: drops tfjs' `customObjects` key. */
function configArgs(config: tf.serialization.ConfigDict): DerivativeRegularizerArgs {
  const { customObjects, ...args } = config as Record<string, unknown>;
  void customObjects;
  return args as DerivativeRegularizerArgs;
}

tf.serialization.registerClass(JacobianRegularizer);
tf.serialization.registerClass(HessianRegularizer);
