/**
 * The mini-batches of the callback's whole-network penalty: from `{x, y}` tensors, `batchSize` samples without
 * replacement per draw (the top-k of a seeded uniform shuffle); from a dataset, its next batch (its iterator restarted
 * when exhausted).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ValueError, checkOptions, fail } from '../errors';

/** A `tf.data.Dataset` of `{xs, ys}` batches, or anything with the same async iterator. */
export interface DatasetLike {
  /** A fresh async iterator over the batches (called again when one is exhausted). */
  iterator(): Promise<{
    /** The next batch, or `done` at the end of the data. */
    next(): Promise<{
      /** One batch: inputs and labels. */
      value: {
        /** Inputs [B, ...]. */
        xs: tf.Tensor;
        /** Labels [B, ...]. */
        ys: tf.Tensor;
      };
      /** True once the iterator is exhausted. */
      done: boolean;
    }>;
  }>;
}

/** Where the mini-batches come from: `{x, y}` tensors or a dataset. */
export type BatchData =
  | {
      /** Inputs [N, ...]. */
      x: tf.Tensor;
      /** Labels [N, ...]. */
      y: tf.Tensor;
    }
  | DatasetLike;

/**
 * Checks `data`: undefined, `{x, y}` tensors with the same batch size ≥ 1, or a dataset (an `iterator()` method).
 * @internal
 */
export function checkData(where: string, data: unknown): BatchData | undefined {
  if (data === undefined) return undefined;
  const rule = 'must be {x, y} tensors with the same number of samples, or a tf.data.Dataset of {xs, ys}';
  if (data === null || typeof data !== 'object') fail(where, 'data', rule, data);
  if (typeof (data as DatasetLike).iterator === 'function') return data as DatasetLike;
  checkOptions(where, data, ['x', 'y'], 'data');
  const { x, y } = data as { x?: unknown; y?: unknown };
  for (const [key, t] of [
    ['x', x],
    ['y', y],
  ] as const) {
    if (!(t instanceof tf.Tensor) || t.rank < 1 || t.shape[0] < 1)
      fail(where, `data.${key}`, 'must be a tensor [N, ...] with N ≥ 1 samples', t);
  }
  if ((x as tf.Tensor).shape[0] !== (y as tf.Tensor).shape[0]) {
    throw new ValueError(
      `${where}: data.x and data.y must have the same number of samples; got ${(x as tf.Tensor).shape[0]} and ${(y as tf.Tensor).shape[0]}.`,
    );
  }
  return data as { x: tf.Tensor; y: tf.Tensor };
}

/**
 * Draws mini-batches from `data`; `seed` is the seed of the next draw from tensors.
 * @internal
 */
export class BatchSampler {
  private iterator: Awaited<ReturnType<DatasetLike['iterator']>> | null = null;

  constructor(
    private readonly data: BatchData,
    private readonly batchSize: number,
    public seed: number,
  ) {}

  /** The next mini-batch [x, y]; the caller owns (and disposes) the tensors drawn from `{x, y}`. */
  async next(): Promise<[tf.Tensor, tf.Tensor]> {
    const data = this.data;
    if ('iterator' in data) {
      this.iterator = this.iterator ?? (await data.iterator());
      let next = await this.iterator.next();
      if (next.done) {
        this.iterator = await data.iterator();
        next = await this.iterator.next();
      }
      return [next.value.xs, next.value.ys];
    }
    const n = data.x.shape[0];
    const indices = tf.tidy(() =>
      tf.slice(
        tf.topk(tf.randomUniform([n], 0, 1, 'float32', this.seed++), n).indices,
        [0],
        [Math.min(this.batchSize, n)],
      ),
    );
    const batch: [tf.Tensor, tf.Tensor] = [tf.gather(data.x, indices), tf.gather(data.y, indices)];
    indices.dispose();
    return batch;
  }

  /** Forgets the dataset's iterator: the next draw starts a fresh one. */
  reset(): void {
    this.iterator = null;
  }
}
