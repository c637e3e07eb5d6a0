/**
 * Higher-order gradients through every built-in tfjs-layers activation, checked against central finite
 * differences; plus idempotence, memory, the stock-gradient failure the fixes address, and direct kernel checks.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { applyGradientFixes, GRADIENT_FIXES } from '../src/autodiff/gradient_fixes';
import {
  autodiffGrad,
  finiteDiffGrad,
  hessianPenalty,
  jacobianPenalty,
  norm,
  relError,
  seededNormal,
  trainableVariables,
} from './helpers/gradcheck';

// The stock configs, captured before the fixes replace them (tfjs-layers' import registered them).
const STOCK = { Tanh: tf.getGradient('Tanh')!, Sigmoid: tf.getGradient('Sigmoid')! };
applyGradientFixes();

const H = 5e-3;
const TOL = 0.03;

const init = (seed: number, stddev = 0.6) => tfl.initializers.randomNormal({ mean: 0, stddev, seed });

/** Tiny model: dense(4, activation) → dense(2, linear); input dim 3. */
function activationModel(activation: string, seed: number): tfl.Sequential {
  return tfl.sequential({
    layers: [
      tfl.layers.dense({
        units: 4,
        inputShape: [3],
        activation: activation as 'relu',
        kernelInitializer: init(seed),
        biasInitializer: init(seed + 1, 0.3),
      }),
      tfl.layers.dense({ units: 2, kernelInitializer: init(seed + 2), biasInitializer: init(seed + 3, 0.3) }),
    ],
  });
}

/** The weight-space penalty of `order` (P = Σ‖Jᵀu‖² or Q = Σ‖Hv‖²) of a model at x, with seeded probes. */
function penaltyOf(model: tfl.LayersModel, order: 2 | 3, x: tf.Tensor, seed: number): () => tf.Scalar {
  const outShape = (model.outputs[0].shape as number[]).slice(1);
  const u = seededNormal([x.shape[0], ...outShape], seed + 100);
  const v = seededNormal(x.shape, seed + 200);
  const f = (xx: tf.Tensor) => model.apply(xx, { training: false }) as tf.Tensor;
  return () => (order === 2 ? jacobianPenalty(f, x, u) : hessianPenalty(f, x, u, v));
}

/** Relative error between the autodiff and central-difference gradients of the penalty w.r.t. all weights. */
function checkPenalty(model: tfl.LayersModel, order: 2 | 3, x: tf.Tensor, seed: number): number {
  return tf.tidy(() => {
    const penalty = penaltyOf(model, order, x, seed);
    const vars = trainableVariables(model);
    return relError(autodiffGrad(penalty, vars), finiteDiffGrad(penalty, vars, H), 1e-5);
  });
}

// tfjs-layers 4.22 activation identifiers (`gelu_new` is the tanh approximation). `logSoftmax` is built in too,
// but tf.logSoftmax is a customGrad op that saves its output: it cannot be fixed and must refuse (tested below).
const ACTIVATIONS = [
  'relu',
  'relu6',
  'elu',
  'selu',
  'tanh',
  'sigmoid',
  'hardSigmoid',
  'softmax',
  'softplus',
  'softsign',
  'swish',
  'gelu',
  'gelu_new',
  'mish',
  'linear',
];

describe('stock tfjs gradients (before the fixes) fail the same check', () => {
  /**
   * Autodiff with the stock gradient registered vs central differences of the true penalty (fixed gradients: at
   * 3rd order the penalty value itself contains a Hessian, which the stock gradients get wrong too).
   */
  function stockVsFixed(kernel: 'Tanh' | 'Sigmoid', order: 2 | 3) {
    const fixed = tf.getGradient(kernel)!;
    const model = activationModel(kernel.toLowerCase(), 11);
    const x = seededNormal([2, 3], 7);
    const penalty = penaltyOf(model, order, x, 7);
    const vars = trainableVariables(model);
    const value = () => tf.tidy(() => penalty().dataSync()[0]);
    try {
      const fd = finiteDiffGrad(penalty, vars, H);
      const fixedAd = autodiffGrad(penalty, vars);
      const fixedValue = value();
      tf.registerGradient(STOCK[kernel]);
      let stockErr: number | string;
      let stockValue: number | string;
      try {
        stockErr = relError(autodiffGrad(penalty, vars), fd, 1e-5);
      } catch (e) {
        stockErr = (e as Error).message;
      }
      try {
        stockValue = value();
      } catch (e) {
        stockValue = (e as Error).message;
      }
      return { order, fixedValue, stockValue, fixedErr: relError(fixedAd, fd, 1e-5), stockErr, gradNorm: norm(fd) };
    } finally {
      tf.registerGradient(fixed);
      x.dispose();
      model.dispose();
    }
  }

  it.each(['Tanh', 'Sigmoid'] as const)('%s', (kernel) => {
    const report = ([2, 3] as const).map((order) => stockVsFixed(kernel, order));
    console.log(`${kernel}: d/dW penalty vs central differences\n${JSON.stringify(report, null, 1)}`);
    for (const { stockErr, fixedErr } of report) {
      if (typeof stockErr === 'number') expect(stockErr).toBeGreaterThan(3 * TOL);
      expect(fixedErr).toBeLessThan(TOL);
    }
  });
});

