/** jr.attacks.apgd against the closed-form worst margin of binary linear classifiers, and its option checks. */
import * as tf from '@tensorflow/tfjs-core';
import * as jr from '../../src';
import { describeEachBackend } from '../helpers/backends';
import { reachesWorstMargin } from './binary';
import { denseModel, randomLinear, uniformRows } from './linear';

describeEachBackend('apgd', () => {
  it.each([
    ['linf', 0.02, 1e-4],
    ['l2', 0.2, 1e-4],
  ] as const)(
    '%s, binary, no box: stays in the ball and reaches the closed-form worst margin',
    (norm, epsilon, tolerance) =>
      reachesWorstMargin(
        'apgd',
        (model, x, y, options) => jr.attacks.apgd(model, x, y, { ...options, steps: 50 }),
        norm,
        epsilon,
        tolerance,
      ),
  );
});

describe('apgd options', () => {
  it('refuses an unknown loss with the public name and the allowed values', () => {
    const model = denseModel(randomLinear(3, 4, 44), 'softmax');
    const x = tf.tensor2d(uniformRows(7, 4, 19));
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0], 'int32'), 3);
    expect(() => jr.attacks.apgd(model, x, y, { epsilon: 0.1, loss: 'cw' as 'ce' })).toThrow(
      "jr.attacks.apgd: loss must be one of 'ce', 'dlr'; got 'cw'.",
    );
    tf.dispose([x, y]);
  });
});
