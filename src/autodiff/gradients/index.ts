/**
 * Gradient fixes that make 2nd- and 3rd-order derivatives through tfjs 4.22 kernels correct, one family per file.
 *
 * Two problems in the stock registry (see docs/GRADIENT-FIXES.md):
 * 1. Kernels whose gradient keeps the op's *output* (`outputsToSave`) lose every higher-order path through that
 *    output: the engine records the saved copy on the tape before the op that produced it, so a second backward
 *    pass never links it to x (silently wrong numbers, or "Cannot compute gradient"). They are re-registered with
 *    `inputsToSave` only and recompute the forward value from the input with differentiable ops.
 * 2. Several backward kernels (MaxPoolGrad, AvgPoolGrad, EluGrad, depthwise/conv backprops, resize grads) and the
 *    comparison / logic ops have no gradient at all. They get one, each expressed with differentiable ops.
 * Combinations that cannot be made correct throw an error naming the op instead of returning a wrong number.
 *
 * Registration is global (the tfjs gradient registry is process-wide); `applyGradientFixes()` and
 * `removeGradientFixes()` are idempotent and undo each other.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ACTIVATION_GRADIENTS } from './activations';
import { CONVOLUTION_GRADIENTS } from './convolution';
import { LOSS_GRADIENTS } from './losses';
import { MATH_GRADIENTS } from './math';
import { NORMALIZATION_GRADIENTS } from './normalization';
import { POOLING_GRADIENTS } from './pooling';
import { PREDICATE_GRADIENTS } from './predicates';
import { RESIZE_GRADIENTS } from './resize';

/** Every family's gradients, registered in this order. */
const CONFIGS: readonly tf.GradConfig[] = [
  ACTIVATION_GRADIENTS,
  MATH_GRADIENTS,
  POOLING_GRADIENTS,
  NORMALIZATION_GRADIENTS,
  RESIZE_GRADIENTS,
  CONVOLUTION_GRADIENTS,
  LOSS_GRADIENTS,
  PREDICATE_GRADIENTS,
].flat();

/** Kernel names whose gradients `applyGradientFixes()` (re)registers. */
export const GRADIENT_FIXES: readonly string[] = CONFIGS.map((c) => c.kernelName);

/** While the fixes are applied: per kernel name, the gradient registered before ours (undefined when none was). */
const displaced = new Map<string, tf.GradConfig | undefined>();
let applied = false;

/**
 * Puts `config` (or nothing) in the registry under `kernelName`. Unregistering first replaces an entry without the
 * "Overriding the gradient" warning tfjs logs in debug mode.
 */
function setGradient(kernelName: string, config: tf.GradConfig | undefined): void {
  if (tf.getGradient(kernelName) != null) tf.unregisterGradient(kernelName);
  if (config != null) tf.registerGradient(config);
}

/**
 * Registers the corrected and missing gradients globally, remembering the ones they replace (idempotent; call
 * after importing tfjs-layers, whose import registers the stock gradients that these replace).
 * @internal
 */
export function applyGradientFixes(): void {
  if (applied) return;
  for (const config of CONFIGS) {
    displaced.set(config.kernelName, tf.getGradient(config.kernelName));
    setGradient(config.kernelName, config);
  }
  applied = true;
}

/**
 * Undoes {@link applyGradientFixes}: puts back, per kernel, the gradient registered before the fixes (removing the
 * entry where there was none). A gradient registered over one of ours since then is left alone. Idempotent;
 * `applyGradientFixes()` works again afterwards.
 * @internal
 */
export function removeGradientFixes(): void {
  if (!applied) return;
  for (const config of CONFIGS) {
    if (tf.getGradient(config.kernelName) === config) setGradient(config.kernelName, displaced.get(config.kernelName));
  }
  displaced.clear();
  applied = false;
}
