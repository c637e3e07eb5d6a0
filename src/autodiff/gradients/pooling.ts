/**
 * Pooling: MaxPool, MaxPool3D and AvgPool re-registered with `inputsToSave` only (AvgPool also fixes the cpu
 * kernel's 'same' borders), the gradients of MaxPoolGrad and AvgPoolGrad, which tfjs lacks, and refusals for the
 * 3-D pooling backprops, whose derivatives cannot be expressed.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Attrs, run, unsupported, zerosOf } from './common';

type Pad = 'valid' | 'same' | number;

function pair(v: unknown): [number, number] {
  return (Array.isArray(v) ? v : [v, v]) as [number, number];
}

/** MaxPool: dx = MaxPoolGrad(dy, x, maxPool(x)), the pooled max recomputed from x. */
const maxPoolGrad: tf.GradConfig = {
  kernelName: tf.MaxPool,
  inputsToSave: ['x'],
  gradFunc: (dy, [x], attrs) => ({ x: () => maxPoolBackprop(dy as tf.Tensor4D, x as tf.Tensor4D, attrs) }),
};

function maxPoolBackprop(dy: tf.Tensor4D, x: tf.Tensor4D, attrs: Attrs): tf.Tensor {
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolAttrs;
  const y = tf.maxPool(x, filterSize, strides, pad, dimRoundingMode);
  return run(tf.MaxPoolGrad, { dy, input: x, output: y }, { filterSize, strides, pad, dimRoundingMode });
}

/** MaxPool3D: dx = MaxPool3DGrad(dy, x, maxPool3d(x)); first order only (MaxPool3DGrad refuses below). */
const maxPool3DGrad: tf.GradConfig = {
  kernelName: tf.MaxPool3D,
  inputsToSave: ['x'],
  gradFunc: (dy, [x], attrs) => ({
    x: () => {
      const { filterSize, strides, pad, dimRoundingMode, dataFormat } = attrs as unknown as tf.MaxPool3DAttrs;
      const y = tf.maxPool3d(x as tf.Tensor5D, filterSize, strides, pad, dimRoundingMode, dataFormat);
      return run(
        tf.MaxPool3DGrad,
        { dy: dy as tf.Tensor, input: x, output: y },
        { filterSize, strides, pad, dimRoundingMode },
      );
    },
  }),
};

/** Ratio r = (valid pixels in each window) / (window size) on the output grid of a 2-D pool. */
function poolCoverage(xShape: number[], attrs: Attrs): tf.Tensor {
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.AvgPoolAttrs;
  const [fh, fw] = pair(filterSize);
  const ones = tf.ones([1, xShape[1], xShape[2], 1]) as tf.Tensor4D;
  const filter = tf.fill([fh, fw, 1, 1], 1 / (fh * fw)) as tf.Tensor4D;
  return tf.depthwiseConv2d(ones, filter, strides, pad as Pad, 'NHWC', 1, dimRoundingMode);
}

/**
 * AvgPool: dx = AvgPoolGrad(dy / r). The cpu AvgPoolGrad divides by the full window size even where 'same'
 * padding leaves fewer valid pixels, which makes stock first-order gradients wrong at the borders; dividing dy
 * by the coverage r restores the adjoint of avgPool (r = 1 everywhere for 'valid').
 */
const avgPoolGrad: tf.GradConfig = {
  kernelName: tf.AvgPool,
  inputsToSave: ['x'],
  gradFunc: (dy, [x], attrs) => ({
    x: () => {
      const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.AvgPoolAttrs;
      const scaled = pad === 'valid' ? (dy as tf.Tensor) : tf.div(dy as tf.Tensor, poolCoverage(x.shape, attrs));
      return run(tf.AvgPoolGrad, { dy: scaled, input: x }, { filterSize, strides, pad, dimRoundingMode });
    },
  }),
};

