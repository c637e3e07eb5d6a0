/**
 * A batch of per-sample linear operators A_b: ℝⁿ → ℝᵐ known only through products (scipy's `LinearOperator`,
 * batched). Tensors carry the batch on axis 0: `matvec` maps v[B, ...inShape] to A v [B, ...outShape] and
 * `rmatvec` maps u[B, ...outShape] to Aᵀu [B, ...inShape].
 */
import * as tf from '@tensorflow/tfjs-core';
import { ValueError, checkBoolean, checkInteger, fail } from '../errors';

/** A batch of per-sample linear operators A_b known only through their products A v and Aᵀu (batch on axis 0). */
export interface LinearOperator {
  /** Number of samples B (size of axis 0 of every operand). */
  readonly batchSize: number;
  /** Per-sample shape of the domain (n = its size). */
  readonly inShape: number[];
  /** Per-sample shape of the range (m = its size). */
  readonly outShape: number[];
  /** True when every A_b equals its transpose (then matvec and rmatvec agree). */
  readonly symmetric: boolean;
  /** A v: maps v[B, ...inShape] to [B, ...outShape]. */
  matvec(v: tf.Tensor): tf.Tensor;
  /** Aᵀu (adjoint): maps u[B, ...outShape] to [B, ...inShape]. */
  rmatvec(u: tf.Tensor): tf.Tensor;
  /** Frees tensors the operator holds (e.g. a cached A·1); a no-op for most operators. */
  dispose(): void;
}

/** The products (and an optional `dispose`) that {@link makeOperator} completes into a checked operator. */
export interface OperatorProducts {
  /** True when every A_b equals its transpose. */
  symmetric: boolean;
  /** A v for v[B, ...inShape]. */
  matvec(v: tf.Tensor): tf.Tensor;
  /** Aᵀu for u[B, ...outShape]. */
  rmatvec(u: tf.Tensor): tf.Tensor;
  /** Frees held tensors. Default: nothing to free. */
  dispose?(): void;
}

/**
 * An operator with the batch and shapes of `shapes` whose products check their operand and result (scipy's
 * `LinearOperator` does the same): matvec v[B, ...inShape] ↦ [B, ...outShape], rmatvec u[B, ...outShape] ↦
 * [B, ...inShape]. `name` (a public name, e.g. 'jr.userTarget') starts every error and `label` (e.g. 'target.')
 * prefixes the product's name in it.
 * @throws ValueError from a product whose operand or result has another shape.
 * @internal
 */
export function makeOperator(
  name: string,
  shapes: Pick<LinearOperator, 'batchSize' | 'inShape' | 'outShape'>,
  products: OperatorProducts,
  label = '',
): LinearOperator {
  const { batchSize, inShape, outShape } = shapes;
  const inFull = [batchSize, ...inShape];
  const outFull = [batchSize, ...outShape];
  return {
    batchSize,
    inShape,
    outShape,
    symmetric: products.symmetric,
    matvec: (v) => {
      checkShape(name, `${label}matvec(v): v`, v, inFull, ' (batch and inShape)');
      return checkShape(name, `${label}matvec(v)`, products.matvec(v), outFull, ' (batch and outShape)', 'return');
    },
    rmatvec: (u) => {
      checkShape(name, `${label}rmatvec(u): u`, u, outFull, ' (batch and outShape)');
      return checkShape(name, `${label}rmatvec(u)`, products.rmatvec(u), inFull, ' (batch and inShape)', 'return');
    },
    dispose: () => products.dispose?.(),
  };
}

/**
 * Checks that `t` is a tensor of shape `expected`: "<where>: <what> must be a tensor of shape [2, 3] (batch and inShape); got
 * shape [2, 4]." (`verb` 'return' reads "must return a tensor of shape").
 */
function checkShape(
  where: string,
  what: string,
  t: unknown,
  expected: number[],
  role = '',
  verb: 'have' | 'return' = 'have',
): tf.Tensor {
  const rule = `${verb === 'have' ? 'must be a tensor of shape' : 'must return a tensor of shape'} [${expected.join(', ')}]${role}`;
  if (!(t instanceof tf.Tensor)) fail(where, what, rule, t);
  const shape = (t as tf.Tensor).shape;
  if (shape.length !== expected.length || shape.some((d, i) => d !== expected[i])) {
    throw new ValueError(`${where}: ${what} ${rule}; got shape [${shape.join(', ')}].`);
  }
  return t as tf.Tensor;
}

