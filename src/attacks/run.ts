/** What every attack returns on a batch, and the bookkeeping of the worst point visited per sample. */
import * as tf from '@tensorflow/tfjs-core';
import type { Clip, Norm } from './project';
import { selectRows } from './project';

/** The settings every attack run shares. */
export interface RunOptions {
  norm: Norm;
  epsilon: number;
  clip: Clip;
  seed: number;
}

/** Per sample, the point of lowest margin z_y − max_{j≠y} z_j found, and that margin (caller disposes both). */
export interface AttackRun {
  adversarial: tf.Tensor;
  margin: tf.Tensor;
}

/**
 * Keeps, per sample, the lower-margin of the tracked point and a new candidate; disposes what it replaces.
 * @internal
 */
export class WorstPoint {
  constructor(
    public adversarial: tf.Tensor,
    public margin: tf.Tensor,
  ) {}

  update(candidate: tf.Tensor, margin: tf.Tensor): void {
    const [adversarial, lowest] = tf.tidy(() => {
      const lower = tf.less(margin, this.margin);
      return [selectRows(lower, candidate, this.adversarial), tf.minimum(margin, this.margin)];
    });
    tf.dispose([this.adversarial, this.margin]);
    this.adversarial = adversarial;
    this.margin = lowest;
  }

  result(): AttackRun {
    return { adversarial: this.adversarial, margin: this.margin };
  }
}

/** One run of an attack on a batch with integer labels, from a seed. */
export type BatchAttack = (x: tf.Tensor, labels: tf.Tensor, seed: number) => AttackRun;

/**
 * `restarts` runs of `attack` with seeds `seedOf(r)`, keeping per sample the lowest-margin point. With
 * `onlyUnbroken`, a restart runs only on the samples whose margin is still > 0.
 * @internal
 */
export function restarted(
  attack: BatchAttack,
  x: tf.Tensor,
  labels: tf.Tensor,
  { restarts, seedOf, onlyUnbroken }: { restarts: number; seedOf: (restart: number) => number; onlyUnbroken: boolean },
): AttackRun {
  const first = attack(x, labels, seedOf(0));
  const worst = new WorstPoint(first.adversarial, first.margin);
  for (let r = 1; r < restarts; r++) {
    if (!onlyUnbroken) {
      const run = attack(x, labels, seedOf(r));
      worst.update(run.adversarial, run.margin);
      tf.dispose([run.adversarial, run.margin]);
      continue;
    }
    const margin = worst.margin.dataSync();
    const open = Array.from(margin.keys()).filter((i) => margin[i] > 0);
    if (open.length === 0) break;
    const indices = tf.tensor1d(open, 'int32');
    const [xs, ls] = [tf.gather(x, indices), tf.gather(labels, indices)];
    const run = attack(xs, ls, seedOf(r));
    const [candidate, candidateMargin] = tf.tidy(() => {
      const rows = tf.reshape(indices, [open.length, 1]);
      const placed = tf.greater(tf.scatterND(rows, tf.ones([open.length]), [x.shape[0]]), 0);
      return [
        tf.scatterND(rows, run.adversarial, x.shape),
        tf.where(placed, tf.scatterND(rows, run.margin, [x.shape[0]]), tf.fill([x.shape[0]], Infinity)),
      ];
    });
    worst.update(candidate, candidateMargin);
    tf.dispose([indices, xs, ls, run.adversarial, run.margin, candidate, candidateMargin]);
  }
  return worst.result();
}
