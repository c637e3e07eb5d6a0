import * as tf from '@tensorflow/tfjs-core';
import { gradient } from '../../../src/autodiff/products';
import { transposeTarget } from '../../../src/linalg/targets/transpose';
import { jacobianPenalty } from '../../../src/penalty/derivative';
import { describeEachBackend } from '../../helpers/backends';
import { mlp } from '../../helpers/models';
import { transpose } from '../../helpers/oracle';
import { TargetCase, targetCase } from '../../helpers/targets';

describeEachBackend('transposeTarget: the dense matrix equals its definition', () => {
  let c: TargetCase;
  beforeAll(() => {
    c = targetCase();
  });
  afterAll(() => c.dispose());

  it('transpose: T = Jᵀ', () => c.check(transposeTarget, c.jac.map(transpose)));
});

describeEachBackend('the symmetry penalty (target transpose) vanishes where it should', () => {
  it('symmetry: the Jacobian of a gradient field f = ∇φ is symmetric', () => {
    const net = mlp([5, 8, 1], 'softplus', 4);
    const phi = (x: tf.Tensor) => tf.sum(net.f(x)) as tf.Scalar;
    const field = (x: tf.Tensor) => gradient(phi, x); // f = ∇φ, J = ∇²φ symmetric
    const other = mlp([5, 8, 5], 'tanh', 4); // a generic field, J ≠ Jᵀ
    const x = tf.randomNormal([3, 5], 0, 1, 'float32', 2);
    const options = { target: 'transpose' as const, method: 'exact' as const };
    const conservative = jacobianPenalty(field, x, options);
    const generic = jacobianPenalty(other.f, x, options);
    const reference = jacobianPenalty(field, x, { method: 'exact' }); // ‖J‖²: the scale to compare with
    expect(conservative.penalty.dataSync()[0]).toBeLessThan(1e-6 * reference.penalty.dataSync()[0] + 1e-10);
    expect(generic.penalty.dataSync()[0]).toBeGreaterThan(1e-2);
    [conservative, generic, reference].forEach((p) => tf.dispose([p.penalty, p.sigma, p.vectors]));
    x.dispose();
    net.dispose();
    other.dispose();
  });
});
