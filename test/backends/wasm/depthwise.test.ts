import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as jr from '../../../src';
import { on, useWasmKernels } from '../../helpers/wasm';

useWasmKernels();

describe('DepthwiseConv2dNativeBackpropInput / Filter on wasm (composed from wasm kernels) equal the cpu kernels', () => {
  const cases = [
    [[2, 5, 5, 3], [3, 3, 3, 1], 1, 'valid'],
    [[2, 5, 5, 3], [3, 3, 3, 2], 1, 'same'],
    [[2, 7, 6, 2], [3, 3, 2, 2], 2, 'same'],
    [[1, 8, 8, 4], [2, 2, 4, 3], 2, 'valid'],
    [[3, 9, 7, 2], [3, 2, 2, 1], 3, 'same'],
    [[2, 6, 6, 3], [5, 5, 3, 1], 2, 'same'],
  ] as const;
  const setup = (xShape: readonly number[], filterShape: readonly number[], stride: number, pad: 'valid' | 'same') => {
    const x = tf.randomNormal<tf.Rank>([...xShape], 0, 1, 'float32', 1) as tf.Tensor4D;
    const w = tf.randomNormal<tf.Rank>([...filterShape], 0, 1, 'float32', 2) as tf.Tensor4D;
    const conv = (xx: tf.Tensor, ww: tf.Tensor) =>
      tf.depthwiseConv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, stride, pad);
    const c = tf.randomNormal(conv(x, w).shape, 0, 1, 'float32', 3);
    return { x, w, conv, c };
  };
  it.each(cases)('x %j, filter %j, stride %i, %s: ∇x (BackpropInput)', async (xShape, filterShape, stride, pad) => {
    const make = () =>
      tf.tidy(() => {
        const { x, w, conv, c } = setup(xShape, filterShape, stride, pad);
        return tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(conv(xx, w), c)))(x);
      });
    const cpu = await on('cpu', make);
    const wasm = await on('wasm', make);
    const scale = Math.max(...cpu.map(Math.abs));
    expect(wasm.length).toBe(cpu.length);
    wasm.forEach((v, i) => expect(Math.abs(v - cpu[i])).toBeLessThan(1e-5 * scale));
  });
  it.each(cases)('x %j, filter %j, stride %i, %s: ∇W (BackpropFilter)', async (xShape, filterShape, stride, pad) => {
    const make = () =>
      tf.tidy(() => {
        const { x, w, conv, c } = setup(xShape, filterShape, stride, pad);
        return tf.grad((ww: tf.Tensor) => tf.sum(tf.mul(conv(x, ww), c)))(w);
      });
    const cpu = await on('cpu', make);
    const wasm = await on('wasm', make);
    const scale = Math.max(...cpu.map(Math.abs));
    expect(wasm.length).toBe(cpu.length);
    wasm.forEach((v, i) => expect(Math.abs(v - cpu[i])).toBeLessThan(1e-5 * scale));
  });
  it('leaves no tensor behind on wasm', async () => {
    await tf.setBackend('wasm');
    const { x, w, conv, c } = setup([2, 5, 5, 3], [3, 3, 3, 2], 2, 'same');
    const before = tf.memory().numTensors;
    const grads = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(conv(xx, ww), c)))([x, w]);
    expect(tf.memory().numTensors).toBe(before + 2);
    tf.dispose([...grads, x, w, c]);
  });
});

describe('depthwise and separable convs train on wasm with a regularized wrapper', () => {
  it.each(['depthwiseConv2d', 'separableConv2d'] as const)(
    '%s: the losses of 3 SGD steps equal the cpu ones',
    async (kind) => {
      const run = async () => {
        const init = (s: number) => tfl.initializers.glorotNormal({ seed: s });
        const conv =
          kind === 'depthwiseConv2d'
            ? tfl.layers.depthwiseConv2d({
                kernelSize: 3,
                depthMultiplier: 2,
                strides: 2,
                padding: 'same',
                activation: 'tanh',
                depthwiseInitializer: init(1),
              })
            : tfl.layers.separableConv2d({
                filters: 3,
                kernelSize: 3,
                strides: 2,
                padding: 'same',
                activation: 'tanh',
                depthwiseInitializer: init(1),
                pointwiseInitializer: init(3),
              });
        const inner = tfl.sequential({
          layers: [
            tfl.layers.inputLayer({ inputShape: [6, 6, 2] }),
            conv,
            tfl.layers.flatten(),
            tfl.layers.dense({ units: 2, kernelInitializer: init(2) }),
          ],
        });
        const model = tfl.sequential({
          layers: [
            jr.layers.regularized({
              layer: inner,
              inputShape: [6, 6, 2],
              regularizers: jr.regularizers.jacobian({ weight: 0.5, iterations: 2, seed: 7 }),
            }),
          ],
        });
        model.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
        const x = tf.randomNormal([4, 6, 6, 2], 0, 1, 'float32', 4);
        const y = tf.randomNormal([4, 2], 0, 1, 'float32', 5);
        const history = await model.fit(x, y, {
          epochs: 3,
          batchSize: 4,
          verbose: 0,
          callbacks: [jr.callbacks.regularization()],
        });
        model.dispose();
        tf.dispose([x, y]);
        return {
          loss: history.history.loss.map(Number),
          penalty: (history.history[`${model.layers[0].name}_jacobian_penalty`] ?? []).map(Number),
        };
      };
      await tf.setBackend('cpu');
      const cpu = await run();
      await tf.setBackend('wasm');
      const wasm = await run();
      expect(cpu.penalty.length).toBe(3);
      cpu.penalty.forEach((p) => expect(p).toBeGreaterThan(0));
      cpu.loss.forEach((l, i) => expect(Math.abs(wasm.loss[i] - l)).toBeLessThan(1e-4 * Math.abs(l)));
      cpu.penalty.forEach((p, i) => expect(Math.abs(wasm.penalty[i] - p)).toBeLessThan(1e-3 * Math.abs(p)));
      expect(cpu.loss[2]).toBeLessThan(cpu.loss[0]); // the steps trained the model
    },
  );
});
