/**
 * The package's kernels for the wasm backend of tfjs 4.22, registered for the backend name 'wasm' whether or not it
 * is loaded yet:
 * - added where wasm lacks them (`WASM_KERNELS`): Conv2DBackpropFilter and the depthwise backprops, composed from
 *   wasm kernels, so that convolutional and depthwise / separable models train there;
 * - replaced where wasm's return wrong numbers: Conv3D backprop (`REPLACED_WASM_KERNELS`) and max-pool
 *   (`WASM_MAX_POOL_KERNELS`);
 * - wrapped where wasm's are slow: BatchMatMul / _FusedMatMul with a transposed operand (`WRAPPED_WASM_KERNELS`).
 * Replacing and wrapping need the stock kernel, so they happen only once the backend has registered its own (its
 * import does); `registerWasmKernels()` called again after that import completes the set.
 */
import * as tf from '@tensorflow/tfjs-core';
import { conv2DBackpropFilter } from './conv2d';
import { conv3DBackpropFilter, conv3DBackpropInput } from './conv3d';
import { depthwiseBackpropFilter, depthwiseBackpropInput } from './depthwise';
import { withoutTransposes } from './matmul';
import { maxPoolGrad, maxPoolWithArgmax } from './max_pool';

/** The kernels the package adds to wasm when it lacks them (on import, and again with `jr.register()`). */
export const WASM_KERNELS: readonly string[] = [
  'Conv2DBackpropFilter',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
];

/**
 * wasm kernels of tfjs 4.22 that return wrong numbers, replaced by composed ones: Conv3DBackpropInputV2 and
 * Conv3DBackpropFilterV2 with 'same' padding or strides > 1 (errors of the size of the result, and run-to-run
 * differences that show uninitialized memory being read).
 * @internal
 */
export const REPLACED_WASM_KERNELS: readonly string[] = ['Conv3DBackpropFilterV2', 'Conv3DBackpropInputV2'];

/**
 * wasm max-pool kernels of tfjs 4.22 that start each window's maximum at FLT_MIN, replaced (see max_pool.ts).
 * @internal
 */
export const WASM_MAX_POOL_KERNELS: readonly string[] = ['MaxPoolGrad', 'MaxPoolWithArgmax'];

/**
 * wasm kernels wrapped to materialize a transposed operand before the stock product (see matmul.ts).
 * @internal
 */
export const WRAPPED_WASM_KERNELS: readonly string[] = ['BatchMatMul', '_FusedMatMul'];

const asKernelFunc = (f: unknown) => f as tf.KernelFunc;

const ADDED: Record<string, tf.KernelFunc> = {
  Conv2DBackpropFilter: asKernelFunc(conv2DBackpropFilter),
  DepthwiseConv2dNativeBackpropFilter: asKernelFunc(depthwiseBackpropFilter),
  DepthwiseConv2dNativeBackpropInput: asKernelFunc(depthwiseBackpropInput),
};

/** The function that takes the place of a stock kernel, given that kernel. */
const REPLACEMENTS: Record<string, (stock: tf.KernelConfig) => tf.KernelFunc> = {
  Conv3DBackpropFilterV2: () => asKernelFunc(conv3DBackpropFilter),
  Conv3DBackpropInputV2: () => asKernelFunc(conv3DBackpropInput),
  MaxPoolGrad: () => asKernelFunc(maxPoolGrad),
  MaxPoolWithArgmax: () => asKernelFunc(maxPoolWithArgmax),
  BatchMatMul: (stock) => withoutTransposes('BatchMatMul', stock),
  _FusedMatMul: (stock) => withoutTransposes('_FusedMatMul', stock),
};

/** The kernel function this module registered, by kernel name. */
const installed = new Map<string, tf.KernelFunc>();
/** The stock wasm kernel each replacement or wrapper displaced, by kernel name (with its setupFunc). */
const displaced = new Map<string, tf.KernelConfig>();

function isOurs(kernelName: string, config: tf.KernelConfig | undefined): boolean {
  return config != null && installed.get(kernelName) === config.kernelFunc;
}

/**
 * Adds the missing wasm kernels, replaces the wrong ones and wraps the slow transposed products; idempotent, and
 * safe to call again after `@tensorflow/tfjs-backend-wasm` was imported later (which registers its own). Added
 * kernels are registered before the backend is loaded too; a kernel the backend has is never replaced except those
 * listed above. A replacement keeps the stock kernel's setupFunc, so that the stock kernel is set up for
 * {@link removeWasmKernels} to restore.
 * @internal
 */
export function registerWasmKernels(): void {
  for (const kernelName of WASM_KERNELS) {
    if (tf.getKernel(kernelName, 'wasm') != null) continue;
    installed.set(kernelName, ADDED[kernelName]);
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: ADDED[kernelName] });
  }
  for (const [kernelName, replacement] of Object.entries(REPLACEMENTS)) {
    const stock = tf.getKernel(kernelName, 'wasm');
    if (stock == null || isOurs(kernelName, stock)) continue;
    const kernelFunc = replacement(stock);
    displaced.set(kernelName, stock);
    installed.set(kernelName, kernelFunc);
    tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({ ...stock, kernelFunc });
  }
}

/**
 * Undoes {@link registerWasmKernels}: unregisters the kernels it added and puts back the stock kernels it replaced
 * or wrapped (their whole KernelConfig). A kernel registered over the package's since then is left alone.
 * Idempotent; `registerWasmKernels()` works again afterwards.
 * @internal
 */
export function removeWasmKernels(): void {
  for (const [kernelName, kernelFunc] of installed) {
    const current = tf.getKernel(kernelName, 'wasm');
    if (current == null || current.kernelFunc !== kernelFunc) continue;
    tf.unregisterKernel(kernelName, 'wasm');
    const stock = displaced.get(kernelName);
    if (stock != null) tf.registerKernel(stock);
  }
  installed.clear();
  displaced.clear();
}
