import * as tf from '@tensorflow/tfjs-core';
import { jacobianOperator } from '../../../src/linalg/operators/jacobian';
import { resolveTarget } from '../../../src/linalg/targets/index';
import { jacobianPenalty } from '../../../src/penalty/derivative';
import { mlp } from '../../helpers/models';

describe('resolveTarget', () => {
  it('square-only targets refuse a non-square Jacobian, naming the target and the shapes', () => {
    const wide = mlp([5, 4, 3], 'tanh');
    const xw = tf.ones([2, 5]);
    const op = jacobianOperator(wide.f, xw);
    for (const name of ['identity', 'transpose', 'rowSumDiagonal'] as const) {
      expect(() => resolveTarget(name)(op)).toThrow(new RegExp(`target '${name}' needs a square matrix.*3×5`));
      expect(() => jacobianPenalty(wide.f, xw, { target: name })).toThrow(/needs a square matrix/);
    }
    expect(() => resolveTarget('diagonal' as never)).toThrow(
      /target must be one of 'zero', 'identity', 'transpose', 'rowSumDiagonal'/,
    );
    xw.dispose();
    wide.dispose();
  });
});
