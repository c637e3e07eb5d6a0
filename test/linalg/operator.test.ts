import { dense } from '../../src/linalg/operator';
import { describeEachBackend } from '../helpers/backends';
import { matrixOperator } from '../helpers/matrix_operator';

describeEachBackend('dense', () => {
  it('dense() builds the operator matrix', () => {
    const matrices = [
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
    ];
    const op = matrixOperator(matrices);
    const d = dense(op);
    expect(d.arraySync()).toEqual(matrices);
    d.dispose();
    op.dispose();
  });
});
