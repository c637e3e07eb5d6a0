/**
 * tfjs-layers classes that are not exported but needed to extend it in the Keras way. They are reached through
 * tfjs' serialization registry (no instance is created, so no layer-name counters move), with type-only imports.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Wrapper as WrapperType } from '@tensorflow/tfjs-layers/dist/layers/wrappers';
import { ValueError, checkOptions, fail } from '../errors';

function registered(className: string): unknown {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[className];
  if (entry == null) {
    throw new ValueError(
      `tfjs-jacobian-reg: '${className}' is not registered: import '@tensorflow/tfjs-layers' before this package.`,
    );
  }
  return entry[0];
}

/** tfjs-layers' `Wrapper` base class (the parent of `TimeDistributed`); `Regularized` extends it. */
export const Wrapper = Object.getPrototypeOf(registered('TimeDistributed')) as typeof WrapperType;

/**
 * Deserializes `{className, config}` with a class registered in tfjs' serialization map; `where` and `parameter`
 * name the entry in errors.
 * @throws ValueError when `value` is not `{className: string, config: object}` or the class is not registered.
 * @internal
 */
export function deserializeRegistered<T>(
  value: { className: string; config: tf.serialization.ConfigDict },
  where = 'tfjs-jacobian-reg',
  parameter = 'config',
): T {
  checkOptions(where, value, ['className', 'config'], parameter);
  const { className, config } = (value ?? {}) as { className?: unknown; config?: unknown };
  if (typeof className !== 'string')
    fail(where, `${parameter}.className`, 'must be a registered class name', className);
  if (config === null || typeof config !== 'object' || Array.isArray(config))
    fail(where, `${parameter}.config`, 'must be an object', config);
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[className];
  if (entry == null) {
    fail(
      where,
      `${parameter}.className`,
      'must name a registered class',
      className,
      "Import 'tfjs-jacobian-reg' (and the package that defines the class) before loading.",
    );
  }
  const [cls, fromConfig] = entry;
  return fromConfig(cls, config as tf.serialization.ConfigDict) as unknown as T;
}

/**
 * The single tensor of a layer's inputs / outputs; `where` names the caller in the error for a list of several.
 * @internal
 */
export function single(x: tf.Tensor | tf.Tensor[], where = 'tfjs-jacobian-reg'): tf.Tensor {
  if (Array.isArray(x)) {
    if (x.length !== 1)
      throw new ValueError(`${where}: the layer must take and return exactly one tensor; got ${x.length} tensors.`);
    return x[0];
  }
  return x;
}
