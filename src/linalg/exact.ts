import * as tf from '@tensorflow/tfjs-core';
import { symmetricEigen, topIndex } from './symmetric_eigen';

/**
 * Exact top eigenpair of small dense symmetric matrices S[B, d, d] (float64 Jacobi on the host): the reference
 * the estimators are compared with. `which` as in Lanczos.
 * @internal
 */
export function exactTopEigen(
  s: tf.Tensor3D,
  which: 'largest' | 'largestMagnitude',
): { values: number[]; vectors: tf.Tensor2D } {
  const matrices = s.arraySync();
  const pairs = matrices.map((m) => {
    const { values, vectors } = symmetricEigen(m);
    const top = topIndex(values, which);
    return { value: values[top], vector: vectors[top] };
  });
  return { values: pairs.map((p) => p.value), vectors: tf.tensor2d(pairs.map((p) => p.vector)) };
}
