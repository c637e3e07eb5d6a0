/**
 * The gradient-fix registry (src/autodiff/gradients/index.ts): GRADIENT_FIXES lists every family's kernels once;
 * applyGradientFixes() registers them idempotently and leaks nothing; removeGradientFixes() puts the stock tfjs
 * gradients back (a third derivative through tanh is wrong again, as in stock tfjs 4.22, against its closed form)
 * and applyGradientFixes() corrects it again.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ACTIVATION_GRADIENTS } from '../../../src/autodiff/gradients/activations';
import { CONVOLUTION_GRADIENTS } from '../../../src/autodiff/gradients/convolution';
import { GRADIENT_FIXES, applyGradientFixes, removeGradientFixes } from '../../../src/autodiff/gradients/index';
import { LOSS_GRADIENTS } from '../../../src/autodiff/gradients/losses';
import { MATH_GRADIENTS } from '../../../src/autodiff/gradients/math';
import { NORMALIZATION_GRADIENTS } from '../../../src/autodiff/gradients/normalization';
import { POOLING_GRADIENTS } from '../../../src/autodiff/gradients/pooling';
import { PREDICATE_GRADIENTS } from '../../../src/autodiff/gradients/predicates';
import { RESIZE_GRADIENTS } from '../../../src/autodiff/gradients/resize';
import { describeEachBackend } from '../../helpers/backends';
import { activationModel } from '../../helpers/fix_checks';
import { hessianPenalty, relError, seededNormal, trainableVariables } from '../../helpers/gradcheck';

const FAMILIES: { [family: string]: readonly tf.GradConfig[] } = {
  activations: ACTIVATION_GRADIENTS,
  math: MATH_GRADIENTS,
  pooling: POOLING_GRADIENTS,
  normalization: NORMALIZATION_GRADIENTS,
  resize: RESIZE_GRADIENTS,
  convolution: CONVOLUTION_GRADIENTS,
  losses: LOSS_GRADIENTS,
  predicates: PREDICATE_GRADIENTS,
};

/** The kernels of each family, as docs/GRADIENT-FIXES.md lists them. */
const EXPECTED: { [family: string]: string[] } = {
  activations: ['Tanh', 'Sigmoid', 'Exp', 'Elu', 'Softmax', 'LogSoftmax', 'EluGrad'],
  math: ['Pow', 'Max', 'Min'],
  pooling: ['MaxPool', 'MaxPool3D', 'AvgPool', 'MaxPoolGrad', 'AvgPoolGrad', 'MaxPool3DGrad', 'AvgPool3DGrad'],
  normalization: ['LRN'],
  resize: ['ResizeNearestNeighbor', 'ResizeBilinear', 'ResizeNearestNeighborGrad', 'ResizeBilinearGrad'],
  convolution: [
    'DepthwiseConv2dNativeBackpropInput',
    'DepthwiseConv2dNativeBackpropFilter',
    'Conv2DBackpropFilter',
    'Conv3DBackpropInputV2',
    'Conv3DBackpropFilterV2',
  ],
  losses: ['logSoftmax__op', 'softmaxCrossEntropy__op'],
  predicates: [
    'Greater',
    'Less',
    'LessEqual',
    'Equal',
    'NotEqual',
    'LogicalAnd',
    'LogicalOr',
    'LogicalXor',
    'LogicalNot',
    'Any',
    'All',
  ],
};

/** Kernels tfjs 4.22 has no gradient for: the fixes add one, removing them leaves none. */
const ADDED = ['EluGrad', 'MaxPoolGrad', 'AvgPoolGrad', 'ResizeBilinearGrad', 'Conv2DBackpropFilter', 'Greater', 'Any'];

/** g(x) = Σ tanh(x) + x⁴/24 and, elementwise, g''' = tanh'''(x) + x = −2(1 − t²)(1 − 3t²) + x with t = tanh(x). */
const g = (x: tf.Tensor) => tf.sum(tf.add(tf.tanh(x), tf.div(tf.pow(x, 4), 24))) as tf.Scalar;
const closedForm = (x: number) => {
  const t = Math.tanh(x);
  return -2 * (1 - t * t) * (1 - 3 * t * t) + x;
};
/** g''' by nested autodiff (g is a sum of elementwise terms, so each grad of a sum is elementwise). */
function thirdDerivative(x: tf.Tensor): Float32Array {
  return tf.tidy(() => {
    const d1 = tf.grad(g);
    const d2 = tf.grad((xx: tf.Tensor) => tf.sum(d1(xx)) as tf.Scalar);
    const d3 = tf.grad((xx: tf.Tensor) => tf.sum(d2(xx)) as tf.Scalar);
    return d3(x).dataSync() as Float32Array;
  });
}

