/**
 * Higher-order gradients through every built-in tfjs-layers activation and the layers around them (dense, dropout,
 * flatten, reshape, leakyReLU, prelu), checked against central finite differences on each backend; and the stock
 * Tanh / Sigmoid gradients failing the same check (src/autodiff/gradients/activations.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { applyGradientFixes, removeGradientFixes } from '../../../src/autodiff/gradients/index';
import { describeEachBackend } from '../../helpers/backends';
import { H, TOL, activationModel, checkPenalty, penaltyOf } from '../../helpers/fix_checks';
import {
  autodiffGrad,
  finiteDiffGrad,
  norm,
  relError,
  seededNormal,
  trainableVariables,
} from '../../helpers/gradcheck';
import { LayerCase, describeLayerCases, head } from '../../helpers/layer_cases';
import { dense, posInit } from '../../helpers/layer_matrix';

// The stock configs (tfjs-layers' import registered them; the package's import replaced them).
removeGradientFixes();
const STOCK = { Tanh: tf.getGradient('Tanh')!, Sigmoid: tf.getGradient('Sigmoid')! };
applyGradientFixes();

// tfjs-layers 4.22 activation identifiers (`gelu_new` is the tanh approximation). `logSoftmax` is built in too,
// but tf.logSoftmax is a customGrad op that saves its output: it cannot be fixed and must refuse (losses.test.ts).
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

describeEachBackend('stock tfjs gradients (before the fixes) fail the same check', () => {
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

describeEachBackend('activations', () => {
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
});

const LAYER_CASES: LayerCase[] = [
  { name: 'dense', inputShape: [3], layers: () => [dense(4, 1, 'tanh', [3]), dense(2, 3)] },
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

describeLayerCases('dense, activation and shape layers', LAYER_CASES);
