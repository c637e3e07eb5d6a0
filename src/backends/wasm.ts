/**
 * Kernels the wasm backend lacks in tfjs 4.22, composed from kernels it has, so convolutional and depthwise /
 * separable models train there (and their weight-gradient penalties run). x̂ is x padded as the forward op pads it.
 *
 * Conv2DBackpropFilter: dW[kh, kw, ci, co] = Σ_{b,i,j} x̂[b, i·s + kh, j·s + kw, ci] · dy[b, i, j, co].
 *   Swapping the batch and channel axes turns this into one convolution: x̂ᵀ[ci, H, W, b] ⊛ dyᵀ[i, j, b, co] with
 *   dilation s and stride 1, giving [ci, kh', kw', co]; the first kh × kw taps are dW (transposed back).
 * DepthwiseConv2dNativeBackpropFilter (filter [kh, kw, C, M], dy channel c·M + m):
 *   dW[p, q, c, m] = Σ_b (Σ_{i,j} x̂[b, i·s + p, j·s + q, c] · dy[b, i, j, c·M + m]): one depthwise convolution of
 *   x̂ as [1, H, W, C·B] with dy as a filter [i, j, C·B, M] (dilation s), summed over b; the first kh × kw taps.
 * DepthwiseConv2dNativeBackpropInput:
 *   dx̂[b, h, w, c] = Σ_{p,q,m} D[b, h − p, w − q, c·M + m] · W[p, q, c, m], D = dy with s − 1 zeros between rows
 *   and columns: a stride-1 depthwise correlation of D (padded by kh − 1, kw − 1) with the flipped W, summed over m,
 *   then cropped to x.
 * Conv3DBackpropFilterV2 / Conv3DBackpropInputV2: the same two constructions one dimension up, with Conv3D; they
 * replace wasm's own kernels, which return wrong numbers for 'same' padding and strides > 1 in tfjs 4.22.
 * Registered for the backend name 'wasm' whether or not it is loaded yet; apart from those two, never replaces a
 * kernel wasm has.
 */
import * as tf from '@tensorflow/tfjs-core';
import { registerWasmMaxPoolKernels } from './wasm_max_pool';

type Info = tf.TensorInfo;
type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

/**
 * Runs wasm kernels by name for one composed kernel: `run` keeps each output for disposal, `finish` returns the
 * last one and frees the others.
 */
function composer(owner: string, backend: unknown) {
  const kernels = backend as tf.KernelBackend;
  const held: Info[] = [];
  const run = (name: string, inputs: Record<string, Info>, attrs: Record<string, unknown>): Info => {
    const kernel = tf.getKernel(name, 'wasm');
    if (kernel == null) throw new Error(`${owner} on wasm (tfjs-jacobian-reg) needs the wasm kernel ${name}.`);
    const out = kernel.kernelFunc({ inputs, backend: kernels, attrs: attrs as tf.NamedAttrMap }) as Info;
    held.push(out);
    return out;
  };
  const finish = (result: Info): Info => {
    held.filter((t) => t !== result).forEach((t) => kernels.disposeData(t.dataId));
    return result;
  };
  return { run, finish };
}

function requireNHWC(owner: string, dataFormat: unknown): void {
  if (dataFormat != null && dataFormat !== 'NHWC') {
    throw new Error(`${owner} on wasm (tfjs-jacobian-reg): only NHWC is supported, got ${String(dataFormat)}.`);
  }
}

function requireUnitDilation(owner: string, dilations: unknown): void {
  const d = (Array.isArray(dilations) ? dilations : [dilations ?? 1, dilations ?? 1]) as number[];
  if (d.some((v) => v !== 1))
    throw new Error(`${owner} on wasm (tfjs-jacobian-reg): dilations must be 1, got ${JSON.stringify(dilations)}.`);
}

