/**
 * `jr.callbacks.regularization(...)`: the training companion of the `Regularized` wrapper.
 *
 * - Drives the epoch of every wrapper in the model (schedules), writes each regularizer's estimate σ (or |λ|) and
 *   penalty into the batch logs and their epoch means into the epoch logs (so they reach `history`).
 * - Guards the optimizer: a step whose gradients are not finite is skipped and counted; with `stopOnNonFinite`
 *   training then stops with a message in `stopReason`.
 * - Optionally regularizes the whole network on penalties that need labels or other data: every k steps it samples
 *   a mini-batch from `data` before the step, and weight · penalty joins that step's loss (through one loss closure
 *   it adds, once, to the model's output layer) — e.g. the input Hessian of the per-sample training loss
 *   (`jr.regularizers.hessian({scalar: 'loss'})`), the paper's Hessian setting. Being in the same step as the
 *   training loss, the weight keeps its meaning under Adam (a separate Adam step would normalize it away).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { exactLoss } from './logit_loss';
import { PendingEstimates } from './estimates';
import { DerivativeRegularizer } from './regularizer';
import { HessianRegularizer } from './hessian_regularizer';
import { Regularized, findRegularized } from './regularized';
import { requireDifferentiable } from './differentiable';
import { ValueError, checkBoolean, checkInteger, checkOptions, fail } from '../errors';
import { BatchSampler, checkData } from './batches';
import { RegularizationCallbackArgs, RegularizationCallbackConfig } from './callback_args';
import { guardOptimizer } from './optimizer_guard';
import { deserializeRegistered } from './tfjs_internals';

const CALLBACK = 'jr.callbacks.regularization';
/** The options of {@link RegularizationCallbackArgs}. */
const CALLBACK_OPTIONS = ['regularizer', 'data', 'batchSize', 'loss', 'stopOnNonFinite', 'seed'] as const;

/** The key of the callback's own regularizer in the logs. */
const NETWORK_KEY = 'network';
/** Where a model remembers the callback whose network penalty its loss closure computes. */
const NETWORK_LOSS = Symbol('tfjs-jacobian-reg network loss');

/**
 * The `model.fit` callback that drives the `Regularized` wrappers' schedules, logs their σ and penalty, skips steps
 * with non-finite gradients, and optionally adds a whole-network penalty on mini-batches of
 * `data`. Make one with `jr.callbacks.regularization(args)`.
 * ```js
 * const cb = jr.callbacks.regularization({regularizer: jr.regularizers.hessian({scalar: 'loss'}), data: {x, y}});
 * const {history} = await model.fit(x, y, {epochs: 2, callbacks: [cb]});
 * console.log(cb.evaluations, history.network_hessian_sigma.length);  // → 2, 2
 * ```
 */
export class RegularizationCallback extends tfl.Callback {
  /** The whole-network regularizer applied on mini-batches of `data`, or null. */
  readonly regularizer: DerivativeRegularizer | null;
  /** Mini-batch size drawn from `{x, y}` tensors. */
  readonly batchSize: number;
  /** Whether training stops when the loss or a penalty is not finite, or a step was skipped. */
  readonly stopOnNonFinite: boolean;
  /** Steps of the current (or last) fit whose gradients were not finite and were skipped. */
  skippedSteps = 0;
  /** Whole-network penalties the callback computed. */
  evaluations = 0;
  /** Why training was stopped, if it was. */
  stopReason: string | null = null;
  private readonly data: RegularizationCallbackArgs['data'];
  private readonly lossOverride: RegularizationCallbackArgs['loss'];
  private readonly batches: BatchSampler | null;
  private readonly initialSeed: number;
  private wrappers: Regularized[] = [];
  private step = 0;
  private epoch = 0;
  private sums: Record<string, { total: number; count: number }> = {};
  private readonly ownEstimates = new PendingEstimates();
  private restoreOptimizer: (() => void) | null = null;
  /** The mini-batch of `data` for the current step's network penalty, if due. */
  private pending: [tf.Tensor, tf.Tensor] | null = null;

