import { ValueError } from '../../errors';
import { LinearOperator, isSquare, sizeOf } from '../operator';

/** A target T for the regularized distance ‖A − T‖: built from the operator A it is compared with. */
export type Target = (a: LinearOperator) => LinearOperator;

/**
 * Throws unless A is square (m = n): identity, transpose and rowSumDiagonal targets need it. `where` is the public
 * name that starts the message.
 * @throws ValueError naming the target and A's size m×n.
 * @internal
 */
export function requireSquare(
  a: Pick<LinearOperator, 'inShape' | 'outShape'>,
  target: string,
  where = `jr.${target}Target`,
): void {
  if (!isSquare(a)) {
    throw new ValueError(
      `${where}: target '${target}' needs a square matrix (input size n equal to output size m), but A is ` +
        `${sizeOf(a.outShape)}×${sizeOf(a.inShape)} (output shape [${a.outShape}], input shape [${a.inShape}]). ` +
        `Use target 'zero' or a user operator for a non-square Jacobian.`,
    );
  }
}
