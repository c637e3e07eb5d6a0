/**
 * Gradient fixes that make 2nd- and 3rd-order derivatives through tfjs 4.22 kernels correct.
 *
 * Two problems in the stock registry (see docs/GRADIENT-FIXES.md):
 * 1. Kernels whose gradient keeps the op's *output* (`outputsToSave`) lose every higher-order path through that
 *    output: the engine records the saved copy on the tape before the op that produced it, so a second backward
 *    pass never links it to x (silently wrong numbers, or "Cannot compute gradient"). We re-register them with
 *    `inputsToSave` only and recompute the forward value from the input with differentiable ops.
 * 2. Several backward kernels (MaxPoolGrad, AvgPoolGrad, EluGrad, depthwise/conv backprops, resize grads) and the
 *    comparison / logic ops have no gradient at all. We add them, each expressed with differentiable ops.
 * Combinations that cannot be made correct throw an error naming the op instead of returning a wrong number.
 *
 * Registration is global (the tfjs gradient registry is process-wide) and idempotent.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ValueError } from '../errors';

type Attrs = tf.NamedAttrMap;
type Grads = { [input: string]: () => tf.Tensor };
type Pair = [number, number];
type Pad = 'valid' | 'same' | number;

const PREFIX = 'tfjs-jacobian-reg';

/** Runs a kernel by name through the engine, so the call is recorded on the tape like any op. */
function run(kernel: string, inputs: tf.NamedTensorMap, attrs: object): tf.Tensor {
  return tf.engine().runKernel(kernel, inputs, attrs as Attrs) as tf.Tensor;
}

/** Throws the error used for every combination we cannot differentiate correctly. */
function unsupported(op: string, why: string): never {
  throw new ValueError(`${PREFIX}: cannot differentiate ${op}: ${why}`);
}

function pair(v: unknown): Pair {
  return (Array.isArray(v) ? v : [v, v]) as Pair;
}

/** Float32 zeros with the shape of `t` (the gradient of a piecewise-constant input). */
function zerosOf(t: tf.Tensor): tf.Tensor {
  return tf.zeros(t.shape, 'float32');
}

// ---------------------------------------------------------------------------------------------------------------
// 1. Kernels whose stock gradient saves the output: recompute it from the input.
// ---------------------------------------------------------------------------------------------------------------

/** Tanh: dx = dy · (1 − tanh(x)²). */
const tanhGrad: tf.GradConfig = {
  kernelName: tf.Tanh,
  inputsToSave: ['x'],
  gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy as tf.Tensor, tf.sub(1, tf.square(tf.tanh(x)))) }),
};

/** Sigmoid: dx = dy · σ(x)(1 − σ(x)). */
const sigmoidGrad: tf.GradConfig = {
  kernelName: tf.Sigmoid,
  inputsToSave: ['x'],
  gradFunc: (dy, [x]) => ({
    x: () => {
      const s = tf.sigmoid(x);
      return tf.mul(dy as tf.Tensor, tf.mul(s, tf.sub(1, s)));
    },
  }),
};

/** Exp: dx = dy · exp(x). */
const expGrad: tf.GradConfig = {
  kernelName: tf.Exp,
  inputsToSave: ['x'],
  gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy as tf.Tensor, tf.exp(x)) }),
};

/** Elu (α = 1): dx = dy · exp(min(x, 0)); min() keeps exp finite for large x. */
const eluGrad: tf.GradConfig = {
  kernelName: tf.Elu,
  inputsToSave: ['x'],
  gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy as tf.Tensor, tf.exp(tf.minimum(x, 0))) }),
};

/** Softmax: dx = y ⊙ dy − y ⊙ Σ(y ⊙ dy), y = softmax(x). */
const softmaxGrad: tf.GradConfig = {
  kernelName: tf.Softmax,
  inputsToSave: ['logits'],
  gradFunc: (dy, [logits], attrs) => ({
    logits: () => {
      const dim = (attrs as unknown as tf.SoftmaxAttrs).dim;
      const y = tf.softmax(logits, dim);
      const yDy = tf.mul(y, dy as tf.Tensor);
      return tf.sub(yDy, tf.mul(tf.sum(yDy, dim, true), y));
    },
  }),
};

