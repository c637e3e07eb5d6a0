/**
 * tfjs-layers classes that are not exported but needed to extend it in the Keras way. They are reached through
 * tfjs' serialization registry (no instance is created, so no layer-name counters move), with type-only imports.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Wrapper as WrapperType } from '@tensorflow/tfjs-layers/dist/layers/wrappers';

function registered(className: string): unknown {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[className];
  if (entry == null) {
    throw new Error(`tfjs-jacobian-reg: '${className}' is not registered: import '@tensorflow/tfjs-layers' before this package.`);
  }
  return entry[0];
}

/** tfjs-layers' `Wrapper` base class (the parent of `TimeDistributed`). */
export const Wrapper = Object.getPrototypeOf(registered('TimeDistributed')) as typeof WrapperType;

/** Deserializes `{className, config}` with a class registered in tfjs' serialization map. */
export function deserializeRegistered<T>(value: { className: string; config: tf.serialization.ConfigDict }): T {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[value?.className];
  if (entry == null) {
    throw new Error(`Unknown class '${value?.className}': import 'tfjs-jacobian-reg' (and the package that defines it) before loading.`);
  }
  const [cls, fromConfig] = entry;
  return fromConfig(cls, value.config) as unknown as T;
}

/** The single tensor of a layer's inputs / outputs. */
export function single(x: tf.Tensor | tf.Tensor[]): tf.Tensor {
  if (Array.isArray(x)) {
    if (x.length !== 1) throw new Error(`Expected exactly one tensor, got ${x.length}.`);
    return x[0];
  }
  return x;
}
