/**
 * Pooling (src/autodiff/gradients/pooling.ts).
 *
 * maxPool to 3rd order (the MaxPool / MaxPoolGrad fixes, and the argmax route that webgl needed int32 indices for)
 * against central differences on each backend, and on wasm against cpu. With f(x; W) = tanh(maxPool(tanh(x ⊙ W₁)) ⊙ W₂):
 *   order 1: ∇_W Σ c ⊙ f            order 2: ∇_W ‖∇ₓ Σ u ⊙ f‖²            order 3: ∇_W ‖∇ₓ(∇ₓ Σ c ⊙ f · v)‖²
 * Max pooling is piecewise: where a ±h probe of a weight changes a window's argmax (a near tie), the forward and
 * backward one-sided differences disagree and autodiff must equal one of them (it takes one side of the tie).
 * Also: pooling layers to 3rd order and the MaxPool3D refusal (the wasm max-pool kernels: test/backends/wasm/max_pool.test.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { register } from '../../../src/register';
import { describeEachBackend } from '../../helpers/backends';
import { checkRawOp } from '../../helpers/fix_checks';
import {
  autodiffGrad,
  hessianPenalty,
  jacobianPenalty,
  norm,
  oneSidedDiffs,
  relError,
  seededNormal,
} from '../../helpers/gradcheck';
import { LayerCase, describeLayerCases, head } from '../../helpers/layer_cases';
import { dense } from '../../helpers/layer_matrix';

const H = 5e-3;
const TOL = 0.02;

interface PoolCase {
  name: string;
  xShape: [number, number, number, number];
  filterSize: number;
  strides: number;
  pad: 'valid' | 'same';
}

const CASES: PoolCase[] = [
  { name: '2x2, stride 2, valid', xShape: [2, 4, 4, 2], filterSize: 2, strides: 2, pad: 'valid' },
  { name: '3x3, stride 2, same', xShape: [2, 5, 5, 1], filterSize: 3, strides: 2, pad: 'same' },
  { name: '2x2, stride 1, valid (overlapping windows)', xShape: [1, 4, 4, 2], filterSize: 2, strides: 1, pad: 'valid' },
];

type Order = 1 | 2 | 3;

/** The scalar of `order` (see the file comment) as a function of the variables w1, w2; x and probes fixed. */
function scalarOf(c: PoolCase, order: Order, w1: tf.Variable, w2: tf.Variable): () => tf.Scalar {
  const x = seededNormal(c.xShape, 3);
  const f = (xx: tf.Tensor) =>
    tf.tanh(tf.mul(tf.maxPool(tf.tanh(tf.mul(xx, w1)) as tf.Tensor4D, c.filterSize, c.strides, c.pad), w2));
  const outShape = [c.xShape[0], ...w2.shape];
  const u = seededNormal(outShape, 5);
  const v = seededNormal(c.xShape, 7);
  if (order === 1) return () => tf.sum(tf.mul(f(x), u));
  if (order === 2) return () => jacobianPenalty(f, x, u);
  return () => hessianPenalty(f, x, u, v);
}

function variables(c: PoolCase): [tf.Variable, tf.Variable] {
  const pooled = tf.maxPool(tf.zeros(c.xShape) as tf.Tensor4D, c.filterSize, c.strides, c.pad).shape.slice(1);
  return [tf.variable(seededNormal(c.xShape.slice(1), 11, 0.8)), tf.variable(seededNormal(pooled, 13, 0.8))];
}

/** Autodiff vs differences; at kinks (one-sided differences disagree) the nearest of central / forward / backward. */
function check(f: () => tf.Scalar, vars: tf.Variable[]): { error: number; gradNorm: number; kinks: number } {
  const ad = autodiffGrad(f, vars);
  const { central, forward, backward } = oneSidedDiffs(f, vars, H);
  const scale = Math.max(norm(central), 1e-6) / Math.sqrt(central.length);
  const fd = Float64Array.from(central);
  let kinks = 0;
  for (let i = 0; i < fd.length; i++) {
    if (Math.abs(forward[i] - backward[i]) > 0.05 * scale + 0.05 * Math.abs(central[i])) {
      kinks++;
      fd[i] = [central[i], forward[i], backward[i]].reduce((best, d) =>
        Math.abs(d - ad[i]) < Math.abs(best - ad[i]) ? d : best,
      );
    }
  }
  return { error: relError(ad, fd, 1e-5), gradNorm: norm(fd), kinks };
}

