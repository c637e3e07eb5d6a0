import { zeroTarget } from '../../../src/linalg/targets/zero';
import { describeEachBackend } from '../../helpers/backends';
import { TargetCase, targetCase } from '../../helpers/targets';

describeEachBackend('zeroTarget: the dense matrix equals its definition', () => {
  let c: TargetCase;
  beforeAll(() => {
    c = targetCase();
  });
  afterAll(() => c.dispose());

  it('zero', () =>
    c.check(
      zeroTarget,
      c.jac.map((j) => j.map((r) => r.map(() => 0))),
    ));
});