function conv2DBackpropFilter({ inputs, backend, attrs }: KernelArgs): Info {
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
  const { run, finish } = composer(owner, backend);
  const { top, bottom, left, right } = info.padInfo;
  const padded = run(
    'PadV2',
    { x },
    {
      paddings: [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ],
      constantValue: 0,
    },
  );
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

interface DepthwiseAttrs {
  strides: number | [number, number];
  pad: Pad;
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dataFormat?: string;
}

function depthwiseBackpropFilter({ inputs, backend, attrs }: KernelArgs): Info {
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
  const { run, finish } = composer(owner, backend);
  const [batch] = x.shape;
  const { top, bottom, left, right } = info.padInfo;
  const padded = run(
    'PadV2',
    { x },
    {
      paddings: [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ],
      constantValue: 0,
    },
  );
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

function depthwiseBackpropInput({ inputs, backend, attrs }: KernelArgs): Info {
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
  const { run, finish } = composer(owner, backend);
  const [batch, height, width] = inputShape;
  const { top, bottom, left, right } = info.padInfo;
  const [sh, sw] = [info.strideHeight, info.strideWidth];
  const [oh, ow] = [info.outHeight, info.outWidth];
  const k = channels * multiplier;
  // D: dy with s − 1 zeros after every row and column, cut to (o − 1)·s + 1.
  const dy6 = run('Reshape', { x: dy }, { shape: [batch, oh, 1, ow, 1, k] });
  const spread = run(
    'PadV2',
    { x: dy6 },
    {
      paddings: [
        [0, 0],
        [0, 0],
        [0, sh - 1],
        [0, 0],
        [0, sw - 1],
        [0, 0],
      ],
      constantValue: 0,
    },
  );
  const dilated = run('Reshape', { x: spread }, { shape: [batch, oh * sh, ow * sw, k] });
  const [dh, dw] = [(oh - 1) * sh + 1, (ow - 1) * sw + 1];
  const cut = run('Slice', { x: dilated }, { begin: [0, 0, 0, 0], size: [batch, dh, dw, k] });
  // Padded so that a valid correlation with a kh × kw filter yields every row of x̂ (height + top + bottom).
  const [hp, wp] = [height + top + bottom, width + left + right];
  const framed = run(
    'PadV2',
    { x: cut },
    {
      paddings: [
        [0, 0],
        [kh - 1, hp - dh],
        [kw - 1, wp - dw],
        [0, 0],
      ],
      constantValue: 0,
    },
  );
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

interface Conv3DAttrs {
  strides: number | [number, number, number];
  pad: 'valid' | 'same';
}

/** Conv3DBackpropFilterV2 as Conv2DBackpropFilter one dimension up: x̂ᵀ[ci, D, H, W, b] ⊛ dyᵀ[d, h, w, b, co], dilation s. */
function conv3DBackpropFilter({ inputs, backend, attrs }: KernelArgs): Info {
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
  const { run, finish } = composer('Conv3DBackpropFilterV2', backend);
  const { front, back, top, bottom, left, right } = info.padInfo;
  const padded = run(
    'PadV2',
    { x },
    {
      paddings: [
        [0, 0],
        [front, back],
        [top, bottom],
        [left, right],
        [0, 0],
      ],
      constantValue: 0,
    },
  );
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
 * Conv3DBackpropInputV2: dx̂ = D ⋆ W̃, D = dy with s − 1 zeros between entries (padded by k − 1), W̃ = W flipped in
 * space with its channel axes swapped, a stride-1 valid Conv3D; then cropped to x.
 */
function conv3DBackpropInput({ inputs, backend, attrs }: KernelArgs): Info {
  const { dy, filter } = inputs as { dy: Info; filter: Info };
  const { strides, pad, inputShape } = attrs as unknown as Conv3DAttrs & {
    inputShape: [number, number, number, number, number];
  };
  const filterShape = filter.shape as [number, number, number, number, number];
  const info = tf.backend_util.computeConv3DInfo(inputShape, filterShape, strides, 1, pad);
  const { run, finish } = composer('Conv3DBackpropInputV2', backend);
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
    const padded = run(
      'PadV2',
      { x: view },
      {
        paddings: [
          [0, 0],
          [0, 0],
          [0, s[axis - 1] - 1],
          [0, 0],
        ],
        constantValue: 0,
      },
    );
    shape[axis] *= s[axis - 1];
    dilated = run('Reshape', { x: padded }, { shape: [...shape] });
  }
  const d = o.map((n, i) => (n - 1) * s[i] + 1);
  const cut = run('Slice', { x: dilated }, { begin: [0, 0, 0, 0, 0], size: [batch, d[0], d[1], d[2], co] });
  const full = [depth + front + back, height + top + bottom, width + left + right];
  const framed = run(
    'PadV2',
    { x: cut },
    {
      paddings: [
        [0, 0],
        [kd - 1, full[0] - d[0]],
        [kh - 1, full[1] - d[1]],
        [kw - 1, full[2] - d[2]],
        [0, 0],
      ],
      constantValue: 0,
    },
  );
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

/** The kernels {@link registerWasmKernels} adds to wasm when it lacks them. */
export const WASM_KERNELS: readonly string[] = [
  'Conv2DBackpropFilter',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
];

/**
 * wasm kernels of tfjs 4.22 that return wrong numbers, replaced by composed ones: Conv3DBackpropInputV2 and
 * Conv3DBackpropFilterV2 with 'same' padding or strides > 1 (errors of the size of the result, and run-to-run
 * differences that show uninitialized memory being read).
 */
export const REPLACED_WASM_KERNELS: readonly string[] = ['Conv3DBackpropFilterV2', 'Conv3DBackpropInputV2'];

const KERNEL_FUNCS: Record<string, (args: KernelArgs) => Info> = {
  Conv2DBackpropFilter: conv2DBackpropFilter,
  DepthwiseConv2dNativeBackpropFilter: depthwiseBackpropFilter,
  DepthwiseConv2dNativeBackpropInput: depthwiseBackpropInput,
  Conv3DBackpropFilterV2: conv3DBackpropFilter,
  Conv3DBackpropInputV2: conv3DBackpropInput,
};

/**
 * BatchMatMul and _FusedMatMul with a transposed operand: wasm's own kernels take a path 10–15× slower than a plain
 * product at MLP shapes (the backward pass of every dense layer: dx = dy·Wᵀ, dW = xᵀ·dy). They are wrapped to
 * transpose the operand explicitly (wasm's Transpose kernel) and call the stock kernel without transposes:
 *   A·Bᵀ = A·(Bᵀ materialized),  Aᵀ·B = (Aᵀ materialized)·B.
 */
export const WRAPPED_WASM_KERNELS: readonly string[] = ['BatchMatMul', '_FusedMatMul'];

/** The stock kernel `stock` behind a wrapper that materializes transposed operands first. */
function withoutTransposes(kernelName: string, stock: tf.KernelConfig): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return stock.kernelFunc({ inputs, backend, attrs });
    const { run, finish } = composer(kernelName, backend);
    const swapLast = (t: Info) =>
      run(
        'Transpose',
        { x: t },
        { perm: [...t.shape.keys()].map((i, _, all) => (i < all.length - 2 ? i : 2 * all.length - 3 - i)) },
      );
    const { a, b } = inputs as { a: Info; b: Info };
    const plain = { ...inputs, a: transposeA ? swapLast(a) : a, b: transposeB ? swapLast(b) : b };
    const out = stock.kernelFunc({
      inputs: plain,
      backend,
      attrs: { ...attrs, transposeA: false, transposeB: false },
    }) as Info;
    return finish(out);
  };
}

/** Our kernel functions by name, to tell whether a registered kernel is ours. */
const ours = new Set<tf.KernelFunc>();

/**
 * Registers the missing wasm kernels, replaces the wrong ones and wraps the slow transposed products; idempotent,
 * and safe to call again after `@tensorflow/tfjs-backend-wasm` was imported later (which re-registers its own).
 */
export function registerWasmKernels(): void {
  const register = (kernelName: string, kernelFunc: tf.KernelFunc, setupFunc?: tf.KernelSetupFunc) => {
    if (tf.getKernel(kernelName, 'wasm') != null) tf.unregisterKernel(kernelName, 'wasm');
    ours.add(kernelFunc);
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc, setupFunc });
  };
  for (const kernelName of REPLACED_WASM_KERNELS) {
    const current = tf.getKernel(kernelName, 'wasm');
    // Replaced only once the backend has registered its own (registering first would make its import warn). The
    // stock kernel's setup (it binds wasm functions) is not needed: the composed one only calls other kernels.
    if (current != null && !ours.has(current.kernelFunc))
      register(kernelName, KERNEL_FUNCS[kernelName] as unknown as tf.KernelFunc);
  }
  for (const kernelName of WASM_KERNELS) {
    if (tf.getKernel(kernelName, 'wasm') == null)
      register(kernelName, KERNEL_FUNCS[kernelName] as unknown as tf.KernelFunc);
  }
  for (const kernelName of WRAPPED_WASM_KERNELS) {
    const stock = tf.getKernel(kernelName, 'wasm');
    // Before the wasm backend is imported there is nothing to wrap; its import registers the stock kernels, and
    // calling this again then wraps them.
    if (stock == null || ours.has(stock.kernelFunc)) continue;
    register(kernelName, withoutTransposes(kernelName, stock), stock.setupFunc);
  }
  registerWasmMaxPoolKernels();
}
