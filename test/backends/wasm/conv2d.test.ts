import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { on, useWasmKernels } from '../../helpers/wasm';

useWasmKernels();

describe('Conv2DBackpropFilter on wasm (composed from wasm kernels) equals the cpu kernel', () => {
  it.each([
    [[2, 7, 7, 3], [3, 3, 3, 4], 1, 'valid'],
    [[2, 7, 7, 3], [3, 3, 3, 4], 2, 'valid'],
    [[3, 8, 9, 2], [3, 3, 2, 5], 2, 'same'],
    [[1, 6, 6, 1], [2, 2, 1, 2], 1, 'same'],
    [[2, 28, 28, 1], [3, 3, 1, 8], 2, 'valid'],
  ] as const)('x %j, filter %j, stride %i, %s', async (xShape, filterShape, stride, pad) => {
    const make = () => {
      const x = tf.randomNormal([...xShape], 0, 1, 'float32', 1) as tf.Tensor4D;
      const w = tf.randomNormal([...filterShape], 0, 1, 'float32', 2) as tf.Tensor4D;
      // ∇_W Σ c ⊙ conv2d(x, W): one Conv2DBackpropFilter with dy = c.
      const c = tf.randomNormal(tf.conv2d(x, w, stride, pad).shape, 0, 1, 'float32', 3);
      return tf.tidy(() =>
        tf.grad((filter: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, filter as tf.Tensor4D, stride, pad), c)))(w),
      );
    };
    const cpu = await on('cpu', make);
    const wasm = await on('wasm', make);
    const scale = Math.max(...cpu.map(Math.abs));
    wasm.forEach((v, i) => expect(Math.abs(v - cpu[i])).toBeLessThan(1e-4 * scale));
  });

  it('a CNN trains on wasm: the loss after one SGD step equals the cpu one', async () => {
    const run = async () => {
      const init = (s: number) => tfl.initializers.glorotNormal({ seed: s });
      const model = tfl.sequential({
        layers: [
          tfl.layers.conv2d({
            inputShape: [8, 8, 1],
            filters: 4,
            kernelSize: 3,
            strides: 2,
            padding: 'same',
            activation: 'softplus',
            kernelInitializer: init(1),
          }),
          tfl.layers.flatten(),
          tfl.layers.dense({ units: 3, kernelInitializer: init(2) }),
        ],
      });
      model.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
      const x = tf.randomNormal([4, 8, 8, 1], 0, 1, 'float32', 4);
      const y = tf.randomNormal([4, 3], 0, 1, 'float32', 5);
      const history = await model.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
      model.dispose();
      tf.dispose([x, y]);
      return history.history.loss.map(Number);
    };
    await tf.setBackend('cpu');
    const cpu = await run();
    await tf.setBackend('wasm');
    const wasm = await run();
    expect(Math.abs(wasm[1] - cpu[1])).toBeLessThan(1e-4 * Math.abs(cpu[1]));
    expect(cpu[1]).not.toBe(cpu[0]); // the step changed the weights
  });
});
