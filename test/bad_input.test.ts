/**
 * Bad input to every public entry point: each case asserts the error class (jr.ValueError) and that the message
 * names the entry point and the parameter; "never ignore" cases assert the value given is the value used.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as jr from '../src';
import { scheduleValue } from '../src/keras/schedule';
import { resolveTarget } from '../src/linalg/targets/index';
import { randomProjections } from '../src/linalg/spectral_norm';

/** Runs `fn` (tensors freed) and returns what it threw. */
function thrown(fn: () => unknown): unknown {
  try {
    tf.tidy(() => void fn());
  } catch (error) {
    return error;
  }
  return undefined;
}
/** Asserts `fn` throws a jr.ValueError whose message matches `message`. */
function refuses(fn: () => unknown, message: RegExp): void {
  const error = thrown(fn);
  expect(error).toBeInstanceOf(jr.ValueError);
  expect((error as Error).message).toMatch(message);
}

const J = 'jr\\.regularizers\\.jacobian: ';
const H = 'jr\\.regularizers\\.hessian: ';
const re = (prefix: string, rest: string) => new RegExp(prefix + rest);

/** f(z) = z·W with W = diag(3, 1, 0.5): per-sample Jacobian Wᵀ, σ_max = 3. */
const W = () =>
  tf.tensor2d([
    [3, 0, 0],
    [0, 1, 0],
    [0, 0, 0.5],
  ]);
const f = (z: tf.Tensor) => tf.matMul(z as tf.Tensor2D, W());
const x4 = () =>
  tf.tensor2d([
    [1, 2, 3],
    [0, 1, 0],
    [-1, 0, 2],
    [2, 2, 2],
  ]);
const identityOp = (batchSize = 2, d = 3): jr.LinearOperator => ({
  batchSize,
  inShape: [d],
  outShape: [d],
  symmetric: true,
  matvec: (v) => tf.clone(v),
  rmatvec: (u) => tf.clone(u),
  dispose: () => undefined,
});
const start = () => tf.ones([2, 3]) as tf.Tensor2D;
const dense3 = (inputShape?: number[]) => tfl.layers.dense({ units: 3, ...(inputShape ? { inputShape } : {}) });
const jac = () => jr.regularizers.jacobian();
const goodConfig = () => jr.regularizers.jacobian({ weight: 0.1, iterations: 3 }).getConfig();
const wrapperConfig = () => jr.layers.regularized({ layer: dense3(), regularizers: jac() }).getConfig();
const Jacobian = jr.JacobianRegularizer as unknown as {
  fromConfig(cls: unknown, config: unknown): jr.JacobianRegularizer;
};
const Wrapper = jr.Regularized as unknown as { fromConfig(cls: unknown, config: unknown): jr.Regularized };
const callbackConfig = () => ({ regularizer: null, batchSize: 32, stopOnNonFinite: true, seed: 0 });
const data = () => ({ x: tf.ones([8, 3]), y: tf.ones([8, 3]) });
const dataset: jr.DatasetLike = {
  iterator: async () => ({ next: async () => ({ value: { xs: tf.ones([2, 3]), ys: tf.ones([2, 3]) }, done: false }) }),
};

