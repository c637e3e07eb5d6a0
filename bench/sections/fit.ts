/** Section (c): a regularized model.fit epoch at every = 1, 4, 10 / a plain fit epoch. */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as jr from '../../src';
import { INPUT_SHAPE, ModelKind, layersOf, network, randomData } from '../lib/models';
import { Job, interleaved } from '../lib/timing';
import { BATCH, EVERY, FIT_SAMPLES, compiled, log, reps, round, trainingSupported } from '../lib/common';

export interface FitRow {
  backend: string;
  model: ModelKind;
  reps: number;
  plainEpochMs: number | null;
  /** every → epoch ms and ratio to the plain epoch (paired, median over rounds). */
  regularized: Array<{ every: number; epochMs: number; ratio: number }>;
  runs?: Record<string, number[]>;
  unsupported?: string;
}

/** Section (c): model.fit epochs, plain vs Regularized (with the documented callback). */
export async function fitSection(kind: ModelKind): Promise<FitRow> {
  const backend = tf.getBackend();
  const support = trainingSupported(kind);
  if (!support.ok)
    return {
      backend,
      model: kind,
      reps: 0,
      plainEpochMs: null,
      regularized: [],
      unsupported: `training: ${support.why}`,
    };
  const r = reps(backend, kind);
  const { x, y } = randomData(kind, FIT_SAMPLES, 21);
  const softmax = () => tfl.layers.activation({ activation: 'softmax' });
  const models: Record<string, tfl.Sequential> = {
    plain: compiled(tfl.sequential({ layers: [...layersOf(kind, 7), softmax()] })),
  };
  for (const every of EVERY) {
    models[`every${every}`] = compiled(
      tfl.sequential({
        layers: [
          jr.layers.regularized({
            layer: network(kind, 7),
            inputShape: INPUT_SHAPE[kind],
            regularizers: jr.regularizers.jacobian({ every }),
          }),
          softmax(),
        ],
      }),
    );
  }
  const jobs: Record<string, Job> = {};
  const warmX = tf.slice(x, 0, BATCH);
  const warmY = tf.slice(y, 0, BATCH);
  for (const [name, model] of Object.entries(models)) {
    // Warm-up: one batch (builds the training function and the optimizer slots, runs one penalty step).
    await model.fit(warmX, warmY, {
      epochs: 1,
      batchSize: BATCH,
      verbose: 0,
      yieldEvery: 'never',
      callbacks: name === 'plain' ? [] : [jr.callbacks.regularization()],
    });
    jobs[name] = async () => {
      await model.fit(x, y, {
        epochs: 1,
        batchSize: BATCH,
        shuffle: false,
        verbose: 0,
        yieldEvery: 'never',
        callbacks: name === 'plain' ? [] : [jr.callbacks.regularization()],
      });
    };
  }
  warmX.dispose();
  warmY.dispose();
  log(
    `${backend} ${kind}: fit epochs (${FIT_SAMPLES} samples, batch ${BATCH}; one-batch warm-up + ${r.fit} rounds of ${Object.keys(jobs).join(', ')})`,
  );
  const { timings, ratios } = await interleaved(jobs, 0, r.fit);
  Object.values(models).forEach((m) => {
    (m.optimizer as tf.Optimizer).dispose();
    m.dispose();
  });
  x.dispose();
  y.dispose();
  return {
    backend,
    model: kind,
    reps: r.fit,
    plainEpochMs: timings.plain.ms,
    regularized: EVERY.map((every) => ({
      every,
      epochMs: timings[`every${every}`].ms,
      ratio: ratios[`every${every}`],
    })),
    runs: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, v.runs.map((x) => round(x, 1))])),
  };
}
