/**
 * Every global change the package makes to tfjs, in one place. Importing the package calls `register()` once;
 * `register()` is idempotent and `unregister()` undoes what can be undone.
 *
 * - Gradients: re-registers the tfjs gradients listed in `GRADIENT_FIXES` so that second and third order derivatives
 *   are correct (docs/GRADIENT-FIXES.md); until `unregister()`, every product puts them back if a tfjs bundle loaded
 *   later re-registered the stock ones.
 * - wasm kernels: adds the ones the wasm backend lacks, replaces its wrong ones and wraps its slow transposed
 *   products (`WASM_KERNELS`); a wasm backend imported after the package needs `register()` again.
 * - Serialization: registers the package's layer and regularizer classes, so that `tf.loadLayersModel` finds them.
 * - IO: in Node, a `file://` save and load router (unless tfjs-node already serves `file://`).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { applyGradientFixes, removeGradientFixes } from './autodiff/gradients/index';
import { registerWasmKernels, removeWasmKernels } from './backends/wasm/index';
import { registerFileRouter, unregisterFileRouter } from './io/file_system';
import { HessianRegularizer } from './keras/hessian_regularizer';
import { JacobianRegularizer } from './keras/jacobian_regularizer';
import { Regularized } from './keras/regularized';

/**
 * Applies every global change listed above; idempotent. Call it again after importing
 * `@tensorflow/tfjs-backend-wasm` later than this package, or to restore the changes after `unregister()`.
 *
 * ```js
 * jr.register();  // changes nothing here: importing the package did it, and register() is idempotent
 * const d2 = tf.grad(tf.grad((v) => tf.sum(tf.mul(v, tf.tanh(v)))));  // d²(x·tanh x)/dx² = 2(1 − t²)(1 − x·t)
 * console.log(d2(tf.tensor1d([0.5])).arraySync());  // → [1.2095]
 * ```
 */
export function register(): void {
  applyGradientFixes();
  registerWasmKernels();
  for (const cls of [JacobianRegularizer, HessianRegularizer, Regularized]) tf.serialization.registerClass(cls);
  registerFileRouter();
}

/**
 * Undoes `register()`: restores the gradients and wasm kernels tfjs had before, and turns the `file://` router off.
 * The classes stay registered (tfjs has no way to remove them). The package's own derivatives are wrong until
 * `register()` is called again.
 * ```js
 * const d2 = tf.grad(tf.grad((v) => tf.sum(tf.mul(v, tf.tanh(v)))));
 * jr.unregister();  // stock tfjs: d²(x·tanh x)/dx² = 2(1 − t²), without the term through tanh's output
 * console.log(d2(tf.tensor1d([0.5])).arraySync());  // → [1.5729]
 * jr.register();
 * ```
 */
export function unregister(): void {
  removeGradientFixes();
  removeWasmKernels();
  unregisterFileRouter();
}

register();
