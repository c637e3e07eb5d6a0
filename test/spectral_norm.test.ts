import * as tf from '@tensorflow/tfjs-core';
import {
  LinearOperator,
  dense,
  estimateSpectralNorm,
  hessianOperator,
  jacobianOperator,
  lanczos,
  powerIteration,
} from '../src';
import { mlpHessian, mlpJacobian } from './helpers/analytic';
import { mlp } from './helpers/models';
import { topSingularValue } from './helpers/oracle';

/** A batch of constant matrices as an operator: A_b v = M_b v. */
function matrixOperator(matrices: number[][][], symmetric = false): LinearOperator {
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

const sigmas = (e: { sigma: tf.Tensor }) => Array.from(e.sigma.dataSync());
const relErr = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('Lanczos σ_max against an independent SVD', () => {
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

describe('Lanczos recurrence', () => {
  const diagonal = (values: number[]) => {
    const d = tf.tensor2d([values]);
    return { apply: (q: tf.Tensor2D) => tf.mul(d, q) as tf.Tensor2D, dispose: () => d.dispose() };
  };

  it('ends a sample on breakdown without NaN (rank-1 operator, more steps than rank)', () => {
    // S = a aᵀ has one non-zero eigenvalue ‖a‖²: the Krylov space is invariant after one step.
    const a = tf.tensor2d([[1, 2, 2, 0, 0, 0]]);
    const apply = (q: tf.Tensor2D) => tf.mul(a, tf.sum(tf.mul(a, q), 1, true)) as tf.Tensor2D;
    const start = tf.tensor2d([[1, 1, 1, 1, 1, 1]]);
    const result = lanczos(apply, start, { steps: 6, tol: 0 });
    expect(result.values[0]).toBeCloseTo(9, 4);
    expect(result.alphas[0].length).toBeLessThanOrEqual(2);
    expect(Array.from(result.vectors.dataSync()).every(Number.isFinite)).toBe(true);
    const v = Array.from(result.vectors.dataSync());
    expect(Math.abs(v[0] * 1 + v[1] * 2 + v[2] * 2) / 3).toBeCloseTo(1, 4); // v = ±a/‖a‖
    tf.dispose([a, start, result.vectors]);
  });

  it('handles the zero operator (breakdown at the first step)', () => {
    const start = tf.ones([2, 4]) as tf.Tensor2D;
    const result = lanczos((q) => tf.zerosLike(q), start, { steps: 3 });
    expect(result.values).toEqual([0, 0]);
    expect(Array.from(result.vectors.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([start, result.vectors]);
  });

  it('stops early once every sample has converged, with the right value', () => {
    const values = Array.from({ length: 60 }, (_, i) => (i === 0 ? 10 : 1 + i / 100));
    const s = diagonal(values);
    const start = tf.randomNormal([3, 60], 0, 1, 'float32', 5) as tf.Tensor2D;
    const result = lanczos(s.apply, start, { steps: 60, tol: 1e-4 });
    expect(result.steps).toBeLessThan(20);
    result.values.forEach((v) => expect(relErr(v, 10)).toBeLessThan(1e-4));
    const full = lanczos(s.apply, start, { steps: 60, tol: 0 });
    expect(full.steps).toBe(60);
    tf.dispose([start, result.vectors, full.vectors]);
    s.dispose();
  });

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

  it('beats power iteration at equal products on a clustered spectrum (Krylov optimality)', () => {
    const values = Array.from({ length: 40 }, (_, i) => 1 - i / 80);
    const s = diagonal(values);
    const start = tf.randomNormal([8, 40], 0, 1, 'float32', 9) as tf.Tensor2D;
    const l = lanczos(s.apply, start, { steps: 8, tol: 0 });
    const p = powerIteration(s.apply, start, { steps: 8 });
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(l.values.map((v) => 1 - v))).toBeLessThan(mean(p.values.map((v) => 1 - v)));
    tf.dispose([start, l.vectors, p.vectors]);
    s.dispose();
  });

  it('without re-orthogonalization still finds a well-separated top eigenvalue', () => {
    const s = diagonal([5, 1, 0.5, 0.25, 0.1]);
    const start = tf.ones([1, 5]) as tf.Tensor2D;
    const r = lanczos(s.apply, start, { steps: 5, reorthogonalize: false, tol: 0 });
    expect(relErr(r.values[0], 5)).toBeLessThan(1e-4);
    tf.dispose([start, r.vectors]);
    s.dispose();
  });

  it('dense() builds the operator matrix', () => {
    const matrices = [
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
    ];
    const op = matrixOperator(matrices);
    const d = dense(op);
    expect(d.arraySync()).toEqual(matrices);
    d.dispose();
    op.dispose();
  });
});