describe.each(ACTIVATIONS)('activation %s', (activation) => {
  let model: tfl.Sequential;
  let x: tf.Tensor;
  beforeAll(() => {
    model = activationModel(activation, 21);
    x = seededNormal([2, 3], 5);
  });
  afterAll(() => {
    model.dispose();
    x.dispose();
  });

  it.each([2, 3] as const)('order %i matches finite differences', (order) => {
    const err = checkPenalty(model, order, x, 5);
    expect(err).toBeLessThan(TOL);
  });
});

describe('activation logSoftmax (tf.logSoftmax is a customGrad op)', () => {
  it.each([2, 3] as const)('order %i throws an error naming tf.logSoftmax', (order) => {
    const model = activationModel('logSoftmax', 21);
    const x = seededNormal([2, 3], 5);
    expect(() => checkPenalty(model, order, x, 5)).toThrow(/tf\.logSoftmax/);
    x.dispose();
    model.dispose();
  });

  it('still has correct first-order gradients', () => {
    const x = seededNormal([2, 4], 1);
    const w = seededNormal([2, 4], 2);
    const g = tf.grad((xx) => tf.sum(tf.mul(tf.logSoftmax(xx), w)))(x);
    const p = tf.softmax(x);
    const expected = tf.sub(w, tf.mul(tf.sum(w, -1, true), p));
    expect(relError(g.dataSync(), expected.dataSync())).toBeLessThan(1e-5);
    tf.dispose([x, w, g, p, expected]);
  });
});

describe('applyGradientFixes', () => {
  it('is idempotent and registers every listed kernel', () => {
    const before = GRADIENT_FIXES.map((k) => tf.getGradient(k));
    applyGradientFixes();
    applyGradientFixes();
    expect(GRADIENT_FIXES.map((k) => tf.getGradient(k))).toEqual(before);
    expect(before.every((c) => c != null)).toBe(true);
    for (const k of [
      'Tanh',
      'Sigmoid',
      'Exp',
      'Softmax',
      'LogSoftmax',
      'Elu',
      'MaxPool',
      'Max',
      'Min',
      'Pow',
      'LRN',
      'MaxPool3D',
    ]) {
      expect(tf.getGradient(k)!.outputsToSave).toBeUndefined();
    }
  });

  it('leaks no tensors through a 3rd-order penalty gradient', () => {
    const model = activationModel('tanh', 31);
    const vars = trainableVariables(model);
    const x = seededNormal([2, 3], 3);
    const c = seededNormal([2, 2], 4);
    const v = seededNormal([2, 3], 5);
    const f = (xx: tf.Tensor) => model.apply(xx) as tf.Tensor;
    tf.tidy(() => tf.variableGrads(() => hessianPenalty(f, x, c, v), vars)); // warm-up
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => hessianPenalty(f, x, c, v), vars);
      tf.dispose([value, ...Object.values(grads)]);
    });
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, c, v]);
    model.dispose();
  });
});

