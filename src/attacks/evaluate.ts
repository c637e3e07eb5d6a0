/**
 * Robust accuracy under an attack ensemble, AutoAttack-style (Croce & Hein 2020): each attack of the cascade runs
 * only on the samples no earlier attack broke, and a sample counts as robust when it is classified correctly and
 * every attack left its margin z_y − max_{j≠y} z_j > 0 in the ball {‖δ‖ ≤ ε} ∩ clip box.
 *   robust accuracy = (1/N) Σ_n [min over attacks and the clean point of margin_n > 0]
 * The default cascade is APGD-CE, APGD-DLR (gradient-based, adaptive step) and Square (gradient-free, catches
 * masked gradients), all on the logits.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkInteger, checkOneOf, checkOptions, fail } from '../errors';
import { apgdRun } from './apgd';
import { Logits, LogitsOption, checkInputs, labelsOf, resolveLogits, warnIfProbabilities } from './classifier';
import { fgsmRun } from './fgsm';
import { margins as marginsOf } from './losses';
import { checkCommon } from './options';
import { pgdRun } from './pgd';
import type { Clip, Norm } from './project';
import { mixSeed } from './random';
import { BatchAttack, restarted } from './run';
import { squareRun } from './square';

export type { Norm } from './project';
/** The attacks `evaluate` can run: APGD on CE or DLR of the logits, Square Attack, PGD, FGSM. */
export type AttackName = 'apgd-ce' | 'apgd-dlr' | 'square' | 'pgd' | 'fgsm';

/** Every attack the cascade can run, in a fixed order (each attack's seeds derive from its position here). */
export const ATTACK_NAMES: readonly AttackName[] = ['apgd-ce', 'apgd-dlr', 'square', 'pgd', 'fgsm'];
/** The default cascade. */
export const DEFAULT_ATTACKS: readonly AttackName[] = ['apgd-ce', 'apgd-dlr', 'square'];

/** Options of `jr.attacks.evaluate`: the threat model, the cascade and its budget. */
export interface EvaluateOptions {
  /** 'linf' (‖δ‖∞ ≤ ε) or 'l2' (‖δ‖₂ ≤ ε). Default 'linf'. */
  norm?: Norm;
  /** Radius ε ≥ 0 of the ball; 0 gives clean accuracy only. Required. */
  epsilon: number;
  /** The cascade, run in order on the still-robust samples. Default ['apgd-ce', 'apgd-dlr', 'square']. */
  attacks?: AttackName[];
  /** Random restarts of 'apgd-ce', 'apgd-dlr' and 'pgd' (each on the samples still robust). Default 1. */
  restarts?: number;
  /** Iterations of APGD / PGD per restart. Default 100. */
  steps?: number;
  /** Queries of the Square Attack. Default 1000 (AutoAttack's standard run uses 5000). */
  queries?: number;
  /** Seed of every random choice; equal seeds repeat bit for bit. Default 0. */
  seed?: number;
  /** Samples per batch. Default 250. */
  batchSize?: number;
  /** Pre-softmax logits to attack (a model or a function x ↦ z(x)); default: found from `model` (docs/ATTACKS.md). */
  logits?: tfl.LayersModel | ((x: tf.Tensor) => tf.Tensor);
  /** Valid input box [lo, hi]. Default [0, 1]. */
  clip?: [number, number];
  /** Called after each batch: samples done / total for this attack, and the count of samples still robust. */
  onProgress?: (p: { attack: AttackName; done: number; total: number; robust: number }) => void;
}

/** What `jr.attacks.evaluate` returns; `adversarial` is a tensor the caller disposes. */
export interface EvaluationResult {
  /** Fraction of samples classified correctly (margin > 0) without an attack. */
  cleanAccuracy: number;
  /** Fraction of samples classified correctly that no attack of the cascade broke. */
  robustAccuracy: number;
  /** Robust accuracy after each attack of the cascade, in order. */
  perAttack: Record<string, number>;
  /** The lowest-margin point found per sample (x itself where no attack ran); the caller disposes it. */
  adversarial: tf.Tensor;
  /** Per-sample margin z_y − max_{j≠y} z_j at `adversarial` (< 0: broken). */
  margins: Float32Array;
  /** Per sample: correct and no attack broke it. */
  robust: boolean[];
  /** Per sample: clean correctness (margin > 0). */
  correct: boolean[];
}

interface Settings {
  logits: Logits;
  run: { norm: Norm; epsilon: number; clip: Clip };
  steps: number;
  queries: number;
}

/** name → (settings → one run on a batch). `restarts` applies to the attacks marked true. */
const FACTORIES: Record<AttackName, { restarts: boolean; make: (s: Settings) => BatchAttack }> = {
  'apgd-ce': {
    restarts: true,
    make: (s) => (x, l, seed) => apgdRun(s.logits, x, l, { ...s.run, seed, steps: s.steps, loss: 'ce' }),
  },
  'apgd-dlr': {
    restarts: true,
    make: (s) => (x, l, seed) => apgdRun(s.logits, x, l, { ...s.run, seed, steps: s.steps, loss: 'dlr' }),
  },
  square: {
    restarts: false,
    make: (s) => (x, l, seed) => squareRun(s.logits, x, l, { ...s.run, seed, queries: s.queries }),
  },
  pgd: { restarts: true, make: (s) => (x, l, seed) => pgdRun(s.logits, x, l, { ...s.run, seed, steps: s.steps }) },
  fgsm: { restarts: false, make: (s) => (x, l, seed) => fgsmRun(s.logits, x, l, { ...s.run, seed }) },
};

