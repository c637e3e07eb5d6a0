import * as tf from '@tensorflow/tfjs-core';
import { makeOperator } from '../operator';
import { Target, requireSquare } from './target';

/** T = I (square A only): Tv = v, regularizing A towards the identity map. */
export const identityTarget: Target = (a) => {
  requireSquare(a, 'identity');
  return makeOperator('jr.identityTarget', a, {
    symmetric: true,
    matvec: (v) => tf.reshape(v, [a.batchSize, ...a.outShape]),
    rmatvec: (u) => tf.reshape(u, [a.batchSize, ...a.inShape]),
  });
};
