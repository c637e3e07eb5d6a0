/** Section (e): tensors and bytes left after N regularized steps, and the peak bytes of a penalty step / a plain step. */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as jr from '../../src';
import { INPUT_SHAPE, ModelKind, network, randomData, variablesOf } from '../lib/models';
import { ProfileSummary, profileJob } from '../lib/timing';
import {
  BATCH,
  ITERATIONS,
  LEAK_STEPS,
  PENALTY_WEIGHT,
  QUICK,
  compiled,
  crossEntropy,
  log,
  trainingSupported,
} from '../lib/common';

/**
 * Leak check: regularized steps in a manual optimizer.minimize loop, and through model.fit with the callback. The
 * full LEAK_STEPS run on wasm (fast); on cpu a shorter manual loop on the MLP only, to keep the run under 8 min.
 */
function leakPlan(backend: string, kind: ModelKind): { manual: number; fit: number } {
  if (QUICK) return { manual: 4, fit: 0 };
  if (backend === 'cpu') return kind === 'mlp' ? { manual: 20, fit: 0 } : { manual: 0, fit: 0 };
  return { manual: LEAK_STEPS, fit: LEAK_STEPS };
}

export interface MemoryRow {
  backend: string;
  model: ModelKind;
  /** Manual loop: optimizer.minimize(CE + 0.01 · regularizer.penalty(net, x)), this many steps. */
  manualSteps: number;
  manualTensorsLeaked: number;
  manualBytesLeaked: number;
  /** model.fit of a Regularized model (every = 1) with the callback, this many steps. */
  fitSteps: number;
  fitTensorsLeaked: number | null;
  fitBytesLeaked: number | null;
  plainPeak: ProfileSummary | null;
  penaltyLinearizedPeak: ProfileSummary | null;
  penaltyGenericPeak: ProfileSummary | null;
  /** Peak bytes above what was alive at the start of the step: penalty / plain. */
  linearizedPeakIncrementRatio: number | null;
  genericPeakIncrementRatio: number | null;
  /** Absolute peaks (weights, data and optimizer slots included): penalty / plain. */
  linearizedPeakAbsoluteRatio: number | null;
  genericPeakAbsoluteRatio: number | null;
  unsupported?: string;
}

/** Section (e): leaks over LEAK_STEPS regularized steps, and the peak bytes of one step. */
export async function memorySection(kind: ModelKind): Promise<MemoryRow> {
  const backend = tf.getBackend();
  const support = trainingSupported(kind);
  const empty = {
    backend,
    model: kind,
    manualSteps: 0,
    manualTensorsLeaked: NaN,
    manualBytesLeaked: NaN,
    fitSteps: 0,
    fitTensorsLeaked: null,
    fitBytesLeaked: null,
    plainPeak: null,
    penaltyLinearizedPeak: null,
    penaltyGenericPeak: null,
    linearizedPeakIncrementRatio: null,
    genericPeakIncrementRatio: null,
    linearizedPeakAbsoluteRatio: null,
    genericPeakAbsoluteRatio: null,
  };
  if (!support.ok) return { ...empty, unsupported: `training: ${support.why}` };
  const net = network(kind, 7);
  const vars = variablesOf(net);
  const { x, y } = randomData(kind, BATCH, 11);
  const optimizer = tf.train.adam(1e-3);
  const regularizer = jr.regularizers.jacobian({ iterations: ITERATIONS });
  const f = (z: tf.Tensor) => net.apply(z) as tf.Tensor;
  const plain = () => tf.tidy(() => optimizer.minimize(() => crossEntropy(net, x, y), true, vars)!);
  const penaltyLinearized = (step: number) => () =>
    tf.tidy(() =>
      optimizer.minimize(
        () => {
          const p = regularizer.penalty(net, x, { epoch: 0, step }).penalty;
          return tf.add(crossEntropy(net, x, y), tf.mul(PENALTY_WEIGHT, p)) as tf.Scalar;
        },
        true,
        vars,
      )!,
    );
  const penaltyGeneric = () =>
    tf.tidy(() =>
      optimizer.minimize(
        () =>
          tf.add(
            crossEntropy(net, x, y),
            tf.mul(PENALTY_WEIGHT, jr.jacobianPenalty(f, x, { iterations: ITERATIONS }).penalty),
          ) as tf.Scalar,
        true,
        vars,
      )!,
    );
  // Warm-up: creates the optimizer slots.
  plain().dispose();
  penaltyLinearized(0)().dispose();
  const row: MemoryRow = { ...empty };
  const plan = leakPlan(backend, kind);
  if (plan.manual > 0) {
    log(`${backend} ${kind}: ${plan.manual} manual penalty steps (leak check)`);
    const before = tf.memory();
    for (let s = 1; s <= plan.manual; s++) penaltyLinearized(s)().dispose();
    const after = tf.memory();
    row.manualSteps = plan.manual;
    row.manualTensorsLeaked = after.numTensors - before.numTensors;
    row.manualBytesLeaked = after.numBytes - before.numBytes;
  }
  if (plan.fit > 0) {
    log(`${backend} ${kind}: model.fit of a Regularized model, ${plan.fit} steps (leak check)`);
    const model = compiled(
      tfl.sequential({
        layers: [
          jr.layers.regularized({
            layer: network(kind, 7),
            inputShape: INPUT_SHAPE[kind],
            regularizers: jr.regularizers.jacobian({ every: 1 }),
          }),
          tfl.layers.activation({ activation: 'softmax' }),
        ],
      }),
    );
    const data = randomData(kind, (plan.fit / 4) * BATCH, 31);
    const fitOptions = { batchSize: BATCH, shuffle: false, verbose: 0 as const, yieldEvery: 'never' as const };
    const warm = { x: tf.slice(data.x, 0, BATCH), y: tf.slice(data.y, 0, BATCH) };
    await model.fit(warm.x, warm.y, { ...fitOptions, epochs: 1, callbacks: [jr.callbacks.regularization()] });
    const fitBefore = tf.memory();
    await model.fit(data.x, data.y, { ...fitOptions, epochs: 4, callbacks: [jr.callbacks.regularization()] });
    const fitAfter = tf.memory();
    row.fitSteps = plan.fit;
    row.fitTensorsLeaked = fitAfter.numTensors - fitBefore.numTensors;
    row.fitBytesLeaked = fitAfter.numBytes - fitBefore.numBytes;
    (model.optimizer as tf.Optimizer).dispose();
    model.dispose();
    [warm.x, warm.y, data.x, data.y].forEach((t) => t.dispose());
  }
  log(`${backend} ${kind}: peak bytes (tf.profile)`);
  row.plainPeak = await profileJob(plain);
  row.penaltyLinearizedPeak = await profileJob(penaltyLinearized(0));
  row.penaltyGenericPeak = await profileJob(penaltyGeneric);
  const inc = (p: ProfileSummary) => p.peakBytes - p.startBytes;
  row.linearizedPeakIncrementRatio = inc(row.penaltyLinearizedPeak) / inc(row.plainPeak);
  row.genericPeakIncrementRatio = inc(row.penaltyGenericPeak) / inc(row.plainPeak);
  row.linearizedPeakAbsoluteRatio = row.penaltyLinearizedPeak.peakBytes / row.plainPeak.peakBytes;
  row.genericPeakAbsoluteRatio = row.penaltyGenericPeak.peakBytes / row.plainPeak.peakBytes;
  optimizer.dispose();
  net.dispose();
  x.dispose();
  y.dispose();
  return row;
}
