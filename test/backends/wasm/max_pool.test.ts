/**
 * The wasm MaxPoolGrad / MaxPoolWithArgmax kernels the package registers (src/backends/wasm/max_pool.ts): the
 * gradient and the argmax of a 2 × 2 window go to its first maximum, as on cpu, also where the maximum is ≤ 0.
 */
import * as tf from '@tensorflow/tfjs-core';
import { useWasmKernels } from '../../helpers/wasm';

useWasmKernels();

describe('wasm MaxPoolGrad / MaxPoolWithArgmax (replaced: the stock ones start the window maximum at FLT_MIN)', () => {
  it.each([
    [[-1, -2, -3, -0.5], 3],
    [[-3, -2, -1, -4], 2],
    [[1, -2, 3, 0.5], 2],
    [[-1e-3, -2e-3, 5e-39, -1], 2],
  ])('window %j: the gradient and the argmax go to pixel %i, as on cpu', async (values, at) => {
    await tf.setBackend('wasm');
    const x = tf.tensor4d(values, [1, 2, 2, 1]);
    const dx = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(xx as tf.Tensor4D, 2, 2, 'valid'), 3)))(x);
    const { result, indexes } = tf.maxPoolWithArgmax(x, 2, 2, 'valid', true);
    expect(Array.from(dx.dataSync())).toEqual(values.map((_, i) => (i === at ? 3 : 0)));
    expect(Array.from(indexes.dataSync())).toEqual([at]);
    expect(result.dataSync()[0]).toBe(Math.fround(values[at]));
    tf.dispose([x, dx, result, indexes]);
  });
});
