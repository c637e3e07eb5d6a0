/**
 * The vectors `jacobianPenalty` / `hessianPenalty` return are the top singular vectors of the exact derivative:
 * |⟨v, u_exact⟩| ≈ 1 with u_exact from an independent Jacobi SVD of the row-by-row Jacobian / Hessian, in the space
 * the estimate ran in (left vectors in the output space, right vectors in the input space, eigenvectors for 'self').
 */
import * as tf from '@tensorflow/tfjs-core';
import * as jr from '../../../src';
import { describeEachBackend } from '../../helpers/backends';
import { mlp } from '../../helpers/models';
import { hessianByRows, jacobianByRows } from '../../helpers/oracle';
import { dot, norm, topSingularTriplet } from '../../helpers/oracle';

const OPTIONS: Array<[string, jr.DerivativePenaltyOptions]> = [
  ['exact', { method: 'exact' }],
  ['lanczos', { method: 'lanczos', iterations: 16, tol: 0, seed: 3 }],
];

/** Checks shape [B, 1, d], unit norm, and |⟨v_b, exact_b⟩| ≈ 1 per sample; returns the alignments. */
function expectTopVectors(result: jr.DerivativePenalty, exact: number[][], d: number) {
  expect(result.vectors.shape).toEqual([exact.length, 1, d]);
  const v = (result.vectors.arraySync() as number[][][]).map((p) => p[0]);
  const alignments = v.map((vb, b) => Math.abs(dot(vb, exact[b])));
  v.forEach((vb) => expect(Math.abs(norm(vb) - 1)).toBeLessThan(1e-5));
  alignments.forEach((a) => expect(a).toBeGreaterThan(1 - 1e-4));
  return alignments;
}

describeEachBackend('the returned vectors', () => {
  describe.each(OPTIONS)('%s: v is the top singular vector of the exact derivative', (_name, options) => {
    it('Jacobian, m < n (output space): v = the left singular vector u', () => {
      const net = mlp([5, 7, 3], 'tanh', 61);
      const x = tf.randomNormal([4, 5], 0, 1, 'float32', 62);
      const exact = jacobianByRows(net.f, x).map((j) => topSingularTriplet(j).u);
      const result = jr.jacobianPenalty(net.f, x, options);
      expect(result.space).toBe('output');
      expectTopVectors(result, exact, 3);
      tf.dispose([result.penalty, result.sigma, result.vectors, x]);
      net.dispose();
    });

    it('Jacobian, m > n (input space): v = the right singular vector', () => {
      const net = mlp([3, 7, 5], 'tanh', 71);
      const x = tf.randomNormal([4, 3], 0, 1, 'float32', 72);
      const exact = jacobianByRows(net.f, x).map((j) => topSingularTriplet(j).v);
      const result = jr.jacobianPenalty(net.f, x, options);
      expect(result.space).toBe('input');
      expectTopVectors(result, exact, 3);
      tf.dispose([result.penalty, result.sigma, result.vectors, x]);
      net.dispose();
    });

    it('Jacobian minus a target (J − I, square): the top vector of J − I, not of J', () => {
      const net = mlp([4, 7, 4], 'tanh', 81);
      const x = tf.randomNormal([3, 4], 0, 1, 'float32', 82);
      const jac = jacobianByRows(net.f, x);
      const exact = jac.map((j) => topSingularTriplet(j.map((r, i) => r.map((v, k) => v - (i === k ? 1 : 0)))).u);
      const result = jr.jacobianPenalty(net.f, x, { ...options, target: 'identity' });
      expectTopVectors(result, exact, 4);
      // J's own top vector is a different one on these samples (else this case would not tell the two apart).
      const own = jac.map((j) => topSingularTriplet(j).u);
      expect(Math.min(...own.map((u, b) => Math.abs(dot(u, exact[b]))))).toBeLessThan(0.99);
      tf.dispose([result.penalty, result.sigma, result.vectors, x]);
      net.dispose();
    });

    it("Hessian (space 'self'): v = the eigenvector of the largest |λ|", () => {
      const net = mlp([4, 6, 2], 'softplus', 91);
      const c = tf.tensor1d([1, -0.5]);
      const g = (z: tf.Tensor) => tf.sum(tf.mul(net.f(z), c), 1);
      const x = tf.randomNormal([3, 4], 0, 1, 'float32', 92);
      const exact = hessianByRows(g, x).map((h) => topSingularTriplet(h).v);
      const result = jr.hessianPenalty(g, x, options);
      expect(result.space).toBe('self');
      expectTopVectors(result, exact, 4);
      tf.dispose([result.penalty, result.sigma, result.vectors, x, c]);
      net.dispose();
    });
  });

  describe('the vectors are constants the caller owns', () => {
    it('penalty, sigma and vectors are the only tensors left, for every method; inside variableGrads too', () => {
      const net = mlp([5, 7, 3], 'tanh', 101);
      const x = tf.randomNormal([4, 5], 0, 1, 'float32', 102);
      for (const method of jr.METHODS) {
        const before = tf.memory().numTensors;
        const result = jr.jacobianPenalty(net.f, x, { method, iterations: 3, seed: 1 });
        expect(tf.memory().numTensors).toBe(before + 3);
        tf.dispose([result.penalty, result.sigma, result.vectors]);
        expect(tf.memory().numTensors).toBe(before);
        // The vectors carry no gradient: tfjs finds no path from the weights to Σ vectors.
        const sumOfVectors = () =>
          tf.sum(jr.jacobianPenalty(net.f, x, { method, iterations: 3, seed: 1 }).vectors) as tf.Scalar;
        expect(() => tf.tidy(() => tf.variableGrads(sumOfVectors, net.weights).value)).toThrow(
          /Cannot find a connection between any variable/,
        );
        expect(tf.memory().numTensors).toBe(before);
      }
      x.dispose();
      net.dispose();
    });
  });
});
