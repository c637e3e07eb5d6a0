import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as jr from '../../src';
import { describeEachBackend } from '../helpers/backends';
import { jacobianByRows, topSingularValue } from '../helpers/oracle';
import { init } from './helpers';

const mlp = () =>
  tfl.sequential({
    layers: [
      tfl.layers.dense({
        inputShape: [6],
        units: 8,
        activation: 'tanh',
        kernelInitializer: init(1),
        biasInitializer: 'ones',
      }),
      tfl.layers.dense({ units: 7, activation: 'softplus', kernelInitializer: init(2) }),
      tfl.layers.activation({ activation: 'swish' }),
      tfl.layers.dropout({ rate: 0.5 }),
      tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [7], units: 4, kernelInitializer: init(3) })] }),
    ],
  });
const cnn = () =>
  tfl.sequential({
    layers: [
      tfl.layers.reshape({ inputShape: [49], targetShape: [7, 7, 1] }),
      tfl.layers.conv2d({
        filters: 3,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        activation: 'softplus',
        kernelInitializer: init(4),
      }),
      tfl.layers.conv2d({ filters: 2, kernelSize: 2, activation: 'tanh', kernelInitializer: init(5) }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 3, kernelInitializer: init(6) }),
    ],
  });

describeEachBackend('linearized Jacobian of built-in layers', () => {
  it.each([
    ['an MLP (dense, activation, dropout, nested sequential)', mlp, 6],
    ['a CNN (reshape, strided / same-padded conv2d, flatten, dense)', cnn, 49],
  ] as const)('%s: dense matrix equals the row-by-row Jacobian', (_, build, n) => {
    const model = build();
    const x = tf.randomNormal([3, n], 0, 1, 'float32', 2);
    const before = tf.memory().numTensors;
    const op = jr.linearizedJacobian(model, x);
    expect(op).not.toBeNull();
    const d = jr.dense(op as jr.LinearOperator);
    const actual = d.arraySync();
    d.dispose();
    op?.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const expected = jacobianByRows((z) => model.predict(z) as tf.Tensor, x);
    const scale = Math.max(...expected.flat(2).map(Math.abs));
    actual.flat(2).forEach((v, i) => expect(Math.abs(v - expected.flat(2)[i])).toBeLessThan(1e-5 * scale + 1e-6));
  });

  it('returns null (so the generic double-VJP operator is used) for layers it does not linearize', () => {
    const x = tf.ones([2, 4]);
    const softmax = tfl.sequential({
      layers: [tfl.layers.dense({ inputShape: [4], units: 3, activation: 'softmax' })],
    });
    const norm = tfl.sequential({ layers: [tfl.layers.batchNormalization({ inputShape: [4] })] });
    const before = tf.memory().numTensors;
    expect(jr.linearizedJacobian(softmax, x)).toBeNull();
    expect(jr.linearizedJacobian(norm, x)).toBeNull();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("the regularizer's penalty through it has the weight gradient of the exact mean σ_max² (finite differences)", () => {
    const model = cnn();
    const x = tf.randomNormal([2, 49], 0, 1, 'float32', 3);
    const regularizer = jr.regularizers.jacobian({ iterations: 3, seed: 1 });
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const penalty = () => tf.tidy(() => regularizer.penalty(model, x, { epoch: 0, step: 0 }).penalty);
    const exact = () => {
      const s = jacobianByRows((z) => model.predict(z) as tf.Tensor, x).map((j) => topSingularValue(j) ** 2);
      return s.reduce((a, b) => a + b, 0) / s.length;
    };
    expect(penalty().dataSync()[0]).toBeCloseTo(exact(), 3);
    const { grads } = tf.variableGrads(penalty, variables);
    const originals = variables.map((v) => v.clone());
    const d = variables.map((v, i) => tf.randomNormal(v.shape, 0, 1, 'float32', 50 + i));
    const norm = Math.sqrt(d.reduce((s, t) => s + tf.sum(tf.square(t)).dataSync()[0], 0));
    const along =
      d.reduce(
        (s, t, i) => s + (grads[variables[i].name] ? tf.sum(tf.mul(t, grads[variables[i].name])).dataSync()[0] : 0),
        0,
      ) / norm;
    const at = (h: number) => {
      variables.forEach((v, i) => v.assign(tf.add(originals[i], tf.mul(h / norm, d[i]))));
      return exact();
    };
    const differences = (at(1e-2) - at(-1e-2)) / 2e-2;
    variables.forEach((v, i) => v.assign(originals[i]));
    expect(Math.abs(along - differences)).toBeLessThan(1e-2 * Math.abs(differences));
  });
});