describe('jr.regularizers.jacobian / hessian and their classes', () => {
  test.each<[string, () => unknown, RegExp]>([
    [
      'typo iteratons',
      () => jr.regularizers.jacobian({ iteratons: 4 } as never),
      re(J, "unknown option 'iteratons' \\(did you mean 'iterations'\\?\\); known options: weight, .*bound"),
    ],
    [
      'typo scaler',
      () => jr.regularizers.hessian({ scaler: 'sum' } as never),
      re(H, "unknown option 'scaler' \\(did you mean 'scalar'\\?\\)"),
    ],
    [
      'scalar on jacobian',
      () => jr.regularizers.jacobian({ scalar: 'sum' } as never),
      re(J, "unknown option 'scalar'"),
    ],
    [
      'a string',
      () => jr.regularizers.jacobian('0.05' as never),
      re(J, "args must be the weight \\(a number\\) or an options object .*; got '0.05'\\."),
    ],
    ['null', () => jr.regularizers.jacobian(null as never), re(J, 'args must be the weight .*; got null\\.')],
    [
      'an array',
      () => jr.regularizers.hessian([0.05] as never),
      re(H, 'args must be the weight .*; got \\[0.05\\]\\.'),
    ],
    [
      'a tensor',
      () => jr.regularizers.jacobian(tf.scalar(0.05) as never),
      re(J, 'args must be the weight .*; got a Tensor\\.'),
    ],
    ['weight NaN', () => jr.regularizers.jacobian(NaN), re(J, 'weight must be a finite number ≥ 0; got NaN\\.')],
    ['weight −0.1', () => jr.regularizers.hessian(-0.1), re(H, 'weight must be a finite number ≥ 0; got -0.1\\.')],
    [
      'weight Infinity',
      () => jr.regularizers.jacobian({ weight: Infinity }),
      re(J, 'weight must be a finite number ≥ 0; got Infinity\\.'),
    ],
    [
      'weight null',
      () => jr.regularizers.jacobian({ weight: null } as never),
      re(J, 'weight must be a number or \\{boundaries.*; got null\\.'),
    ],
    [
      'weight string',
      () => jr.regularizers.jacobian({ weight: '0.1' } as never),
      re(J, "weight must be a number or \\{boundaries.*; got '0.1'\\."),
    ],
    [
      'iterations 0',
      () => jr.regularizers.jacobian({ iterations: 0 }),
      re(J, 'iterations must be an integer from 1 to 256; got 0\\.'),
    ],
    [
      'iterations 2.5',
      () => jr.regularizers.hessian({ iterations: 2.5 }),
      re(H, 'iterations must be an integer from 1 to 256; got 2.5\\.'),
    ],
    ['iterations −0', () => jr.regularizers.jacobian({ iterations: -0 }), re(J, 'iterations must be .*; got -0\\.')],
    [
      'target diagonal',
      () => jr.regularizers.jacobian({ target: 'diagonal' as never }),
      re(
        J,
        "target must be one of 'zero', 'identity', 'transpose', 'rowSumDiagonal' or a user operator .*; got 'diagonal'\\.",
      ),
    ],
    [
      'target toString',
      () => jr.regularizers.jacobian({ target: 'toString' as never }),
      re(J, "target must be one of .*; got 'toString'\\."),
    ],
    [
      'target without rmatvec',
      () => jr.regularizers.jacobian({ target: { matvec: (v: tf.Tensor) => v } as never }),
      re(J, 'target\\.rmatvec must be a function u ↦ Tᵀu; got undefined\\.'),
    ],
    [
      'target typo symetric',
      () =>
        jr.regularizers.jacobian({
          target: { matvec: (v: tf.Tensor) => v, rmatvec: (u: tf.Tensor) => u, symetric: true } as never,
        }),
      re(J, "unknown option 'symetric' \\(did you mean 'symmetric'\\?\\)"),
    ],
    [
      'method arnoldi',
      () => jr.regularizers.hessian({ method: 'arnoldi' as never }),
      re(H, "method must be one of 'lanczos', 'power', 'hutchinson', 'exact'; got 'arnoldi'\\."),
    ],
    ['every 0', () => jr.regularizers.jacobian({ every: 0 }), re(J, 'every must be an integer ≥ 1; got 0\\.')],
    ['every 1.5', () => jr.regularizers.jacobian({ every: 1.5 }), re(J, 'every must be an integer ≥ 1; got 1.5\\.')],
    [
      'squared "yes"',
      () => jr.regularizers.jacobian({ squared: 'yes' as never }),
      re(J, "squared must be true or false; got 'yes'\\."),
    ],
    ['seed 1.5', () => jr.regularizers.jacobian({ seed: 1.5 }), re(J, 'seed must be an integer or null; got 1.5\\.')],
    ['seed NaN', () => jr.regularizers.hessian({ seed: NaN }), re(H, 'seed must be an integer or null; got NaN\\.')],
    [
      'scalar max',
      () => jr.regularizers.hessian({ scalar: 'max' as never }),
      re(H, "scalar must be one of 'sum', 'mean', 'loss'; got 'max'\\."),
    ],
    [
      'new JacobianRegularizer typo',
      () => new jr.JacobianRegularizer({ wieght: 1 } as never),
      re(J, "unknown option 'wieght' \\(did you mean 'weight'\\?\\)"),
    ],
    [
      'new HessianRegularizer string',
      () => new jr.HessianRegularizer('x' as never),
      re(H, "args must be .*; got 'x'\\."),
    ],
    [
      'weight schedule short',
      () => jr.regularizers.jacobian({ weight: { boundaries: [5], values: [0.1] } }),
      re(
        J,
        'weight must be a number or \\{boundaries: number\\[\\], values: number\\[\\]\\} with one more value than boundaries',
      ),
    ],
    [
      'boundaries decreasing',
      () => jr.regularizers.jacobian({ iterations: { boundaries: [5, 3], values: [2, 4, 8] } }),
      re(J, 'iterations\\.boundaries must be increasing epochs ≥ 0; got \\[5, 3\\]\\.'),
    ],
    [
      'boundaries negative',
      () => jr.regularizers.jacobian({ weight: { boundaries: [-1], values: [0.1, 0.2] } }),
      re(J, 'weight\\.boundaries must be increasing epochs ≥ 0; got \\[-1\\]\\.'),
    ],
    [
      'schedule value 0',
      () => jr.regularizers.hessian({ iterations: { boundaries: [5], values: [2, 0] } }),
      re(H, 'iterations\\.values\\[1\\] must be an integer from 1 to 256; got 0\\.'),
    ],
    [
      'schedule key typo',
      () => jr.regularizers.jacobian({ weight: { boundaries: [5], values: [0.1, 0.2], value: 1 } as never }),
      re(J, "unknown option 'value' \\(did you mean 'values'\\?\\); known options: boundaries, values"),
    ],
    ['bound −1', () => jr.regularizers.jacobian({ bound: -1 }), re(J, 'bound must be a finite number ≥ 0')],
  ])('%s', (_, fn, message) => refuses(fn, message));

  it('never ignores: a number is the weight (Keras habit), also in the constructors and through getConfig', () => {
    expect(jr.regularizers.jacobian(0.05).weight).toBe(0.05);
    const h = jr.regularizers.hessian(0.2);
    expect([h.weight, h.scalar]).toEqual([0.2, 'sum']);
    expect(new jr.JacobianRegularizer(0.3).weight).toBe(0.3);
    expect(Jacobian.fromConfig(jr.JacobianRegularizer, jr.regularizers.jacobian(0.05).getConfig()).weight).toBe(0.05);
    expect(jr.regularizers.jacobian({ bound: 0.5 }).bound).toBe(0.5);
  });
});

