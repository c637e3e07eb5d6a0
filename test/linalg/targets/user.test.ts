import * as tf from '@tensorflow/tfjs-core';
import { userTarget } from '../../../src/linalg/targets/user';
import { describeEachBackend } from '../../helpers/backends';
import { TargetCase, targetCase } from '../../helpers/targets';

describeEachBackend('userTarget: the dense matrix equals its definition', () => {
  let c: TargetCase;
  beforeAll(() => {
    c = targetCase();
  });
  afterAll(() => c.dispose());

  it('a user operator {matvec, rmatvec}', () => {
    const m = [
      [1, 2, 0, 0],
      [0, 1, 0, 3],
      [2, 0, 1, 0],
      [0, 0, 0, 1],
    ];
    const ct = tf.tensor2d(m);
    const target = userTarget({
      matvec: (v) => tf.matMul(v as tf.Tensor2D, ct, false, true),
      rmatvec: (u) => tf.matMul(u as tf.Tensor2D, ct),
    });
    c.check(target, [m, m, m]);
    ct.dispose();
  });
});