/**
 * Checks a user-made operator's fields: batchSize an integer ≥ 1, inShape / outShape arrays of integers ≥ 1,
 * symmetric true or false, matvec / rmatvec / dispose functions.
 * @internal
 */
export function checkOperator(where: string, op: unknown, parameter = 'operator'): LinearOperator {
  if (op === null || typeof op !== 'object') {
    fail(
      where,
      parameter,
      'must be a LinearOperator {batchSize, inShape, outShape, symmetric, matvec, rmatvec, dispose}',
      op,
    );
  }
  const o = op as Record<string, unknown>;
  checkInteger(where, `${parameter}.batchSize`, o.batchSize, 1);
  for (const key of ['inShape', 'outShape']) {
    const shape = o[key];
    if (!Array.isArray(shape) || shape.some((d) => !(Number.isInteger(d) && d >= 1))) {
      fail(where, `${parameter}.${key}`, 'must be an array of integers ≥ 1 (the per-sample shape)', shape);
    }
  }
  checkBoolean(where, `${parameter}.symmetric`, o.symmetric);
  for (const key of ['matvec', 'rmatvec', 'dispose']) {
    if (typeof o[key] !== 'function') fail(where, `${parameter}.${key}`, 'must be a function', o[key]);
  }
  return op as LinearOperator;
}

/**
 * `op` with every product checked (see {@link makeOperator}), after checking its fields; for operators from users.
 * @internal
 */
export function checkedOperator(where: string, op: unknown, parameter = 'operator'): LinearOperator {
  const o = checkOperator(where, op, parameter);
  const products = {
    symmetric: o.symmetric,
    matvec: (v: tf.Tensor) => o.matvec(v),
    rmatvec: (u: tf.Tensor) => o.rmatvec(u),
    dispose: () => o.dispose(),
  };
  return makeOperator(where, o, products, `${parameter}.`);
}

/**
 * Number of elements of a per-sample shape.
 * @internal
 */
export function sizeOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Whether m = n, as the square-only targets (identity, transpose, rowSumDiagonal) require.
 * @internal
 */
export function isSquare(op: Pick<LinearOperator, 'inShape' | 'outShape'>): boolean {
  return sizeOf(op.inShape) === sizeOf(op.outShape);
}

/**
 * The products of `op` on flattened per-sample vectors: [B, n] → [B, m] and [B, m] → [B, n].
 * @internal
 */
export function flatMatvec(op: LinearOperator, v: tf.Tensor): tf.Tensor2D {
  return tf.reshape(op.matvec(tf.reshape(v, [op.batchSize, ...op.inShape])), [op.batchSize, -1]);
}
/** @internal */
export function flatRmatvec(op: LinearOperator, u: tf.Tensor): tf.Tensor2D {
  return tf.reshape(op.rmatvec(tf.reshape(u, [op.batchSize, ...op.outShape])), [op.batchSize, -1]);
}

/**
 * The dense per-sample matrices A[B, m, n], built from n matvecs (columns A e_j) or m rmatvecs (rows Aᵀ e_i),
 * whichever is fewer. For small sizes only: tests and the exact reference use it.
 * ```js
 * const J = jr.dense(a);  // a = jr.jacobianOperator(f, x): per sample the 3×4 Jacobian of the logits, by 3 rmatvecs
 * console.log(J.shape);  // → [8, 3, 4]
 * ```
 */
export function dense(op: LinearOperator): tf.Tensor3D {
  op = checkedOperator('jr.dense', op);
  const m = sizeOf(op.outShape);
  const n = sizeOf(op.inShape);
  const byRows = m < n;
  const count = byRows ? m : n;
  const product = (e: tf.Tensor) => (byRows ? flatRmatvec(op, e) : flatMatvec(op, e));
  return tf.tidy(() => {
    const lines: tf.Tensor2D[] = [];
    for (let j = 0; j < count; j++) {
      const e = tf.tile(tf.cast(tf.oneHot([j], count), 'float32'), [op.batchSize, 1]);
      lines.push(product(e));
    }
    // Columns stack on axis 2 ([B, m, n]); rows on axis 1.
    return tf.stack(lines, byRows ? 1 : 2) as tf.Tensor3D;
  });
}
