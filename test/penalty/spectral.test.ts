/**
 * The bounded penalty mean_b max(0, σ_b − L)² against closed forms on models with constant derivatives:
 * f(x) = xW (J = Wᵀ) and g(x) = ½ xᵀSx (H = ½(S + Sᵀ)), σ from an independent Jacobi SVD in float64; weight
 * gradients against central differences of that closed form. And the bound's validation (`checkBound`).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as jr from '../../src';
import { describeEachBackend } from '../helpers/backends';
import { mean, topSingularTriplet, transpose } from '../helpers/oracle';

type Options = jr.DerivativePenaltyOptions;
const METHOD_OPTIONS: Record<'exact' | 'lanczos' | 'power', Options> = {
  exact: { method: 'exact' },
  lanczos: { method: 'lanczos', iterations: 4, tol: 0, seed: 1 },
  power: { method: 'power', iterations: 200, seed: 1 },
};
const excess = (sigma: number, bound: number, squared = true) => Math.max(0, sigma - bound) ** (squared ? 2 : 1);

/** ⟨∇penalty, d⟩ by autodiff vs central differences of `exact(w)` along random unit directions d; returns max rel. error. */
function gradientCheck(w: tf.Variable, penalty: () => tf.Scalar, exact: (w: number[][]) => number, h = 1e-3) {
  const { value, grads } = tf.variableGrads(penalty, [w]);
  const g = grads[w.name];
  const base = w.arraySync() as number[][];
  const errors: number[] = [];
  for (let k = 0; k < 3; k++) {
    const d = tf.tidy(() => {
      const r = tf.randomNormal(w.shape, 0, 1, 'float32', 50 + k);
      return tf.div(r, tf.norm(r));
    });
    const dir = d.arraySync() as number[][];
    const along = tf.tidy(() => tf.sum(tf.mul(g, d)).dataSync()[0]);
    const at = (s: number) => exact(base.map((row, i) => row.map((v, j) => v + s * dir[i][j])));
    const differences = (at(h) - at(-h)) / (2 * h);
    errors.push(Math.abs(along - differences) / Math.max(Math.abs(differences), 1e-3));
    d.dispose();
  }
  const gradient = g.arraySync() as number[][];
  tf.dispose([value, g]);
  return { errors, gradient };
}

