/**
 * The one place the study calls the attack ensemble: `jr.attacks.evaluate` (an AutoAttack-style cascade of
 * APGD-CE, APGD-DLR and Square on the logits, under ℓ∞ or ℓ2).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as jr from '../../src';

export type { AttackName, Norm } from '../../src';

/** What results.json names as the attack engine. */
export const ATTACK_ENGINE = 'jr.attacks.evaluate';

/** Runs the cascade on (x, y one-hot): accuracies, per-image flags and the worst point per image (caller disposes). */
export function evaluateAttacks(model: tfl.LayersModel, x: tf.Tensor2D, y: tf.Tensor2D, options: jr.EvaluateOptions): Promise<jr.EvaluationResult> {
  return jr.attacks.evaluate(model, x, y, options);
}
