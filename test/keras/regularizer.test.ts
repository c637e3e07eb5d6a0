import * as tfl from '@tensorflow/tfjs-layers';
import * as jr from '../../src';
import { scheduleValue } from '../../src/keras/schedule';

describe('regularizer validation names the parameter and the allowed values', () => {
  it.each([
    [{ weight: -1 }, /weight must be a finite number ≥ 0/],
    [{ weight: NaN }, /weight must be a finite number ≥ 0/],
    [{ iterations: 0 }, /iterations must be an integer from 1 to 256/],
    [{ iterations: 257 }, /iterations must be an integer from 1 to 256/],
    [{ iterations: { boundaries: [5], values: [2] } }, /iterations must be a number or \{boundaries/],
    [{ iterations: { boundaries: [5, 3], values: [2, 4, 8] } }, /boundaries must be increasing/],
    [
      { target: 'diagonal' },
      /target must be one of 'zero', 'identity', 'transpose', 'rowSumDiagonal' or a user operator/,
    ],
    [{ method: 'arnoldi' }, /method must be one of 'lanczos', 'power', 'hutchinson', 'exact'/],
    [{ every: 0 }, /every must be an integer ≥ 1/],
    [{ seed: 1.5 }, /seed must be an integer or null/],
  ])('jacobian(%j)', (args, message) => {
    expect(() => jr.regularizers.jacobian(args as never)).toThrow(message);
  });

  it('hessian scalar', () => {
    expect(() => jr.regularizers.hessian({ scalar: 'max' as never })).toThrow(
      /scalar must be one of 'sum', 'mean', 'loss'/,
    );
    expect(() =>
      jr.layers.regularized({
        layer: tfl.layers.dense({ units: 2 }),
        regularizers: jr.regularizers.hessian({ scalar: 'loss' }),
      }),
    ).toThrow(/needs labels: pass it to jr.callbacks.regularization/);
  });

  it('a square-only target on a non-square Jacobian fails at build time', () => {
    const wrap = (target: 'transpose' | 'rowSumDiagonal' | 'identity', units: number) =>
      jr.layers.regularized({
        layer: tfl.layers.dense({ units }),
        regularizers: jr.regularizers.jacobian({ target }),
        inputShape: [5],
      } as jr.RegularizedArgs);
    expect(() => tfl.sequential({ layers: [wrap('transpose', 3)] })).toThrow(
      /target 'transpose' needs a square matrix.*3×5/,
    );
    expect(() => tfl.sequential({ layers: [wrap('rowSumDiagonal', 4)] })).toThrow(
      /target 'rowSumDiagonal' needs a square matrix.*4×5/,
    );
    expect(() => tfl.sequential({ layers: [wrap('identity', 5)] })).not.toThrow();
  });

  it('the wrapper rejects things that are not regularizers', () => {
    expect(() =>
      jr.layers.regularized({ layer: tfl.layers.dense({ units: 2 }), regularizers: [tfl.regularizers.l2() as never] }),
    ).toThrow(/regularizers must be one or more jr.regularizers.jacobian/);
  });
});

describe('schedules', () => {
  it('piecewise constant by epoch (the paper: 2/4/8/16 at epochs 0/50/70/90)', () => {
    const s = { boundaries: [50, 70, 90], values: [2, 4, 8, 16] };
    expect([0, 49, 50, 69, 70, 89, 90, 200].map((e) => scheduleValue(s, e))).toEqual([2, 2, 4, 4, 8, 8, 16, 16]);
    expect(scheduleValue(3, 10)).toBe(3);
  });
});

describe('getConfig / fromConfig', () => {
  it.each([
    [
      'jacobian',
      jr.regularizers.jacobian({
        weight: { boundaries: [2], values: [0.1, 0.5] },
        target: 'rowSumDiagonal',
        method: 'power',
        iterations: { boundaries: [1, 3], values: [2, 4, 8] },
        every: 3,
        squared: false,
        seed: 7,
      }),
    ],
    [
      'hessian',
      jr.regularizers.hessian({ weight: 0.2, target: 'identity', method: 'hutchinson', iterations: 6, scalar: 'mean' }),
    ],
  ])('%s round-trips', (_, r) => {
    const cls = r.constructor as typeof jr.JacobianRegularizer;
    const copy = cls.fromConfig(cls, r.getConfig());
    expect(copy).toBeInstanceOf(cls);
    expect(copy.getConfig()).toEqual(r.getConfig());
  });

  it('a user-operator target works in code but refuses to be saved', () => {
    const r = jr.regularizers.jacobian({ target: { matvec: (v) => v, rmatvec: (u) => u } });
    expect(() => r.getConfig()).toThrow(/user-operator target cannot be saved/);
  });
});
