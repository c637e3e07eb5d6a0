/**
 * Comparison and logic ops (Greater, Less, LessEqual, Equal, NotEqual, LogicalAnd / Or / Xor / Not, Any, All) have
 * no gradient in tfjs, so any derivative through them (relu6, clipping, masking …) throws. They are piecewise
 * constant: d(out)/d(input) = 0 for every input, to every order.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Grads, zerosOf } from './common';

/** The zero gradient of a piecewise-constant kernel with the named inputs. */
function zeroGrad(kernelName: string, inputs: string[]): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: inputs,
    gradFunc: (_dy, saved) => {
      const grads: Grads = {};
      inputs.forEach((name, i) => {
        grads[name] = () => zerosOf(saved[i]);
      });
      return grads;
    },
  };
}

const BINARY_PREDICATES = [
  tf.Greater,
  tf.Less,
  tf.LessEqual,
  tf.Equal,
  tf.NotEqual,
  tf.LogicalAnd,
  tf.LogicalOr,
  tf.LogicalXor,
];

/**
 * The zero gradients, in registration order.
 * @internal
 */
export const PREDICATE_GRADIENTS: readonly tf.GradConfig[] = [
  ...BINARY_PREDICATES.map((k) => zeroGrad(k, ['a', 'b'])),
  zeroGrad(tf.LogicalNot, ['x']),
  zeroGrad(tf.Any, ['x']),
  zeroGrad(tf.All, ['x']),
];
