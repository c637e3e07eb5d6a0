import * as tf from '@tensorflow/tfjs-core';
import { makeOperator } from '../operator';
import { Target } from './target';

/** T = 0: the classic Jacobian / Hessian regularization ‖A‖. */
export const zeroTarget: Target = (a) =>
  makeOperator('jr.zeroTarget', a, {
    symmetric: true,
    matvec: () => tf.zeros([a.batchSize, ...a.outShape]),
    rmatvec: () => tf.zeros([a.batchSize, ...a.inShape]),
  });
