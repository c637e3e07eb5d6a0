/** Constants, logging and small model helpers shared by the bench sections (bench/sections/*.ts). */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ModelKind } from './models';

export const QUICK = process.env.BENCH_QUICK === '1';
export const BATCH = 64;
export const PENALTY_WEIGHT = 0.01;
export const ITERATIONS = 4;
export const FIT_SAMPLES = 1024;
export const EVERY = [1, 4, 10];
export const LEAK_STEPS = 100;

/** Warm-up rounds and timed rounds per (backend, model); the cpu CNN is slow, so it gets fewer. */
export function reps(backend: string, kind: ModelKind): { warmup: number; steps: number; fit: number } {
  if (QUICK) return { warmup: 1, steps: 2, fit: 1 };
  if (kind === 'cnn' && backend === 'cpu') return { warmup: 1, steps: 3, fit: 1 };
  if (backend === 'cpu') return { warmup: 2, steps: 5, fit: 2 };
  return { warmup: 3, steps: 9, fit: 4 };
}

export const round = (v: number, d = 2) => (Number.isFinite(v) ? Number(v.toFixed(d)) : v);

export function log(...args: unknown[]) {
  console.error(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...args);
}

/** Whether training (gradients of every op) works for `kind` on the current backend. */
export function trainingSupported(kind: ModelKind): { ok: boolean; why?: string } {
  if (kind !== 'cnn') return { ok: true };
  const missing = ['Conv2DBackpropFilter', 'Conv2DBackpropInput'].filter(
    (k) => tf.getKernel(k, tf.getBackend()) == null,
  );
  return missing.length === 0
    ? { ok: true }
    : { ok: false, why: `no ${missing.join(', ')} kernel on ${tf.getBackend()}` };
}

/** Mean softmax cross-entropy of the logits net(x) (training mode) against one-hot y. */
export const crossEntropy = (net: tfl.LayersModel, x: tf.Tensor, y: tf.Tensor) =>
  tf.losses.softmaxCrossEntropy(y, net.apply(x, { training: true }) as tf.Tensor) as tf.Scalar;

export function compiled(model: tfl.Sequential): tfl.Sequential {
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  return model;
}
