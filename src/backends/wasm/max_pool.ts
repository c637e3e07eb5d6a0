/**
 * MaxPoolGrad and MaxPoolWithArgmax for the wasm backend. tfjs 4.22's wasm kernels start each window's running
 * maximum at FLT_MIN (≈ 1.2·10⁻³⁸) instead of −∞, so in a window whose maximum is ≤ 0 they route the gradient to
 * the window's first pixel (MaxPoolGrad) and return that index with the value FLT_MIN (MaxPoolWithArgmax): wrong
 * first-order gradients through max pooling after tanh / linear / batch-norm layers, and wrong higher orders.
 * These replacements compute, like the cpu kernels (first maximum in row-major window order wins):
 *   a(o) = argmax_{p ∈ window(o)} x[p],   MaxPoolGrad: dx[p] = Σ_{o : a(o) = p} dy[o],
 *   MaxPoolWithArgmax: (x[a(o)], flat index of a(o), with the batch when includeBatchInIndex).
 * Plain loops over the backend's heap views.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Info, KernelArgs } from './common';

/** The two methods of the wasm backend these kernels use (allocate an output; view a tensor's heap memory). */
interface WasmHeap {
  makeOutput(shape: number[], dtype: tf.DataType): Info;
  typedArrayFromHeap(info: Info): Float32Array | Int32Array;
}

/** Calls visit(outIndex, argmaxIndex) per output; argmaxIndex is the flat NHWC input index (−1: no valid pixel). */
function forEachArgmax(
  x: ArrayLike<number>,
  info: tf.backend_util.Conv2DInfo,
  visit: (o: number, p: number) => void,
): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, strideHeight, strideWidth } = info;
  const { dilationHeight, dilationWidth, effectiveFilterHeight, effectiveFilterWidth } = info;
  const { top, left } = info.padInfo;
  for (let b = 0; b < batchSize; b++) {
    for (let yR = 0; yR < outHeight; yR++) {
      const rCorner = yR * strideHeight - top;
      let rMin = rCorner;
      while (rMin < 0) rMin += dilationHeight;
      const rMax = Math.min(inHeight, effectiveFilterHeight + rCorner);
      for (let yC = 0; yC < outWidth; yC++) {
        const cCorner = yC * strideWidth - left;
        let cMin = cCorner;
        while (cMin < 0) cMin += dilationWidth;
        const cMax = Math.min(inWidth, effectiveFilterWidth + cCorner);
        for (let d = 0; d < inChannels; d++) {
          let best = Number.NEGATIVE_INFINITY;
          let at = -1;
          for (let r = rMin; r < rMax; r += dilationHeight) {
            for (let c = cMin; c < cMax; c += dilationWidth) {
              const p = ((b * inHeight + r) * inWidth + c) * inChannels + d;
              if (x[p] > best) {
                best = x[p];
                at = p;
              }
            }
          }
          visit(((b * outHeight + yR) * outWidth + yC) * inChannels + d, at);
        }
      }
    }
  }
}

/**
 * dx[p] = Σ_{o : a(o) = p} dy[o]: each output's gradient goes to its window's first maximum.
 * @internal
 */
export function maxPoolGrad({ inputs, backend, attrs }: KernelArgs): Info {
  const { dy, input } = inputs as { dy: Info; input: Info };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const heap = backend as WasmHeap;
  const out = heap.makeOutput(input.shape, 'float32');
  // Views after the allocation (allocating may grow, and so detach, the heap).
  const [x, g, dx] = [heap.typedArrayFromHeap(input), heap.typedArrayFromHeap(dy), heap.typedArrayFromHeap(out)];
  dx.fill(0);
  forEachArgmax(x, info, (o, p) => {
    if (p >= 0) dx[p] += g[o];
  });
  return out;
}

/**
 * [x[a(o)], flat index of a(o)] per output (the index within the sample unless includeBatchInIndex).
 * @internal
 */
export function maxPoolWithArgmax({ inputs, backend, attrs }: KernelArgs): Info[] {
  const { x: input } = inputs as { x: Info };
  const { filterSize, strides, pad, includeBatchInIndex } = attrs as unknown as tf.MaxPoolWithArgmaxAttrs;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
  );
  const heap = backend as WasmHeap;
  const pooled = heap.makeOutput(info.outShape, input.dtype);
  const indexes = heap.makeOutput(info.outShape, 'int32');
  const [x, values, positions] = [
    heap.typedArrayFromHeap(input),
    heap.typedArrayFromHeap(pooled),
    heap.typedArrayFromHeap(indexes),
  ];
  const perSample = info.inHeight * info.inWidth * info.inChannels;
  forEachArgmax(x, info, (o, p) => {
    values[o] = p >= 0 ? x[p] : Number.NEGATIVE_INFINITY;
    positions[o] = p < 0 || includeBatchInIndex ? p : p % perSample;
  });
  return [pooled, indexes];
}
