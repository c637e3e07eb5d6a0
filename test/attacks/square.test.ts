/** jr.attacks.square against the closed-form worst margin of binary linear classifiers. */
import * as jr from '../../src';
import { describeEachBackend } from '../helpers/backends';
import { reachesWorstMargin } from './binary';

describeEachBackend('square', () => {
  it.each([
    ['linf', 0.02, 1e-4],
    // ℓ2: Square's ℓ2 windows are ≥ 3 features wide.
    ['l2', 0.2, 0.15],
  ] as const)(
    '%s, binary, no box: stays in the ball and reaches the closed-form worst margin',
    (norm, epsilon, tolerance) =>
      reachesWorstMargin(
        'square',
        (model, x, y, options) => jr.attacks.square(model, x, y, { ...options, queries: 400 }),
        norm,
        epsilon,
        tolerance,
      ),
  );
});