describeEachBackend('Jacobian with a bound, f(x) = xW: penalty = max(0, σ(Wᵀ) − L)²', () => {
  let w: tf.Variable; // n = 4 → m = 3: output space
  let x: tf.Tensor;
  let sigma: number;
  const f = (z: tf.Tensor) => tf.matMul(z as tf.Tensor2D, w);
  const sigmaOf = (weights: number[][]) => topSingularTriplet(transpose(weights)).sigma;
  beforeAll(() => {
    w = tf.variable(tf.randomNormal([4, 3], 0, 1, 'float32', 7));
    x = tf.randomNormal([5, 4], 0, 1, 'float32', 8);
    sigma = sigmaOf(w.arraySync() as number[][]);
  });
  afterAll(() => tf.dispose([w, x]));

  describe.each(Object.keys(METHOD_OPTIONS) as Array<keyof typeof METHOD_OPTIONS>)('%s', (method) => {
    it.each([0.5, 0.9, 1.3])('L = %s σ: value and weight gradient', (fraction) => {
      const bound = fraction * sigma;
      const options = { ...METHOD_OPTIONS[method], bound };
      const run = () => jr.jacobianPenalty(f, x, options);
      const before = tf.memory().numTensors;
      const once = run();
      expect(once.penalty.dataSync()[0]).toBeCloseTo(excess(sigma, bound), 4);
      expect(Math.abs(once.penalty.dataSync()[0] - excess(sigma, bound))).toBeLessThan(1e-4 * sigma ** 2);
      tf.dispose([once.penalty, once.sigma, once.vectors]);
      expect(tf.memory().numTensors).toBe(before);

      const unsquared = jr.jacobianPenalty(f, x, { ...options, squared: false });
      expect(Math.abs(unsquared.penalty.dataSync()[0] - excess(sigma, bound, false))).toBeLessThan(1e-4 * sigma);
      tf.dispose([unsquared.penalty, unsquared.sigma, unsquared.vectors]);

      const { errors, gradient } = gradientCheck(
        w,
        () => tf.tidy(() => run().penalty),
        (ws) => excess(sigmaOf(ws), bound),
      );
      if (fraction > 1) {
        expect(gradient.flat().every((g) => g === 0)).toBe(true); // above the bound: no pull at all
      } else {
        errors.forEach((e) => expect(e).toBeLessThan(2e-3));
      }
    });
  });

  it('bound null / undefined is the unbounded penalty σ², bit for bit', () => {
    const values = [undefined, null].map((bound) =>
      tf.tidy(() => jr.jacobianPenalty(f, x, { ...METHOD_OPTIONS.lanczos, bound }).penalty.dataSync()[0]),
    );
    const plain = tf.tidy(() => jr.jacobianPenalty(f, x, METHOD_OPTIONS.lanczos).penalty.dataSync()[0]);
    expect(values).toEqual([plain, plain]);
    expect(Math.abs(plain - sigma ** 2)).toBeLessThan(1e-4 * sigma ** 2);
  });

  it('bound 0 gives σ²', () => {
    const value = tf.tidy(() => jr.jacobianPenalty(f, x, { method: 'exact', bound: 0 }).penalty.dataSync()[0]);
    expect(Math.abs(value - sigma ** 2)).toBeLessThan(1e-4 * sigma ** 2);
  });

  it('a zero Jacobian (q_b = 0): penalty ≈ 0 and a finite, zero gradient', () => {
    const zero = tf.variable(tf.zeros([4, 3]));
    const fz = (z: tf.Tensor) => tf.matMul(z as tf.Tensor2D, zero);
    for (const options of [{ bound: 0 }, { bound: 0.5 }, { bound: 0, squared: false }]) {
      const { value, grads } = tf.variableGrads(
        () => tf.tidy(() => jr.jacobianPenalty(fz, x, { method: 'exact', ...options }).penalty),
        [zero],
      );
      expect(value.dataSync()[0]).toBeLessThan(1e-14); // √max(q, 1e-30): at most 1e-15
      expect(Array.from(grads[zero.name].dataSync()).every((v) => v === 0)).toBe(true);
      tf.dispose([value, grads[zero.name]]);
    }
    zero.dispose();
  });

  it("'hutchinson': s_b = (Σᵢ‖Wvᵢ‖²)^½ from the returned projections, penalty mean_b max(0, s_b − L)², and its gradient", () => {
    const options: Options = { method: 'hutchinson', iterations: 3, seed: 4 };
    const first = jr.jacobianPenalty(f, x, options);
    expect(first.space).toBe('output');
    expect(first.vectors.shape).toEqual([5, 3, 3]);
    const projections = first.vectors.arraySync() as number[][][];
    // s_b(W) in float64 from the (W-independent, seeded) projections: ‖Mᵀv‖ with M = Wᵀ, i.e. ‖W v‖.
    const s = (ws: number[][]) =>
      projections.map((vs) =>
        Math.sqrt(
          vs.reduce((t, v) => t + ws.reduce((u, row) => u + row.reduce((a, wij, j) => a + wij * v[j], 0) ** 2, 0), 0),
        ),
      );
    const s0 = s(w.arraySync() as number[][]);
    Array.from(first.sigma.dataSync()).forEach((sb, b) => expect(Math.abs(sb - s0[b])).toBeLessThan(1e-5 * s0[b]));
    tf.dispose([first.penalty, first.sigma, first.vectors]);
    const sorted = [...s0].sort((a, b) => a - b);
    const bound = (sorted[1] + sorted[2]) / 2; // two samples below, three above
    const exact = (ws: number[][]) => mean(s(ws).map((sb) => excess(sb, bound)));
    const bounded = jr.jacobianPenalty(f, x, { ...options, bound });
    expect(Math.abs(bounded.penalty.dataSync()[0] - exact(w.arraySync() as number[][]))).toBeLessThan(
      1e-5 * sigma ** 2,
    );
    tf.dispose([bounded.penalty, bounded.sigma, bounded.vectors]);
    const { errors } = gradientCheck(
      w,
      () => tf.tidy(() => jr.jacobianPenalty(f, x, { ...options, bound }).penalty),
      exact,
    );
    errors.forEach((e) => expect(e).toBeLessThan(2e-3));
  });
});

