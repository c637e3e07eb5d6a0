/**
 * Conv2DBackpropFilter, which the wasm backend of tfjs 4.22 lacks, composed from wasm kernels. x̂ is x padded as
 * the forward op pads it:
 *   dW[kh, kw, ci, co] = Σ_{b,i,j} x̂[b, i·s + kh, j·s + kw, ci] · dy[b, i, j, co].
 * Swapping the batch and channel axes turns this into one convolution: x̂ᵀ[ci, H, W, b] ⊛ dyᵀ[i, j, b, co] with
 * dilation s and stride 1, giving [ci, kh', kw', co]; the first kh × kw taps are dW (transposed back).
 */
import * as tf from '@tensorflow/tfjs-core';
import { composer, requireNHWC, type Info, type KernelArgs, type Pad } from './common';

/**
 * dW = ∂(Σ dy ⊙ conv2d(x, W))/∂W for an NHWC conv2d with dilation 1.
 * @internal
 */
export function conv2DBackpropFilter({ inputs, backend, attrs }: KernelArgs): Info {
  const owner = 'Conv2DBackpropFilter';
  const { x, dy } = inputs as { x: Info; dy: Info };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as {
    strides: number | [number, number];
    pad: Pad;
    dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    filterShape: [number, number, number, number];
  };
  requireNHWC(owner, dataFormat);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const { run, zeroPad, finish } = composer(owner, backend);
  const { top, bottom, left, right } = info.padInfo;
  const padded = zeroPad(x, [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ]);
  const xT = run('Transpose', { x: padded }, { perm: [3, 1, 2, 0] });
  const dyT = run('Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
  const taps = run(
    'Conv2D',
    { x: xT, filter: dyT },
    { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [info.strideHeight, info.strideWidth] },
  );
  const [kh, kw, ci, co] = filterShape;
  const sliced = run('Slice', { x: taps }, { begin: [0, 0, 0, 0], size: [ci, kh, kw, co] });
  return finish(run('Transpose', { x: sliced }, { perm: [1, 2, 0, 3] }));
}