const KNOWN = [
  'norm',
  'epsilon',
  'attacks',
  'restarts',
  'steps',
  'queries',
  'seed',
  'batchSize',
  'logits',
  'clip',
  'onProgress',
];

function checkAttacks(where: string, value: unknown): AttackName[] {
  if (!Array.isArray(value))
    fail(where, 'attacks', `must be an array of ${ATTACK_NAMES.map((a) => `'${a}'`).join(', ')}`, value);
  const names = (value as unknown[]).map((a, i) => checkOneOf(where, `attacks[${i}]`, a, ATTACK_NAMES));
  const repeated = names.find((a, i) => names.indexOf(a) !== i);
  if (repeated) fail(where, 'attacks', 'must not repeat an attack', value, 'Use restarts for more runs of one attack.');
  return names;
}

/**
 * Clean and robust accuracy of `model` on (x, y) under the attack cascade, with the worst point per sample.
 * ```js
 * const r = await jr.attacks.evaluate(model, xTest, yTest, {epsilon: 0.1});
 * console.log(r.cleanAccuracy, r.robustAccuracy, r.perAttack);
 * // e.g. 0.98 0.71 {'apgd-ce': 0.73, 'apgd-dlr': 0.71, square: 0.71}
 * r.adversarial.dispose();
 * ```
 * @param y one-hot [N, C] or integer labels [N].
 * @throws ValueError on bad options, labels, or inputs outside `clip`.
 */
export async function evaluate(
  model: tfl.LayersModel,
  x: tf.Tensor,
  y: tf.Tensor,
  options: EvaluateOptions,
): Promise<EvaluationResult> {
  const where = 'jr.attacks.evaluate';
  if (options === undefined) fail(where, 'options', 'are required', options, 'E.g. {epsilon: 8 / 255}.');
  const o = checkOptions(where, options, KNOWN);
  const common = checkCommon(where, o);
  const attacks = checkAttacks(where, o.attacks ?? [...DEFAULT_ATTACKS]);
  const restarts = checkInteger(where, 'restarts', o.restarts ?? 1, 1);
  const steps = checkInteger(where, 'steps', o.steps ?? 100, 1);
  const queries = checkInteger(where, 'queries', o.queries ?? 1000, 1);
  const seed = checkInteger(where, 'seed', o.seed ?? 0, 0);
  const batchSize = checkInteger(where, 'batchSize', o.batchSize ?? 250, 1);
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function')
    fail(where, 'onProgress', 'must be a function', o.onProgress);
  const onProgress = o.onProgress as EvaluateOptions['onProgress'];
  const { logits, fromOutput } = resolveLogits(where, model, o.logits as LogitsOption | undefined);
  checkInputs(where, x, common.clip);
  const labels = labelsOf(where, y, x.shape[0]);

  try {
    const n = x.shape[0];
    const features = n === 0 ? 0 : x.size / n;
    const margins = new Float32Array(n);
    for (let start = 0; start < n; start += batchSize) {
      const size = Math.min(batchSize, n - start);
      const m = tf.tidy(() => {
        const z = logits(tf.slice(x, start, size));
        if (z.rank !== 2 || (z.shape[1] as number) < 2)
          fail(where, 'model', 'must output logits of shape [N, C], C ≥ 2', z.shape);
        if (fromOutput && start === 0) warnIfProbabilities(where, model, z);
        return marginsOf(z, tf.slice(labels, start, size));
      });
      margins.set(await m.data(), start);
      m.dispose();
    }
    const correct = Array.from(margins, (m) => m > 0);
    const robust = correct.slice();
    const adversarial = Float32Array.from(await x.data());
    const perAttack: Record<string, number> = {};
    const count = () => robust.filter(Boolean).length;
    const settings: Settings = { logits, run: common, steps, queries };

    for (const name of attacks) {
      const open = common.epsilon > 0 ? Array.from(robust.keys()).filter((i) => robust[i]) : [];
      const { restarts: restartable, make } = FACTORIES[name];
      const attack = make(settings);
      for (let start = 0; start < open.length; start += batchSize) {
        const chunk = open.slice(start, start + batchSize);
        const indices = tf.tensor1d(chunk, 'int32');
        const [xs, ls] = [tf.gather(x, indices), tf.gather(labels, indices)];
        const run = restarted(attack, xs, ls, {
          restarts: restartable ? restarts : 1,
          seedOf: (r) => mixSeed(seed, ATTACK_NAMES.indexOf(name), start, r),
          onlyUnbroken: true,
        });
        const [m, rows] = [await run.margin.data(), await run.adversarial.data()];
        tf.dispose([indices, xs, ls, run.adversarial, run.margin]);
        chunk.forEach((i, k) => {
          if (!(m[k] < margins[i])) return;
          margins[i] = m[k];
          adversarial.set(rows.subarray(k * features, (k + 1) * features), i * features);
          if (m[k] <= 0) robust[i] = false;
        });
        onProgress?.({
          attack: name,
          done: Math.min(start + batchSize, open.length),
          total: open.length,
          robust: count(),
        });
        await tf.nextFrame();
      }
      perAttack[name] = n === 0 ? 0 : count() / n;
    }
    return {
      cleanAccuracy: n === 0 ? 0 : correct.filter(Boolean).length / n,
      robustAccuracy: n === 0 ? 0 : count() / n,
      perAttack,
      adversarial: tf.tensor(adversarial, x.shape, 'float32'),
      margins,
      robust,
      correct,
    };
  } finally {
    labels.dispose();
  }
}
