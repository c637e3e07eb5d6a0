/** Constant matrices as a LinearOperator, for the linear-algebra tests. */
import * as tf from '@tensorflow/tfjs-core';
import { LinearOperator } from '../../src/linalg/operator';

/** A batch of constant matrices as an operator: A_b v = M_b v. */
export function matrixOperator(matrices: number[][][], symmetric = false): LinearOperator {
  const m = tf.tensor3d(matrices);
  const [batchSize, rows, cols] = m.shape;
  return {
    batchSize,
    inShape: [cols],
    outShape: [rows],
    symmetric,
    matvec: (v) => tf.tidy(() => tf.squeeze(tf.matMul(m, tf.expandDims(v, 2)), [2])),
    rmatvec: (u) => tf.tidy(() => tf.squeeze(tf.matMul(m, tf.expandDims(u, 2), true), [2])),
    dispose: () => m.dispose(),
  };
}
