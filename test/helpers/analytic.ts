/** Closed-form derivatives of the test MLP f(x) = act(x W1 + b1) W2 + b2, in float64 on the host. */
import * as tf from '@tensorflow/tfjs-core';
import { Mlp } from './models';

const derivatives = {
  tanh: (z: number) => {
    const t = Math.tanh(z);
    return { d1: 1 - t * t, d2: -2 * t * (1 - t * t) };
  },
  softplus: (z: number) => {
    const s = 1 / (1 + Math.exp(-z));
    return { d1: s, d2: s * (1 - s) };
  },
};

function hidden(net: Mlp, x: tf.Tensor): { z: number[][]; w1: number[][]; w2: number[][] } {
  const [w1, b1, w2] = net.weights.map((w) => w.arraySync()) as [number[][], number[], number[][]];
  const xs = x.arraySync() as number[][];
  const z = xs.map((row) => b1.map((b, k) => b + row.reduce((s, xi, i) => s + xi * w1[i][k], 0)));
  return { z, w1, w2 };
}

/** J_b[i][j] = Σ_k W2[k][i] act'(z_bk) W1[j][k]. */
export function mlpJacobian(net: Mlp, x: tf.Tensor, activation: 'tanh' | 'softplus'): number[][][] {
  const { z, w1, w2 } = hidden(net, x);
  const m = w2[0].length;
  const n = w1.length;
  return z.map((zb) =>
    Array.from({ length: m }, (_, i) =>
      Array.from({ length: n }, (__, j) =>
        zb.reduce((s, zk, k) => s + w2[k][i] * derivatives[activation](zk).d1 * w1[j][k], 0),
      ),
    ),
  );
}

/** Hessian of s_b = Σ_i c_i f(x)_{b,i}: H_b[i][j] = Σ_k W1[i][k] act''(z_bk) (W2 c)_k W1[j][k]. */
export function mlpHessian(net: Mlp, x: tf.Tensor, activation: 'tanh' | 'softplus', c: number[]): number[][][] {
  const { z, w1, w2 } = hidden(net, x);
  const w2c = w2.map((row) => row.reduce((s, v, i) => s + v * c[i], 0));
  const n = w1.length;
  return z.map((zb) =>
    Array.from({ length: n }, (_, i) =>
      Array.from({ length: n }, (__, j) =>
        zb.reduce((s, zk, k) => s + w1[i][k] * derivatives[activation](zk).d2 * w2c[k] * w1[j][k], 0),
      ),
    ),
  );
}
