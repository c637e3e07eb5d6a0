/**
 * Helpers shared by the gradient families: running a kernel on the tape, refusing a derivative by name, and the
 * zero gradient of a piecewise-constant input.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ValueError } from '../../errors';

export type Attrs = tf.NamedAttrMap;
/** A gradient map: one thunk per input name (or index, for custom ops). */
export type Grads = { [input: string]: () => tf.Tensor };

const PREFIX = 'tfjs-jacobian-reg';

/**
 * Runs a kernel by name through the engine, so the call is recorded on the tape like any op.
 * @internal
 */
export function run(kernel: string, inputs: tf.NamedTensorMap, attrs: object): tf.Tensor {
  return tf.engine().runKernel(kernel, inputs, attrs as Attrs) as tf.Tensor;
}

/**
 * Throws the error used for every combination we cannot differentiate correctly.
 * @internal
 */
export function unsupported(op: string, why: string): never {
  throw new ValueError(`${PREFIX}: cannot differentiate ${op}: ${why}`);
}

/**
 * Float32 zeros with the shape of `t` (the gradient of a piecewise-constant input).
 * @internal
 */
export function zerosOf(t: tf.Tensor): tf.Tensor {
  return tf.zeros(t.shape, 'float32');
}