/** LogSoftmax: dx = dy − softmax(x) · Σ dy. */
const logSoftmaxGrad: tf.GradConfig = {
  kernelName: tf.LogSoftmax,
  inputsToSave: ['logits'],
  gradFunc: (dy, [logits], attrs) => ({
    logits: () => {
      const axis = (attrs as unknown as tf.LogSoftmaxAttrs).axis;
      return tf.sub(dy as tf.Tensor, tf.mul(tf.sum(dy as tf.Tensor, axis, true), tf.softmax(logits, axis)));
    },
  }),
};

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

/** MaxPool3D: dx = MaxPool3DGrad(dy, x, maxPool3d(x)); first order only (MaxPool3DGrad throws below). */
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

/** Banded ones matrix B[i][j] = [|i − j| ≤ r] of size c × c (the LRN channel window). */
function lrnBand(c: number, r: number): tf.Tensor2D {
  const vals = new Float32Array(c * c);
  for (let i = 0; i < c; i++) for (let j = Math.max(0, i - r); j <= Math.min(c - 1, i + r); j++) vals[i * c + j] = 1;
  return tf.tensor2d(vals, [c, c]);
}

/** Applies the symmetric channel window: out = t · B along the last axis. */
function channelWindowSum(t: tf.Tensor, band: tf.Tensor2D): tf.Tensor {
  const c = t.shape[t.rank - 1];
  return tf.reshape(tf.matMul(tf.reshape(t, [-1, c]), band), t.shape);
}

