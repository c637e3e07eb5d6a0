/**
 * Conv3DBackpropFilterV2 and Conv3DBackpropInputV2 composed from wasm kernels: the constructions of
 * Conv2DBackpropFilter and DepthwiseConv2dNativeBackpropInput one dimension up, with Conv3D. They replace wasm's own
 * kernels, which in tfjs 4.22 return wrong numbers for 'same' padding and strides > 1 (errors of the size of the
 * result, and run-to-run differences that show uninitialized memory being read). x̂ is x padded as the forward op
 * pads it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { composer, type Info, type KernelArgs } from './common';

interface Conv3DAttrs {
  strides: number | [number, number, number];
  pad: 'valid' | 'same';
}

/**
 * dW[kd, kh, kw, ci, co] = Σ_{b,i,j,l} x̂[b, i·s + kd, j·s + kh, l·s + kw, ci] · dy[b, i, j, l, co]:
 * x̂ᵀ[ci, D, H, W, b] ⊛ dyᵀ[d, h, w, b, co] with dilation s and stride 1; the first kd × kh × kw taps, transposed back.
 * @internal
 */
export function conv3DBackpropFilter({ inputs, backend, attrs }: KernelArgs): Info {
  const { x, dy } = inputs as { x: Info; dy: Info };
  const { strides, pad, filterShape } = attrs as unknown as Conv3DAttrs & {
    filterShape: [number, number, number, number, number];
  };
  const info = tf.backend_util.computeConv3DInfo(
    x.shape as [number, number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
  );
  const { run, zeroPad, finish } = composer('Conv3DBackpropFilterV2', backend);
  const { front, back, top, bottom, left, right } = info.padInfo;
  const padded = zeroPad(x, [
    [0, 0],
    [front, back],
    [top, bottom],
    [left, right],
    [0, 0],
  ]);
  const xT = run('Transpose', { x: padded }, { perm: [4, 1, 2, 3, 0] });
  const dyT = run('Transpose', { x: dy }, { perm: [1, 2, 3, 0, 4] });
  const taps = run(
    'Conv3D',
    { x: xT, filter: dyT },
    { strides: [1, 1, 1], pad: 'valid', dilations: [info.strideDepth, info.strideHeight, info.strideWidth] },
  );
  const [kd, kh, kw, ci, co] = filterShape;
  const sliced = run('Slice', { x: taps }, { begin: [0, 0, 0, 0, 0], size: [ci, kd, kh, kw, co] });
  return finish(run('Transpose', { x: sliced }, { perm: [1, 2, 3, 0, 4] }));
}

/**
 * dx̂ = D ⋆ W̃, D = dy with s − 1 zeros between entries (padded by k − 1), W̃ = W flipped in space with its channel
 * axes swapped, a stride-1 valid Conv3D; then cropped to x.
 * @internal
 */
export function conv3DBackpropInput({ inputs, backend, attrs }: KernelArgs): Info {
  const { dy, filter } = inputs as { dy: Info; filter: Info };
  const { strides, pad, inputShape } = attrs as unknown as Conv3DAttrs & {
    inputShape: [number, number, number, number, number];
  };
  const filterShape = filter.shape as [number, number, number, number, number];
  const info = tf.backend_util.computeConv3DInfo(inputShape, filterShape, strides, 1, pad);
  const { run, zeroPad, finish } = composer('Conv3DBackpropInputV2', backend);
  const [batch, depth, height, width, ci] = inputShape;
  const [kd, kh, kw, , co] = filterShape;
  const { front, back, top, bottom, left, right } = info.padInfo;
  const s = [info.strideDepth, info.strideHeight, info.strideWidth];
  const o = [info.outDepth, info.outHeight, info.outWidth];
  // Zeros inserted one axis at a time through rank-4 views (wasm's PadV2 is wrong at rank 8).
  let dilated = dy;
  const shape = [batch, ...o, co];
  for (let axis = 1; axis <= 3; axis++) {
    const [before, after] = [shape.slice(0, axis), shape.slice(axis + 1)].map((p) => p.reduce((m, n) => m * n, 1));
    const view = run('Reshape', { x: dilated }, { shape: [before, shape[axis], 1, after] });
    const padded = zeroPad(view, [
      [0, 0],
      [0, 0],
      [0, s[axis - 1] - 1],
      [0, 0],
    ]);
    shape[axis] *= s[axis - 1];
    dilated = run('Reshape', { x: padded }, { shape: [...shape] });
  }
  const d = o.map((n, i) => (n - 1) * s[i] + 1);
  const cut = run('Slice', { x: dilated }, { begin: [0, 0, 0, 0, 0], size: [batch, d[0], d[1], d[2], co] });
  const full = [depth + front + back, height + top + bottom, width + left + right];
  const framed = zeroPad(cut, [
    [0, 0],
    [kd - 1, full[0] - d[0]],
    [kh - 1, full[1] - d[1]],
    [kw - 1, full[2] - d[2]],
    [0, 0],
  ]);
  const flipped = run('Reverse', { x: filter }, { dims: [0, 1, 2] });
  const swapped = run('Transpose', { x: flipped }, { perm: [0, 1, 2, 4, 3] });
  const conv = run(
    'Conv3D',
    { x: framed, filter: swapped },
    { strides: [1, 1, 1], pad: 'valid', dilations: [1, 1, 1] },
  );
  return finish(
    run('Slice', { x: conv }, { begin: [0, front, top, left, 0], size: [batch, depth, height, width, ci] }),
  );
}
