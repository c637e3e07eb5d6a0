/** Section (d): σ_max relative error of Lanczos and power iteration vs 'exact' (bench/estimator_accuracy.ts is the thorough one). */
import * as tf from '@tensorflow/tfjs-core';
import * as jr from '../../src';
import { network, randomData, variablesOf } from '../lib/models';
import { quantile } from '../lib/timing';
import { BATCH, QUICK, crossEntropy, log } from '../lib/common';

export interface AccuracyRow {
  state: string;
  method: 'lanczos' | 'power';
  matvecs: number;
  medianRelErrorPct: number;
  p95RelErrorPct: number;
}

/** Section (d): σ_max relative error vs 'exact' on the MLP, at init and after 300 Adam steps on random data. */
export interface AccuracyResult {
  backend: string;
  trainSteps: number;
  finalLoss: number;
  rows: AccuracyRow[];
}

export async function accuracySection(): Promise<AccuracyResult> {
  const backend = tf.getBackend();
  const trainSteps = QUICK ? 30 : 300;
  const net = network('mlp', 7);
  const vars = variablesOf(net);
  const evalData = randomData('mlp', 256, 41);
  const train = randomData('mlp', 1024, 43);
  const rows: AccuracyRow[] = [];
  const measure = (state: string) => {
    const errors = new Map<string, number[]>();
    for (let b = 0; b < 256 / BATCH; b++) {
      const xb = tf.slice(evalData.x, b * BATCH, BATCH);
      const op = jr.linearizedJacobian(net, xb)!;
      const exact = jr.estimateSpectralNorm(op, { method: 'exact' });
      const sigma = Array.from(exact.sigma.dataSync());
      exact.sigma.dispose();
      exact.vectors.dispose();
      for (const method of ['lanczos', 'power'] as const) {
        for (const m of [2, 4, 8, 16]) {
          const est = jr.estimateSpectralNorm(op, { method, iterations: m, seed: 100 + b, tol: 0 });
          const hat = Array.from(est.sigma.dataSync());
          est.sigma.dispose();
          est.vectors.dispose();
          const key = `${method}:${m}`;
          const list = errors.get(key) ?? [];
          hat.forEach((h, i) => list.push(Math.abs(h - sigma[i]) / sigma[i]));
          errors.set(key, list);
        }
      }
      op.dispose();
      xb.dispose();
    }
    for (const [key, e] of errors) {
      const [method, m] = key.split(':');
      rows.push({
        state,
        method: method as 'lanczos' | 'power',
        matvecs: Number(m),
        medianRelErrorPct: 100 * quantile(e, 0.5),
        p95RelErrorPct: 100 * quantile(e, 0.95),
      });
    }
  };
  log(`${backend} mlp: estimator accuracy at init`);
  measure('init');
  log(`${backend} mlp: ${trainSteps} Adam steps on random data, then accuracy`);
  const optimizer = tf.train.adam(1e-3);
  let finalLoss = NaN;
  for (let s = 0; s < trainSteps; s++) {
    const b = s % (1024 / BATCH);
    const cost = tf.tidy(() =>
      optimizer.minimize(
        () => crossEntropy(net, tf.slice(train.x, b * BATCH, BATCH), tf.slice(train.y, b * BATCH, BATCH)),
        true,
        vars,
      )!,
    );
    if (s === trainSteps - 1) finalLoss = cost.dataSync()[0];
    cost.dispose();
  }
  measure(`after ${trainSteps} steps`);
  optimizer.dispose();
  net.dispose();
  [evalData.x, evalData.y, train.x, train.y].forEach((t) => t.dispose());
  return { backend, trainSteps, finalLoss, rows };
}
