import { Target } from './target';
import { zeroTarget } from './zero';
import { identityTarget } from './identity';
import { transposeTarget } from './transpose';
import { rowSumDiagonalTarget } from './row_sum_diagonal';
import { fail } from '../../errors';
import { UserOperator, checkUserOperator, userTarget } from './user';

export type { Target, UserOperator };
export { zeroTarget, identityTarget, transposeTarget, rowSumDiagonalTarget, userTarget };

/** Built-in target names (camelCase: tfjs' save/load converts snake_case config values). */
export type TargetName = 'zero' | 'identity' | 'transpose' | 'rowSumDiagonal';
/**
 * The built-in targets T by name (penalized: ‖A − T‖₂): zero T = 0, identity T = I, transpose T = Aᵀ, rowSumDiagonal T = D(A·1).
 * @internal
 */
export const TARGETS: Readonly<Record<TargetName, Target>> = {
  zero: zeroTarget,
  identity: identityTarget,
  transpose: transposeTarget,
  rowSumDiagonal: rowSumDiagonalTarget,
};

/**
 * The rule a target breaks, for messages: "must be one of 'zero', ... or a user operator {matvec, rmatvec}".
 * @internal
 */
export const TARGET_RULE = `must be one of ${Object.keys(TARGETS)
  .map((x) => `'${x}'`)
  .join(', ')} or a user operator {matvec, rmatvec}`;

/**
 * A target by name, a user operator {matvec, rmatvec}, or a Target function; `where` names the caller in errors.
 * @throws ValueError for an unknown name or a malformed user operator.
 * @internal
 */
export function resolveTarget(target: TargetName | UserOperator | Target = 'zero', where = 'jr.resolveTarget'): Target {
  if (typeof target === 'function') return target;
  if (typeof target === 'string') {
    if (!Object.prototype.hasOwnProperty.call(TARGETS, target)) fail(where, 'target', TARGET_RULE, target);
    return TARGETS[target as TargetName];
  }
  if (target === null || typeof target !== 'object') fail(where, 'target', TARGET_RULE, target);
  checkUserOperator(where, target);
  return userTarget(target);
}
