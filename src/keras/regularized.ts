/**
 * `Regularized`: a wrapper layer (the pattern of `tf.layers.timeDistributed`) that adds derivative penalties of
 * the wrapped layer — or of a whole `LayersModel` — to the training loss of `model.fit`.
 *
 * On a penalty step the wrapper remembers its training input x; one loss closure, added once, computes
 *   Σ_r weight_r(epoch) · penalty_r(f, x),  f(z) = layer(z, {training: false}),
 * inside `optimizer.minimize`, so the weight gradients flow. On other steps nothing is computed. The penalty runs
 * the layer in inference mode: BatchNormalization uses (and does not update) its moving statistics and Dropout
 * is off, so the regularized map is the deterministic network, with no cross-sample coupling.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology';
import { requireDifferentiable } from './differentiable';
import { ValueError, checkOptions, fail, formatValue } from '../errors';
import { Estimates, PendingEstimates } from './estimates';
import { DerivativeRegularizer } from './regularizer';
import { Wrapper, deserializeRegistered, single } from './tfjs_internals';

/** Constructor args of {@link Regularized}: the usual layer args (name, ...) plus the layer and its regularizers. */
export interface RegularizedArgs extends LayerArgs {
  /** The layer, or the whole `LayersModel`, whose input derivatives are regularized. */
  layer: tfl.layers.Layer;
  /** One or more `jr.regularizers.jacobian(...)` / `hessian(...)`. */
  regularizers: DerivativeRegularizer | DerivativeRegularizer[];
}

export type { Estimates } from './estimates';

let instances = 0;

const WHERE = 'jr.layers.regularized';
/** The options of {@link RegularizedArgs}: tfjs' `LayerArgs` and the wrapper's own. */
const REGULARIZED_OPTIONS = [
  'layer',
  'regularizers',
  'inputShape',
  'batchInputShape',
  'batchSize',
  'dtype',
  'name',
  'trainable',
  'weights',
  'inputDType',
] as const;

/**
 * The args for tfjs' Wrapper: checked, named `regularized_<n>` by default, and with the inner layer's input shape
 * when the wrapper has none (an `inputShape` given to the inner layer is not lost).
 */
function wrapperArgs(args: RegularizedArgs): ConstructorParameters<typeof Wrapper>[0] {
  if (args === undefined || args === null || typeof args !== 'object' || Array.isArray(args)) {
    fail(WHERE, 'args', `must be an object with keys ${REGULARIZED_OPTIONS.join(', ')}`, args);
  }
  checkOptions(WHERE, args, REGULARIZED_OPTIONS, 'args');
  const layer = args.layer as unknown;
  if (!(layer instanceof tfl.layers.Layer))
    fail(WHERE, 'layer', 'must be a tf.layers.Layer or a tf.LayersModel', layer);
  const model = layer as unknown as { inputs?: unknown[]; outputs?: unknown[] };
  if (
    Array.isArray(model.inputs) &&
    Array.isArray(model.outputs) &&
    (model.inputs.length !== 1 || model.outputs.length !== 1)
  ) {
    throw new ValueError(
      `${WHERE}: layer must take one input and return one output; got a model with ${model.inputs.length} inputs and ${model.outputs.length} outputs.`,
    );
  }
  const inner = (model.inputs?.[0] as { shape?: tfl.Shape } | undefined)?.shape ?? layer.batchInputShape;
  const own = args.batchInputShape ?? (args.inputShape ? [args.batchSize ?? null, ...args.inputShape] : undefined);
  if (inner != null && own != null && (inner.length !== own.length || inner.some((d, i) => i > 0 && d !== own[i]))) {
    fail(
      WHERE,
      'inputShape',
      `must agree with the input shape of the wrapped layer, [${inner.slice(1).join(', ')}]`,
      own.slice(1),
    );
  }
  const adopted = own == null && inner != null ? { batchInputShape: inner } : {};
  return { ...args, ...adopted, name: args.name ?? `regularized_${++instances}` } as ConstructorParameters<
    typeof Wrapper
  >[0];
}

