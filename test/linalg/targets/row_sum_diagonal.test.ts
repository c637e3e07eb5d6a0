import * as tf from '@tensorflow/tfjs-core';
import { rowSumDiagonalTarget } from '../../../src/linalg/targets/row_sum_diagonal';
import { hessianPenalty, jacobianPenalty } from '../../../src/penalty/derivative';
import { describeEachBackend } from '../../helpers/backends';
import { mlp } from '../../helpers/models';
import { TargetCase, targetCase } from '../../helpers/targets';

describeEachBackend('rowSumDiagonalTarget: the dense matrix equals its definition', () => {
  let c: TargetCase;
  beforeAll(() => {
    c = targetCase();
  });
  afterAll(() => c.dispose());

  it('rowSumDiagonal: T = D(J·1)', () =>
    c.check(
      rowSumDiagonalTarget,
      c.jac.map((j) => j.map((r, i) => r.map((_, k) => (i === k ? j[i].reduce((s, v) => s + v, 0) : 0)))),
    ));
});

describeEachBackend('the diagonality penalty (target rowSumDiagonal) vanishes where it should', () => {
  it('diagonality: an elementwise map has a diagonal Jacobian and Hessian', () => {
    const scale = tf.tensor1d([0.5, -1, 2, 1.5]);
    const elementwise = (x: tf.Tensor) => tf.mul(tf.tanh(x), scale);
    const separable = (x: tf.Tensor) => tf.sum(tf.mul(tf.softplus(tf.mul(x, scale)), scale), 1); // Σ g_i(x_i)
    const mixing = mlp([4, 6, 4], 'tanh', 9);
    const x = tf.randomNormal([3, 4], 0, 1, 'float32', 12);
    const options = { target: 'rowSumDiagonal' as const, method: 'exact' as const };
    const jDiag = jacobianPenalty(elementwise, x, options);
    const hDiag = hessianPenalty(separable, x, options);
    const jMixed = jacobianPenalty(mixing.f, x, options);
    expect(jDiag.penalty.dataSync()[0]).toBeLessThan(1e-10);
    expect(hDiag.penalty.dataSync()[0]).toBeLessThan(1e-10);
    expect(jMixed.penalty.dataSync()[0]).toBeGreaterThan(1e-2);
    [jDiag, hDiag, jMixed].forEach((p) => tf.dispose([p.penalty, p.sigma, p.vectors]));
    tf.dispose([scale, x]);
    mixing.dispose();
  });
});