describe('scheduleValue', () => {
  const s = { boundaries: [2], values: [1, 5] };
  test.each<[string, () => unknown, RegExp]>([
    ['epoch −1', () => scheduleValue(s, -1), /^jr\.scheduleValue: epoch must be a finite number ≥ 0; got -1\.$/],
    ['epoch NaN', () => scheduleValue(s, NaN), /^jr\.scheduleValue: epoch must be a finite number ≥ 0; got NaN\.$/],
    [
      'malformed',
      () => scheduleValue({ boundaries: [1], values: [] }, 0),
      /^jr\.scheduleValue: schedule must be a number or \{boundaries/,
    ],
  ])('%s', (_, fn, message) => refuses(fn, message));
});

describe('regularizer.penalty', () => {
  it('works without a context (epoch 0, step 0): σ² = 9 for W = diag(3, 1, 0.5)', () => {
    const r = jr.regularizers.jacobian({ method: 'exact' });
    const [without, withContext] = tf.tidy(() => [
      r.penalty(f, x4()).penalty.dataSync()[0],
      r.penalty(f, x4(), { epoch: 0, step: 0 }).penalty.dataSync()[0],
    ]);
    expect(without).toBeCloseTo(9, 4);
    expect(withContext).toBe(without);
  });
  const P = 'jr\\.regularizers\\.jacobian\\(…\\)\\.penalty: ';
  test.each<[string, () => unknown, RegExp]>([
    [
      'epoch −1',
      () => jac().penalty(f, x4(), { epoch: -1 }),
      re(P, 'context\\.epoch must be a finite number ≥ 0; got -1\\.'),
    ],
    [
      'step 0.5',
      () => jac().penalty(f, x4(), { step: 0.5 }),
      re(P, 'context\\.step must be an integer ≥ 0; got 0.5\\.'),
    ],
    [
      'typo epcoh',
      () => jac().penalty(f, x4(), { epcoh: 1 } as never),
      re(P, "unknown option 'epcoh' \\(did you mean 'epoch'\\?\\)"),
    ],
    [
      'model a string',
      () => jac().penalty('f' as never, x4()),
      re(P, "model must be a tf\\.layers\\.Layer, .*; got 'f'\\."),
    ],
    [
      'x an array',
      () => jac().penalty(f, [[1, 2, 3]] as never),
      re(P, 'x must be a tensor \\[B, \\.\\.\\.\\] \\(a batch\\); got \\[\\[1, 2, 3\\]\\]\\.'),
    ],
    [
      'y of another batch',
      () => jac().penalty(f, x4(), {}, tf.ones([3, 2])),
      re(P, 'y must be undefined or a tensor of labels \\[4, \\.\\.\\.\\].*; got \\[3, 2\\]\\.'),
    ],
  ])('%s', (_, fn, message) => refuses(fn, message));
});

describe('fromConfig with hostile configs', () => {
  const R = 'jr\\.layers\\.regularized: ';
  const C = 'jr\\.callbacks\\.regularization: ';
  test.each<[string, () => unknown, RegExp]>([
    [
      'regularizer config null',
      () => Jacobian.fromConfig(jr.JacobianRegularizer, null),
      re(J, 'config must be an object from getConfig\\(\\); got null\\.'),
    ],
    [
      'regularizer config a number',
      () => Jacobian.fromConfig(jr.JacobianRegularizer, 0.05),
      re(J, 'config must be an object .*; got 0.05\\.'),
    ],
    [
      'weight NaN',
      () => Jacobian.fromConfig(jr.JacobianRegularizer, { ...goodConfig(), weight: NaN }),
      re(J, 'weight must be a finite number ≥ 0; got NaN\\.'),
    ],
    [
      'iterations a string',
      () => Jacobian.fromConfig(jr.JacobianRegularizer, { ...goodConfig(), iterations: '4' }),
      re(J, "iterations must be a number or .*; got '4'\\."),
    ],
    [
      'unknown key',
      () => Jacobian.fromConfig(jr.JacobianRegularizer, { ...goodConfig(), lanczosSteps: 4 }),
      re(J, "unknown option 'lanczosSteps'; known options: weight, target"),
    ],
    [
      'wrapper config null',
      () => Wrapper.fromConfig(jr.Regularized, null),
      re(R, 'config must be an object from getConfig\\(\\); got null\\.'),
    ],
    [
      'regularizers not an array',
      () => Wrapper.fromConfig(jr.Regularized, { ...wrapperConfig(), regularizers: { className: 'x', config: {} } }),
      re(R, 'config\\.regularizers must be an array of \\{className, config\\}'),
    ],
    [
      'unregistered className',
      () =>
        Wrapper.fromConfig(jr.Regularized, { ...wrapperConfig(), regularizers: [{ className: 'Nope', config: {} }] }),
      re(
        R,
        "config\\.regularizers\\[0\\]\\.className must name a registered class; got 'Nope'\\. Import 'tfjs-jacobian-reg'",
      ),
    ],
    [
      'a tfjs regularizer',
      () =>
        Wrapper.fromConfig(jr.Regularized, {
          ...wrapperConfig(),
          regularizers: [{ className: 'L1L2', config: { l1: 0, l2: 0.01 } }],
        }),
      re(R, 'regularizers must be one or more jr\\.regularizers\\.jacobian'),
    ],
    [
      'entry without config',
      () =>
        Wrapper.fromConfig(jr.Regularized, {
          ...wrapperConfig(),
          regularizers: [{ className: jr.JacobianRegularizer.className }],
        }),
      re(R, 'config\\.regularizers\\[0\\]\\.config must be an object; got undefined\\.'),
    ],
    [
      'entry with NaN weight',
      () =>
        Wrapper.fromConfig(jr.Regularized, {
          ...wrapperConfig(),
          regularizers: [{ className: jr.JacobianRegularizer.className, config: { ...goodConfig(), weight: NaN } }],
        }),
      re(J, 'weight must be a finite number ≥ 0; got NaN\\.'),
    ],
    [
      'wrapper unknown key',
      () => Wrapper.fromConfig(jr.Regularized, { ...wrapperConfig(), regularisers: [] }),
      re(R, "unknown option 'regularisers' \\(did you mean 'regularizers'\\?\\)"),
    ],
    [
      'wrapper layer missing',
      () => Wrapper.fromConfig(jr.Regularized, { ...wrapperConfig(), layer: null }),
      re(R, 'config\\.layer must be a serialized layer \\{className, config\\}; got null\\.'),
    ],
    [
      'callback config null',
      () => jr.RegularizationCallback.fromConfig(null as never),
      re(C, 'config must be an object from getConfig\\(\\); got null\\.'),
    ],
    [
      'callback typo batchsize',
      () => jr.RegularizationCallback.fromConfig({ ...callbackConfig(), batchsize: 8 } as never),
      re(C, "unknown option 'batchsize' \\(did you mean 'batchSize'\\?\\)"),
    ],
    [
      'callback unregistered',
      () =>
        jr.RegularizationCallback.fromConfig(
          { ...callbackConfig(), regularizer: { className: 'Nope', config: {} } },
          { data: data() },
        ),
      re(C, "config\\.regularizer\\.className must name a registered class; got 'Nope'\\."),
    ],
    [
      'callback stopOnNonFinite',
      () => jr.RegularizationCallback.fromConfig({ ...callbackConfig(), stopOnNonFinite: 'yes' } as never),
      re(C, "stopOnNonFinite must be true or false; got 'yes'\\."),
    ],
  ])('%s', (_, fn, message) => refuses(fn, message));

  it("accepts tfjs' customObjects key and keeps every value", () => {
    const copy = Jacobian.fromConfig(jr.JacobianRegularizer, { ...goodConfig(), customObjects: {} });
    expect(copy.getConfig()).toEqual(goodConfig());
  });
});

describe('jr.layers.regularized', () => {
  const R = 'jr\\.layers\\.regularized: ';
  test.each<[string, () => unknown, RegExp]>([
    [
      'no args',
      () => jr.layers.regularized(undefined as never),
      re(R, 'args must be an object with keys layer, regularizers, .*; got undefined\\.'),
    ],
    ['a number', () => jr.layers.regularized(5 as never), re(R, 'args must be an object .*; got 5\\.')],
    [
      'typo regularisers',
      () => jr.layers.regularized({ layer: dense3(), regularisers: jac() } as never),
      re(R, "unknown option 'regularisers' \\(did you mean 'regularizers'\\?\\)"),
    ],
    [
      'layer a string',
      () => jr.layers.regularized({ layer: 'dense' as never, regularizers: jac() }),
      re(R, "layer must be a tf\\.layers\\.Layer or a tf\\.LayersModel; got 'dense'\\."),
    ],
    [
      'no regularizers',
      () => jr.layers.regularized({ layer: dense3() } as never),
      re(
        R,
        'regularizers must be one or more jr\\.regularizers\\.jacobian\\(\\.\\.\\.\\) / jr\\.regularizers\\.hessian\\(\\.\\.\\.\\); got undefined\\.',
      ),
    ],
    [
      'empty regularizers',
      () => jr.layers.regularized({ layer: dense3(), regularizers: [] }),
      re(R, 'regularizers must be one or more .*; got \\[\\]\\.'),
    ],
    [
      'a tfjs regularizer',
      () => jr.layers.regularized({ layer: dense3(), regularizers: [tfl.regularizers.l2() as never] }),
      re(R, 'regularizers must be one or more .*; got \\[a L1L2\\]\\.'),
    ],
    [
      "Hessian of 'loss'",
      () => jr.layers.regularized({ layer: dense3(), regularizers: jr.regularizers.hessian({ scalar: 'loss' }) }),
      re(R, "a Hessian of scalar 'loss' needs labels"),
    ],
    [
      'multi-input model',
      () => {
        const [a, b] = [tfl.input({ shape: [3] }), tfl.input({ shape: [3] })];
        const model = tfl.model({ inputs: [a, b], outputs: tfl.layers.add().apply([a, b]) as tfl.SymbolicTensor });
        return jr.layers.regularized({ layer: model, regularizers: jac() });
      },
      re(R, 'layer must take one input and return one output; got a model with 2 inputs and 1 outputs\\.'),
    ],
    [
      'multi-input layer',
      () => {
        const [a, b] = [tfl.input({ shape: [3] }), tfl.input({ shape: [3] })];
        return jr.layers.regularized({ layer: tfl.layers.add(), regularizers: jac() }).apply([a, b]);
      },
      re(R, 'layer must take one input; got 2 inputs of shapes \\[\\[null, 3\\], \\[null, 3\\]\\]\\.'),
    ],
    [
      'input shape contradicts the layer',
      () => jr.layers.regularized({ layer: dense3([5]), regularizers: jac(), inputShape: [4] } as jr.RegularizedArgs),
      re(R, 'inputShape must agree with the input shape of the wrapped layer, \\[5\\]; got \\[4\\]\\.'),
    ],
    [
      'square target on a 5 → 3 layer',
      () =>
        tfl.sequential({
          layers: [
            jr.layers.regularized({
              layer: dense3([5]),
              regularizers: jr.regularizers.jacobian({ target: 'identity' }),
            }),
          ],
        }),
      re(J, "target 'identity' needs a square matrix .*3×5"),
    ],
  ])('%s', (_, fn, message) => refuses(fn, message));

  it("never ignores the wrapped layer's inputShape: the wrapper takes it", () => {
    const model = tfl.sequential({ layers: [jr.layers.regularized({ layer: dense3([5]), regularizers: jac() })] });
    expect(model.inputs[0].shape).toEqual([null, 5]);
    expect(model.outputs[0].shape).toEqual([null, 3]);
  });
});

describe('jr.callbacks.regularization', () => {
  const C = 'jr\\.callbacks\\.regularization: ';
  test.each<[string, () => unknown, RegExp]>([
    [
      'a number',
      () => jr.callbacks.regularization(5 as never),
      re(C, 'args must be an object with keys regularizer, data, .*; got 5\\.'),
    ],
    [
      'typo stopOnNonFinte',
      () => jr.callbacks.regularization({ stopOnNonFinte: false } as never),
      re(C, "unknown option 'stopOnNonFinte' \\(did you mean 'stopOnNonFinite'\\?\\)"),
    ],
    [
      'a tfjs regularizer',
      () => jr.callbacks.regularization({ regularizer: tfl.regularizers.l2() as never, data: data() }),
      re(
        C,
        'regularizer must be a jr\\.regularizers\\.jacobian\\(\\.\\.\\.\\) / hessian\\(\\.\\.\\.\\) or null; got a L1L2\\.',
      ),
    ],
    [
      'regularizer without data',
      () => jr.callbacks.regularization({ regularizer: jac() }),
      re(C, 'a regularizer needs data'),
    ],
    [
      'data without regularizer',
      () => jr.callbacks.regularization({ data: data() }),
      re(C, 'data is given but nothing uses it without a regularizer'),
    ],
    [
      'loss without regularizer',
      () => jr.callbacks.regularization({ loss: (a, b) => tf.sub(a, b) }),
      re(C, 'loss is given but nothing uses it'),
    ],
    [
      'loss with a Jacobian',
      () => jr.callbacks.regularization({ regularizer: jac(), data: data(), loss: (a, b) => tf.sub(a, b) }),
      re(C, "loss is given but only a jr\\.regularizers\\.hessian\\(\\{scalar: 'loss'\\}\\) uses it"),
    ],
    [
      'x and y of different N',
      () => jr.callbacks.regularization({ regularizer: jac(), data: { x: tf.ones([8, 3]), y: tf.ones([6, 3]) } }),
      re(C, 'data\\.x and data\\.y must have the same number of samples; got 8 and 6\\.'),
    ],
    [
      'data key typo',
      () =>
        jr.callbacks.regularization({ regularizer: jac(), data: { x: tf.ones([8, 3]), ys: tf.ones([8, 3]) } as never }),
      re(C, "unknown option 'ys' \\(did you mean 'y'\\?\\)"),
    ],
    [
      'data y an array',
      () => jr.callbacks.regularization({ regularizer: jac(), data: { x: tf.ones([2, 3]), y: [1, 2] } as never }),
      re(C, 'data\\.y must be a tensor \\[N, \\.\\.\\.\\] with N ≥ 1 samples; got \\[1, 2\\]\\.'),
    ],
    [
      'batchSize 0',
      () => jr.callbacks.regularization({ regularizer: jac(), data: data(), batchSize: 0 }),
      re(C, 'batchSize must be an integer ≥ 1; got 0\\.'),
    ],
    [
      'batchSize with a dataset',
      () => jr.callbacks.regularization({ regularizer: jac(), data: dataset, batchSize: 8 }),
      re(C, 'batchSize is given but a dataset gives its own batches'),
    ],
    [
      'stopOnNonFinite "no"',
      () => jr.callbacks.regularization({ stopOnNonFinite: 'no' as never }),
      re(C, "stopOnNonFinite must be true or false; got 'no'\\."),
    ],
    ['seed −1', () => jr.callbacks.regularization({ seed: -1 }), re(C, 'seed must be an integer ≥ 0; got -1\\.')],
  ])('%s', (_, fn, message) => refuses(fn, message));

  it('a model without wrappers or a regularizer is legitimate (the non-finite guard): same weights as a plain fit', async () => {
    const build = () => {
      const model = tfl.sequential({
        layers: [tfl.layers.dense({ units: 2, inputShape: [3], kernelInitializer: 'ones' })],
      });
      model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
      return model;
    };
    const [x, y] = [
      x4(),
      tf.tensor2d([
        [1, 0],
        [0, 1],
        [1, 1],
        [0, 0],
      ]),
    ];
    const [plain, guarded] = [build(), build()];
    await plain.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
    const callback = jr.callbacks.regularization();
    await guarded.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0, callbacks: [callback] });
    expect(guarded.getWeights()[0].arraySync()).toEqual(plain.getWeights()[0].arraySync());
    expect([callback.skippedSteps, callback.stopReason]).toEqual([0, null]);
  });
});