/** The wrapper's regularizers: one or more derivative regularizers, none of them a Hessian of the training loss. */
function regularizerList(regularizers: unknown): DerivativeRegularizer[] {
  const list = Array.isArray(regularizers) ? regularizers : [regularizers];
  if (list.length === 0 || list.some((r) => !(r instanceof DerivativeRegularizer))) {
    fail(
      WHERE,
      'regularizers',
      'must be one or more jr.regularizers.jacobian(...) / jr.regularizers.hessian(...)',
      regularizers,
    );
  }
  if (list.some((r) => r.kind === 'hessian' && (r as unknown as { scalar: string }).scalar === 'loss')) {
    throw new ValueError(
      `${WHERE}: a Hessian of scalar 'loss' needs labels: pass it to jr.callbacks.regularization({data, regularizer}).`,
    );
  }
  return list as DerivativeRegularizer[];
}

/**
 * A wrapper layer (like `tf.layers.timeDistributed`) that forwards to its inner layer and, on training steps, adds
 * weight · ‖vᵀ(A − T)‖² for each regularizer to the model's loss, A the inner layer's input Jacobian or Hessian.
 * ```js
 * const reg = jr.layers.regularized({layer: tf.layers.dense({units: 10}), regularizers: jr.regularizers.jacobian()});
 * ```
 */
export class Regularized extends Wrapper {
  /** Registered tfjs serialization name. */
  static className = 'tfjs-jacobian-reg>Regularized';
  /** The regularizers whose penalties this wrapper adds. */
  readonly regularizers: DerivativeRegularizer[];
  /** Training forward passes seen (the step the next one will be). */
  step = 0;
  /** Current epoch, for schedules; set by `jr.callbacks.regularization`. */
  epoch = 0;
  /** Penalty evaluations made, per regularizer. */
  readonly evaluations: number[];
  /**
   * Whether `jr.callbacks.regularization` guards the optimizer in the coming step (then nothing is read inside it);
   * set by the callback before each step and cleared when the step's penalty is computed.
   */
  guarded = false;
  private readonly dropped: number[];
  private readonly pendingEstimates = new PendingEstimates((prefix, v) => {
    if (!Number.isFinite(v[1])) this.dropped[this.regularizers.findIndex((_, i) => this.key(i) === prefix)]++;
  });
  private pending: { x: tf.Tensor; step: number } | null = null;
  private readonly ownLosses: Array<() => tf.Scalar> = [];
  private readonly penaltyLoss = () => this.computePenalty();

  /**
   * @throws ValueError for an unknown option, a `layer` that is not a single-input, single-output `tf.layers.Layer`
   * (or whose input shape contradicts the wrapper's), or `regularizers` that are not one or more derivative
   * regularizers.
   */
  constructor(args: RegularizedArgs) {
    super(wrapperArgs(args));
    const list = regularizerList(args.regularizers);
    this.regularizers = list;
    this.evaluations = list.map(() => 0);
    this.dropped = list.map(() => 0);
  }

  /** Penalties dropped because they were not finite, per regularizer (reads pending estimates). */
  get nonFinite(): number[] {
    void this.pendingEstimates.latest;
    return this.dropped;
  }

  /** The latest estimates, keyed like the logs (reads pending ones synchronously; the callback reads them with `readEstimates`). */
  get estimates(): Estimates {
    return this.pendingEstimates.latest;
  }

  /** The latest estimates, read from the device asynchronously. */
  readEstimates(): Promise<Estimates> {
    return this.pendingEstimates.read();
  }

  /** The log key of regularizer i: `<wrapper name>_<kind>[i]`. */
  key(i: number): string {
    const kind = this.regularizers[i].kind;
    const same = this.regularizers.filter((r) => r.kind === kind).length;
    return `${this.name}_${kind}${same > 1 ? i : ''}`;
  }

  /**
   * Builds the inner layer and checks that it has input derivatives (no Embedding, see `requireDifferentiable`) and
   * that square-only targets fit its per-sample input and output shapes.
   */
  build(inputShape: tfl.Shape | tfl.Shape[]): void {
    requireDifferentiable('jr.layers.regularized', this.layer);
    if (Array.isArray(inputShape[0]) && inputShape.length !== 1) {
      throw new ValueError(
        `${WHERE}: layer must take one input; got ${inputShape.length} inputs of shapes ${formatValue(inputShape)}.`,
      );
    }
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    if (!this.layer.built) {
      this.layer.build(shape);
      this.layer.built = true;
    }
    const outShape = this.layer.computeOutputShape(shape) as tfl.Shape;
    const perSample = (s: tfl.Shape) => s.slice(1) as number[];
    if ([...perSample(shape), ...perSample(outShape)].every((d) => d != null)) {
      this.regularizers.forEach((r) => r.checkShapes(perSample(shape), perSample(outShape)));
    }
    super.build(shape);
  }

  computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return this.layer.computeOutputShape(inputShape);
  }

  call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    if (kwargs?.training === true) {
      if (this.regularizers.some((r) => r.isDue(this.step))) this.pending = { x: single(inputs), step: this.step };
      this.step++;
    }
    return this.layer.call(inputs, kwargs);
  }

  /** The wrapped layer's losses, losses added to the wrapper itself, and the penalty closure. */
  get losses(): Array<() => tf.Scalar> {
    return [...this.layer.losses, ...this.ownLosses, this.penaltyLoss];
  }

  /** Keeps losses added to the wrapper (tfjs' Wrapper would hand them to the inner layer's list). */
  addLoss(losses: (() => tf.Scalar) | Array<() => tf.Scalar>): void {
    this.ownLosses.push(...(Array.isArray(losses) ? losses : [losses]));
  }

  calculateLosses(): tf.Scalar[] {
    return [...this.layer.calculateLosses(), ...this.ownLosses.map((loss) => loss()), this.penaltyLoss()];
  }

  private computePenalty(): tf.Scalar {
    const pending = this.pending;
    const guarded = this.guarded;
    this.pending = null;
    this.guarded = false;
    if (pending == null || pending.x.isDisposed) return tf.scalar(0);
    return tf.tidy(() => {
      let total: tf.Scalar = tf.scalar(0);
      this.regularizers.forEach((r, i) => {
        if (!r.isDue(pending.step)) return;
        const { loss, stats, read } = r.stepPenalty(
          this.layer,
          pending.x,
          { epoch: this.epoch, step: pending.step },
          undefined,
          guarded,
        );
        this.evaluations[i]++;
        this.pendingEstimates.put(this.key(i), stats, read);
        total = tf.add(total, loss);
      });
      return total;
    });
  }

  /** The wrapper's config with the regularizers serialized as `{className, config}`. */
  getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      regularizers: this.regularizers.map((r) => ({ className: r.getClassName(), config: r.getConfig() })),
    };
  }

  static fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
    customObjects = {} as tf.serialization.ConfigDict,
  ): T {
    if (config === null || typeof config !== 'object' || Array.isArray(config))
      fail(WHERE, 'config', 'must be an object from getConfig()', config);
    const { customObjects: nested, ...rest } = config as Record<string, unknown>;
    void nested; // tfjs adds the custom objects to a nested config; they come as the third argument too
    if (!Array.isArray(rest.regularizers)) {
      fail(WHERE, 'config.regularizers', 'must be an array of {className, config} from getConfig()', rest.regularizers);
    }
    const layer = rest.layer as { className?: unknown } | null | undefined;
    if (layer === null || typeof layer !== 'object' || typeof layer.className !== 'string') {
      fail(WHERE, 'config.layer', 'must be a serialized layer {className, config}', layer);
    }
    const regularizers = (rest.regularizers as Array<{ className: string; config: tf.serialization.ConfigDict }>).map(
      (r, i) => deserializeRegistered<DerivativeRegularizer>(r, WHERE, `config.regularizers[${i}]`),
    );
    return Wrapper.fromConfig(
      cls,
      { ...rest, regularizers } as unknown as tf.serialization.ConfigDict,
      customObjects,
    ) as T;
  }
}

/**
 * All `Regularized` wrappers in a model, including nested models and wrappers.
 * ```js
 * const w = jr.layers.regularized({layer: model, regularizers: jr.regularizers.jacobian()});
 * console.log(jr.findRegularized(tf.sequential({layers: [w]}))[0] === w, jr.findRegularized(model));  // → true, []
 * ```
 */
export function findRegularized(layer: tfl.layers.Layer): Regularized[] {
  const found: Regularized[] = [];
  const visit = (l: tfl.layers.Layer) => {
    if (l instanceof Regularized) found.push(l);
    const inner = (l as unknown as { layer?: tfl.layers.Layer }).layer;
    if (inner != null) visit(inner);
    const children = (l as unknown as { layers?: tfl.layers.Layer[] }).layers;
    if (Array.isArray(children)) children.forEach(visit);
  };
  visit(layer);
  return found;
}
