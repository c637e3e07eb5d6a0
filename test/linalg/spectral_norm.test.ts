import * as tf from '@tensorflow/tfjs-core';
import { hessianOperator } from '../../src/linalg/operators/hessian';
import { jacobianOperator } from '../../src/linalg/operators/jacobian';
import { estimateSpectralNorm } from '../../src/linalg/spectral_norm';
import { mlpHessian, mlpJacobian } from '../helpers/analytic';
import { describeEachBackend } from '../helpers/backends';
import { matrixOperator } from '../helpers/matrix_operator';
import { mlp } from '../helpers/models';
import { topSingularValue } from '../helpers/oracle';

const sigmas = (e: { sigma: tf.Tensor }) => Array.from(e.sigma.dataSync());
const relErr = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describeEachBackend('estimateSpectralNorm: σ_max against an independent SVD', () => {
  it.each([
    ['output space (m < n: a classifier Jacobian)', [4, 9, 3]],
    ['input space (m > n)', [3, 9, 6]],
  ])('%s, steps ≥ dimension', (_, sizes) => {
    const net = mlp(sizes as [number, number, number], 'tanh', 5);
    const x = tf.randomNormal([5, sizes[0]], 0, 1, 'float32', 8);
    const exact = mlpJacobian(net, x, 'tanh').map(topSingularValue);
    const op = jacobianOperator(net.f, x);
    const before = tf.memory().numTensors;
    const estimate = estimateSpectralNorm(op, { method: 'lanczos', iterations: 10, seed: 1, tol: 0 });
    expect(estimate.space).toBe(sizes[2] <= sizes[0] ? 'output' : 'input');
    sigmas(estimate).forEach((s, b) => expect(relErr(s, exact[b])).toBeLessThan(1e-3));
    tf.dispose([estimate.sigma, estimate.vectors]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(x);
    net.dispose();
  });

  it('runs on a symmetric Hessian itself and returns max |λ|', () => {
    const net = mlp([5, 8, 2], 'softplus', 2);
    const c = [1.5, -0.5];
    const g = (x: tf.Tensor) => tf.sum(tf.mul(net.f(x), tf.tensor1d(c)), 1);
    const x = tf.randomNormal([4, 5], 0, 1, 'float32', 3);
    const exact = mlpHessian(net, x, 'softplus', c).map(topSingularValue);
    const estimate = estimateSpectralNorm(hessianOperator(g, x), { iterations: 5, seed: 2, tol: 0 });
    expect(estimate.space).toBe('self');
    expect(estimate.products).toBe(5);
    sigmas(estimate).forEach((s, b) => expect(relErr(s, exact[b])).toBeLessThan(1e-3));
    tf.dispose([estimate.sigma, estimate.vectors, x]);
    net.dispose();
  });

  it("'exact' and many power iterations agree with the SVD; Hutchinson estimates the Frobenius norm", () => {
    const matrices = [
      [
        [3, 1, 0, 2],
        [0, -2, 1, 1],
        [1, 1, 1, 0],
      ],
      [
        [0.5, 0, 0, 0],
        [0, 0.2, 0, 0],
        [0, 0, 0.1, 0],
      ],
    ];
    const op = matrixOperator(matrices);
    const exact = matrices.map(topSingularValue);
    const frobenius = matrices.map((a) => Math.sqrt(a.flat().reduce((s, v) => s + v * v, 0)));
    const e = estimateSpectralNorm(op, { method: 'exact' });
    sigmas(e).forEach((s, b) => expect(relErr(s, exact[b])).toBeLessThan(1e-5));
    const p = estimateSpectralNorm(op, { method: 'power', iterations: 200, seed: 3 });
    sigmas(p).forEach((s, b) => expect(relErr(s, exact[b])).toBeLessThan(1e-4));
    // 400 Gaussian projections: relative std of ‖M‖²_F's estimate ≤ √(2/400) ≈ 7%.
    const h = estimateSpectralNorm(op, { method: 'hutchinson', iterations: 400, seed: 4 });
    sigmas(h).forEach((s, b) => expect(relErr(s * s, frobenius[b] ** 2)).toBeLessThan(0.25));
    tf.dispose([e.sigma, e.vectors, p.sigma, p.vectors, h.sigma, h.vectors]);
    op.dispose();
  });
});

describeEachBackend('estimateSpectralNorm: seeds and memory', () => {
  it('is reproducible for a seed and leaves no tensors behind', () => {
    const op = matrixOperator(
      [
        [
          [2, 1, 0],
          [1, 3, 1],
          [0, 1, 4],
        ],
      ],
      true,
    );
    const before = tf.memory().numTensors;
    const a = estimateSpectralNorm(op, { iterations: 2, seed: 42, tol: 0 });
    const b = estimateSpectralNorm(op, { iterations: 2, seed: 42, tol: 0 });
    const c = estimateSpectralNorm(op, { iterations: 2, seed: 43, tol: 0 });
    expect(Array.from(a.vectors.dataSync())).toEqual(Array.from(b.vectors.dataSync()));
    expect(Array.from(a.vectors.dataSync())).not.toEqual(Array.from(c.vectors.dataSync()));
    [a, b, c].forEach((e) => tf.dispose([e.sigma, e.vectors]));
    expect(tf.memory().numTensors).toBe(before);
    op.dispose();
  });
});
