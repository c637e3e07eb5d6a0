/**
 * 2nd- and 3rd-order weight gradients through every built-in tfjs-layers layer an image or tabular model uses,
 * checked against central finite differences of the penalties
 *   P(W) = Σ‖Jᵀu‖²  (Jᵀu = ∇ₓ Σ f(x)·u)   and   Q(W) = Σ‖Hv‖²  (H = ∇ₓ² Σ f(x)·c).
 * Each model is tiny and seeded; a tanh dense head makes the curvature non-trivial for piecewise-linear layers.
 * Order 1 (Jᵀu against differences over x) guards the first-order kernels the fixes replace: P's own value is
 * built from them, so a wrong first-order kernel would otherwise go unnoticed.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { applyGradientFixes } from '../src/autodiff/gradient_fixes';
import {
  autodiffGrad,
  finiteDiffGrad,
  hessianPenalty,
  jacobianPenalty,
  jacobianTransposeProduct,
  relError,
  seededNormal,
  trainableVariables,
} from './helpers/gradcheck';

applyGradientFixes();

const H = 5e-3;
const TOL = 0.03;

const init = (seed: number, stddev = 0.5) => tfl.initializers.randomNormal({ mean: 0, stddev, seed });
const posInit = (seed: number) => tfl.initializers.randomUniform({ minval: 0.5, maxval: 1.5, seed });

/** Dense layer with seeded non-trivial kernel and bias. */
function dense(units: number, seed: number, activation = 'tanh', inputShape?: number[]): tfl.layers.Layer {
  return tfl.layers.dense({
    units,
    activation: activation as 'tanh',
    inputShape,
    kernelInitializer: init(seed),
    biasInitializer: init(seed + 1, 0.3),
  });
}

/** Flatten → dense(2, tanh): the head every case ends with. */
const head = (seed: number): tfl.layers.Layer[] => [tfl.layers.flatten(), dense(2, seed)];

const convInit = (seed: number) => ({ kernelInitializer: init(seed), biasInitializer: init(seed + 1, 0.3) });

interface Case {
  name: string;
  inputShape: number[];
  layers: () => tfl.layers.Layer[];
}

