/**
 * The measures behind docs/BENCHMARKS.md's target table that no other section takes:
 *   - a loss-Hessian penalty step / a Jacobian penalty step (MLP, m = 4, both linearized where the library can);
 *   - tensors and bytes left after 1,000 regularized steps (model.fit of a Regularized MLP with the callback).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as jr from '../../src';
import { INPUT_SHAPE, network, randomData, variablesOf } from '../lib/models';
import { interleaved } from '../lib/timing';
import { BATCH, ITERATIONS, PENALTY_WEIGHT, QUICK, compiled, crossEntropy, log, round } from '../lib/common';

export const LONG_LEAK_STEPS = 1000;

export interface HessianRow {
  backend: string;
  rounds: number;
  jacobianStepMs: number;
  hessianStepMs: number;
  /** median over rounds of (loss-Hessian penalty step / Jacobian penalty step) */
  ratio: number;
  /**
   * One product of each operator (ms, medians of interleaved rounds): the linearized Jacobian's Gram product JJᵀu
   * (u [B, 10]) and the loss Hessian's HVP Hv (v [B, 784], double backprop through the network) — the unit of
   * each Lanczos step; their ratio is what a linearized Hessian operator could win back.
   */
  products: { gramMs: number; hvpMs: number; ratio: number };
  runs: Record<string, number[]>;
}

/**
 * Per-sample softmax cross-entropy of logits z, [B]: −Σ_c y_c (z_c − logSumExp(z)), from primitive ops (as the
 * callback's src/keras/logit_loss.ts; tf.losses.softmaxCrossEntropy has no correct gradients of order ≥ 2).
 */
const perSampleCrossEntropy = (y: tf.Tensor, z: tf.Tensor) =>
  tf.neg(tf.sum(tf.mul(y, tf.sub(z, tf.logSumExp(z, -1, true))), -1));

export async function hessianSection(): Promise<HessianRow> {
  const backend = tf.getBackend();
  const net = network('mlp', 7);
  const vars = variablesOf(net);
  const { x, y } = randomData('mlp', BATCH, 11);
  const optimizer = tf.train.adam(1e-3);
  const jacobian = jr.regularizers.jacobian({ iterations: ITERATIONS });
  const hessian = jr.regularizers.hessian({ iterations: ITERATIONS, scalar: 'loss' });
  hessian.loss = perSampleCrossEntropy;
  const step = (r: jr.DerivativeRegularizer) => () =>
    tf.tidy(() =>
      optimizer.minimize(
        () => {
          const p = r.penalty(net, x, { epoch: 0, step: 0 }, y).penalty;
          return tf.add(crossEntropy(net, x, y), tf.mul(PENALTY_WEIGHT, p)) as tf.Scalar;
        },
        true,
        vars,
      )!,
    );
  const warmup = QUICK ? 1 : 2;
  const rounds = QUICK ? 2 : backend === 'cpu' ? 3 : 7;
  log(`${backend} mlp: loss-Hessian vs Jacobian penalty step (${warmup} warm-up + ${rounds} rounds)`);
  const { timings, ratios } = await interleaved({ jacobian: step(jacobian), hessian: step(hessian) }, warmup, rounds);
  const gramOp = jr.linearizedJacobian(net, x)!;
  const g = (z: tf.Tensor) => perSampleCrossEntropy(y, net.apply(z) as tf.Tensor);
  const hessianOp = jr.hessianOperator(g, x);
  const u = tf.randomNormal([BATCH, 10], 0, 1, 'float32', 3);
  const v = tf.randomNormal([BATCH, 784], 0, 1, 'float32', 5);
  const products = await interleaved(
    { gram: () => tf.tidy(() => gramOp.matvec(gramOp.rmatvec(u))), hvp: () => hessianOp.matvec(v) },
    QUICK ? 1 : 3,
    QUICK ? 2 : 15,
  );
  [gramOp, hessianOp].forEach((op) => op.dispose());
  [u, v].forEach((t) => t.dispose());
  optimizer.dispose();
  net.dispose();
  [x, y].forEach((t) => t.dispose());
  return {
    backend,
    rounds,
    jacobianStepMs: timings.jacobian.ms,
    hessianStepMs: timings.hessian.ms,
    ratio: ratios.hessian,
    products: { gramMs: products.timings.gram.ms, hvpMs: products.timings.hvp.ms, ratio: products.ratios.hvp },
    runs: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, v.runs.map((z) => round(z, 3))])),
  };
}

export interface LongLeakRow {
  backend: string;
  steps: number;
  tensorsLeaked: number;
  bytesLeaked: number;
  seconds: number;
}

/**
 * model.fit of [Regularized(MLP, jacobian every 1), softmax] with jr.callbacks.regularization(): 1,000 steps
 * (50 batches × 20 epochs) after a one-batch warm-up fit; tf.memory() before and after. Not on cpu (~1 s a step).
 */
export async function longLeakSection(): Promise<LongLeakRow | null> {
  const backend = tf.getBackend();
  if (backend === 'cpu' && !QUICK) return null;
  const steps = QUICK ? 40 : LONG_LEAK_STEPS;
  const batches = QUICK ? 10 : 50;
  const model = compiled(
    tfl.sequential({
      layers: [
        jr.layers.regularized({
          layer: network('mlp', 7),
          inputShape: INPUT_SHAPE.mlp,
          regularizers: jr.regularizers.jacobian({ every: 1 }),
        }),
        tfl.layers.activation({ activation: 'softmax' }),
      ],
    }),
  );
  const data = randomData('mlp', batches * BATCH, 51);
  const options = { batchSize: BATCH, shuffle: true, verbose: 0 as const, yieldEvery: 'never' as const };
  const warm = { x: tf.slice(data.x, 0, BATCH), y: tf.slice(data.y, 0, BATCH) };
  await model.fit(warm.x, warm.y, { ...options, epochs: 1, callbacks: [jr.callbacks.regularization()] });
  log(`${backend} mlp: ${steps} regularized model.fit steps (leak check)`);
  const t0 = performance.now();
  const before = tf.memory();
  await model.fit(data.x, data.y, { ...options, epochs: steps / batches, callbacks: [jr.callbacks.regularization()] });
  const after = tf.memory();
  const seconds = (performance.now() - t0) / 1000;
  (model.optimizer as tf.Optimizer).dispose();
  model.dispose();
  [warm.x, warm.y, data.x, data.y].forEach((t) => t.dispose());
  return {
    backend,
    steps,
    tensorsLeaked: after.numTensors - before.numTensors,
    bytesLeaked: after.numBytes - before.numBytes,
    seconds: round(seconds, 1),
  };
}
