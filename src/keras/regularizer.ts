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
import { ValueError, checkBoolean, checkInteger, checkOneOf, fail } from '../errors';
import { LinearOperator } from '../linalg/operator';
import { METHODS, Method } from '../linalg/spectral_norm';
import { TARGETS, TARGET_RULE, TargetName } from '../linalg/targets/index';
import { requireSquare } from '../linalg/targets/target';
import { UserOperator, checkUserOperator } from '../linalg/targets/user';
import { DerivativePenalty, operatorPenalty } from '../penalty/derivative';
import { checkBound } from '../penalty/spectral';
import {
  DerivativeRegularizerArgs,
  MAX_ITERATIONS,
  REGULARIZER_OPTIONS,
  RegularizerContext,
  StepPenalty,
  WeightedPenalty,
  penaltyContext,
  regularizerArgs,
} from './regularizer_args';
import { Schedule, scheduleValue, validateSchedule } from './schedule';
import { single } from './tfjs_internals';

/** The factory that makes `r`, for messages: 'jr.regularizers.jacobian' or 'jr.regularizers.hessian'. */
const factoryName = (r: DerivativeRegularizer) => `jr.regularizers.${r.kind}`;

/**
 * Base class of the derivative regularizers: penalty = weight · ‖vᵀ(A − T)‖² with A from the subclass. Serializable
 * like a tfjs regularizer; make one with `jr.regularizers.jacobian()` or `jr.regularizers.hessian()`.
 * ```js
 * const reg = jr.regularizers.jacobian({method: 'exact'});
 * const {penalty, sigma} = reg.penalty(f, x);  // unweighted: mean_b σ_max(J_b)²
 * console.log(reg instanceof jr.DerivativeRegularizer, reg.kind);  // → true, 'jacobian'
 * ```
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
