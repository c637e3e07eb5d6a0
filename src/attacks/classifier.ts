/**
 * What the attacks differentiate: the logits z(x) of the classifier, never its probabilities (the gradient of
 * log softmax saturates and overstates robustness). In order of preference:
 *   1. `logits`, a model or function the caller passes;
 *   2. the pre-softmax logits of a model that ends in softmax (`logitsOf`);
 *   3. the model's output itself, with a one-time warning if it looks like probabilities.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { fail, formatValue } from '../errors';
import { logitsOf } from '../keras/logits';

/** Pre-softmax logits to attack: a model, or a function x ↦ z(x). */
export type LogitsOption = tfl.LayersModel | ((x: tf.Tensor) => tf.Tensor);
export type Logits = (x: tf.Tensor) => tf.Tensor;

const DOCS = 'docs/ATTACKS.md#logits';
const warned = new WeakSet<object>();

/** Runs a layers model in inference mode (differentiable, unlike `predict`). */
function applyModel(model: tfl.LayersModel): Logits {
  return (x) => model.apply(x, { training: false }) as tf.Tensor;
}

/**
 * z(x) for `model`, or `logits` when given; `where` names the caller in errors.
 * @internal
 */
export function resolveLogits(
  where: string,
  model: tfl.LayersModel,
  logits?: LogitsOption,
): { logits: Logits; fromOutput: boolean } {
  if (!(model instanceof tfl.LayersModel)) fail(where, 'model', 'must be a tf.LayersModel', model);
  if (logits !== undefined) {
    if (logits instanceof tfl.LayersModel) return { logits: applyModel(logits), fromOutput: false };
    if (typeof logits === 'function') return { logits, fromOutput: false };
    fail(where, 'logits', 'must be a tf.LayersModel or a function x ↦ z(x)', logits);
  }
  const z = logitsOf(model);
  return z ? { logits: z, fromOutput: false } : { logits: applyModel(model), fromOutput: true };
}

/**
 * Warns once per model when the output treated as logits has rows of values in [0, 1] summing to 1 (probabilities):
 * attacks on probabilities overstate robustness.
 * @internal
 */
export function warnIfProbabilities(where: string, model: tfl.LayersModel, z: tf.Tensor): void {
  if (warned.has(model) || z.shape[0] === 0) return;
  const looksLikeProbabilities = tf.tidy(() => {
    const inRange = tf.logicalAnd(tf.greaterEqual(tf.min(z), 0), tf.lessEqual(tf.max(z), 1));
    const sumsToOne = tf.lessEqual(tf.max(tf.abs(tf.sub(tf.sum(z, 1), 1))), 1e-3);
    return tf.logicalAnd(inRange, sumsToOne).dataSync()[0] === 1;
  });
  if (!looksLikeProbabilities) return;
  warned.add(model);
  console.warn(
    `${where}: the model's outputs look like probabilities (rows in [0, 1] summing to 1), and its last layer is not a ` +
      `softmax whose logits could be used, so the attacks ran on probabilities, which overstates robustness. Pass ` +
      `{logits: modelOrFunction} returning pre-softmax logits. See ${DOCS}.`,
  );
}

/**
 * Integer labels [N] from one-hot [N, C] or integer labels [N]; checks the count against x.
 * @internal
 */
export function labelsOf(where: string, y: tf.Tensor, n: number): tf.Tensor {
  if (!(y instanceof tf.Tensor)) fail(where, 'y', 'must be a tf.Tensor of one-hot [N, C] or integer [N] labels', y);
  if (y.rank !== 1 && y.rank !== 2)
    fail(where, 'y', 'must have shape [N, C] (one-hot) or [N] (integer labels)', y.shape);
  if (y.shape[0] !== n)
    fail(where, 'y', `must have one row per sample of x (${n})`, y.shape, 'Pass labels of the same samples as x.');
  return tf.tidy(() => (y.rank === 2 ? tf.argMax(y, 1) : tf.cast(y, 'int32')));
}

/**
 * Checks x is a tensor of rank ≥ 2 with values inside the clip box.
 * @internal
 */
export function checkInputs(where: string, x: tf.Tensor, clip: [number, number]): void {
  if (!(x instanceof tf.Tensor)) fail(where, 'x', 'must be a tf.Tensor [N, ...]', x);
  if (x.rank < 2) fail(where, 'x', 'must have shape [N, ...features]', x.shape);
  if (x.size === 0) return;
  const [lo, hi] = tf.tidy(() => [tf.min(x).dataSync()[0], tf.max(x).dataSync()[0]]);
  if (!(lo >= clip[0] && hi <= clip[1])) {
    fail(
      where,
      'x',
      `must lie in the clip range ${formatValue(clip)}`,
      [lo, hi],
      'Pass clip: [min, max] covering the valid input range.',
    );
  }
}
