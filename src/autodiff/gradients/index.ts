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

/** Per kernel name, the gradient ours displaced (undefined when none was registered), until the fixes are removed. */
const displaced = new Map<string, tf.GradConfig | undefined>();
/** Whether the fixes should be in place: set by apply, cleared by remove. */
let wanted = false;

/**
 * Puts `config` (or nothing) in the registry under `kernelName`. Unregistering first replaces an entry without the
 * "Overriding the gradient" warning tfjs logs in debug mode.
 */
function setGradient(kernelName: string, config: tf.GradConfig | undefined): void {
  if (tf.getGradient(kernelName) != null) tf.unregisterGradient(kernelName);
  if (config != null) tf.registerGradient(config);
}

/**
 * Registers the corrected and missing gradients globally where the registry does not hold them, remembering what
 * they replace. Idempotent; it also restores the fixes after a tfjs bundle loaded later re-registered the stock
 * gradients (in Node, `@tensorflow/tfjs` carries its own copy of them).
 * @internal
 */
export function applyGradientFixes(): void {
  wanted = true;
  for (const config of CONFIGS) {
    const current = tf.getGradient(config.kernelName);
    if (current === config) continue;
    if (!displaced.has(config.kernelName)) displaced.set(config.kernelName, current);
    setGradient(config.kernelName, config);
  }
}

/**
 * Undoes {@link applyGradientFixes}: puts back, per kernel, the gradient registered before the fixes (removing the
 * entry where there was none). A gradient registered over one of ours since then is left alone. Idempotent;
 * `applyGradientFixes()` works again afterwards.
 * @internal
 */
export function removeGradientFixes(): void {
  wanted = false;
  for (const config of CONFIGS) {
    if (displaced.has(config.kernelName) && tf.getGradient(config.kernelName) === config) {
      setGradient(config.kernelName, displaced.get(config.kernelName));
    }
  }
  displaced.clear();
}

/**
 * Re-applies the fixes if they should be in place but a tfjs bundle loaded after the package replaced some of them
 * (40 registry lookups; the products call it, so that import order cannot make a derivative silently wrong).
 * @internal
 */
export function ensureGradientFixes(): void {
  if (wanted && CONFIGS.some((c) => tf.getGradient(c.kernelName) !== c)) applyGradientFixes();
}
