import * as tf from '@tensorflow/tfjs-core';
import * as jr from '../../../src';
import { on, useWasmKernels } from '../../helpers/wasm';

useWasmKernels();

describe('BatchMatMul / _FusedMatMul with transposed operands on wasm (explicit transpose, then the stock kernel) equal cpu', () => {
  const shapes: Array<[number[], number[], boolean, boolean]> = [
    [[5, 3], [4, 3], false, true],
    [[3, 5], [3, 4], true, false],
    [[3, 5], [4, 3], true, true],
    [[2, 5, 3], [2, 4, 3], false, true],
    [[2, 3, 5], [1, 3, 4], true, false],
    [[5, 3], [3, 4], false, false],
  ];
  it.each(shapes)('matMul %j · %j (transposeA %s, transposeB %s)', async (aShape, bShape, ta, tb) => {
    const run = () =>
      tf.matMul(tf.randomNormal(aShape, 0, 1, 'float32', 1), tf.randomNormal(bShape, 0, 1, 'float32', 2), ta, tb);
    const [cpu, wasm] = [await on('cpu', run), await on('wasm', run)];
    const scale = Math.max(...cpu.map(Math.abs));
    wasm.forEach((v, i) => expect(Math.abs(v - cpu[i])).toBeLessThan(1e-5 * scale));
  });
  it('fused dense with bias and relu, transposed weight', async () => {
    const run = () =>
      tf.fused.matMul({
        a: tf.randomNormal([6, 3], 0, 1, 'float32', 3),
        b: tf.randomNormal([5, 3], 0, 1, 'float32', 4),
        transposeB: true,
        bias: tf.randomNormal([5], 0, 1, 'float32', 5),
        activation: 'relu',
      });
    const [cpu, wasm] = [await on('cpu', run), await on('wasm', run)];
    wasm.forEach((v, i) => expect(Math.abs(v - cpu[i])).toBeLessThan(1e-5 * Math.max(...cpu.map(Math.abs))));
  });
  it('the Jacobian penalty weight gradient of a dense tanh net (transposed products inside) equals cpu', async () => {
    const run = () =>
      tf.tidy(() => {
        const w = tf.variable(tf.randomNormal([4, 3], 0, 1, 'float32', 6));
        const x = tf.randomNormal([5, 4], 0, 1, 'float32', 7);
        const f = (z: tf.Tensor) => tf.tanh(tf.matMul(z, w));
        const { grads } = tf.variableGrads(() => {
          const p = jr.jacobianPenalty(f, x, { method: 'hutchinson', iterations: 2, seed: 3 });
          tf.dispose([p.sigma, p.vectors]);
          return p.penalty;
        }, [w]);
        w.dispose();
        return grads[w.name];
      });
    const [cpu, wasm] = [await on('cpu', run), await on('wasm', run)];
    wasm.forEach((v, i) => expect(Math.abs(v - cpu[i])).toBeLessThan(1e-4 * Math.max(...cpu.map(Math.abs))));
  });
});
