/**
 * Comparison and logic ops (src/autodiff/gradients/predicates.ts) have zero gradients: derivatives of order 1 to 3
 * of g(x) = Σ where(mask(x), x³, x²), with the mask built from each predicate, equal the closed form
 * (3x², 6x, 6 where the mask holds; 2x, 2, 0 elsewhere), on each backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describeEachBackend } from '../../helpers/backends';
import { relError } from '../../helpers/gradcheck';

// Values away from every threshold below (±0.5, 0.2, 1, −1), so that the mask is constant near x.
const X = [
  [-1.3, -0.7, -0.3, 0.1, 0.35, 0.8],
  [-0.2, 0.05, 0.3, 0.7, 1.4, -0.9],
];
const EVEN = X.map((row) => row.map((v, j) => (j % 2 === 0 ? v : 100))); // equals x at even columns

type Mask = { build: (x: tf.Tensor) => tf.Tensor; holds: (v: number, i: number, j: number) => boolean };

const anyAbove1 = X.map((row) => row.some((v) => v > 1));
const allAboveMinus1 = X.map((row) => row.every((v) => v > -1));
const ALL_TRUE = (x: tf.Tensor) => tf.greater(x, -100);

const MASKS: { [kernel: string]: Mask } = {
  Greater: { build: (x) => tf.greater(x, 0.2), holds: (v) => v > 0.2 },
  Less: { build: (x) => tf.less(x, 0.2), holds: (v) => v < 0.2 },
  LessEqual: { build: (x) => tf.lessEqual(x, 0.2), holds: (v) => v <= 0.2 },
  Equal: { build: (x) => tf.equal(x, tf.tensor2d(EVEN)), holds: (_v, _i, j) => j % 2 === 0 },
  NotEqual: { build: (x) => tf.notEqual(x, tf.tensor2d(EVEN)), holds: (_v, _i, j) => j % 2 === 1 },
  LogicalAnd: {
    build: (x) => tf.logicalAnd(tf.greater(x, -0.5), tf.less(x, 0.5)),
    holds: (v) => v > -0.5 && v < 0.5,
  },
  LogicalOr: { build: (x) => tf.logicalOr(tf.less(x, -0.5), tf.greater(x, 0.5)), holds: (v) => v < -0.5 || v > 0.5 },
  LogicalXor: {
    build: (x) => tf.logicalXor(tf.greater(x, -0.5), tf.greater(x, 0.5)),
    holds: (v) => v > -0.5 !== v > 0.5,
  },
  LogicalNot: { build: (x) => tf.logicalNot(tf.greater(x, 0.2)), holds: (v) => !(v > 0.2) },
  Any: { build: (x) => tf.logicalAnd(tf.any(tf.greater(x, 1), 1, true), ALL_TRUE(x)), holds: (_v, i) => anyAbove1[i] },
  All: {
    build: (x) => tf.logicalAnd(tf.all(tf.greater(x, -1), 1, true), ALL_TRUE(x)),
    holds: (_v, i) => allAboveMinus1[i],
  },
};

/** The derivatives of order 1, 2, 3 of g at x, elementwise (g is a sum of elementwise terms). */
function derivatives(mask: Mask, x: tf.Tensor): number[][] {
  return tf.tidy(() => {
    const g = (xx: tf.Tensor) => tf.sum(tf.where(mask.build(xx), tf.pow(xx, 3), tf.square(xx))) as tf.Scalar;
    const d1 = tf.grad(g);
    const d2 = tf.grad((xx: tf.Tensor) => tf.sum(d1(xx)) as tf.Scalar);
    const d3 = tf.grad((xx: tf.Tensor) => tf.sum(d2(xx)) as tf.Scalar);
    return [d1(x), d2(x), d3(x)].map((d) => Array.from(d.dataSync()));
  });
}

describeEachBackend('predicates', () => {
  it.each(Object.keys(MASKS))('%s: derivatives of order 1 to 3 through the mask match the closed form', (kernel) => {
    const mask = MASKS[kernel];
    const x = tf.tensor2d(X);
    const before = tf.memory().numTensors;
    const got = derivatives(mask, x);
    expect(tf.memory().numTensors).toBe(before);
    const where = X.flatMap((row, i) => row.map((v, j) => mask.holds(v, i, j)));
    expect(new Set(where).size).toBe(2); // both branches occur
    const xs = X.flat();
    const expected = [
      xs.map((v, k) => (where[k] ? 3 * v * v : 2 * v)),
      xs.map((v, k) => (where[k] ? 6 * v : 2)),
      xs.map((_v, k) => (where[k] ? 6 : 0)),
    ];
    for (let order = 0; order < 3; order++) expect(relError(got[order], expected[order])).toBeLessThan(1e-5);
    x.dispose();
  });
});
