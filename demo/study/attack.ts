/**
 * The one place the study calls the attack ensemble: `jr.attacks.evaluate` (an AutoAttack-style cascade of
 * APGD-CE, APGD-DLR and Square on the logits, under ℓ∞ or ℓ2), with ε reuse: per norm, the radii are attacked in
 * ascending order and a larger ε₂ only on the samples still robust at the smaller ε₁. A sample broken at ε₁ is broken
 * at ε₂ > ε₁ (its adversarial point lies in the larger ball), so it keeps its ε₁ point and counts as broken from the
 * first attack of the cascade on:
 *   robust_ε₂(n) = robust_ε₁(n) ∧ [cascade at ε₂ fails on n],  perAttack_ε₂[a] = #(robust after a, among the open) / N.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as jr from '../../src';
import { ThreatModel, threatKey } from './summary';

export type { AttackName, Norm } from '../../src';

/** What results.json names as the attack engine. */
export const ATTACK_ENGINE = 'jr.attacks.evaluate';

/** One threat model's outcome on the N evaluation images. */
export interface ThreatResult {
  cleanAccuracy: number;
  robustAccuracy: number;
  /** Robust accuracy after each attack of the cascade, in order. */
  perAttack: Record<string, number>;
  /** Per image: correct and no attack broke it. */
  robust: boolean[];
  /** The worst point found per image, N × features row-major (the image itself where nothing ran). */
  adversarial: Float32Array;
}

export type CascadeOptions = Pick<
  jr.EvaluateOptions,
  'attacks' | 'restarts' | 'steps' | 'queries' | 'seed' | 'batchSize'
>;

/** One jr.attacks.evaluate run on the rows `open` of (x, y) (all rows when `open` is null). */
async function cascade(
  model: tfl.LayersModel,
  x: tf.Tensor2D,
  y: tf.Tensor2D,
  t: ThreatModel,
  o: CascadeOptions,
  open: number[] | null,
) {
  if (open === null) return jr.attacks.evaluate(model, x, y, { ...o, norm: t.norm, epsilon: t.epsilon });
  const indices = tf.tensor1d(open, 'int32');
  const [xs, ys] = [tf.gather(x, indices), tf.gather(y, indices)];
  try {
    return await jr.attacks.evaluate(model, xs, ys, { ...o, norm: t.norm, epsilon: t.epsilon });
  } finally {
    tf.dispose([indices, xs, ys]);
  }
}

/**
 * Every threat model on (x, y one-hot), with ε reuse within each norm. Returns the results in the order of
 * `threats`; `onDone(threat, seconds)` is called after each attack run.
 */
export async function evaluateThreats(
  model: tfl.LayersModel,
  x: tf.Tensor2D,
  y: tf.Tensor2D,
  threats: ThreatModel[],
  o: CascadeOptions & { attacks: jr.AttackName[] },
  onDone: (t: ThreatModel, seconds: number) => void = () => {},
): Promise<ThreatResult[]> {
  const n = x.shape[0];
  const features = x.shape[1];
  const results = new Map<string, ThreatResult>();
  for (const norm of [...new Set(threats.map((t) => t.norm))]) {
    let previous: ThreatResult | null = null;
    for (const t of threats.filter((u) => u.norm === norm).sort((a, b) => a.epsilon - b.epsilon)) {
      const start = performance.now();
      let result: ThreatResult;
      if (previous === null) {
        const r = await cascade(model, x, y, t, o, null);
        const adversarial = (await r.adversarial.data()) as Float32Array;
        r.adversarial.dispose();
        result = {
          cleanAccuracy: r.cleanAccuracy,
          robustAccuracy: r.robustAccuracy,
          perAttack: r.perAttack,
          robust: r.robust,
          adversarial,
        };
      } else {
        const before: ThreatResult = previous;
        const open = before.robust.flatMap((b, i) => (b ? [i] : []));
        const robust = new Array<boolean>(n).fill(false);
        const adversarial = before.adversarial.slice();
        const perAttack = Object.fromEntries(o.attacks.map((a) => [a, 0]));
        if (open.length) {
          const r = await cascade(model, x, y, t, o, open);
          const rows = (await r.adversarial.data()) as Float32Array;
          r.adversarial.dispose();
          open.forEach((i, k) => {
            robust[i] = r.robust[k];
            adversarial.set(rows.subarray(k * features, (k + 1) * features), i * features);
          });
          for (const a of o.attacks) perAttack[a] = Math.round(r.perAttack[a] * open.length) / n;
        }
        result = {
          cleanAccuracy: before.cleanAccuracy,
          robustAccuracy: robust.filter(Boolean).length / n,
          perAttack,
          robust,
          adversarial,
        };
      }
      results.set(threatKey(t), result);
      previous = result;
      onDone(t, (performance.now() - start) / 1000);
    }
  }
  return threats.map((t) => results.get(threatKey(t)) as ThreatResult);
}
