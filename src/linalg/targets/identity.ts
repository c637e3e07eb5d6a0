import * as tf from '@tensorflow/tfjs-core';
import { Target, requireSquare } from './target';

/** T = I (square A only): Tv = v, regularizing A towards the identity map. */
export const identityTarget: Target = (a) => {
  requireSquare(a, 'identity');
  return {
    batchSize: a.batchSize,
    inShape: a.inShape,
    outShape: a.outShape,
    symmetric: true,
    matvec: (v) => tf.reshape(v, [a.batchSize, ...a.outShape]),
    rmatvec: (u) => tf.reshape(u, [a.batchSize, ...a.inShape]),
    dispose: () => undefined
  };
};
