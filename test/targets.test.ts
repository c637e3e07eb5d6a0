import * as tf from '@tensorflow/tfjs-core';
import {
  dense,
  difference,
  gradient,
  jacobianOperator,
  jacobianPenalty,
  hessianPenalty,
  identityTarget,
  resolveTarget,
  rowSumDiagonalTarget,
  transposeTarget,
  userTarget,
  zeroTarget,
} from '../src';
import { mlpJacobian } from './helpers/analytic';
import { mlp } from './helpers/models';
import { transpose } from './helpers/oracle';

const close = (actual: number[][][], expected: number[][][], tol = 1e-4) => {
  const a = actual.flat(2);
  const e = expected.flat(2);
  const scale = Math.max(...e.map(Math.abs), 1e-6);
  a.forEach((v, i) => expect(Math.abs(v - e[i])).toBeLessThan(tol * scale));
};

describe('targets: dense matrices equal their definitions', () => {
  const net = mlp([4, 6, 4], 'tanh', 3);
  const x = tf.randomNormal([3, 4], 0, 1, 'float32', 6);
  const jac = mlpJacobian(net, x, 'tanh');
  const a = jacobianOperator(net.f, x);
  afterAll(() => {
    x.dispose();
    net.dispose();
  });

  const check = (target: ReturnType<typeof resolveTarget>, expected: number[][][]) => {
    const t = target(a);
    const before = tf.memory().numTensors;
    const d = dense(t);
    const m = difference(a, target(a));
    const dm = dense(m);
    close(d.arraySync(), expected);
    close(
      dm.arraySync(),
      jac.map((j, b) => j.map((row, i) => row.map((v, k) => v - expected[b][i][k]))),
    );
    tf.dispose([d, dm]);
    t.dispose();
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  };

  it('zero', () =>
    check(
      zeroTarget,
      jac.map((j) => j.map((r) => r.map(() => 0))),
    ));
  it('identity', () =>
    check(
      identityTarget,
      jac.map((j) => j.map((r, i) => r.map((_, k) => (i === k ? 1 : 0)))),
    ));
  it('transpose: T = Jᵀ', () => check(transposeTarget, jac.map(transpose)));
  it('rowSumDiagonal: T = D(J·1)', () =>
    check(
      rowSumDiagonalTarget,
      jac.map((j) => j.map((r, i) => r.map((_, k) => (i === k ? j[i].reduce((s, v) => s + v, 0) : 0)))),
    ));
  it('a user operator {matvec, rmatvec}', () => {
    const c = [
      [1, 2, 0, 0],
      [0, 1, 0, 3],
      [2, 0, 1, 0],
      [0, 0, 0, 1],
    ];
    const ct = tf.tensor2d(c);
    const target = userTarget({
      matvec: (v) => tf.matMul(v as tf.Tensor2D, ct, false, true),
      rmatvec: (u) => tf.matMul(u as tf.Tensor2D, ct),
    });
    check(target, [c, c, c]);
    ct.dispose();
  });

  it('square-only targets refuse a non-square Jacobian, naming the target and the shapes', () => {
    const wide = mlp([5, 4, 3], 'tanh');
    const xw = tf.ones([2, 5]);
    const op = jacobianOperator(wide.f, xw);
    for (const name of ['identity', 'transpose', 'rowSumDiagonal'] as const) {
      expect(() => resolveTarget(name)(op)).toThrow(new RegExp(`target '${name}' needs a square matrix.*3×5`));
      expect(() => jacobianPenalty(wide.f, xw, { target: name })).toThrow(/needs a square matrix/);
    }
    expect(() => resolveTarget('diagonal' as never)).toThrow(
      /target must be one of 'zero', 'identity', 'transpose', 'rowSumDiagonal'/,
    );
    xw.dispose();
    wide.dispose();
  });
});

describe('symmetry and diagonality penalties vanish where they should', () => {
  it('symmetry: the Jacobian of a gradient field f = ∇φ is symmetric', () => {
    const net = mlp([5, 8, 1], 'softplus', 4);
    const phi = (x: tf.Tensor) => tf.sum(net.f(x)) as tf.Scalar;
    const field = (x: tf.Tensor) => gradient(phi, x); // f = ∇φ, J = ∇²φ symmetric
    const other = mlp([5, 8, 5], 'tanh', 4); // a generic field, J ≠ Jᵀ
    const x = tf.randomNormal([3, 5], 0, 1, 'float32', 2);
    const options = { target: 'transpose' as const, method: 'exact' as const };
    const conservative = jacobianPenalty(field, x, options);
    const generic = jacobianPenalty(other.f, x, options);
    const reference = jacobianPenalty(field, x, { method: 'exact' }); // ‖J‖²: the scale to compare with
    expect(conservative.penalty.dataSync()[0]).toBeLessThan(1e-6 * reference.penalty.dataSync()[0] + 1e-10);
    expect(generic.penalty.dataSync()[0]).toBeGreaterThan(1e-2);
    [conservative, generic, reference].forEach((p) => tf.dispose([p.penalty, p.sigma, p.vectors]));
    x.dispose();
    net.dispose();
    other.dispose();
  });

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
