/**
 * For the suites that compare the package's wasm kernels with the cpu ones: loads the wasm backend, registers the
 * package's kernels over the stock ones it just registered (test/setup.ts registered the package before wasm was
 * imported), and computes a result on one backend from seeded inputs.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmKernels } from '../../src/backends/wasm/index';

/** Registers the package's wasm kernels before the suite and returns to cpu after it. */
export function useWasmKernels(): void {
  beforeAll(() => registerWasmKernels());
  afterAll(async () => {
    await tf.setBackend('cpu');
  });
}

/** Runs f on a backend and returns its result's values (computed from the same seeded inputs). */
export async function on(backend: string, f: () => tf.Tensor): Promise<number[]> {
  await tf.setBackend(backend);
  const t = f();
  const values = Array.from(await t.data());
  t.dispose();
  return values;
}