describe('kernels outside the layer matrix', () => {
  /** FD check of d/dW Σ‖∇ₓ Σ g(x, W)·u‖² for a raw op g. */
  function checkRawOp(g: (x: tf.Tensor, w: tf.Variable) => tf.Tensor, x: tf.Tensor, w: tf.Variable, seed: number) {
    const u = seededNormal(g(x, w).shape, seed);
    const penalty = () => jacobianPenalty((xx) => g(xx, w), x, u);
    const err = relError(autodiffGrad(penalty, [w]), finiteDiffGrad(penalty, [w], H), 1e-5);
    u.dispose();
    return err;
  }

  it('LRN at 2nd order', () => {
    const x = seededNormal([1, 2, 2, 5], 1);
    const w = tf.variable(seededNormal([5, 5], 2, 0.5));
    const g = (xx: tf.Tensor, ww: tf.Variable) =>
      tf.localResponseNormalization(
        tf.reshape(tf.matMul(tf.reshape(xx, [-1, 5]), ww), [1, 2, 2, 5]) as tf.Tensor4D,
        1,
        1,
        0.5,
        0.75,
      );
    expect(checkRawOp(g, x, w, 3)).toBeLessThan(TOL);
    tf.dispose([x, w]);
  });

  it('Exp, Pow, Max and Min at 2nd order', () => {
    const x = seededNormal([2, 3], 1);
    const w = tf.variable(seededNormal([3, 4], 2, 0.5));
    const g = (xx: tf.Tensor, ww: tf.Variable) => {
      const z = tf.matMul(xx, ww);
      return tf.stack(
        [
          tf.sum(tf.exp(z), 1),
          tf.max(tf.sin(z), 1),
          tf.min(tf.cos(z), 1),
          tf.sum(tf.pow(tf.add(tf.square(z), 1), 1.5), 1),
        ],
        1,
      );
    };
    expect(checkRawOp(g, x, w, 3)).toBeLessThan(TOL);
    tf.dispose([x, w]);
  });

  it('Conv2DBackpropFilter and DepthwiseConv2dNativeBackpropFilter at 2nd order (weight-gradient penalties)', () => {
    // d/dx of ‖∂L/∂W‖² runs through the backprop-filter kernels, then d/dW of that through their gradients.
    const x = tf.variable(seededNormal([1, 4, 4, 2], 1));
    const w = tf.variable(seededNormal([3, 3, 2, 2], 2, 0.5));
    const dw = tf.variable(seededNormal([3, 3, 2, 1], 3, 0.5));
    const loss = (ww: tf.Tensor, dd: tf.Tensor) =>
      tf.sum(
        tf.tanh(
          tf.add(
            tf.conv2d(x as tf.Tensor4D, ww as tf.Tensor4D, 1, 'same'),
            tf.depthwiseConv2d(x as tf.Tensor4D, dd as tf.Tensor4D, 1, 'same'),
          ),
        ),
      );
    const penalty = () => {
      const [gw, gd] = tf.grads((ww: tf.Tensor, dd: tf.Tensor) => loss(ww, dd))([w, dw]);
      return tf.add(tf.sum(tf.square(gw)), tf.sum(tf.square(gd))) as tf.Scalar;
    };
    const vars = [x, w, dw];
    expect(relError(autodiffGrad(penalty, vars), finiteDiffGrad(penalty, vars, H), 1e-5)).toBeLessThan(TOL);
    tf.dispose(vars);
  });

  it('tf.losses.softmaxCrossEntropy: first order unchanged, refuses 2nd order naming the op', () => {
    const labels = tf.softmax(seededNormal([2, 3], 1));
    const logits = seededNormal([2, 3], 2);
    const loss = (z: tf.Tensor) => tf.losses.softmaxCrossEntropy(labels, z) as tf.Scalar;
    const g = tf.grad(loss)(logits);
    const expected = tf.div(tf.sub(tf.softmax(logits), labels), 2); // mean over the batch of 2
    expect(relError(g.dataSync(), expected.dataSync())).toBeLessThan(1e-5);
    const w = tf.variable(tf.scalar(1.3));
    expect(() =>
      tf.variableGrads(() => tf.sum(tf.square(tf.grad((z: tf.Tensor) => loss(tf.mul(z, w)))(logits))), [w]),
    ).toThrow(/tf\.losses\.softmaxCrossEntropy/);
    tf.dispose([labels, logits, g, expected, w]);
  });

  it('refuses 2nd order through MaxPool3D with an error naming the op', () => {
    const x = seededNormal([1, 2, 2, 2, 1], 1);
    const w = tf.variable(tf.scalar(0.7));
    const g = (xx: tf.Tensor, ww: tf.Variable) => tf.maxPool3d(tf.mul(xx, ww) as tf.Tensor5D, 2, 1, 'valid');
    expect(() => checkRawOp(g, x, w, 3)).toThrow(/tfjs-jacobian-reg: cannot differentiate MaxPool3DGrad/);
    tf.dispose([x, w]);
  });
});
