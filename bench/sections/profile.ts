/** Kernel shares (tf.profile) of the linearized Gram matvec, a plain step and a linearized penalty step. */
import * as tf from '@tensorflow/tfjs-core';
import * as jr from '../../src';
import { ModelKind, network, randomData, variablesOf } from '../lib/models';
import { ProfileSummary, profileJob } from '../lib/timing';
import { BATCH, ITERATIONS, PENALTY_WEIGHT, crossEntropy, log, trainingSupported } from '../lib/common';

export interface ProfileRow {
  backend: string;
  model: ModelKind;
  what: string;
  summary: ProfileSummary;
}

/** Kernel shares of the linearized Gram matvec, a plain step and a linearized penalty step. */
export async function profileSection(kind: ModelKind): Promise<ProfileRow[]> {
  const backend = tf.getBackend();
  const net = network(kind, 7);
  const vars = variablesOf(net);
  const { x, y } = randomData(kind, BATCH, 11);
  const u = tf.randomNormal([BATCH, 10], 0, 1, 'float32', 13);
  const linear = jr.linearizedJacobian(net, x)!;
  const optimizer = tf.train.adam(1e-3);
  const regularizer = jr.regularizers.jacobian({ iterations: ITERATIONS });
  const gram = () => tf.tidy(() => linear.matvec(linear.rmatvec(u)));
  const rows: ProfileRow[] = [];
  log(`${backend} ${kind}: kernel profile`);
  gram().dispose();
  // Best of 3 profiled runs of the Gram matvec (it is short, so one run is noisy).
  const gramRuns = [await profileJob(gram), await profileJob(gram), await profileJob(gram)];
  rows.push({
    backend,
    model: kind,
    what: 'linearized Gram matvec JJᵀu',
    summary: gramRuns.sort((a, b) => a.wallMs - b.wallMs)[0],
  });
  if (trainingSupported(kind).ok) {
    const plain = () => tf.tidy(() => optimizer.minimize(() => crossEntropy(net, x, y), true, vars)!);
    const penalty = () =>
      tf.tidy(() =>
        optimizer.minimize(
          () => {
            const p = regularizer.penalty(net, x, { epoch: 0, step: 0 }).penalty;
            return tf.add(crossEntropy(net, x, y), tf.mul(PENALTY_WEIGHT, p)) as tf.Scalar;
          },
          true,
          vars,
        )!,
      );
    plain().dispose();
    penalty().dispose();
    rows.push({ backend, model: kind, what: 'plain step', summary: await profileJob(plain) });
    rows.push({
      backend,
      model: kind,
      what: 'penalty step (linearized, 4 Lanczos)',
      summary: await profileJob(penalty),
    });
  }
  linear.dispose();
  optimizer.dispose();
  net.dispose();
  [x, y, u].forEach((t) => t.dispose());
  return rows;
}
