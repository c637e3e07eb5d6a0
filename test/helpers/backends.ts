/**
 * The backends the numeric suites run on, from one list (tfjs's `describeWithFlags(…, ALL_ENVS)`): each suite is
 * declared once and runs once per backend. webgl runs in Chromium (test/browser, test/e2e/backends.e2e.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { register } from '../../src/register';

export const BACKENDS = ['cpu', 'wasm'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** Declares `suite` once per backend in BACKENDS, as "<name> [<backend>]", switching backends around it. */
export function describeEachBackend(name: string, suite: (backend: BackendName) => void): void {
  for (const backend of BACKENDS) {
    describe(`${name} [${backend}]`, () => {
      beforeAll(async () => {
        register(); // the wasm kernels the package adds (wasm was imported after the package's first import)
        await tf.setBackend(backend);
        await tf.ready();
      });
      afterAll(async () => {
        await tf.setBackend('cpu');
      });
      suite(backend);
    });
  }
}
