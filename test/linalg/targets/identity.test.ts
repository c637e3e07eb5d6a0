import { identityTarget } from '../../../src/linalg/targets/identity';
import { describeEachBackend } from '../../helpers/backends';
import { TargetCase, targetCase } from '../../helpers/targets';

describeEachBackend('identityTarget: the dense matrix equals its definition', () => {
  let c: TargetCase;
  beforeAll(() => {
    c = targetCase();
  });
  afterAll(() => c.dispose());

  it('identity', () =>
    c.check(
      identityTarget,
      c.jac.map((j) => j.map((r, i) => r.map((_, k) => (i === k ? 1 : 0)))),
    ));
});
