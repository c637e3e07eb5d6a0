/**
 * The fixture of the target tests: A = the input-Jacobian of a seeded square tanh MLP (3 samples, 4 → 4) with its
 * closed form J, and a check that a target's dense matrix T and the difference A − T equal their definitions.
 */
import * as tf from '@tensorflow/tfjs-core';
import { dense } from '../../src/linalg/operator';
import { difference } from '../../src/linalg/operators/difference';
import { jacobianOperator } from '../../src/linalg/operators/jacobian';
import { Target } from '../../src/linalg/targets/index';
import { mlpJacobian } from './analytic';
import { mlp } from './models';

const close = (actual: number[][][], expected: number[][][], tol = 1e-4) => {
  const a = actual.flat(2);
  const e = expected.flat(2);
  const scale = Math.max(...e.map(Math.abs), 1e-6);
  a.forEach((v, i) => expect(Math.abs(v - e[i])).toBeLessThan(tol * scale));
};

export interface TargetCase {
  /** The closed-form Jacobians J_b, [3][4][4]. */
  jac: number[][][];
  /** Checks dense(T) = expected and dense(A − T) = J − expected to 1e-4, and that no tensor is left behind. */
  check(target: Target, expected: number[][][]): void;
  dispose(): void;
}

/** Builds the fixture on the current backend (call it in beforeAll, after the backend is set). */
export function targetCase(): TargetCase {
  const net = mlp([4, 6, 4], 'tanh', 3);
  const x = tf.randomNormal([3, 4], 0, 1, 'float32', 6);
  const jac = mlpJacobian(net, x, 'tanh');
  const a = jacobianOperator(net.f, x);

  const check = (target: Target, expected: number[][][]) => {
    const t = target(a);
    const before = tf.memory().numTensors;
    const d = dense(t);
    const m = difference(a, target(a));
    const dm = dense(m);
    close(d.arraySync(), expected);
    close(
      dm.arraySync(),
      jac.map((j, b) => j.map((row, i) => row.map((v, k) => v - expected[b][i][k]))),
    );
    tf.dispose([d, dm]);
    t.dispose();
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  };

  return {
    jac,
    check,
    dispose: () => {
      x.dispose();
      net.dispose();
    },
  };
}
