/**
 * DepthwiseConv2dNativeBackpropFilter and DepthwiseConv2dNativeBackpropInput, which the wasm backend of tfjs 4.22
 * lacks, composed from wasm kernels so that depthwise and separable models train there. x̂ is x padded as the
 * forward op pads it; the filter is W[kh, kw, C, M] and dy's channel c·M + m belongs to filter (c, m).
 */
import * as tf from '@tensorflow/tfjs-core';
import { composer, requireNHWC, requireUnitDilation, type Info, type KernelArgs, type Pad } from './common';

interface DepthwiseAttrs {
  strides: number | [number, number];
  pad: Pad;
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dataFormat?: string;
}

/**
 * dW[p, q, c, m] = Σ_b (Σ_{i,j} x̂[b, i·s + p, j·s + q, c] · dy[b, i, j, c·M + m]): one depthwise convolution of
 * x̂ as [1, H, W, C·B] with dy as a filter [i, j, C·B, M] (dilation s), summed over b; the first kh × kw taps.
 * @internal
 */
export function depthwiseBackpropFilter({ inputs, backend, attrs }: KernelArgs): Info {
  const owner = 'DepthwiseConv2dNativeBackpropFilter';
  const { x, dy } = inputs as { x: Info; dy: Info };
  const { strides, pad, dilations, dimRoundingMode, dataFormat, filterShape } = attrs as unknown as DepthwiseAttrs & {
    filterShape: [number, number, number, number];
  };
  requireNHWC(owner, dataFormat);
  requireUnitDilation(owner, dilations);
  const [kh, kw, channels, multiplier] = filterShape;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    true,
  );
  const { run, zeroPad, finish } = composer(owner, backend);
  const [batch] = x.shape;
  const { top, bottom, left, right } = info.padInfo;
  const padded = zeroPad(x, [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ]);
  const [, hp, wp] = padded.shape;
  // x̂ as one image with C·B channels (channel c·B + b), dy as a filter [i, j, C·B, M].
  const xT = run('Transpose', { x: padded }, { perm: [1, 2, 3, 0] });
  const image = run('Reshape', { x: xT }, { shape: [1, hp, wp, channels * batch] });
  const dy5 = run('Reshape', { x: dy }, { shape: [batch, info.outHeight, info.outWidth, channels, multiplier] });
  const dyT = run('Transpose', { x: dy5 }, { perm: [1, 2, 3, 0, 4] });
  const filter = run('Reshape', { x: dyT }, { shape: [info.outHeight, info.outWidth, channels * batch, multiplier] });
  const taps = run(
    'DepthwiseConv2dNative',
    { x: image, filter },
    { strides: [1, 1], pad: 'valid', dilations: [info.strideHeight, info.strideWidth] },
  );
  const [, th, tw] = taps.shape;
  const perSample = run('Reshape', { x: taps }, { shape: [th, tw, channels, batch, multiplier] });
  const summed = run('Sum', { x: perSample }, { axis: [3], keepDims: false });
  return finish(run('Slice', { x: summed }, { begin: [0, 0, 0, 0], size: [kh, kw, channels, multiplier] }));
}

/**
 * dx̂[b, h, w, c] = Σ_{p,q,m} D[b, h − p, w − q, c·M + m] · W[p, q, c, m], D = dy with s − 1 zeros between rows
 * and columns: a stride-1 depthwise correlation of D (padded by kh − 1, kw − 1) with the flipped W, summed over m,
 * then cropped to x.
 * @internal
 */
export function depthwiseBackpropInput({ inputs, backend, attrs }: KernelArgs): Info {
  const owner = 'DepthwiseConv2dNativeBackpropInput';
  const { dy, filter } = inputs as { dy: Info; filter: Info };
  const { strides, pad, dilations, dimRoundingMode, dataFormat, inputShape } = attrs as unknown as DepthwiseAttrs & {
    inputShape: [number, number, number, number];
  };
  requireNHWC(owner, dataFormat);
  requireUnitDilation(owner, dilations);
  const [kh, kw, channels, multiplier] = filter.shape;
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
    true,
  );
  const { run, zeroPad, finish } = composer(owner, backend);
  const [batch, height, width] = inputShape;
  const { top, bottom, left, right } = info.padInfo;
  const [sh, sw] = [info.strideHeight, info.strideWidth];
  const [oh, ow] = [info.outHeight, info.outWidth];
  const k = channels * multiplier;
  // D: dy with s − 1 zeros after every row and column, cut to (o − 1)·s + 1.
  const dy6 = run('Reshape', { x: dy }, { shape: [batch, oh, 1, ow, 1, k] });
  const spread = zeroPad(dy6, [
    [0, 0],
    [0, 0],
    [0, sh - 1],
    [0, 0],
    [0, sw - 1],
    [0, 0],
  ]);
  const dilated = run('Reshape', { x: spread }, { shape: [batch, oh * sh, ow * sw, k] });
  const [dh, dw] = [(oh - 1) * sh + 1, (ow - 1) * sw + 1];
  const cut = run('Slice', { x: dilated }, { begin: [0, 0, 0, 0], size: [batch, dh, dw, k] });
  // Padded so that a valid correlation with a kh × kw filter yields every row of x̂ (height + top + bottom).
  const [hp, wp] = [height + top + bottom, width + left + right];
  const framed = zeroPad(cut, [
    [0, 0],
    [kh - 1, hp - dh],
    [kw - 1, wp - dw],
    [0, 0],
  ]);
  const flipped = run('Reverse', { x: filter }, { dims: [0, 1] });
  const kernel = run('Reshape', { x: flipped }, { shape: [kh, kw, k, 1] });
  const full = run(
    'DepthwiseConv2dNative',
    { x: framed, filter: kernel },
    { strides: [1, 1], pad: 'valid', dilations: [1, 1] },
  );
  const split = run('Reshape', { x: full }, { shape: [batch, hp, wp, channels, multiplier] });
  const summed = run('Sum', { x: split }, { axis: [4], keepDims: false });
  return finish(run('Slice', { x: summed }, { begin: [0, top, left, 0], size: [batch, height, width, channels] }));
}
