import { Target } from './target';
import { zeroTarget } from './zero';
import { identityTarget } from './identity';
import { transposeTarget } from './transpose';
import { rowSumDiagonalTarget } from './row_sum_diagonal';
import { UserOperator, userTarget } from './user';

export type { Target, UserOperator };
export { requireSquare } from './target';
export { zeroTarget, identityTarget, transposeTarget, rowSumDiagonalTarget, userTarget };

/** Built-in target names (camelCase: tfjs' save/load converts snake_case config values). */
export type TargetName = 'zero' | 'identity' | 'transpose' | 'rowSumDiagonal';
/** The built-in targets T by name (penalized: ‖A − T‖₂): zero T = 0, identity T = I, transpose T = Aᵀ, rowSumDiagonal T = D(A·1). */
export const TARGETS: Readonly<Record<TargetName, Target>> = {
  zero: zeroTarget,
  identity: identityTarget,
  transpose: transposeTarget,
  rowSumDiagonal: rowSumDiagonalTarget
};

/** A target by name, a user operator {matvec, rmatvec}, or a Target function. */
export function resolveTarget(target: TargetName | UserOperator | Target = 'zero'): Target {
  if (typeof target === 'function') return target;
  if (typeof target === 'string') {
    if (!(target in TARGETS)) {
      throw new Error(
        `target must be one of ${Object.keys(TARGETS).map((x) => `'${x}'`).join(', ')} or a user operator; got '${target}'.`
      );
    }
    return TARGETS[target];
  }
  return userTarget(target);
}
