/**
 * Kernels the wasm backend lacks in tfjs 4.22, composed from kernels it has, so convolutional models train there.
 *
 * Conv2DBackpropFilter: dW[kh, kw, ci, co] = Σ_{b,i,j} x̂[b, i·s + kh, j·s + kw, ci] · dy[b, i, j, co] (x̂: x padded).
 * Swapping the batch and channel axes turns this into one convolution: x̂ᵀ[ci, H, W, b] ⊛ dyᵀ[i, j, b, co] with
 * dilation s and stride 1, giving [ci, kh', kw', co]; the first kh × kw taps are dW (transposed back).
 * Registered for the backend name 'wasm' whether or not it is loaded yet; never replaces a kernel wasm has.
 */
import * as tf from '@tensorflow/tfjs-core';

type Info = tf.TensorInfo;
type Run = (name: string, inputs: Record<string, Info>, attrs: Record<string, unknown>) => Info;

function conv2DBackpropFilter({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): Info {
  const { x, dy } = inputs as { x: Info; dy: Info };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as {
    strides: number | [number, number];
    pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
    dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    filterShape: [number, number, number, number];
  };
  if (dataFormat !== 'NHWC') throw new Error(`Conv2DBackpropFilter on wasm (tfjs-jacobian-reg): only NHWC is supported, got ${dataFormat}.`);
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode);
  const disposable: Info[] = [];
  const run: Run = (name, kernelInputs, kernelAttrs) => {
    const kernel = tf.getKernel(name, 'wasm');
    if (kernel == null) throw new Error(`Conv2DBackpropFilter on wasm (tfjs-jacobian-reg) needs the wasm kernel ${name}.`);
    const out = kernel.kernelFunc({ inputs: kernelInputs, backend: backend as tf.KernelBackend, attrs: kernelAttrs as tf.NamedAttrMap }) as Info;
    disposable.push(out);
    return out;
  };
  const { top, bottom, left, right } = info.padInfo;
  const padded = run('PadV2', { x }, { paddings: [[0, 0], [top, bottom], [left, right], [0, 0]], constantValue: 0 });
  const xT = run('Transpose', { x: padded }, { perm: [3, 1, 2, 0] });
  const dyT = run('Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
  const taps = run('Conv2D', { x: xT, filter: dyT }, { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [info.strideHeight, info.strideWidth] });
  const [kh, kw, ci, co] = filterShape;
  const sliced = run('Slice', { x: taps }, { begin: [0, 0, 0, 0], size: [ci, kh, kw, co] });
  const result = tf.getKernel('Transpose', 'wasm')!.kernelFunc({ inputs: { x: sliced }, backend: backend as tf.KernelBackend, attrs: { perm: [1, 2, 0, 3] } }) as Info;
  disposable.forEach((t) => (backend as tf.KernelBackend).disposeData(t.dataId));
  return result;
}

let applied = false;

/** Registers the missing wasm kernels (idempotent). */
export function registerWasmKernels(): void {
  if (applied) return;
  applied = true;
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm') == null) {
    tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2DBackpropFilter as unknown as tf.KernelFunc });
  }
}
