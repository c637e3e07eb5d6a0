/**
 * The backends the bench runs on: cpu and wasm always (BENCH_BACKENDS to choose), plus 'tensorflow' (tfjs-node, or
 * tfjs-node-gpu) when one of those optional peers can be required here.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as jr from '../../src';
import { log } from './common';

/** The tfjs-node packages that provide the 'tensorflow' backend, in the order they are tried. */
export const NODE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];

function resolvable(name: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}

/** BENCH_BACKENDS (comma list), else cpu, wasm and — when tfjs-node(-gpu) resolves — tensorflow. */
export function backendsToRun(): string[] {
  if (process.env.BENCH_BACKENDS) return process.env.BENCH_BACKENDS.split(',').filter(Boolean);
  return ['cpu', 'wasm', ...(NODE_PACKAGES.some(resolvable) ? ['tensorflow'] : [])];
}

/** Loads and selects `name`; false (logged) when it cannot be used here. Returns the package that provided it. */
export async function useBackend(name: string): Promise<{ ok: boolean; provider?: string }> {
  try {
    let provider: string | undefined;
    if (name === 'wasm') {
      require('@tensorflow/tfjs-backend-wasm');
      jr.register();
      provider = '@tensorflow/tfjs-backend-wasm';
    } else if (name === 'tensorflow') {
      provider = NODE_PACKAGES.find(resolvable);
      if (provider == null) throw new Error(`none of ${NODE_PACKAGES.join(', ')} is installed`);
      require(provider);
    } else if (name === 'cpu') {
      require('@tensorflow/tfjs-backend-cpu');
      provider = '@tensorflow/tfjs-backend-cpu';
    }
    const ok = await tf.setBackend(name);
    await tf.ready();
    return { ok: ok && tf.getBackend() === name, provider };
  } catch (err) {
    log(`backend ${name} unavailable: ${(err as Error).message}`);
    return { ok: false };
  }
}
