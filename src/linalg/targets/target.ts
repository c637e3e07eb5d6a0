import { LinearOperator, isSquare, sizeOf } from '../operator';

/** A target T for the regularized distance ‖A − T‖: built from the operator A it is compared with. */
export type Target = (a: LinearOperator) => LinearOperator;

/** Throws unless A is square (m = n): identity, transpose and rowSumDiagonal targets need it. */
export function requireSquare(a: Pick<LinearOperator, 'inShape' | 'outShape'>, target: string): void {
  if (!isSquare(a)) {
    throw new Error(
      `target '${target}' needs a square matrix (input size n equal to output size m), but A is ` +
        `${sizeOf(a.outShape)}×${sizeOf(a.inShape)} (output shape [${a.outShape}], input shape [${a.inShape}]). ` +
        `Use target 'zero' or a user operator for a non-square Jacobian.`
    );
  }
}
