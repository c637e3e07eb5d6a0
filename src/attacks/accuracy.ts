/** Accuracy = (1/N) Σ_n [argmax_c f(x'_n)_c = y_n], x' = attack(x, y) when an attack is given, else x. */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkInteger, checkOptions, fail } from '../errors';
import { labelsOf } from './classifier';

/** Options of `jr.attacks.accuracy`. */
export interface AccuracyOptions {
  /** Maps a batch (x, y as given) to the inputs to classify, e.g. `(x, y) => jr.attacks.pgd(model, x, y, {...})`. */
  attack?: (x: tf.Tensor, y: tf.Tensor) => tf.Tensor;
  /** Rows per batch. Default 100. */
  batchSize?: number;
}

/**
 * Fraction of rows whose arg-max prediction `model.predict` equals the label, over batches of `batchSize`, on
 * `attack(x, y)` when an attack is given. For a robustness claim use `jr.attacks.evaluate` (an attack ensemble).
 * ```js
 * const clean = jr.attacks.accuracy(model, x, y);
 * const robust = jr.attacks.accuracy(model, x, y, {attack: (a, b) => jr.attacks.pgd(model, a, b, {epsilon: 0.1})});
 * ```
 * @throws ValueError on bad options or labels.
 */
export function accuracy(model: tfl.LayersModel, x: tf.Tensor, y: tf.Tensor, options: AccuracyOptions = {}): number {
  const where = 'jr.attacks.accuracy';
  const o = checkOptions(where, options, ['attack', 'batchSize']);
  if (o.attack !== undefined && typeof o.attack !== 'function')
    fail(where, 'attack', 'must be a function (x, y) ↦ x′', o.attack);
  const batchSize = checkInteger(where, 'batchSize', o.batchSize ?? 100, 1);
  const attack = o.attack as AccuracyOptions['attack'];
  const n = x.shape[0];
  tf.dispose(labelsOf(where, y, n));
  let correct = 0;
  for (let start = 0; start < n; start += batchSize) {
    const size = Math.min(batchSize, n - start);
    correct += tf.tidy(() => {
      const xb = tf.slice(x, start, size);
      const yb = tf.slice(y, start, size);
      const input = attack ? attack(xb, yb) : xb;
      const predicted = tf.argMax(model.predict(input) as tf.Tensor, 1);
      const labels = yb.rank === 2 ? tf.argMax(yb, 1) : tf.cast(yb, 'int32');
      return tf.sum(tf.cast(tf.equal(predicted, labels), 'float32')).dataSync()[0];
    });
  }
  return n === 0 ? 0 : correct / n;
}
