import * as tf from '@tensorflow/tfjs-core';
import { fail, formatValue } from '../../errors';
import { LinearOperator, checkOperator, makeOperator } from '../operator';

/**
 * M = A − T: Mv = Av − Tv, Mᵀu = Aᵀu − Tᵀu; symmetric when both are. M owns A and T: `dispose` frees both.
 * ```js
 * const w = tf.tensor2d([[1, 2], [3, 4]]);
 * const j = jr.jacobianOperator((z) => tf.matMul(z, w), tf.ones([1, 2]));  // f(x) = x W: J = Wᵀ
 * console.log(jr.dense(jr.difference(j, jr.transposeTarget(j))).arraySync());  // → [[[0, 1], [-1, 0]]]
 * ```
 * @throws ValueError when T's batch or shapes differ from A's, or (on a product) A or T returns another shape.
 */
export function difference(a: LinearOperator, t: LinearOperator): LinearOperator {
  const where = 'jr.difference';
  checkOperator(where, a, 'A');
  checkOperator(where, t, 'T');
  const same = (p: number[], q: number[]) => p.length === q.length && p.every((d, i) => d === q[i]);
  if (t.batchSize !== a.batchSize || !same(t.inShape, a.inShape) || !same(t.outShape, a.outShape)) {
    const describe = (o: LinearOperator) => ({ batchSize: o.batchSize, inShape: o.inShape, outShape: o.outShape });
    fail(where, 'T', `must have A's batch and shapes ${formatValue(describe(a))}`, describe(t));
  }
  const checkedA = makeOperator(where, a, a, 'A.');
  const checkedT = makeOperator(where, a, t, 'T.');
  return makeOperator(where, a, {
    symmetric: a.symmetric && t.symmetric,
    matvec: (v) => tf.tidy(() => tf.sub(checkedA.matvec(v), checkedT.matvec(v))),
    rmatvec: (u) => tf.tidy(() => tf.sub(checkedA.rmatvec(u), checkedT.rmatvec(u))),
    dispose: () => {
      t.dispose();
      a.dispose();
    },
  });
}