/** MaxPoolGrad: d/d(dy) routes ddx through the window argmax: ddy[o] = ddx[argmax(o)]; zero w.r.t. x and y. */
const maxPoolGradGrad: tf.GradConfig = {
  kernelName: tf.MaxPoolGrad,
  inputsToSave: ['input', 'output'],
  gradFunc: (ddx, [x, y], attrs) => ({
    dy: () => maxPoolRoute(ddx as tf.Tensor4D, x as tf.Tensor4D, attrs),
    input: () => zerosOf(x),
    output: () => zerosOf(y),
  }),
};

/**
 * ddy[o] = ddx[argmax of window o] as a custom op: the argmax indices are computed inside the op, off the tape,
 * and its gradient is maxPoolBackprop again (the two maps are adjoint), so it differentiates to any order.
 * The webgl backend returns the argmax as float32 (exact integers below 2²⁴); it is rounded and cast to int32 for
 * gather. cpu and wasm return int32 and take the same path as before.
 */
function maxPoolRoute(ddx: tf.Tensor4D, x: tf.Tensor4D, attrs: Attrs): tf.Tensor {
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolAttrs;
  if (typeof pad !== 'string' || dimRoundingMode != null) {
    unsupported('MaxPoolGrad', `higher-order gradients need pad 'same' or 'valid' (got ${pad}, ${dimRoundingMode})`);
  }
  const route = tf.customGrad(
    (g: tf.Tensor | tf.GradSaveFunc, xin: tf.Tensor | tf.GradSaveFunc, save: tf.Tensor | tf.GradSaveFunc) => {
      (save as tf.GradSaveFunc)([xin as tf.Tensor]);
      const { result, indexes: raw } = tf.maxPoolWithArgmax(xin as tf.Tensor4D, filterSize, strides, pad, true);
      const indexes = raw.dtype === 'int32' ? raw : tf.cast(tf.round(raw), 'int32');
      const value = tf.reshape(tf.gather(tf.reshape(g as tf.Tensor, [-1]), tf.reshape(indexes, [-1])), indexes.shape);
      tf.dispose(indexes === raw ? [result] : [result, raw, indexes]);
      return {
        value,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
          maxPoolBackprop(dy as tf.Tensor4D, saved[0] as tf.Tensor4D, attrs),
          zerosOf(saved[0]),
        ],
      };
    },
  );
  return route(ddx, x);
}

/** AvgPoolGrad is linear in dy; its adjoint is the pool with the kernel's fixed 1/(fh·fw): ddy = avgPool(ddx) · r. */
const avgPoolGradGrad: tf.GradConfig = {
  kernelName: tf.AvgPoolGrad,
  inputsToSave: ['input'],
  gradFunc: (ddx, [x], attrs) => ({
    dy: () => {
      const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.AvgPoolAttrs;
      const pooled = tf.avgPool(ddx as tf.Tensor4D, filterSize, strides, pad as Pad, dimRoundingMode);
      return pad === 'valid' ? pooled : tf.mul(pooled, poolCoverage(x.shape, attrs));
    },
    input: () => zerosOf(x),
  }),
};

/** A gradient that refuses: for backward kernels whose derivative we cannot express correctly. */
function refusedGrad(kernelName: string, forwardOp: string): tf.GradConfig {
  return {
    kernelName,
    gradFunc: () => unsupported(kernelName, `gradients of order ≥ 2 through ${forwardOp} are not supported`),
  };
}

/**
 * The pooling gradients, in registration order.
 * @internal
 */
export const POOLING_GRADIENTS: readonly tf.GradConfig[] = [
  maxPoolGrad,
  maxPool3DGrad,
  avgPoolGrad,
  maxPoolGradGrad,
  avgPoolGradGrad,
  refusedGrad(tf.MaxPool3DGrad, 'MaxPool3D'),
  refusedGrad(tf.AvgPool3DGrad, 'AvgPool3D'),
];
