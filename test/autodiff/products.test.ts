import * as tf from '@tensorflow/tfjs-core';
import { hvp, jvp, vjp } from '../../src/autodiff/products';
import { mlpHessian, mlpJacobian } from '../helpers/analytic';
import { describeEachBackend } from '../helpers/backends';
import { cnn, mlp } from '../helpers/models';
import { jacobianByDifferences, jacobianByRows, matVec, maxRelativeError, transpose } from '../helpers/oracle';

const TOL = 1e-4;

/** Checks Jv and Jᵀu per sample against dense J[B][m][n]. */
function checkProducts(f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor, jac: number[][][]) {
  const batch = x.shape[0];
  const m = jac[0].length;
  const n = jac[0][0].length;
  const v = tf.randomNormal([batch, n], 0, 1, 'float32', 11);
  const u = tf.randomNormal([batch, m], 0, 1, 'float32', 12);
  const outShape = tf.tidy(() => f(x).shape);
  const [vx, uy] = [tf.reshape(v, x.shape), tf.reshape(u, outShape)];
  const before = tf.memory().numTensors;
  const jv = jvp(f, x, vx);
  const jtu = vjp(f, x, uy);
  const jvRows = tf.tidy(() => tf.reshape(jv, [batch, m]).arraySync() as number[][]);
  const jtuRows = tf.tidy(() => tf.reshape(jtu, [batch, n]).arraySync() as number[][]);
  jv.dispose();
  jtu.dispose();
  expect(tf.memory().numTensors).toBe(before);
  const vs = v.arraySync() as number[][];
  const us = u.arraySync() as number[][];
  for (let b = 0; b < batch; b++) {
    expect(maxRelativeError(jvRows[b], matVec(jac[b], vs[b]))).toBeLessThan(TOL);
    expect(maxRelativeError(jtuRows[b], matVec(transpose(jac[b]), us[b]))).toBeLessThan(TOL);
  }
  tf.dispose([u, v, vx, uy]);
}

describeEachBackend('products against dense derivatives', () => {
  it.each(['tanh', 'softplus'] as const)('JVP and VJP equal the closed-form Jacobian of a %s MLP', (act) => {
    const net = mlp([5, 7, 3], act);
    const x = tf.randomNormal([4, 5], 0, 1, 'float32', 3);
    checkProducts(net.f, x, mlpJacobian(net, x, act));
    net.dispose();
    x.dispose();
  });

  it('JVP and VJP equal the row-by-row Jacobian of a small CNN, itself checked by finite differences', () => {
    const { model, f } = cnn();
    const x = tf.randomNormal([2, 6, 6, 1], 0, 1, 'float32', 5);
    const jac = jacobianByRows(f, x);
    const differences = jacobianByDifferences(f, x);
    jac.forEach((jb, b) => expect(maxRelativeError(jb.flat(), differences[b].flat())).toBeLessThan(2e-2));
    checkProducts(f, x, jac);
    model.dispose();
    x.dispose();
  });

  it.each(['tanh', 'softplus'] as const)('HVP equals the closed-form Hessian of a scalar of a %s MLP', (act) => {
    const net = mlp([5, 7, 3], act);
    const c = [0.7, -1.2, 0.4];
    const g = (x: tf.Tensor) => tf.sum(tf.mul(net.f(x), tf.tensor1d(c)), 1);
    const x = tf.randomNormal([3, 5], 0, 1, 'float32', 4);
    const v = tf.randomNormal([3, 5], 0, 1, 'float32', 9);
    const before = tf.memory().numTensors;
    const hv = hvp(g, x, v);
    const rows = hv.arraySync() as number[][];
    hv.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const hessians = mlpHessian(net, x, act, c);
    const vs = v.arraySync() as number[][];
    hessians.forEach((h, b) => expect(maxRelativeError(rows[b], matVec(h, vs[b]))).toBeLessThan(TOL));
    tf.dispose([x, v]);
    net.dispose();
  });

  it('gives zeros, not an error, when the product does not depend on x', () => {
    const w = tf.tensor2d([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const linear = (x: tf.Tensor) => tf.sum(tf.matMul(x as tf.Tensor2D, w), 1);
    const x = tf.ones([2, 3]);
    const hv = hvp(linear, x, tf.ones([2, 3]));
    expect(Array.from(hv.dataSync())).toEqual([0, 0, 0, 0, 0, 0]);
    const constant = () => tf.ones([2, 4]);
    expect(Array.from(vjp(constant, x, tf.ones([2, 4])).dataSync())).toEqual(new Array(6).fill(0));
    tf.dispose([w, x, hv]);
  });

  it('lets weight gradients flow inside tf.variableGrads (checked by finite differences)', () => {
    const net = mlp([4, 6, 2], 'tanh');
    const x = tf.randomNormal([3, 4], 0, 1, 'float32', 21);
    const u = tf.randomNormal([3, 2], 0, 1, 'float32', 22);
    const v = tf.randomNormal([3, 4], 0, 1, 'float32', 23);
    // P(W) = ‖Jᵀu‖² + ‖Jv‖²: exercises both products at second order.
    const p = () =>
      tf.tidy(() => tf.add(tf.sum(tf.square(vjp(net.f, x, u))), tf.sum(tf.square(jvp(net.f, x, v)))) as tf.Scalar);
    const { grads } = tf.variableGrads(p, net.weights);
    const w1 = net.weights[0];
    const g = grads[w1.name].arraySync() as number[][];
    const h = 1e-2;
    const original = w1.clone();
    for (const [i, j] of [
      [0, 0],
      [1, 3],
      [3, 5],
    ]) {
      const at = (delta: number) => {
        w1.assign(
          tf.tidy(() =>
            tf.add(original, tf.mul(delta, tf.reshape(tf.cast(tf.oneHot([i * 6 + j], 24), 'float32'), [4, 6]))),
          ),
        );
        return p().dataSync()[0];
      };
      const fd = (at(h) - at(-h)) / (2 * h);
      expect(Math.abs(g[i][j] - fd)).toBeLessThan(2e-2 * Math.max(1, Math.abs(fd)));
    }
    w1.assign(original);
    tf.dispose([x, u, v, original, ...Object.values(grads)]);
    net.dispose();
  });
});
