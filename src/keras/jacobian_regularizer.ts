import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { BatchFunction } from '../autodiff/products';
import { LinearOperator } from '../linalg/operator';
import { jacobianOperator } from '../linalg/operators/jacobian';
import { linearizedJacobian } from './linearized_jacobian';
import { DerivativeRegularizer } from './regularizer';
import { configArgs } from './regularizer_args';

/**
 * penalty = weight · ‖vᵀ(J − T)‖², J = ∂f(x)/∂x per sample (f: the wrapped layer or model).
 * ```js
 * const reg = jr.regularizers.jacobian({weight: 0.1, target: 'transpose'});
 * const copy = jr.JacobianRegularizer.fromConfig(jr.JacobianRegularizer, reg.getConfig());  // as a model load does
 * console.log(reg instanceof jr.JacobianRegularizer, copy.weight, copy.target);  // → true, 0.1, 'transpose'
 * ```
 */
export class JacobianRegularizer extends DerivativeRegularizer {
  /** Registered tfjs serialization name. */
  static className = 'tfjs-jacobian-reg>JacobianRegularizer';
  get kind() {
    return 'jacobian';
  }
  protected operator(f: BatchFunction, x: tf.Tensor, _y?: tf.Tensor, layer?: tfl.layers.Layer): LinearOperator {
    return (layer && linearizedJacobian(layer, x)) ?? jacobianOperator(f, x);
  }
  static fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls(configArgs('jr.regularizers.jacobian', config));
  }
}
