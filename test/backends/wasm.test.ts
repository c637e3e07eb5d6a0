import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import * as tfl from '@tensorflow/tfjs-layers';
import * as jr from '../../src';

/** Runs f on a backend and returns its result's values (computed from the same seeded inputs). */
async function on(backend: string, f: () => tf.Tensor): Promise<number[]> {
  await tf.setBackend(backend);
  const t = f();
  const values = Array.from(await t.data());
  t.dispose();
  return values;
}

afterAll(async () => {
  await tf.setBackend('cpu');
});

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