  /**
   * @throws ValueError for an unknown option or a bad value, a regularizer without data, or data, batchSize or loss
   * that nothing would use (no regularizer; batchSize with a dataset; loss without a Hessian of scalar 'loss').
   */
  constructor(args: RegularizationCallbackArgs = {}) {
    super();
    const where = CALLBACK;
    const options = checkOptions(where, args, CALLBACK_OPTIONS, 'args') as RegularizationCallbackArgs;
    if (options.regularizer != null && !(options.regularizer instanceof DerivativeRegularizer)) {
      fail(where, 'regularizer', 'must be a jr.regularizers.jacobian(...) / hessian(...) or null', options.regularizer);
    }
    this.regularizer = options.regularizer ?? null;
    this.data = checkData(where, options.data);
    this.batchSize = options.batchSize === undefined ? 32 : checkInteger(where, 'batchSize', options.batchSize, 1);
    if (options.loss !== undefined && typeof options.loss !== 'function')
      fail(where, 'loss', 'must be a function (yTrue, yPred) ↦ per-sample loss [B]', options.loss);
    this.lossOverride = options.loss;
    this.stopOnNonFinite =
      options.stopOnNonFinite === undefined ? true : checkBoolean(where, 'stopOnNonFinite', options.stopOnNonFinite);
    this.initialSeed = options.seed === undefined ? 0 : checkInteger(where, 'seed', options.seed, 0);
    this.batches = this.data == null ? null : new BatchSampler(this.data, this.batchSize, this.initialSeed);
    const unused = (key: string, why: string) =>
      new ValueError(`${where}: ${key} is given but ${why}; remove it, or add what uses it.`);
    if (this.regularizer != null && this.data == null) {
      throw new ValueError(`${where}: a regularizer needs data: {x, y} tensors or a tf.data.Dataset of {xs, ys}.`);
    }
    if (this.regularizer == null) {
      const given = (['data', 'batchSize', 'loss'] as const).find((key) => options[key] !== undefined);
      if (given)
        throw unused(given, 'nothing uses it without a regularizer (the callback regularizes on data only with one)');
    }
    if (options.batchSize !== undefined && this.data != null && 'iterator' in this.data) {
      throw unused('batchSize', 'a dataset gives its own batches (batchSize applies to {x, y} tensors)');
    }
    const lossHessian = this.regularizer instanceof HessianRegularizer && this.regularizer.scalar === 'loss';
    if (options.loss !== undefined && this.regularizer != null && !lossHessian) {
      throw unused('loss', "only a jr.regularizers.hessian({scalar: 'loss'}) uses it");
    }
  }

  /** Finds the model's `Regularized` wrappers, guards the optimizer, and sets a 'loss' Hessian's loss. */
  async onTrainBegin(): Promise<void> {
    if (this.regularizer != null) requireDifferentiable('jr.callbacks.regularization', this.model);
    this.wrappers = findRegularized(this.model);
    this.step = 0;
    this.stopReason = null;
    this.skippedSteps = 0;
    this.restoreOptimizer = guardOptimizer(this.model.optimizer, () => this.skippedSteps++);
    if (this.regularizer instanceof HessianRegularizer && this.regularizer.scalar === 'loss') {
      // The user's loss on the outputs, else the exact cross-entropy of the logits where it applies, else the
      // compiled loss on the outputs.
      const { loss, prediction } = this.lossOverride
        ? { loss: this.lossOverride, prediction: null }
        : exactLoss(this.model, this.compiledLoss());
      this.regularizer.loss = loss;
      this.regularizer.lossPrediction = prediction;
    }
    if (this.regularizer != null) this.addNetworkLoss();
  }

  /** Restores the optimizer guarded in `onTrainBegin`. */
  async onTrainEnd(): Promise<void> {
    this.restoreOptimizer?.();
    this.restoreOptimizer = null;
    this.batches?.reset();
    this.disposePending();
  }

  /** Sets the epoch of every wrapper (for schedules) and resets the epoch means. */
  async onEpochBegin(epoch: number): Promise<void> {
    this.epoch = epoch;
    this.wrappers.forEach((w) => (w.epoch = epoch));
    this.sums = {};
  }

  /** Draws the network penalty's mini-batch when it is due at this step. */
  async onBatchBegin(): Promise<void> {
    this.disposePending();
    // The guard checks this step's gradients, so the wrappers need not read their penalties inside it.
    this.wrappers.forEach((w) => (w.guarded = true));
    if (this.regularizer != null && this.regularizer.isDue(this.step))
      this.pending = await (this.batches as BatchSampler).next();
  }

  /** Writes the estimates into the batch logs, and stops on non-finite values. */
  async onBatchEnd(_batch: number, logs?: tfl.Logs): Promise<void> {
    this.disposePending();
    this.step++;
    // Read after the step, asynchronously: nothing inside the step waits for these values.
    const estimates: Record<string, number> = Object.assign(
      {},
      await this.ownEstimates.read(),
      ...(await Promise.all(this.wrappers.map((w) => w.readEstimates()))),
    );
    for (const [key, value] of Object.entries(estimates)) {
      if (logs) logs[key] = value;
      const s = (this.sums[key] = this.sums[key] ?? { total: 0, count: 0 });
      s.total += value;
      s.count++;
    }
    const loss = logs?.loss as number | tf.Scalar | undefined;
    const lossValue = typeof loss === 'number' || loss == null ? loss : (await loss.data())[0];
    const bad = Object.entries(estimates).find(([k, v]) => k.endsWith('_penalty') && !Number.isFinite(v));
    const why =
      this.skippedSteps > 0
        ? `${this.skippedSteps} step(s) had non-finite gradients and were skipped (weights unchanged)`
        : lossValue != null && !Number.isFinite(lossValue)
          ? `the loss is ${lossValue}`
          : bad
            ? `${bad[0]} is ${bad[1]} (dropped from the loss)`
            : null;
    if (why != null && this.stopOnNonFinite && this.stopReason == null) {
      this.stopReason = `tfjs-jacobian-reg: training stopped at epoch ${this.epoch}, step ${this.step}: ${why}.`;
      this.model.stopTraining = true;
    }
  }