describe('operators with mismatched shapes', () => {
  const wrongShapeTarget = { matvec: (v: tf.Tensor) => tf.sum(v, 1), rmatvec: (u: tf.Tensor) => tf.clone(u) };
  test.each<[string, () => unknown, RegExp]>([
    [
      'user target matvec → [B]',
      () => jr.jacobianPenalty(f, x4(), { target: wrongShapeTarget, method: 'power', iterations: 2 }),
      /jr\.userTarget: target\.matvec\(v\) must return a tensor of shape \[4, 3\] \(batch and outShape\); got shape \[4\]\./,
    ],
    [
      'user target rmatvec → [B, 1]',
      () =>
        jr.jacobianPenalty(f, x4(), {
          target: { matvec: (v: tf.Tensor) => tf.clone(v), rmatvec: (u: tf.Tensor) => tf.sum(u, 1, true) },
          iterations: 2,
        }),
      /jr\.userTarget: target\.rmatvec\(u\) must return a tensor of shape \[4, 3\] \(batch and inShape\); got shape \[4, 1\]\./,
    ],
    [
      'user target returns an array',
      () =>
        jr.jacobianPenalty(f, x4(), {
          target: { matvec: (v: tf.Tensor) => v.arraySync() as never, rmatvec: (u: tf.Tensor) => u },
          method: 'power',
          iterations: 1,
        }),
      /jr\.userTarget: target\.matvec\(v\) must return a tensor of shape \[4, 3\].*; got \[\[/,
    ],
    [
      'regularizer user target',
      () => jr.regularizers.jacobian({ target: wrongShapeTarget, method: 'power' }).penalty(f, x4()),
      /jr\.userTarget: target\.matvec\(v\) must return a tensor of shape \[4, 3\]/,
    ],
    [
      'jacobianOperator matvec v',
      () => jr.jacobianOperator(f, x4()).matvec(tf.ones([4, 2])),
      /^jr\.jacobianOperator: matvec\(v\): v must be a tensor of shape \[4, 3\] \(batch and inShape\); got shape \[4, 2\]\.$/,
    ],
    [
      'hessianOperator rmatvec u',
      () => jr.hessianOperator((z) => tf.sum(tf.square(z), 1), x4()).rmatvec(tf.ones([3, 3])),
      /^jr\.hessianOperator: rmatvec\(u\): u must be a tensor of shape \[4, 3\].*; got shape \[3, 3\]\.$/,
    ],
    [
      'jacobianOperator f a string',
      () => jr.jacobianOperator('f' as never, x4()),
      /^jr\.jacobianOperator: f must be a function .*; got 'f'\.$/,
    ],
    [
      'jacobianOperator f drops the batch',
      () => jr.jacobianOperator((z) => tf.sum(z, 0, true), x4()),
      /^jr\.jacobianOperator: f\(x\) must return a tensor \[B, \.\.\.\] with the batch size B = 4 of x; got \[1, 3\]\.$/,
    ],
    [
      'difference of other shapes',
      () => jr.difference(jr.jacobianOperator(f, x4()), identityOp(4, 2)),
      /^jr\.difference: T must have A's batch and shapes \{batchSize: 4, inShape: \[3\], outShape: \[3\]\}; got \{batchSize: 4, inShape: \[2\], outShape: \[2\]\}\.$/,
    ],
    [
      'estimateSpectralNorm operator matvec',
      () =>
        jr.estimateSpectralNorm({
          ...identityOp(),
          symmetric: false,
          rmatvec: (u: tf.Tensor) => tf.slice(u, [0, 0], [2, 2]),
        }),
      /^jr\.estimateSpectralNorm: operator\.rmatvec\(u\) must return a tensor of shape \[2, 3\].*; got shape \[2, 2\]\.$/,
    ],
    [
      'estimateSpectralNorm batchSize 0',
      () => jr.estimateSpectralNorm({ ...identityOp(), batchSize: 0 }),
      /^jr\.estimateSpectralNorm: operator\.batchSize must be an integer ≥ 1; got 0\.$/,
    ],
    [
      'estimateSpectralNorm inShape',
      () => jr.estimateSpectralNorm({ ...identityOp(), inShape: [3.5] }),
      /^jr\.estimateSpectralNorm: operator\.inShape must be an array of integers ≥ 1 .*; got \[3.5\]\.$/,
    ],
    [
      'dense of a non-operator',
      () => jr.dense({} as never),
      /^jr\.dense: operator\.batchSize must be an integer ≥ 1; got undefined\.$/,
    ],
    [
      'resolveTarget diagonal',
      () => resolveTarget('diagonal' as never),
      /^jr\.resolveTarget: target must be one of 'zero', .*; got 'diagonal'\.$/,
    ],
    [
      'userTarget without rmatvec',
      () => jr.userTarget({ matvec: (v: tf.Tensor) => v } as never),
      /^jr\.userTarget: target\.rmatvec must be a function u ↦ Tᵀu; got undefined\.$/,
    ],
    [
      'vjp u of another shape',
      () => jr.vjp(f, x4(), tf.ones([4, 1])),
      /^jr\.vjp: u must have the shape of f\(x\), \[4, 3\]; got shape \[4, 1\]\.$/,
    ],
    [
      'jvp v of another shape',
      () => jr.jvp(f, x4(), tf.ones([3])),
      /^jr\.jvp: v must have the shape of x, \[4, 3\]; got shape \[3\]\.$/,
    ],
    [
      'hvp g returns a scalar',
      () => jr.hvp((z) => tf.sum(z), x4(), tf.ones([4, 3])),
      /^jr\.hvp: g\(x\) must return one scalar per sample: shape \[4\] or \[4, 1\]; got \[\]\.$/,
    ],
    [
      'gradient s returns a vector',
      () => jr.gradient((z) => tf.sum(z, 1) as never, x4()),
      /^jr\.gradient: s\(x\) must return a scalar tensor; got \[4\]\.$/,
    ],
  ])('%s', (_, fn, message) => refuses(fn, message));
});

describe('jr.lanczos, jr.powerIteration, jr.estimateSpectralNorm options', () => {
  const apply = (q: tf.Tensor2D) => tf.mul(q, 2) as tf.Tensor2D;
  test.each<[string, () => unknown, RegExp]>([
    [
      'lanczos steps 0',
      () => jr.lanczos(apply, start(), { steps: 0 }),
      /^jr\.lanczos: steps must be an integer ≥ 1; got 0\.$/,
    ],
    [
      'lanczos steps 2.5',
      () => jr.lanczos(apply, start(), { steps: 2.5 }),
      /^jr\.lanczos: steps must be an integer ≥ 1; got 2.5\.$/,
    ],
    [
      'lanczos no options',
      () => jr.lanczos(apply, start(), undefined as never),
      /^jr\.lanczos: steps must be an integer ≥ 1; got undefined\.$/,
    ],
    [
      'lanczos typo wich',
      () => jr.lanczos(apply, start(), { steps: 2, wich: 'largest' } as never),
      /^jr\.lanczos: unknown option 'wich' \(did you mean 'which'\?\); known options: steps, reorthogonalize, tol, breakdownTol, which\.$/,
    ],
    [
      'lanczos which smallest',
      () => jr.lanczos(apply, start(), { steps: 2, which: 'smallest' as never }),
      /^jr\.lanczos: which must be one of 'largest', 'largestMagnitude'; got 'smallest'\.$/,
    ],
    [
      'lanczos tol −1',
      () => jr.lanczos(apply, start(), { steps: 2, tol: -1 }),
      /^jr\.lanczos: tol must be a finite number ≥ 0; got -1\.$/,
    ],
    [
      'lanczos breakdownTol NaN',
      () => jr.lanczos(apply, start(), { steps: 2, breakdownTol: NaN }),
      /^jr\.lanczos: breakdownTol must be a finite number ≥ 0; got NaN\.$/,
    ],
    [
      'lanczos start rank 1',
      () => jr.lanczos(apply, tf.ones([3]) as never, { steps: 2 }),
      /^jr\.lanczos: start must be a non-empty tensor \[B, d\] .*; got \[3\]\.$/,
    ],
    [
      'lanczos apply of another shape',
      () => jr.lanczos((q) => tf.slice(q, [0, 0], [2, 2]), start(), { steps: 2 }),
      /^jr\.lanczos: apply\(q\) must return a tensor of shape \[2, 3\] \(the start's shape\); got shape \[2, 2\]\.$/,
    ],
    [
      'powerIteration steps 0',
      () => jr.powerIteration(apply, start(), { steps: 0 }),
      /^jr\.powerIteration: steps must be an integer ≥ 1; got 0\.$/,
    ],
    [
      'powerIteration steps Infinity',
      () => jr.powerIteration(apply, start(), { steps: Infinity }),
      /^jr\.powerIteration: steps must be an integer ≥ 1; got Infinity\.$/,
    ],
    [
      'powerIteration apply not a function',
      () => jr.powerIteration(3 as never, start(), { steps: 2 }),
      /^jr\.powerIteration: apply must be a function .*; got 3\.$/,
    ],
    [
      'estimate typo iteratons',
      () => jr.estimateSpectralNorm(identityOp(), { iteratons: 3 } as never),
      /^jr\.estimateSpectralNorm: unknown option 'iteratons' \(did you mean 'iterations'\?\)/,
    ],
    [
      'estimate method svd',
      () => jr.estimateSpectralNorm(identityOp(), { method: 'svd' as never }),
      /^jr\.estimateSpectralNorm: method must be one of 'lanczos', 'power', 'hutchinson', 'exact'; got 'svd'\.$/,
    ],
    [
      'estimate iterations 0',
      () => jr.estimateSpectralNorm(identityOp(), { iterations: 0 }),
      /^jr\.estimateSpectralNorm: iterations must be an integer ≥ 1; got 0\.$/,
    ],
    [
      'estimate tol −1',
      () => jr.estimateSpectralNorm(identityOp(), { tol: -1 }),
      /^jr\.estimateSpectralNorm: tol must be a finite number ≥ 0; got -1\.$/,
    ],
    [
      'estimate seed 0.5',
      () => jr.estimateSpectralNorm(identityOp(), { seed: 0.5 }),
      /^jr\.estimateSpectralNorm: seed must be an integer or undefined; got 0.5\.$/,
    ],
    [
      'estimate reorthogonalize 1',
      () => jr.estimateSpectralNorm(identityOp(), { reorthogonalize: 1 as never }),
      /^jr\.estimateSpectralNorm: reorthogonalize must be true or false; got 1\.$/,
    ],
    [
      'jacobianPenalty typo bund',
      () => jr.jacobianPenalty(f, x4(), { bund: 1 } as never),
      /^jr\.jacobianPenalty: unknown option 'bund' \(did you mean 'bound'\?\)/,
    ],
    [
      'jacobianPenalty hutchinson typo',
      () => jr.jacobianPenalty(f, x4(), { method: 'hutchinson', iteratons: 2 } as never),
      /^jr\.jacobianPenalty: unknown option 'iteratons'/,
    ],
    [
      'hessianPenalty squared 1',
      () => jr.hessianPenalty((z: tf.Tensor) => tf.sum(tf.square(z), 1), x4(), { squared: 1 as never }),
      /^jr\.hessianPenalty: squared must be true or false; got 1\.$/,
    ],
    [
      'jacobianPenalty iterations 0',
      () => jr.jacobianPenalty(f, x4(), { iterations: 0 }),
      /^jr\.jacobianPenalty: iterations must be an integer ≥ 1; got 0\.$/,
    ],
    [
      'randomProjections count 0',
      () => randomProjections(identityOp(), 0),
      /^jr\.randomProjections: count must be an integer ≥ 1; got 0\.$/,
    ],
  ])('%s', (_, fn, message) => refuses(fn, message));
});

describe('non-finite batches never reach the weights', () => {
  it('weightedPenalty of a batch with NaN: the loss is exactly 0 and the value NaN', () => {
    const x = tf.tensor2d([
      [1, NaN, 3],
      [0, 1, 0],
    ]);
    const square = (z: tf.Tensor) => tf.mul(z, z); // J = diag(2x): NaN where x is
    const { loss, value } = jr.regularizers.jacobian({ weight: 1, method: 'power' }).weightedPenalty(square, x);
    expect([loss.dataSync()[0], value]).toEqual([0, NaN]);
    tf.dispose([x, loss]);
  });

  it('a NaN penalty with a finite loss: the weights move exactly as without the regularizer', async () => {
    const nanTarget = { matvec: (v: tf.Tensor) => tf.mul(v, NaN), rmatvec: (u: tf.Tensor) => tf.mul(u, NaN) };
    const build = (wrapped: boolean) => {
      const layer = tfl.layers.dense({
        units: 3,
        inputShape: [3],
        kernelInitializer: 'ones',
        biasInitializer: 'zeros',
      });
      const regularizers = jr.regularizers.jacobian({
        weight: 1,
        method: 'hutchinson',
        iterations: 2,
        target: nanTarget,
      });
      const model = tfl.sequential({ layers: [wrapped ? jr.layers.regularized({ layer, regularizers }) : layer] });
      model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
      return model;
    };
    const [x, y] = [x4(), tf.ones([4, 3])];
    const [plain, wrapped] = [build(false), build(true)];
    await plain.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
    await wrapped.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
    const wrapper = wrapped.layers[0] as jr.Regularized;
    expect([wrapper.evaluations[0], wrapper.nonFinite[0]]).toEqual([1, 1]);
    const [a, b] = [plain.getWeights()[0].dataSync(), wrapped.getWeights()[0].dataSync()];
    expect(Array.from(b).every((w) => Number.isFinite(w))).toBe(true);
    b.forEach((w, i) => expect(w).toBeCloseTo(a[i], 6));
  });

  it('NaN in x with the callback: the step is skipped and the weights stay as they were', async () => {
    const model = tfl.sequential({
      layers: [
        jr.layers.regularized({
          layer: tfl.layers.dense({ units: 3, inputShape: [3], kernelInitializer: 'ones' }),
          regularizers: jr.regularizers.jacobian(0.1),
        }),
      ],
    });
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const before = model.getWeights().map((w) => Array.from(w.dataSync()));
    const callback = jr.callbacks.regularization();
    await model.fit(
      tf.tensor2d([
        [1, NaN, 0],
        [0, 1, 2],
      ]),
      tf.ones([2, 3]),
      { epochs: 1, batchSize: 2, verbose: 0, callbacks: [callback] },
    );
    expect(model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before);
    expect(callback.skippedSteps).toBe(1);
    expect(callback.stopReason).toMatch(/non-finite gradients and were skipped/);
  });
});
