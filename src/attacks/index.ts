/**
 * `jr.attacks`: robustness evaluation on the logits. `evaluate` runs an AutoAttack-style cascade (APGD-CE,
 * APGD-DLR, Square) and reports clean and robust accuracy; `apgd`, `square`, `pgd` and `fgsm` return adversarial
 * inputs; `accuracy` counts correct predictions, optionally on attacked inputs. See docs/ATTACKS.md.
 */
import { accuracy } from './accuracy';
import { apgd } from './apgd';
import { ATTACK_NAMES, DEFAULT_ATTACKS, evaluate } from './evaluate';
import { fgsm } from './fgsm';
import { crossEntropy, dlrLoss, marginLoss, margins } from './losses';
import { pgd } from './pgd';
import { square } from './square';

export type { AttackName, EvaluateOptions, EvaluationResult, Norm } from './evaluate';
export type { Loss } from './losses';
export type { Clip } from './project';
export type { LogitsOption } from './classifier';
export type { AttackOptions } from './options';
export type { ApgdOptions } from './apgd';
export type { PgdOptions } from './pgd';
export type { SquareOptions } from './square';
export type { AccuracyOptions } from './accuracy';
export { accuracy, apgd, evaluate, fgsm, pgd, square, ATTACK_NAMES, DEFAULT_ATTACKS };

/** The attacks namespace, `jr.attacks`. */
export const attacks = {
  /** Clean and robust accuracy under an attack cascade (default APGD-CE → APGD-DLR → Square) on the logits. */
  evaluate,
  /** APGD: adaptive-step projected gradient ascent on CE or DLR of the logits, ℓ∞ or ℓ2, with restarts. */
  apgd,
  /** Square Attack: gradient-free random search on the margin of the logits, ℓ∞ or ℓ2. */
  square,
  /** PGD-k: x ← Π(x + α·dir ∇ₓ CE(z(x), y)), α = 2.5ε/k, from a seeded random start. */
  pgd,
  /** FGSM: x' = clip(x + ε·sign ∇ₓ CE(z(x), y)) (ℓ2: ε·g/‖g‖₂). */
  fgsm,
  /** Fraction of correct arg-max predictions, on `attack(x, y)` when an attack is given. */
  accuracy,
  /** Per-sample losses of logits z and integer labels: CE, margin max_{j≠y} z_j − z_y, DLR; and margins z_y − max_{j≠y} z_j. */
  losses: {
    /** CE = logSumExp(z) − z_y. */
    crossEntropy,
    /** max_{j≠y} z_j − z_y (> 0: misclassified). */
    margin: marginLoss,
    /** −(z_y − max_{j≠y} z_j) / (z_π1 − z_π3). */
    dlr: dlrLoss,
    /** z_y − max_{j≠y} z_j. */
    margins,
  },
  /** Every attack name, and the default cascade. */
  ATTACK_NAMES,
  DEFAULT_ATTACKS,
};
