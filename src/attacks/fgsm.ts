/**
 * FGSM (Goodfellow et al. 2015), one step on the cross-entropy of the logits, CE = logSumExp(z) − z_y:
 *   x' = Π(x + ε · dir(∇ₓ CE(x))),   dir = sign (ℓ∞) or g / ‖g‖₂ (ℓ2),   Π the clip box.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { crossEntropy, lossAndGradient, margins } from './losses';
import { AttackOptions, prepare } from './options';
import { direction, project } from './project';
import { AttackRun, RunOptions } from './run';

/**
 * FGSM on a batch with integer labels; the returned margin is the one at x' (FGSM keeps no other point).
 * @internal
 */
export function fgsmRun(
  logits: (x: tf.Tensor) => tf.Tensor,
  x: tf.Tensor,
  labels: tf.Tensor,
  o: RunOptions,
): AttackRun {
  const { loss, margin, grad } = lossAndGradient(logits, crossEntropy, x, labels);
  const adversarial = tf.tidy(() =>
    project(o.norm, tf.add(x, tf.mul(o.epsilon, direction(o.norm, grad))), x, o.epsilon, o.clip),
  );
  tf.dispose([loss, margin, grad]);
  return { adversarial, margin: tf.tidy(() => margins(logits(adversarial), labels)) };
}

/**
 * FGSM adversarial inputs x' = clip(x + ε·sign ∇ₓ CE(z(x), y)) (ℓ∞; ℓ2: ε·g/‖g‖₂), CE on the logits z.
 * ```js
 * const xAdv = jr.attacks.fgsm(model, x, y, {epsilon: 0.1});
 * ```
 * @throws ValueError on bad options, labels or inputs outside `clip`.
 */
export function fgsm(model: tfl.LayersModel, x: tf.Tensor, y: tf.Tensor, options: AttackOptions): tf.Tensor {
  const p = prepare('jr.attacks.fgsm', model, x, y, options, {});
  const run = fgsmRun(p.logits, x, p.labels, { ...p.run, seed: 0 });
  run.margin.dispose();
  return p.finish(run.adversarial);
}