  /** Writes the epoch means of the estimates into the epoch logs (and so into `history`). */
  async onEpochEnd(_epoch: number, logs?: tfl.Logs): Promise<void> {
    if (logs == null) return;
    for (const [key, s] of Object.entries(this.sums)) logs[key] = s.total / s.count;
  }

  /**
   * Adds, once per model, a loss closure to the output layer: on a step with a pending mini-batch it returns
   * weight · penalty of the whole network (computed inside the training step's `optimizer.minimize`), else 0.
   */
  private addNetworkLoss(): void {
    const model = this.model as tfl.LayersModel & { [NETWORK_LOSS]?: RegularizationCallback };
    const owner = model[NETWORK_LOSS];
    model[NETWORK_LOSS] = this;
    if (owner != null) return; // the closure is there already; it reads the model's current callback
    const output = model.layers[model.layers.length - 1];
    output.addLoss(() => (model[NETWORK_LOSS] as RegularizationCallback).networkPenalty());
  }

  private networkPenalty(): tf.Scalar {
    const regularizer = this.regularizer;
    if (regularizer == null || this.pending == null) return tf.scalar(0);
    const [x, y] = this.pending;
    const { loss, stats, read } = regularizer.stepPenalty(
      this.model,
      x,
      { epoch: this.epoch, step: this.step },
      y,
      this.restoreOptimizer != null,
    );
    this.evaluations++;
    this.ownEstimates.put(`${NETWORK_KEY}_${regularizer.kind}`, stats, read);
    return loss;
  }

  private disposePending(): void {
    if (this.pending) tf.dispose(this.pending);
    this.pending = null;
  }

  private compiledLoss(): (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor {
    type Compiled = { lossFunctions?: Array<(a: tf.Tensor, b: tf.Tensor) => tf.Tensor>; model?: Compiled };
    const compiled = this.model as unknown as Compiled;
    // A Sequential keeps its compiled functional model in `.model`.
    const fns = compiled.lossFunctions ?? compiled.model?.lossFunctions;
    if (!fns || fns.length !== 1) {
      throw new ValueError(
        `${CALLBACK}: scalar 'loss' needs a compiled single-output model, or pass loss: (yTrue, yPred) => perSampleLoss.`,
      );
    }
    return fns[0];
  }

  /** Serializable settings (not the data, optimizer or loss): store them with `model.setUserDefinedMetadata`. */
  getConfig(): RegularizationCallbackConfig {
    return {
      regularizer:
        this.regularizer == null
          ? null
          : { className: this.regularizer.getClassName(), config: this.regularizer.getConfig() },
      batchSize: this.batchSize,
      stopOnNonFinite: this.stopOnNonFinite,
      seed: this.batches?.seed ?? this.initialSeed,
    };
  }

  /** Rebuilds a callback from `getConfig()`; data and loss are given again. */
  /** @throws ValueError for a config that is not an object of the keys of `getConfig()`, or bad values. */
  static fromConfig(
    config: RegularizationCallbackConfig,
    extra: Pick<RegularizationCallbackArgs, 'data' | 'loss'> = {},
  ): RegularizationCallback {
    if (config === null || typeof config !== 'object' || Array.isArray(config))
      fail(CALLBACK, 'config', 'must be an object from getConfig()', config);
    checkOptions(CALLBACK, config, ['regularizer', 'batchSize', 'stopOnNonFinite', 'seed'], 'config');
    checkOptions(CALLBACK, extra, ['data', 'loss'], 'extra');
    const regularizer =
      config.regularizer == null
        ? undefined
        : deserializeRegistered<DerivativeRegularizer>(config.regularizer, CALLBACK, 'config.regularizer');
    // batchSize only matters for {x, y} tensors; the constructor refuses it where nothing would use it.
    const tensors = regularizer != null && extra.data != null && !('iterator' in extra.data);
    const batchSize = tensors ? config.batchSize : undefined;
    if (!tensors && config.batchSize !== undefined) checkInteger(CALLBACK, 'config.batchSize', config.batchSize, 1);
    return new RegularizationCallback({
      ...extra,
      regularizer,
      batchSize,
      stopOnNonFinite: config.stopOnNonFinite,
      seed: config.seed,
    });
  }
}
