import * as tf from '@tensorflow/tfjs-core';
import { lanczos } from '../../src/linalg/lanczos';
import { powerIteration } from '../../src/linalg/power_iteration';
import { describeEachBackend } from '../helpers/backends';

const relErr = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describeEachBackend('Lanczos recurrence', () => {
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
});