// The wasm backend was imported after the package (test/setup.ts): register() again installs its kernels there.
beforeAll(() => register());
afterAll(async () => {
  await tf.setBackend('cpu');
});

describeEachBackend('maxPool', () => {
  describe.each(CASES)('maxPool $name', (c) => {
    it.each([1, 2, 3] as const)('order %i: ∇_W matches central / one-sided differences', (order) => {
      const vars = variables(c);
      const f = scalarOf(c, order, ...vars);
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        autodiffGrad(f, vars);
      });
      expect(tf.memory().numTensors).toBe(before);
      const result = check(f, vars);
      expect(result.gradNorm).toBeGreaterThan(1e-3);
      expect(result.error).toBeLessThan(TOL);
      tf.dispose(vars);
    });
  });
});

describe.each(CASES)('maxPool $name', (c) => {
  it('order 3 on wasm equals cpu (relative 1e-5)', async () => {
    const gradOn = async (backend: string) => {
      await tf.setBackend(backend);
      const vars = variables(c);
      const g = autodiffGrad(scalarOf(c, 3, ...vars), vars);
      tf.dispose(vars);
      return g;
    };
    const cpu = await gradOn('cpu');
    const wasm = await gradOn('wasm');
    expect(norm(cpu)).toBeGreaterThan(1e-3);
    expect(relError(wasm, cpu)).toBeLessThan(1e-5);
  });
});

describe('maxPool argmax route with float32 indices (what the webgl backend returns)', () => {
  it('the MaxPoolGrad gradient equals the one built from int32 indices', async () => {
    await tf.setBackend('cpu');
    const c = CASES[1];
    const vars = variables(c);
    const f = scalarOf(c, 3, ...vars);
    const int32 = autodiffGrad(f, vars);
    // Wrap the cpu kernel so that it returns float32 indices, as webgl's does.
    const stock = tf.getKernel('MaxPoolWithArgmax', 'cpu') as tf.KernelConfig;
    tf.unregisterKernel('MaxPoolWithArgmax', 'cpu');
    tf.registerKernel({
      ...stock,
      kernelFunc: (args) => {
        const [pooled, indexes] = stock.kernelFunc(args) as tf.TensorInfo[];
        const backend = args.backend as tf.KernelBackend;
        const values = Float32Array.from(backend.readSync(indexes.dataId) as Int32Array);
        backend.disposeData(indexes.dataId);
        return [
          pooled,
          { dataId: backend.write(values, indexes.shape, 'float32'), shape: indexes.shape, dtype: 'float32' },
        ];
      },
    });
    try {
      const { indexes } = tf.maxPoolWithArgmax(tf.ones([1, 2, 2, 1]) as tf.Tensor4D, 2, 2, 'valid', true);
      expect(indexes.dtype).toBe('float32');
      indexes.dispose();
      const float32 = autodiffGrad(f, vars);
      expect(norm(int32)).toBeGreaterThan(1e-3);
      expect(relError(float32, int32)).toBe(0);
    } finally {
      tf.unregisterKernel('MaxPoolWithArgmax', 'cpu');
      tf.registerKernel(stock);
      tf.dispose(vars);
    }
  });
});

describeEachBackend('MaxPool3D', () => {
  it('refuses 2nd order through MaxPool3D with an error naming the op', () => {
    const x = seededNormal([1, 2, 2, 2, 1], 1);
    const w = tf.variable(tf.scalar(0.7));
    const g = (xx: tf.Tensor, ww: tf.Variable) => tf.maxPool3d(tf.mul(xx, ww) as tf.Tensor5D, 2, 1, 'valid');
    expect(() => checkRawOp(g, x, w, 3)).toThrow(/tfjs-jacobian-reg: cannot differentiate MaxPool3DGrad/);
    tf.dispose([x, w]);
  });
});

const LAYER_CASES: LayerCase[] = [
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
];

describeLayerCases('pooling layers', LAYER_CASES);