const CASES: Case[] = [
  { name: 'dense', inputShape: [3], layers: () => [dense(4, 1, 'tanh', [3]), dense(2, 3)] },
  {
    name: 'conv1d',
    inputShape: [5, 2],
    layers: () => [
      tfl.layers.conv1d({ filters: 2, kernelSize: 3, activation: 'tanh', inputShape: [5, 2], ...convInit(1) }),
      ...head(3),
    ],
  },
  {
    name: 'conv2d (same)',
    inputShape: [4, 4, 1],
    layers: () => [
      tfl.layers.conv2d({
        filters: 2,
        kernelSize: 3,
        padding: 'same',
        activation: 'tanh',
        inputShape: [4, 4, 1],
        ...convInit(1),
      }),
      ...head(3),
    ],
  },
  {
    name: 'conv2d (valid, stride 2)',
    inputShape: [5, 5, 1],
    layers: () => [
      tfl.layers.conv2d({
        filters: 2,
        kernelSize: 3,
        strides: 2,
        activation: 'tanh',
        inputShape: [5, 5, 1],
        ...convInit(1),
      }),
      ...head(3),
    ],
  },
  {
    name: 'depthwiseConv2d',
    inputShape: [4, 4, 2],
    layers: () => [
      tfl.layers.depthwiseConv2d({
        kernelSize: 3,
        depthMultiplier: 2,
        padding: 'same',
        activation: 'tanh',
        inputShape: [4, 4, 2],
        depthwiseInitializer: init(1),
        biasInitializer: init(2, 0.3),
      }),
      ...head(3),
    ],
  },
  {
    name: 'separableConv2d',
    inputShape: [4, 4, 2],
    layers: () => [
      tfl.layers.separableConv2d({
        filters: 2,
        kernelSize: 3,
        activation: 'tanh',
        inputShape: [4, 4, 2],
        depthwiseInitializer: init(1),
        pointwiseInitializer: init(2),
        biasInitializer: init(3, 0.3),
      }),
      ...head(4),
    ],
  },
  {
    name: 'conv2dTranspose',
    inputShape: [2, 2, 2],
    layers: () => [
      tfl.layers.conv2dTranspose({
        filters: 1,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        activation: 'tanh',
        inputShape: [2, 2, 2],
        ...convInit(1),
      }),
      ...head(3),
    ],
  },
  {
    name: 'maxPooling1d',
    inputShape: [4, 2],
    layers: () => [dense(2, 1, 'tanh', [4, 2]), tfl.layers.maxPooling1d({ poolSize: 2 }), ...head(3)],
  },
  {
    name: 'maxPooling2d',
    inputShape: [4, 4, 1],
    layers: () => [dense(2, 1, 'tanh', [4, 4, 1]), tfl.layers.maxPooling2d({ poolSize: 2 }), ...head(3)],
  },
  {
    name: 'maxPooling2d (3x3, stride 2, same)',
    inputShape: [4, 4, 1],
    layers: () => [
      dense(2, 1, 'tanh', [4, 4, 1]),
      tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
      ...head(3),
    ],
  },
  {
    name: 'averagePooling1d',
    inputShape: [4, 2],
    layers: () => [dense(2, 1, 'tanh', [4, 2]), tfl.layers.averagePooling1d({ poolSize: 2 }), ...head(3)],
  },
  {
    name: 'averagePooling2d',
    inputShape: [4, 4, 1],
    layers: () => [dense(2, 1, 'tanh', [4, 4, 1]), tfl.layers.averagePooling2d({ poolSize: 2 }), ...head(3)],
  },
  {
    name: 'averagePooling2d (3x3, stride 2, same)',
    inputShape: [4, 4, 1],
    layers: () => [
      dense(2, 1, 'tanh', [4, 4, 1]),
      tfl.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
      ...head(3),
    ],
  },
  {
    name: 'globalAveragePooling2d',
    inputShape: [3, 3, 2],
    layers: () => [dense(3, 1, 'tanh', [3, 3, 2]), tfl.layers.globalAveragePooling2d({}), dense(2, 3)],
  },
  {
    name: 'globalMaxPooling2d',
    inputShape: [3, 3, 2],
    layers: () => [dense(3, 1, 'tanh', [3, 3, 2]), tfl.layers.globalMaxPooling2d({}), dense(2, 3)],
  },
  {
    name: 'batchNormalization (inference)',
    inputShape: [3],
    layers: () => [
      dense(4, 1, 'linear', [3]),
      tfl.layers.batchNormalization({
        gammaInitializer: posInit(5),
        betaInitializer: init(6, 0.3),
        movingMeanInitializer: init(7, 0.3),
        movingVarianceInitializer: posInit(8),
      }),
      dense(2, 3),
    ],
  },
  {
    name: 'layerNormalization',
    inputShape: [3],
    layers: () => [
      dense(4, 1, 'linear', [3]),
      tfl.layers.layerNormalization({
        gammaInitializer: posInit(5),
        betaInitializer: init(6, 0.3),
      }),
      dense(2, 3),
    ],
  },
  {
    name: 'dropout (inference)',
    inputShape: [3],
    layers: () => [dense(4, 1, 'tanh', [3]), tfl.layers.dropout({ rate: 0.5, seed: 1 }), dense(2, 3)],
  },
  {
    name: 'flatten',
    inputShape: [3, 2],
    layers: () => [dense(2, 1, 'tanh', [3, 2]), ...head(3)],
  },
  {
    name: 'reshape',
    inputShape: [3],
    layers: () => [dense(6, 1, 'tanh', [3]), tfl.layers.reshape({ targetShape: [2, 3] }), dense(2, 3)],
  },
  {
    name: 'upSampling2d (nearest)',
    inputShape: [2, 3, 1],
    layers: () => [dense(2, 1, 'tanh', [2, 3, 1]), tfl.layers.upSampling2d({ size: [2, 2] }), ...head(3)],
  },
  {
    // Square input: the tfjs 4.22 cpu ResizeBilinearGrad mixes up height and width for non-square images.
    name: 'upSampling2d (bilinear, square)',
    inputShape: [2, 2, 1],
    layers: () => [
      dense(2, 1, 'tanh', [2, 2, 1]),
      tfl.layers.upSampling2d({ size: [2, 2], interpolation: 'bilinear' }),
      ...head(3),
    ],
  },
  {
    name: 'leakyReLU',
    inputShape: [3],
    layers: () => [dense(4, 1, 'linear', [3]), tfl.layers.leakyReLU({ alpha: 0.2 }), dense(2, 3)],
  },
  {
    name: 'prelu',
    inputShape: [3],
    layers: () => [dense(4, 1, 'linear', [3]), tfl.layers.prelu({ alphaInitializer: posInit(5) }), dense(2, 3)],
  },
];

describe.each(CASES)('layer $name', ({ inputShape, layers }) => {
  let model: tfl.Sequential;
  let x: tf.Tensor;
  let f: (xx: tf.Tensor) => tf.Tensor;
  beforeAll(() => {
    model = tfl.sequential({ layers: layers() });
    x = seededNormal([2, ...inputShape], 17);
    f = (xx) => model.apply(xx, { training: false }) as tf.Tensor;
  });
  afterAll(() => {
    model.dispose();
    x.dispose();
  });

  it('order 1: Jᵀu matches finite differences over x (catches wrong stock first-order kernels)', () => {
    const err = tf.tidy(() => {
      const outShape = (model.outputs[0].shape as number[]).slice(1);
      const u = seededNormal([2, ...outShape], 23);
      const xv = tf.variable(x);
      const fd = finiteDiffGrad(() => tf.sum(tf.mul(f(xv), u)) as tf.Scalar, [xv], H);
      const ad = jacobianTransposeProduct(f, x, u).dataSync();
      xv.dispose();
      return relError(ad, fd, 1e-5);
    });
    expect(err).toBeLessThan(TOL);
  });

  it.each([2, 3] as const)('order %i: d/dW of the penalty matches finite differences', (order) => {
    const err = tf.tidy(() => {
      const outShape = (model.outputs[0].shape as number[]).slice(1);
      const u = seededNormal([2, ...outShape], 23);
      const v = seededNormal(x.shape, 29);
      const penalty = () => (order === 2 ? jacobianPenalty(f, x, u) : hessianPenalty(f, x, u, v));
      const vars = trainableVariables(model);
      return relError(autodiffGrad(penalty, vars), finiteDiffGrad(penalty, vars, H), 1e-5);
    });
    expect(err).toBeLessThan(TOL);
  });
});
