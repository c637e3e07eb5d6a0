import * as tf from '@tensorflow/tfjs-core';
import { on, useWasmKernels } from '../../helpers/wasm';

useWasmKernels();

describe('Conv3DBackpropInputV2 / FilterV2 on wasm (composed, replacing the stock wasm kernels) equal the cpu kernels', () => {
  // The stock wasm kernels of tfjs 4.22 were off by the size of the result on the 'same' and stride-2 cases.
  const cases = [
    [[2, 3, 3, 3, 1], [2, 2, 2, 1, 2], 2, 'same'],
    [[2, 3, 3, 2, 1], [2, 2, 2, 1, 1], 1, 'valid'],
    [[1, 4, 4, 4, 2], [3, 3, 3, 2, 2], 1, 'same'],
    [[2, 5, 4, 3, 2], [3, 2, 2, 2, 3], 2, 'valid'],
  ] as const;
  const setup = (xShape: readonly number[], filterShape: readonly number[], stride: number, pad: 'valid' | 'same') => {
    const x = tf.randomNormal<tf.Rank>([...xShape], 0, 1, 'float32', 1) as tf.Tensor5D;
    const w = tf.randomNormal<tf.Rank>([...filterShape], 0, 1, 'float32', 2) as tf.Tensor5D;
    const conv = (xx: tf.Tensor, ww: tf.Tensor) => tf.conv3d(xx as tf.Tensor5D, ww as tf.Tensor5D, stride, pad);
    return { x, w, conv, c: tf.randomNormal(conv(x, w).shape, 0, 1, 'float32', 3) };
  };
  it.each(cases)('x %j, filter %j, stride %i, %s: ∇x and ∇W', async (xShape, filterShape, stride, pad) => {
    for (const wrt of [0, 1]) {
      const make = () =>
        tf.tidy(() => {
          const { x, w, conv, c } = setup(xShape, filterShape, stride, pad);
          return tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(conv(xx, ww), c)))([x, w])[wrt];
        });
      const cpu = await on('cpu', make);
      const wasm = await on('wasm', make);
      const scale = Math.max(...cpu.map(Math.abs));
      expect(wasm.length).toBe(cpu.length);
      wasm.forEach((v, i) => expect(Math.abs(v - cpu[i])).toBeLessThan(1e-5 * scale));
    }
  });
});
