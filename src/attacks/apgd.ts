/**
 * APGD (Croce & Hein 2020): projected gradient ascent on a loss of the logits with momentum and a step size that
 * adapts itself, for ℓ∞ and ℓ2 balls.
 *   z = Π(x_k + η_k · dir(∇ℓ(x_k))),   x_{k+1} = Π(x_k + α(z − x_k) + (1 − α)(x_k − x_{k−1})),   α = 0.75 (1 at k = 0)
 *   η_0 = 2ε. At checkpoints p_0 = 0, p_1 = 0.22, p_{j+1} = p_j + max(p_j − p_{j−1} − 0.03, 0.06) (fractions of the
 *   steps) η is halved, and x restarts from the highest-loss point, for each sample whose loss rose in fewer than
 *   75 % of the steps since the last checkpoint, or whose step was not halved last time and whose best loss did not
 *   improve since.
 * The worst point (lowest margin) over all iterates is what the run returns.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkOneOf } from '../errors';
import { LOSSES, Loss, LossName, lossAndGradient } from './losses';
import { direction, project, randomStart, selectRows } from './project';
import { AttackOptions, prepare } from './options';
import { mixSeed } from './random';
import { AttackRun, RunOptions, WorstPoint, restarted } from './run';

export interface ApgdRunOptions extends RunOptions {
  steps: number;
  loss: LossName;
}

/** Momentum weight after the first step. */
const MOMENTUM = 0.75;
/** A sample's step is halved when its loss rose in fewer than this fraction of the steps since the last checkpoint. */
const RHO = 0.75;

/** The iterations (0-based, after which the check runs) of APGD's checkpoints for `steps` iterations. */
function checkpoints(steps: number): number[] {
  const first = Math.max(Math.floor(0.22 * steps), 1);
  const decrease = Math.max(Math.floor(0.03 * steps), 1);
  const minimum = Math.max(Math.floor(0.06 * steps), 1);
  const out: number[] = [];
  let length = first;
  for (let at = first; at <= steps; at += length) {
    out.push(at - 1);
    length = Math.max(length - decrease, minimum);
  }
  return out;
}

/**
 * One APGD run from a seeded random start on a batch (x, integer labels).
 * @internal
 */
export function apgdRun(
  logits: (x: tf.Tensor) => tf.Tensor,
  x: tf.Tensor,
  labels: tf.Tensor,
  o: ApgdRunOptions,
): AttackRun {
  const loss: Loss = LOSSES[o.loss];
  const batch = x.shape[0];
  const step = () => lossAndGradient(logits, loss, state.x, labels);
  const checks = new Set(checkpoints(o.steps));
  const state = { x: randomStart(o.norm, x, o.epsilon, o.clip, o.seed) } as { x: tf.Tensor };
  let { loss: current, margin, grad } = step();
  const worst = new WorstPoint(state.x.clone(), margin);
  let previousX = state.x.clone();
  let bestX = state.x.clone();
  let bestGrad = grad.clone();
  let bestLoss = current.clone();
  let bestLossAtCheck = current.clone();
  let halvedAtCheck = tf.ones([batch], 'bool');
  let increases = tf.zeros([batch]);
  let eta = tf.fill([batch], 2 * o.epsilon);
  let windowLength = 0;
  const swap = <T extends tf.Tensor>(old: T, next: T): T => {
    old.dispose();
    return next;
  };

  for (let k = 0; k < o.steps; k++) {
    const a = k === 0 ? 1 : MOMENTUM;
    const next = tf.tidy(() => {
      const etaRows = tf.reshape(eta, [batch, ...x.shape.slice(1).map(() => 1)]);
      const z = project(o.norm, tf.add(state.x, tf.mul(etaRows, direction(o.norm, grad))), x, o.epsilon, o.clip);
      const moved = tf.add(tf.add(state.x, tf.mul(a, tf.sub(z, state.x))), tf.mul(1 - a, tf.sub(state.x, previousX)));
      return project(o.norm, moved, x, o.epsilon, o.clip);
    });
    previousX = swap(previousX, state.x);
    state.x = next;
    grad.dispose();
    const out = step();
    grad = out.grad;
    worst.update(state.x, out.margin);
    out.margin.dispose();
    increases = swap(
      increases,
      tf.tidy(() => tf.add(increases, tf.cast(tf.greater(out.loss, current), 'float32'))),
    );
    current = swap(current, out.loss);
    const improved = tf.greater(current, bestLoss);
    bestX = swap(bestX, selectRows(improved, state.x, bestX));
    bestGrad = swap(bestGrad, selectRows(improved, grad, bestGrad));
    bestLoss = swap(bestLoss, tf.maximum(current, bestLoss));
    improved.dispose();
    windowLength++;
    if (checks.has(k)) {
      const halve = tf.tidy(() => {
        const oscillating = tf.lessEqual(increases, RHO * windowLength);
        const stalled = tf.logicalAnd(tf.logicalNot(halvedAtCheck), tf.greaterEqual(bestLossAtCheck, bestLoss));
        return tf.logicalOr(oscillating, stalled);
      });
      eta = swap(
        eta,
        tf.tidy(() => tf.where(halve, tf.div(eta, 2), eta)),
      );
      state.x = swap(state.x, selectRows(halve, bestX, state.x));
      grad = swap(grad, selectRows(halve, bestGrad, grad));
      halvedAtCheck = swap(halvedAtCheck, halve);
      bestLossAtCheck = swap(bestLossAtCheck, bestLoss.clone());
      increases = swap(increases, tf.zerosLike(increases));
      windowLength = 0;
    }
  }
  tf.dispose([
    state.x,
    previousX,
    bestX,
    bestGrad,
    bestLoss,
    bestLossAtCheck,
    halvedAtCheck,
    increases,
    eta,
    grad,
    current,
  ]);
  return worst.result();
}

export interface ApgdOptions extends AttackOptions {
  /** The loss maximized: 'ce' (logSumExp(z) − z_y) or 'dlr'. Default 'ce'. */
  loss?: 'ce' | 'dlr';
  /** Iterations per restart. Default 100. */
  steps?: number;
  /** Random starts; the lowest-margin point over all of them is returned. Default 1. */
  restarts?: number;
  /** Seed of the random starts. Default 0. */
  seed?: number;
}

/**
 * APGD adversarial inputs: per sample the lowest-margin iterate (margin z_y − max_{j≠y} z_j of the logits) over
 * `restarts` runs of `steps` adaptive-step iterations on the CE or DLR loss of the logits.
 * ```js
 * const xAdv = jr.attacks.apgd(model, x, y, {epsilon: 0.1, loss: 'dlr', steps: 100});
 * ```
 * @throws ValueError on bad options, labels or inputs outside `clip`.
 */
export function apgd(model: tfl.LayersModel, x: tf.Tensor, y: tf.Tensor, options: ApgdOptions): tf.Tensor {
  const where = 'jr.attacks.apgd';
  const loss = checkOneOf(where, 'loss', (options as ApgdOptions | undefined)?.loss ?? 'ce', ['ce', 'dlr'] as const);
  const p = prepare(where, model, x, y, options, { steps: 100, restarts: 1, seed: 0 }, ['loss']);
  if (p.epsilon === 0) return p.finish(x.clone());
  const run = restarted(
    (xs, ls, seed) => apgdRun(p.logits, xs, ls, { ...p.run, seed, steps: p.steps, loss }),
    x,
    p.labels,
    {
      restarts: p.restarts,
      seedOf: (r) => mixSeed(p.seed, r),
      onlyUnbroken: false,
    },
  );
  run.margin.dispose();
  return p.finish(run.adversarial);
}
