/**
 * The pre-softmax logits z of a model or layer that ends in softmax, so that losses are computed as
 * CE = logSumExp(z) − z_y (exact to every order) instead of from clipped probabilities:
 *   - last layer `tf.layers.softmax()` or `tf.layers.activation({activation: 'softmax'})`: z is its input;
 *   - last layer with `activation: 'softmax'` (dense, conv, ...): z is that layer run with a linear activation.
 * Returns null when the output is not a softmax.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { BatchFunction } from '../autodiff/products';
import { single } from './tfjs_internals';

type Activation = { getClassName(): string; apply(x: tf.Tensor): tf.Tensor };
const isSoftmax = (a: unknown) => (a as Activation | undefined)?.getClassName?.() === 'softmax';

/** The last layer of a (nested) model, and the model's layers before it. */
function lastLayer(layer: tfl.layers.Layer): { last: tfl.layers.Layer; body: BatchFunction | null } | null {
  if (!(layer instanceof tfl.LayersModel)) return { last: layer, body: null };
  const model = layer as tfl.LayersModel;
  if (model.outputs.length !== 1 || model.inputs.length !== 1) return null;
  const last = model.outputs[0].sourceLayer as tfl.layers.Layer;
  const inner = lastLayer(last);
  if (inner == null) return null;
  const before = tfl.model({ inputs: model.inputs, outputs: last.input as tfl.SymbolicTensor });
  const body: BatchFunction = inner.body
    ? (x) => inner.body!(single(before.call(x, { training: false })))
    : (x) => single(before.call(x, { training: false }));
  return { last: inner.last, body };
}

/**
 * z(x) for a model or layer whose output is softmax(z), run in inference mode; null otherwise.
 * ```js
 * const z = jr.logitsOf(model);  // the model ends in softmax: softmax(z(x)) = model.predict(x)
 * const logits = z(x);
 * console.log(logits.shape, jr.logitsOf(model.layers[0]));  // → [8, 3], null
 * ```
 */
export function logitsOf(model: tfl.layers.Layer): BatchFunction | null {
  const found = lastLayer(model);
  if (found == null) return null;
  const { last, body } = found;
  const input = (x: tf.Tensor) => (body ? body(x) : x);
  const className = last.getClassName();
  const activationLayer =
    className === 'Softmax' ||
    (className === 'Activation' && isSoftmax((last as unknown as { activation: unknown }).activation));
  if (activationLayer) {
    if (body == null) return null; // a bare softmax layer: its logits are its input, x itself
    return input;
  }
  const holder = last as unknown as { activation?: Activation };
  if (!isSoftmax(holder.activation)) return null;
  const linear = { getClassName: () => 'linear', apply: (x: tf.Tensor) => x } as Activation;
  return (x) => {
    const h = input(x);
    const saved = holder.activation;
    holder.activation = linear;
    try {
      return single(last.call(h, { training: false }));
    } finally {
      holder.activation = saved;
    }
  };
}
