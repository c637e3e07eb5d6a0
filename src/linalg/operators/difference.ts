import * as tf from '@tensorflow/tfjs-core';
import { LinearOperator } from '../operator';

/** M = A − T: Mv = Av − Tv, Mᵀu = Aᵀu − Tᵀu; symmetric when both are. M owns A and T: `dispose` frees both. */
export function difference(a: LinearOperator, t: LinearOperator): LinearOperator {
  return {
    batchSize: a.batchSize,
    inShape: a.inShape,
    outShape: a.outShape,
    symmetric: a.symmetric && t.symmetric,
    matvec: (v) => tf.tidy(() => tf.sub(a.matvec(v), t.matvec(v))),
    rmatvec: (u) => tf.tidy(() => tf.sub(a.rmatvec(u), t.rmatvec(u))),
    dispose: () => {
      t.dispose();
      a.dispose();
    }
  };
}