describeEachBackend('every target, with a bound (exact method): max(0, σ(Wᵀ − T) − L)²', () => {
  let w: tf.Variable;
  let x: tf.Tensor;
  const f = (z: tf.Tensor) => tf.matMul(z as tf.Tensor2D, w);
  beforeAll(() => {
    w = tf.variable(tf.randomNormal([3, 3], 0, 1, 'float32', 17));
    x = tf.randomNormal([2, 3], 0, 1, 'float32', 18);
  });
  afterAll(() => tf.dispose([w, x]));
  const targets: Array<[string, jr.TargetName | jr.UserOperator, (j: number[][]) => number[][]]> = [
    ['zero', 'zero', (j) => j.map((r) => r.map(() => 0))],
    ['identity', 'identity', (j) => j.map((r, i) => r.map((_, k) => (i === k ? 1 : 0)))],
    ['transpose', 'transpose', (j) => transpose(j)],
    [
      'rowSumDiagonal',
      'rowSumDiagonal',
      (j) => j.map((r, i) => r.map((_, k) => (i === k ? r.reduce((a, b) => a + b, 0) : 0))),
    ],
    [
      'user 2I',
      { matvec: (v: tf.Tensor) => tf.mul(v, 2), rmatvec: (u: tf.Tensor) => tf.mul(u, 2) },
      (j) => j.map((r, i) => r.map((_, k) => (i === k ? 2 : 0))),
    ],
  ];
  it.each(targets)('%s', (_name, target, tOf) => {
    const sigmaOf = (ws: number[][]) => {
      const j = transpose(ws);
      const t = tOf(j);
      return topSingularTriplet(j.map((r, i) => r.map((v, k) => v - t[i][k]))).sigma;
    };
    const sigma = sigmaOf(w.arraySync() as number[][]);
    for (const bound of [0.6 * sigma, 1.2 * sigma]) {
      const value = tf.tidy(() => jr.jacobianPenalty(f, x, { method: 'exact', target, bound }).penalty.dataSync()[0]);
      expect(Math.abs(value - excess(sigma, bound))).toBeLessThan(1e-4 * sigma ** 2);
    }
    const bound = 0.6 * sigma;
    const { errors } = gradientCheck(
      w,
      () => tf.tidy(() => jr.jacobianPenalty(f, x, { method: 'exact', target, bound }).penalty),
      (ws) => excess(sigmaOf(ws), bound),
    );
    errors.forEach((e) => expect(e).toBeLessThan(2e-3));
  });
});

describeEachBackend('Hessian with a bound, g(x) = ½ xᵀSx: H = ½(S + Sᵀ), penalty = max(0, |λ|max(H) − L)²', () => {
  let s: tf.Variable;
  let x: tf.Tensor;
  let sigma: number;
  const g = (z: tf.Tensor) => tf.mul(0.5, tf.sum(tf.mul(tf.matMul(z as tf.Tensor2D, s), z), 1));
  const sigmaOf = (ss: number[][]) => topSingularTriplet(ss.map((r, i) => r.map((v, j) => (v + ss[j][i]) / 2))).sigma;
  beforeAll(() => {
    s = tf.variable(tf.randomNormal([4, 4], 0, 1, 'float32', 27));
    x = tf.randomNormal([3, 4], 0, 1, 'float32', 28);
    sigma = sigmaOf(s.arraySync() as number[][]);
  });
  afterAll(() => tf.dispose([s, x]));

  describe.each(Object.keys(METHOD_OPTIONS) as Array<keyof typeof METHOD_OPTIONS>)('%s', (method) => {
    it.each([0.5, 1.3])('L = %s σ: value and weight gradient', (fraction) => {
      const bound = fraction * sigma;
      const run = () => jr.hessianPenalty(g, x, { ...METHOD_OPTIONS[method], bound });
      const once = run();
      expect(once.space).toBe('self');
      expect(Math.abs(once.penalty.dataSync()[0] - excess(sigma, bound))).toBeLessThan(1e-4 * sigma ** 2);
      tf.dispose([once.penalty, once.sigma, once.vectors]);
      const { errors, gradient } = gradientCheck(
        s,
        () => tf.tidy(() => run().penalty),
        (ss) => excess(sigmaOf(ss), bound),
      );
      if (fraction > 1) expect(gradient.flat().every((v) => v === 0)).toBe(true);
      else errors.forEach((e) => expect(e).toBeLessThan(2e-3));
    });
  });
});

describe('bound validation', () => {
  let x: tf.Tensor;
  const f = (z: tf.Tensor) => tf.mul(z, 2);
  beforeAll(() => {
    x = tf.ones([1, 2]);
  });
  afterAll(() => x.dispose());
  it.each([
    [-1, '-1'],
    [NaN, 'NaN'],
    [Infinity, 'Infinity'],
    ['1', "'1'"],
  ])('refuses %s in the factories and the core functions', (bound, shown) => {
    const rule = `bound must be a finite number ≥ 0 (a Lipschitz target) or null (no bound); got ${shown}.`;
    expect(() => jr.regularizers.jacobian({ bound: bound as number })).toThrow(jr.ValueError);
    expect(() => jr.regularizers.jacobian({ bound: bound as number })).toThrow(`jr.regularizers.jacobian: ${rule}`);
    expect(() => jr.regularizers.hessian({ bound: bound as number })).toThrow(`jr.regularizers.hessian: ${rule}`);
    expect(() => jr.jacobianPenalty(f, x, { bound: bound as number })).toThrow(`jr.jacobianPenalty: ${rule}`);
    expect(() => jr.hessianPenalty(f, x, { bound: bound as number })).toThrow(`jr.hessianPenalty: ${rule}`);
  });
});
