import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import {
  REPLACED_WASM_KERNELS,
  WASM_KERNELS,
  WASM_MAX_POOL_KERNELS,
  WRAPPED_WASM_KERNELS,
  registerWasmKernels,
  removeWasmKernels,
} from '../../../src/backends/wasm/index';
import { on } from '../../helpers/wasm';

/** Every kernel the package puts in place of a stock wasm one. */
const DISPLACING = [...REPLACED_WASM_KERNELS, ...WASM_MAX_POOL_KERNELS, ...WRAPPED_WASM_KERNELS];
// The stock configs, saved before the package registered over them: test/setup.ts registered the package before
// this file imported the wasm backend, so there was nothing to replace then.
const STOCK = new Map(DISPLACING.map((name) => [name, tf.getKernel(name, 'wasm') as tf.KernelConfig]));
const kernelFuncs = (names: readonly string[]) => names.map((name) => tf.getKernel(name, 'wasm')?.kernelFunc);

/** The values of f() on the current backend. */
function valuesOf(f: () => tf.Tensor): number[] {
  const t = f();
  const values = Array.from(t.dataSync());
  t.dispose();
  return values;
}

/** ∂/∂x Σ 3·maxPool(x) over one 2 × 2 window holding `values`: 3 at the window's first maximum, 0 elsewhere. */
const maxPoolGradient = (values: number[]) => () =>
  tf.tidy(() =>
    tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid'), 3)))(
      tf.tensor4d(values, [1, 2, 2, 1]),
    ),
  );

/** ∇_W Σ c ⊙ depthwiseConv2d(x, W), stride 2, 'same': one DepthwiseConv2dNativeBackpropFilter. */
const depthwiseFilterGradient = () =>
  tf.tidy(() => {
    const x = tf.randomNormal([2, 7, 6, 2], 0, 1, 'float32', 1) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 2, 2], 0, 1, 'float32', 2) as tf.Tensor4D;
    const c = tf.randomNormal([2, 4, 3, 4], 0, 1, 'float32', 3);
    return tf.grad((ww: tf.Tensor) => tf.sum(tf.mul(tf.depthwiseConv2d(x, ww as tf.Tensor4D, 2, 'same'), c)))(w);
  });

afterAll(async () => {
  registerWasmKernels();
  await tf.setBackend('cpu');
});

describe('registerWasmKernels / removeWasmKernels', () => {
  it('the saved configs are wasm stock kernels', () => {
    DISPLACING.forEach((name) => expect(STOCK.get(name)?.backendName).toBe('wasm'));
  });

  it('register adds, replaces and wraps (keeping the stock setupFunc); a second call changes nothing', () => {
    registerWasmKernels();
    WASM_KERNELS.forEach((name) => expect(tf.getKernel(name, 'wasm')).toBeDefined());
    for (const name of DISPLACING) {
      const config = tf.getKernel(name, 'wasm') as tf.KernelConfig;
      expect(config.kernelFunc).not.toBe(STOCK.get(name)?.kernelFunc);
      expect(config.setupFunc).toBe(STOCK.get(name)?.setupFunc);
    }
    const first = kernelFuncs([...WASM_KERNELS, ...DISPLACING]);
    registerWasmKernels();
    const second = kernelFuncs([...WASM_KERNELS, ...DISPLACING]);
    first.forEach((f, i) => expect(second[i]).toBe(f));
  });

  it('remove unregisters the added kernels and restores the stock configs; a second call changes nothing', () => {
    registerWasmKernels();
    for (let call = 0; call < 2; call++) {
      removeWasmKernels();
      expect(tf.getKernel('DepthwiseConv2dNativeBackpropFilter', 'wasm')).toBeUndefined();
      WASM_KERNELS.forEach((name) => expect(tf.getKernel(name, 'wasm')).toBeUndefined());
      DISPLACING.forEach((name) => expect(tf.getKernel(name, 'wasm')).toBe(STOCK.get(name)));
    }
  });

  it('after remove wasm MaxPoolGrad is the stock one again (window maximum ≤ 0: the gradient goes to the first pixel); after register again it equals cpu, as does an added kernel', async () => {
    const values = [-1, -2, -3, -0.5];
    const cpu = await on('cpu', maxPoolGradient(values));
    expect(cpu).toEqual([0, 0, 0, 3]);
    const cpuFilter = await on('cpu', depthwiseFilterGradient);
    // The backend sets up the kernels registered now (the package's, which carry the stock setupFuncs); the stock
    // kernels restored below run without another setBackend.
    registerWasmKernels();
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    removeWasmKernels();
    // The stock kernel starts the window's maximum at FLT_MIN, so no pixel beats it and the first one is taken.
    expect(valuesOf(maxPoolGradient(values))).toEqual([3, 0, 0, 0]);
    registerWasmKernels();
    expect(valuesOf(maxPoolGradient(values))).toEqual(cpu);
    const wasmFilter = valuesOf(depthwiseFilterGradient);
    const scale = Math.max(...cpuFilter.map(Math.abs));
    expect(wasmFilter.length).toBe(cpuFilter.length);
    wasmFilter.forEach((v, i) => expect(Math.abs(v - cpuFilter[i])).toBeLessThan(1e-5 * scale));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('register before the stock kernel exists adds nothing in its place; called again once it exists, it wraps it', () => {
    removeWasmKernels();
    const stock = STOCK.get('BatchMatMul') as tf.KernelConfig;
    tf.unregisterKernel('BatchMatMul', 'wasm');
    try {
      registerWasmKernels();
      expect(tf.getKernel('BatchMatMul', 'wasm')).toBeUndefined();
    } finally {
      tf.registerKernel(stock);
    }
    registerWasmKernels();
    expect(tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc).not.toBe(stock.kernelFunc);
    removeWasmKernels();
    expect(tf.getKernel('BatchMatMul', 'wasm')).toBe(stock);
  });

  it('remove leaves alone a kernel registered over the package one since', () => {
    registerWasmKernels();
    const ours = tf.getKernel('MaxPoolGrad', 'wasm') as tf.KernelConfig;
    const foreign: tf.KernelConfig = { ...ours, kernelFunc: (args) => ours.kernelFunc(args) };
    tf.unregisterKernel('MaxPoolGrad', 'wasm');
    tf.registerKernel(foreign);
    removeWasmKernels();
    expect(tf.getKernel('MaxPoolGrad', 'wasm')).toBe(foreign);
    tf.unregisterKernel('MaxPoolGrad', 'wasm');
    tf.registerKernel(STOCK.get('MaxPoolGrad') as tf.KernelConfig);
  });
});
