/**
 * The estimates of training steps, kept on the device until they are read: per log key prefix `<name>_<kind>`, the
 * vector [mean_b σ_b, penalty, fraction of σ_b above the bound (with a bound)]. The callback reads them
 * asynchronously after each step (no stall inside the step); `latest` reads synchronously, only when asked.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Estimates keyed like the logs: `<prefix>_sigma`, `<prefix>_penalty`, `<prefix>_above_bound`. */
export type Estimates = Record<string, number>;

/** @internal */
export class PendingEstimates {
  private readonly pending = new Map<string, tf.Tensor>();
  private readonly values: Estimates = {};

  /** @param onRead called with each prefix and its values when they are read (e.g. to count non-finite penalties). */
  constructor(private readonly onRead: (prefix: string, values: Float32Array) => void = () => undefined) {}

  /**
   * Takes `stats` as the newest for `prefix`, replacing an unread one: kept (it survives the caller's tidy) until
   * read, or stored at once when its values were `read` already.
   */
  put(prefix: string, stats: tf.Tensor, read?: Float32Array): void {
    this.pending.get(prefix)?.dispose();
    this.pending.delete(prefix);
    if (read) this.store(prefix, read);
    else this.pending.set(prefix, tf.keep(stats));
  }

  /** The latest values, reading any pending ones synchronously. */
  get latest(): Estimates {
    for (const [prefix, t] of this.pending) this.store(prefix, t.dataSync() as Float32Array);
    this.clear();
    return this.values;
  }

  /** The latest values, reading any pending ones asynchronously. */
  async read(): Promise<Estimates> {
    const entries = [...this.pending];
    this.pending.clear();
    const data = await Promise.all(entries.map(([, t]) => t.data()));
    entries.forEach(([prefix, t], i) => {
      this.store(prefix, data[i] as Float32Array);
      t.dispose();
    });
    return this.values;
  }

  /** Drops unread estimates. */
  clear(): void {
    this.pending.forEach((t) => t.dispose());
    this.pending.clear();
  }

  private store(prefix: string, v: Float32Array): void {
    this.values[`${prefix}_sigma`] = v[0];
    this.values[`${prefix}_penalty`] = v[1];
    if (v.length > 2) this.values[`${prefix}_above_bound`] = v[2];
    this.onRead(prefix, v);
  }
}
