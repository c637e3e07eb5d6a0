/** The options every attack shares, their validation, and the setup each public attack does first. */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkInteger, checkNumber, checkOneOf, checkOptions, fail } from '../errors';
import { Logits, LogitsOption, checkInputs, labelsOf, resolveLogits, warnIfProbabilities } from './classifier';
import type { Clip, Norm } from './project';

const NORMS: readonly Norm[] = ['linf', 'l2'];

/** Options of every attack. */
export interface AttackOptions {
  /** Radius ε of the threat model's ball (≥ 0). Required. */
  epsilon: number;
  /** 'linf' (‖δ‖∞ ≤ ε) or 'l2' (‖δ‖₂ ≤ ε). Default 'linf'. */
  norm?: Norm;
  /** The valid input box [lo, hi]; every adversarial input stays inside it. Default [0, 1]. */
  clip?: Clip;
  /** The pre-softmax logits to attack: a model or a function x ↦ z(x). Default: found from `model` (see docs). */
  logits?: LogitsOption;
}

/** Checks `clip` is [lo, hi], finite, lo < hi. */
function checkClip(where: string, clip: unknown): Clip {
  const ok =
    Array.isArray(clip) &&
    clip.length === 2 &&
    clip.every((v) => typeof v === 'number' && Number.isFinite(v)) &&
    clip[0] < clip[1];
  if (!ok) fail(where, 'clip', 'must be [lo, hi] with finite lo < hi', clip, 'E.g. clip: [0, 1] for pixels.');
  return clip as Clip;
}

/**
 * Checks the shared fields; `epsilon` is required.
 * @internal
 */
export function checkCommon(where: string, o: Record<string, unknown>): { epsilon: number; norm: Norm; clip: Clip } {
  if (o.epsilon === undefined)
    fail(where, 'epsilon', 'is required (the radius of the threat model)', undefined, 'E.g. {epsilon: 8 / 255}.');
  return {
    epsilon: checkNumber(where, 'epsilon', o.epsilon, { min: 0 }),
    norm: checkOneOf(where, 'norm', o.norm ?? 'linf', NORMS),
    clip: checkClip(where, o.clip ?? [0, 1]),
  };
}

interface Prepared {
  logits: Logits;
  labels: tf.Tensor;
  epsilon: number;
  run: { norm: Norm; epsilon: number; clip: Clip };
  steps: number;
  restarts: number;
  seed: number;
  queries: number;
  /** Disposes the setup's tensors and returns `result`. */
  finish<T>(result: T): T;
}

/** The integer options a public attack may add to the shared ones. */
type ExtraKey = 'steps' | 'restarts' | 'seed' | 'queries';

/**
 * Validates a public attack's arguments (the shared options plus the keys of `defaults`), resolves the logits and the
 * integer labels, and warns once if the model's output looks like probabilities.
 * @internal
 */
export function prepare(
  where: string,
  model: tfl.LayersModel,
  x: tf.Tensor,
  y: tf.Tensor,
  options: unknown,
  defaults: Partial<Record<ExtraKey, number>>,
  alsoKnown: string[] = [],
): Prepared {
  if (options === undefined) fail(where, 'options', 'are required', options, 'E.g. {epsilon: 0.1}.');
  const known = ['epsilon', 'norm', 'clip', 'logits', ...Object.keys(defaults), ...alsoKnown];
  const o = checkOptions(where, options, known);
  const common = checkCommon(where, o);
  const value = (key: ExtraKey, min: number) =>
    key in defaults ? checkInteger(where, key, o[key] ?? defaults[key], min) : 0;
  const extra = {
    steps: value('steps', 1),
    restarts: value('restarts', 1),
    seed: value('seed', 0),
    queries: value('queries', 1),
  };
  const { logits, fromOutput } = resolveLogits(where, model, o.logits as LogitsOption | undefined);
  checkInputs(where, x, common.clip);
  const labels = labelsOf(where, y, x.shape[0]);
  if (fromOutput) tf.tidy(() => warnIfProbabilities(where, model, logits(x)));
  return {
    logits,
    labels,
    epsilon: common.epsilon,
    run: common,
    ...extra,
    finish: (result) => {
      labels.dispose();
      return result;
    },
  };
}
