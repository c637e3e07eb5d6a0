/**
 * PGD with a fixed step (Madry et al. 2018) on the cross-entropy of the logits, CE = logSumExp(z) − z_y:
 *   x_0 = a seeded random point on the ε-sphere (see `randomStart`),
 *   x_{k+1} = Π(x_k + α · dir(∇ₓ CE(x_k))),   α = 2.5ε / steps,   dir = sign (ℓ∞) or g / ‖g‖₂ (ℓ2),
 * Π the projection onto the ε-ball and the clip box. Per sample the lowest-margin iterate over all steps and
 * restarts is kept. APGD (`apgd`) adapts the step instead and is the stronger attack.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { crossEntropy, lossAndGradient } from './losses';
import { direction, project, randomStart } from './project';
import { AttackRun, RunOptions, WorstPoint, restarted } from './run';
import { AttackOptions, prepare } from './options';
import { mixSeed } from './random';

export interface PgdRunOptions extends RunOptions {
  steps: number;
}

/**
 * One fixed-step PGD run on a batch with integer labels.
 * @internal
 */
export function pgdRun(
  logits: (x: tf.Tensor) => tf.Tensor,
  x: tf.Tensor,
  labels: tf.Tensor,
  o: PgdRunOptions,
): AttackRun {
  const alpha = (2.5 * o.epsilon) / o.steps;
  let current = randomStart(o.norm, x, o.epsilon, o.clip, o.seed);
  let worst: WorstPoint | null = null;
  for (let k = 0; ; k++) {
    const { loss, margin, grad } = lossAndGradient(logits, crossEntropy, current, labels);
    loss.dispose();
    if (worst == null) worst = new WorstPoint(current.clone(), margin);
    else {
      worst.update(current, margin);
      margin.dispose();
    }
    if (k === o.steps) {
      tf.dispose([grad, current]);
      break;
    }
    const next = tf.tidy(() =>
      project(o.norm, tf.add(current, tf.mul(alpha, direction(o.norm, grad))), x, o.epsilon, o.clip),
    );
    tf.dispose([grad, current]);
    current = next;
  }
  return worst.result();
}

export interface PgdOptions extends AttackOptions {
  /** Iterations k; the step is α = 2.5ε / k. Default 10. */
  steps?: number;
  /** Random starts; the lowest-margin point over all of them is returned. Default 1. */
  restarts?: number;
  /** Seed of the random starts. Default 0. */
  seed?: number;
}

/**
 * PGD-k adversarial inputs: from a seeded random start, k steps x ← Π(x + α·dir ∇ₓ CE(z(x), y)), α = 2.5ε/k, on the
 * logits z; returns per sample the iterate of lowest margin z_y − max_{j≠y} z_j over all steps and restarts.
 * ```js
 * const xAdv = jr.attacks.pgd(model, x, y, {epsilon: 0.1, steps: 20, norm: 'linf', restarts: 2, seed: 0});
 * ```
 * @throws ValueError on bad options, labels or inputs outside `clip`.
 */
export function pgd(model: tfl.LayersModel, x: tf.Tensor, y: tf.Tensor, options: PgdOptions): tf.Tensor {
  const p = prepare('jr.attacks.pgd', model, x, y, options, { steps: 10, restarts: 1, seed: 0 });
  if (p.epsilon === 0) return p.finish(x.clone());
  const run = restarted((xs, ls, seed) => pgdRun(p.logits, xs, ls, { ...p.run, seed, steps: p.steps }), x, p.labels, {
    restarts: p.restarts,
    seedOf: (r) => mixSeed(p.seed, r),
    onlyUnbroken: false,
  });
  run.margin.dispose();
  return p.finish(run.adversarial);
}