/** LRN: with N = bias + α·B(x²): dx = dy · N^(−β) − 2αβ · x · B(dy · x · N^(−β−1)). */
const lrnGrad: tf.GradConfig = {
  kernelName: tf.LRN,
  inputsToSave: ['x'],
  gradFunc: (dy, [x], attrs) => ({
    x: () => {
      const { depthRadius, bias, alpha, beta } = attrs as unknown as tf.LRNAttrs;
      const band = lrnBand(x.shape[x.rank - 1], depthRadius);
      const norm = tf.add(bias, tf.mul(alpha, channelWindowSum(tf.square(x), band)));
      const direct = tf.mul(dy as tf.Tensor, tf.pow(norm, -beta));
      const inner = tf.mul(tf.mul(dy as tf.Tensor, x), tf.pow(norm, -beta - 1));
      return tf.sub(direct, tf.mul(2 * alpha * beta, tf.mul(x, channelWindowSum(inner, band))));
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

/** ResizeBilinear: stock gradient, refused for halfPixelCenters (the cpu grad kernel ignores that flag). */
const resizeBilinearGrad: tf.GradConfig = {
  kernelName: tf.ResizeBilinear,
  inputsToSave: ['images'],
  gradFunc: (dy, [images], attrs) => ({
    images: () => {
      if (attrs.halfPixelCenters) unsupported('ResizeBilinear', 'halfPixelCenters=true has no correct gradient kernel');
      return run(tf.ResizeBilinearGrad, { dy: dy as tf.Tensor, images }, attrs);
    },
  }),
};

/**
 * ResizeNearestNeighbor: dx = ResizeNearestNeighborGrad(dy) run one batch element at a time. The cpu grad kernel
 * offsets dy with the *image* batch stride, so stock first-order gradients are wrong for batch > 1.
 */
const resizeNearestGrad: tf.GradConfig = {
  kernelName: tf.ResizeNearestNeighbor,
  inputsToSave: ['images'],
  gradFunc: (dy, [images], attrs) => ({
    images: () => {
      if (attrs.halfPixelCenters) {
        unsupported('ResizeNearestNeighbor', 'halfPixelCenters=true has no correct gradient kernel');
      }
      const perSample = (b: number) =>
        run(
          tf.ResizeNearestNeighborGrad,
          { images: tf.slice(images, b, 1), dy: tf.slice(dy as tf.Tensor, b, 1) },
          attrs,
        );
      const n = images.shape[0];
      return n === 1
        ? perSample(0)
        : tf.concat(
            Array.from({ length: n }, (_, b) => perSample(b)),
            0,
          );
    },
  }),
};

// ---------------------------------------------------------------------------------------------------------------
// 2. Backward kernels without a gradient: register their derivatives.
// ---------------------------------------------------------------------------------------------------------------

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

/** EluGrad(dy, y) = dy · (1 + min(y, 0)): ddy = ddx · (1 + min(y, 0)), dy_y = ddx · dy · [y ≤ 0]. */
const eluGradGrad: tf.GradConfig = {
  kernelName: tf.EluGrad,
  inputsToSave: ['dy', 'y'],
  gradFunc: (ddx, [dy, y]) => ({
    dy: () => tf.mul(ddx as tf.Tensor, tf.add(1, tf.minimum(y, 0))),
    y: () => tf.mul(tf.mul(ddx as tf.Tensor, dy), tf.cast(tf.lessEqual(y, 0), 'float32')),
  }),
};

/** DepthwiseConv2dNativeBackpropInput (bilinear in dy, filter): ddy = depthwiseConv2d(ddx, W), dW = backpropFilter(ddx, dy). */
const depthwiseBackpropInputGrad: tf.GradConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropInput,
  inputsToSave: ['dy', 'filter'],
  gradFunc: (ddx, [dy, filter], attrs) => {
    const { strides, pad, dilations, dimRoundingMode } = attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
    return {
      dy: () =>
        tf.depthwiseConv2d(ddx as tf.Tensor4D, filter as tf.Tensor4D, strides, pad, 'NHWC', dilations, dimRoundingMode),
      filter: () =>
        run(
          tf.DepthwiseConv2dNativeBackpropFilter,
          { x: ddx as tf.Tensor, dy },
          { strides, pad, dilations, dimRoundingMode, filterShape: filter.shape },
        ),
    };
  },
};

/** DepthwiseConv2dNativeBackpropFilter (bilinear in x, dy): dx = backpropInput(dy, ddW), ddy = depthwiseConv2d(x, ddW). */
const depthwiseBackpropFilterGrad: tf.GradConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
  inputsToSave: ['x', 'dy'],
  gradFunc: (ddw, [x, dy], attrs) => {
    const { strides, pad, dilations, dimRoundingMode } =
      attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
    return {
      x: () =>
        run(
          tf.DepthwiseConv2dNativeBackpropInput,
          { dy, filter: ddw as tf.Tensor },
          { strides, pad, dilations, dimRoundingMode, inputShape: x.shape },
        ),
      dy: () =>
        tf.depthwiseConv2d(x as tf.Tensor4D, ddw as tf.Tensor4D, strides, pad, 'NHWC', dilations, dimRoundingMode),
    };
  },
};

/** Conv2DBackpropFilter (bilinear in x, dy): dx = conv2DBackpropInput(dy, ddW), ddy = conv2d(x, ddW). */
const conv2DBackpropFilterGrad: tf.GradConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  inputsToSave: ['x', 'dy'],
  gradFunc: (ddw, [x, dy], attrs) => {
    const { strides, pad, dataFormat, dimRoundingMode } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    return {
      x: () =>
        run(
          tf.Conv2DBackpropInput,
          { dy, filter: ddw as tf.Tensor },
          { strides, pad, dataFormat, dimRoundingMode, inputShape: x.shape },
        ),
      dy: () => tf.conv2d(x as tf.Tensor4D, ddw as tf.Tensor4D, strides, pad, dataFormat, 1, dimRoundingMode),
    };
  },
};

/** Conv3DBackpropInputV2 (bilinear in dy, filter): ddy = conv3d(ddx, W), dW = conv3DBackpropFilter(ddx, dy). */
const conv3DBackpropInputGrad: tf.GradConfig = {
  kernelName: tf.Conv3DBackpropInputV2,
  inputsToSave: ['dy', 'filter'],
  gradFunc: (ddx, [dy, filter], attrs) => {
    const { strides, pad } = attrs as unknown as tf.Conv3DBackpropInputV2Attrs;
    return {
      dy: () => tf.conv3d(ddx as tf.Tensor5D, filter as tf.Tensor5D, strides, pad),
      filter: () =>
        run(tf.Conv3DBackpropFilterV2, { x: ddx as tf.Tensor, dy }, { strides, pad, filterShape: filter.shape }),
    };
  },
};

/** Conv3DBackpropFilterV2 (bilinear in x, dy): dx = conv3DBackpropInput(dy, ddW), ddy = conv3d(x, ddW). */
const conv3DBackpropFilterGrad: tf.GradConfig = {
  kernelName: tf.Conv3DBackpropFilterV2,
  inputsToSave: ['x', 'dy'],
  gradFunc: (ddw, [x, dy], attrs) => {
    const { strides, pad } = attrs as unknown as tf.Conv3DBackpropFilterV2Attrs;
    return {
      x: () => run(tf.Conv3DBackpropInputV2, { dy, filter: ddw as tf.Tensor }, { strides, pad, inputShape: x.shape }),
      dy: () => tf.conv3d(x as tf.Tensor5D, ddw as tf.Tensor5D, strides, pad),
    };
  },
};

/** ResizeNearestNeighborGrad is linear in dy; its adjoint is the forward resize: ddy = resizeNearest(ddx). */
const resizeNearestGradGrad: tf.GradConfig = {
  kernelName: tf.ResizeNearestNeighborGrad,
  inputsToSave: ['images', 'dy'],
  gradFunc: (ddx, [images, dy], attrs) => ({
    dy: () => {
      if (attrs.halfPixelCenters) unsupported('ResizeNearestNeighborGrad', 'halfPixelCenters=true');
      const size = [dy.shape[1], dy.shape[2]] as Pair;
      return tf.image.resizeNearestNeighbor(ddx as tf.Tensor4D, size, attrs.alignCorners as boolean, false);
    },
    images: () => zerosOf(images),
  }),
};

/** ResizeBilinearGrad is linear in dy; its adjoint is the forward resize: ddy = resizeBilinear(ddx). */
const resizeBilinearGradGrad: tf.GradConfig = {
  kernelName: tf.ResizeBilinearGrad,
  inputsToSave: ['images', 'dy'],
  gradFunc: (ddx, [images, dy], attrs) => ({
    dy: () => {
      if (attrs.halfPixelCenters) unsupported('ResizeBilinearGrad', 'halfPixelCenters=true');
      const size = [dy.shape[1], dy.shape[2]] as Pair;
      return tf.image.resizeBilinear(ddx as tf.Tensor4D, size, attrs.alignCorners as boolean, false);
    },
    images: () => zerosOf(images),
  }),
};

/**
 * Ops built with tf.customGrad that save their own output: the tape node is named after the op scope and its
 * gradient only sees the saved copy, never the input, so no registry entry can give a correct 2nd derivative.
 * We keep the stock first-order formula and refuse when the backward pass is itself being recorded
 * (gradientDepth > 0), i.e. when a higher-order derivative through the op may be taken.
 */
function customOpGuard(
  scopeName: string,
  opName: string,
  grad: (dy: tf.Tensor, saved: tf.Tensor[]) => Grads,
): tf.GradConfig {
  return {
    kernelName: scopeName,
    gradFunc: (dy, saved) => {
      if (tf.engine().state.gradientDepth > 0) {
        unsupported(
          opName,
          `it is a tf.customGrad op that saves its output, so gradients of order ≥ 2 through it ` +
            `are wrong in tfjs 4.22; use an equivalent built from primitive ops (e.g. x − logSumExp(x))`,
        );
      }
      return grad(dy as tf.Tensor, saved);
    },
  };
}

/** tf.logSoftmax (first order only): dx = dy − Σdy · exp(value). */
const logSoftmaxOpGuard = customOpGuard('logSoftmax__op', 'tf.logSoftmax', (dy, [value]) => ({
  0: () => tf.sub(dy, tf.mul(tf.sum(dy, -1, true), tf.exp(value))),
}));

/** tf.losses.softmaxCrossEntropy (first order only): dlabels = dy·(labels − p), dlogits = dy·(p − labels). */
const softmaxCrossEntropyOpGuard = customOpGuard(
  'softmaxCrossEntropy__op',
  'tf.losses.softmaxCrossEntropy',
  (dy, [labels, logResult]) => {
    const dyKeep = () => tf.expandDims(dy, -1);
    const diff = () => tf.sub(tf.cast(labels, 'float32'), tf.exp(logResult));
    return { 0: () => tf.mul(dyKeep(), diff()), 1: () => tf.neg(tf.mul(dyKeep(), diff())) };
  },
);

/** A gradient that refuses: for backward kernels whose derivative we cannot express correctly. */
function refusedGrad(kernelName: string, forwardOp: string): tf.GradConfig {
  return {
    kernelName,
    gradFunc: () => unsupported(kernelName, `gradients of order ≥ 2 through ${forwardOp} are not supported`),
  };
}

/** Comparison / logic ops are piecewise constant: d(out)/d(input) = 0 for every input. */
function zeroGrad(kernelName: string, inputs: string[]): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: inputs,
    gradFunc: (_dy, saved) => {
      const grads: Grads = {};
      inputs.forEach((name, i) => {
        grads[name] = () => zerosOf(saved[i]);
      });
      return grads;
    },
  };
}

