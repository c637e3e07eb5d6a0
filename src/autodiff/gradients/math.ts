/**
 * Pow and the Max / Min reductions: their stock gradients save the op's output, so they are re-registered with
 * `inputsToSave` only and recompute it from the inputs (correct to any order).
 */
import * as tf from '@tensorflow/tfjs-core';

/** Sums `g` down to `shape` (undoing broadcasting). */
function reduceTo(g: tf.Tensor, shape: number[]): tf.Tensor {
  const axes = tf.backend_util.getReductionAxes(shape, g.shape);
  return tf.reshape(axes.length > 0 ? tf.sum(g, axes) : g, shape);
}

/** Pow: da = dy · b · a^(b−1), db = dy · a^b · log(a) (0 where a ≤ 0). */
const powGrad: tf.GradConfig = {
  kernelName: tf.Pow,
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, [a, b]) => ({
    a: () => reduceTo(tf.mul(dy as tf.Tensor, tf.mul(b, tf.pow(a, tf.sub(b, 1)))), a.shape),
    b: () => {
      const logA = tf.where(tf.greater(a, 0), tf.log(tf.maximum(a, 1e-30)), tf.zerosLike(a));
      return reduceTo(tf.mul(dy as tf.Tensor, tf.mul(tf.pow(a, b), logA)), b.shape);
    },
  }),
};

/** Max / Min over `axes`: dx = dy · [x = max(x)] (resp. min), with the reduced value recomputed from x. */
function extremumGrad(kernelName: string, reduce: typeof tf.max, axesAttr: string): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => ({
      x: () => {
        const axes = tf.util.parseAxisParam(attrs[axesAttr] as number | number[], x.shape);
        const keep = x.shape.map((d, i) => (axes.indexOf(i) >= 0 ? 1 : d));
        const y = reduce(x, axes, true);
        return tf.mul(tf.reshape(dy as tf.Tensor, keep), tf.cast(tf.equal(x, y), 'float32'));
      },
    }),
  };
}

/**
 * Pow, Max and Min, in registration order.
 * @internal
 */
export const MATH_GRADIENTS: readonly tf.GradConfig[] = [
  powGrad,
  extremumGrad(tf.Max, tf.max, 'reductionIndices'),
  extremumGrad(tf.Min, tf.min, 'axis'),
];
