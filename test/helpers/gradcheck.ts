/**
 * Finite-difference gradient checks for tests (float32, any backend).
 *
 * Typical use:
 *   const ad = autodiffGrad(() => penalty(), vars);
 *   const fd = finiteDiffGrad(() => penalty(), vars, 5e-3);
 *   expect(relError(ad, fd)).toBeLessThan(0.03);
 */
import * as tf from '@tensorflow/tfjs-core';

/** Anything with trainable weights (a tfjs-layers Layer or LayersModel). */
export interface HasTrainableWeights {
  trainableWeights: Array<{ read(): tf.Tensor }>;
}

/** The tf.Variables behind the trainable weights of a layer or model, in `trainableWeights` order. */
export function trainableVariables(layerOrModel: HasTrainableWeights): tf.Variable[] {
  return layerOrModel.trainableWeights.map((w) => w.read() as tf.Variable);
}

/** Total number of scalar entries in `vars`. */
export function numEntries(vars: tf.Variable[]): number {
  return vars.reduce((n, v) => n + v.size, 0);
}

/**
 * Central, forward and backward differences of a scalar function of `vars`, flattened and concatenated in `vars`
 * order: central g_i ≈ (f(w + h·e_i) − f(w − h·e_i)) / 2h, forward (f(w + h·e_i) − f(w)) / h, backward
 * (f(w) − f(w − h·e_i)) / h. `f` returns a scalar tensor (or number); it runs inside tf.tidy. Each variable is
 * restored exactly after probing.
 */
export function oneSidedDiffs(
  f: () => tf.Scalar | number,
  vars: tf.Variable[],
  h: number,
): { central: Float64Array; forward: Float64Array; backward: Float64Array } {
  const n = numEntries(vars);
  const [central, forward, backward] = [new Float64Array(n), new Float64Array(n), new Float64Array(n)];
  const evalF = (): number =>
    tf.tidy(() => {
      const y = f();
      return typeof y === 'number' ? y : y.dataSync()[0];
    });
  const f0 = evalF();
  let k = 0;
  for (const v of vars) {
    const base = v.dataSync().slice();
    const probe = Float32Array.from(base);
    for (let i = 0; i < base.length; i++, k++) {
      probe[i] = base[i] + h;
      tf.tidy(() => v.assign(tf.tensor(probe, v.shape)));
      const up = evalF();
      probe[i] = base[i] - h;
      tf.tidy(() => v.assign(tf.tensor(probe, v.shape)));
      const down = evalF();
      probe[i] = base[i];
      central[k] = (up - down) / (2 * h);
      forward[k] = (up - f0) / h;
      backward[k] = (f0 - down) / h;
    }
    tf.tidy(() => v.assign(tf.tensor(base, v.shape)));
  }
  return { central, forward, backward };
}

/** Central finite differences of a scalar function of `vars` (see {@link oneSidedDiffs}). */
export function finiteDiffGrad(f: () => tf.Scalar | number, vars: tf.Variable[], h = 5e-3): Float64Array {
  return oneSidedDiffs(f, vars, h).central;
}

/**
 * Reverse-mode gradient of the scalar `f` w.r.t. `vars`, flattened and concatenated in `vars` order.
 * A variable that `f` does not depend on contributes zeros (where tf.variableGrads would leave it out or throw).
 */
export function autodiffGrad(f: () => tf.Scalar, vars: tf.Variable[]): Float64Array {
  const out = new Float64Array(numEntries(vars));
  tf.tidy(() => {
    const { grads } = tf.engine().gradients(f, vars, undefined, true);
    let k = 0;
    vars.forEach((v, i) => {
      const g = grads[i];
      if (g != null) out.set(g.dataSync(), k);
      k += v.size;
    });
  });
  return out;
}

/** Euclidean norm of a vector. */
export function norm(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

/**
 * Relative error ‖a − b‖ / max(‖a‖, ‖b‖, floor). The floor makes two (near-)zero vectors compare equal instead
 * of dividing noise by noise; pick it below the gradient norms the test cares about.
 */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-6): number {
  if (a.length !== b.length) throw new Error(`relError: lengths differ (${a.length} vs ${b.length})`);
  const diff = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) diff[i] = a[i] - b[i];
  return norm(diff) / Math.max(norm(a), norm(b), floor);
}

/** Seeded standard-normal tensor (stddev `scale`), for reproducible inputs and probe vectors. */
export function seededNormal(shape: number[], seed: number, scale = 1): tf.Tensor {
  return tf.randomNormal(shape, 0, scale, 'float32', seed);
}

/** A differentiable map from a batch of inputs to a batch of outputs (e.g. `x => model.apply(x) as tf.Tensor`). */
export type TensorFn = (x: tf.Tensor) => tf.Tensor;

/** ∇ₓ g(x) for a scalar g; zeros when g does not depend on x (tf.grad would throw there). */
export function inputGrad(g: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor): tf.Tensor {
  const { grads } = tf.engine().gradients(() => g(x), [x], undefined, true);
  return grads[0] ?? tf.zerosLike(x);
}

/** Jᵀu = ∇ₓ Σ f(x)·u (a vector-Jacobian product per sample). */
export function jacobianTransposeProduct(f: TensorFn, x: tf.Tensor, u: tf.Tensor): tf.Tensor {
  return inputGrad((xx) => tf.sum(tf.mul(f(xx), u)), x);
}

/** Jacobian penalty P = Σ ‖Jᵀu‖² (second order when differentiated w.r.t. weights). */
export function jacobianPenalty(f: TensorFn, x: tf.Tensor, u: tf.Tensor): tf.Scalar {
  return tf.sum(tf.square(jacobianTransposeProduct(f, x, u)));
}

/** Hv = ∇ₓ Σ (∇ₓ s)·v with s(x) = Σ f(x)·c: the input-Hessian-vector product of s. */
export function hessianVectorProduct(f: TensorFn, x: tf.Tensor, c: tf.Tensor, v: tf.Tensor): tf.Tensor {
  return inputGrad((xx) => tf.sum(tf.mul(jacobianTransposeProduct(f, xx, c), v)), x);
}

/** Hessian penalty Q = Σ ‖Hv‖² (third order when differentiated w.r.t. weights). */
export function hessianPenalty(f: TensorFn, x: tf.Tensor, c: tf.Tensor, v: tf.Tensor): tf.Scalar {
  return tf.sum(tf.square(hessianVectorProduct(f, x, c, v)));
}