const BINARY_PREDICATES = [
  tf.Greater,
  tf.Less,
  tf.LessEqual,
  tf.Equal,
  tf.NotEqual,
  tf.LogicalAnd,
  tf.LogicalOr,
  tf.LogicalXor,
];

const CONFIGS: readonly tf.GradConfig[] = [
  tanhGrad,
  sigmoidGrad,
  expGrad,
  eluGrad,
  softmaxGrad,
  logSoftmaxGrad,
  powGrad,
  extremumGrad(tf.Max, tf.max, 'reductionIndices'),
  extremumGrad(tf.Min, tf.min, 'axis'),
  maxPoolGrad,
  maxPool3DGrad,
  lrnGrad,
  avgPoolGrad,
  resizeNearestGrad,
  resizeBilinearGrad,
  maxPoolGradGrad,
  avgPoolGradGrad,
  eluGradGrad,
  depthwiseBackpropInputGrad,
  depthwiseBackpropFilterGrad,
  conv2DBackpropFilterGrad,
  conv3DBackpropInputGrad,
  conv3DBackpropFilterGrad,
  resizeNearestGradGrad,
  resizeBilinearGradGrad,
  refusedGrad(tf.MaxPool3DGrad, 'MaxPool3D'),
  refusedGrad(tf.AvgPool3DGrad, 'AvgPool3D'),
  logSoftmaxOpGuard,
  softmaxCrossEntropyOpGuard,
  ...BINARY_PREDICATES.map((k) => zeroGrad(k, ['a', 'b'])),
  zeroGrad(tf.LogicalNot, ['x']),
  zeroGrad(tf.Any, ['x']),
  zeroGrad(tf.All, ['x']),
];

/** Kernel names whose gradients `applyGradientFixes()` (re)registers. */
export const GRADIENT_FIXES: readonly string[] = CONFIGS.map((c) => c.kernelName);

let applied = false;

/**
 * Registers the corrected and missing gradients globally (idempotent; call after importing tfjs-layers, whose
 * import registers the stock gradients that these replace).
 */
export function applyGradientFixes(): void {
  if (applied) return;
  for (const config of CONFIGS) tf.registerGradient(config);
  applied = true;
}
