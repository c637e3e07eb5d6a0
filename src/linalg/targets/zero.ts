import * as tf from '@tensorflow/tfjs-core';
import { Target } from './target';

/** T = 0: the classic Jacobian / Hessian regularization ‖A‖. */
export const zeroTarget: Target = (a) => ({
  batchSize: a.batchSize,
  inShape: a.inShape,
  outShape: a.outShape,
  symmetric: true,
  matvec: () => tf.zeros([a.batchSize, ...a.outShape]),
  rmatvec: () => tf.zeros([a.batchSize, ...a.inShape]),
  dispose: () => undefined
});