describe('GRADIENT_FIXES', () => {
  it("lists each family's kernels exactly once", () => {
    expect(new Set(GRADIENT_FIXES).size).toBe(GRADIENT_FIXES.length);
    const fromFamilies = Object.values(FAMILIES).flatMap((family) => family.map((c) => c.kernelName));
    expect([...GRADIENT_FIXES].sort()).toEqual([...fromFamilies].sort());
    for (const [name, family] of Object.entries(FAMILIES)) {
      expect([name, family.map((c) => c.kernelName)]).toEqual([name, EXPECTED[name]]);
    }
    expect(GRADIENT_FIXES.length).toBe(40);
  });

  it("registers each family's config under its kernel name", () => {
    for (const family of Object.values(FAMILIES)) for (const c of family) expect(tf.getGradient(c.kernelName)).toBe(c);
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
});

describeEachBackend('applyGradientFixes (memory)', () => {
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

describe('removeGradientFixes', () => {
  afterEach(() => applyGradientFixes());

  it('puts the stock gradients back, idempotently; applyGradientFixes then registers ours again', () => {
    const ours = GRADIENT_FIXES.map((k) => tf.getGradient(k));
    removeGradientFixes();
    const stock = GRADIENT_FIXES.map((k) => tf.getGradient(k));
    removeGradientFixes();
    expect(GRADIENT_FIXES.map((k) => tf.getGradient(k))).toEqual(stock);
    expect(tf.getGradient('Tanh')!.outputsToSave).toEqual([true]); // tfjs-core's Tanh gradient saves y
    for (const k of ADDED) expect(tf.getGradient(k)).toBeUndefined();
    for (let i = 0; i < GRADIENT_FIXES.length; i++) expect(stock[i]).not.toBe(ours[i]);
    applyGradientFixes();
    applyGradientFixes();
    GRADIENT_FIXES.forEach((k, i) => expect(tf.getGradient(k)).toBe(ours[i]));
  });

  it('leaves alone a gradient registered over one of ours since', () => {
    removeGradientFixes();
    const stockExp = tf.getGradient('Exp');
    applyGradientFixes();
    const other: tf.GradConfig = { kernelName: 'Exp', gradFunc: (dy) => ({ x: () => dy as tf.Tensor }) };
    tf.unregisterGradient('Exp');
    tf.registerGradient(other);
    try {
      removeGradientFixes();
      expect(tf.getGradient('Exp')).toBe(other);
      expect(tf.getGradient('Tanh')!.outputsToSave).toEqual([true]);
      applyGradientFixes();
      expect(tf.getGradient('Exp')).toBe(ACTIVATION_GRADIENTS[2]);
      removeGradientFixes();
      expect(tf.getGradient('Exp')).toBe(other); // the gradient ours replaced on this apply
    } finally {
      tf.unregisterGradient('Exp');
      tf.registerGradient(stockExp);
    }
  });
});

describeEachBackend('removeGradientFixes / applyGradientFixes: 3rd derivative through tanh', () => {
  afterEach(() => applyGradientFixes());

  it('after remove the tanh term is lost (tfjs 4.22: Tanh saves its output); after apply it matches the closed form', () => {
    const x = seededNormal([8], 3);
    const xs = Array.from(x.dataSync());
    const expected = xs.map(closedForm);
    const before = tf.memory().numTensors;
    removeGradientFixes();
    const stock = thirdDerivative(x);
    applyGradientFixes();
    const fixed = thirdDerivative(x);
    expect(tf.memory().numTensors).toBe(before);
    // Stock: only the x⁴/24 term survives (g''' = x): the tanh'''(x) term is silently 0.
    expect(relError(stock, xs)).toBeLessThan(1e-6);
    expect(relError(stock, expected)).toBeGreaterThan(0.5);
    expect(relError(fixed, expected)).toBeLessThan(1e-5);
    x.dispose();
  });
});
