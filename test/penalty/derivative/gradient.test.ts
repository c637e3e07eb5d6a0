/**
 * jacobianPenalty / hessianPenalty: the value σ_max² and its weight gradient (autodiff through the library) against
 * closed-form and row-by-row derivatives with an independent SVD, and central differences in weight space.
 */
import * as tf from '@tensorflow/tfjs-core';
import { hessianPenalty, jacobianPenalty } from '../../../src/penalty/derivative';
import { mlpHessian, mlpJacobian } from '../../helpers/analytic';
import { describeEachBackend } from '../../helpers/backends';
import { cnn, mlp } from '../../helpers/models';
import { jacobianByRows, topSingularValue } from '../../helpers/oracle';

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Checks ∇_W penalty (autodiff through the library) against central differences of the exact
 * mean_b σ_max(W)² along random unit directions in weight space.
 */
function checkGradient(
  weights: tf.Variable[],
  penalty: () => tf.Scalar,
  exactSquaredSigmas: () => number[],
  directions = 3,
  h = 1e-2,
) {
  expect(penalty().dataSync()[0]).toBeCloseTo(mean(exactSquaredSigmas()), 3);
  const { grads } = tf.variableGrads(penalty, weights);
  const originals = weights.map((w) => w.clone());
  for (let k = 0; k < directions; k++) {
    const d = weights.map((w, i) => tf.randomNormal(w.shape, 0, 1, 'float32', 100 * k + i));
    const norm = Math.sqrt(d.reduce((s, t) => s + tf.sum(tf.square(t)).dataSync()[0], 0));
    // A weight the penalty does not depend on (the output bias) has no gradient: zero.
    const along =
      d.reduce(
        (s, t, i) => s + (grads[weights[i].name] ? tf.sum(tf.mul(t, grads[weights[i].name])).dataSync()[0] : 0),
        0,
      ) / norm;
    const at = (step: number) => {
      weights.forEach((w, i) => w.assign(tf.tidy(() => tf.add(originals[i], tf.mul(step / norm, d[i])))));
      return mean(exactSquaredSigmas());
    };
    const differences = (at(h) - at(-h)) / (2 * h);
    weights.forEach((w, i) => w.assign(originals[i]));
    expect(Math.abs(along - differences)).toBeLessThan(1e-2 * Math.max(Math.abs(differences), 1e-3));
    tf.dispose(d);
  }
  tf.dispose([...originals, ...Object.values(grads)]);
}

describeEachBackend('the Lanczos penalty and its weight gradient', () => {
  it.each(['tanh', 'softplus'] as const)('Jacobian penalty of a %s MLP: value σ_max², gradient of σ_max²', (act) => {
    const net = mlp([6, 8, 3], act, 11);
    const x = tf.randomNormal([4, 6], 0, 1, 'float32', 12);
    const penalty = () => jacobianPenalty(net.f, x, { iterations: 3, seed: 1, tol: 0 }).penalty;
    const before = tf.memory().numTensors;
    const once = jacobianPenalty(net.f, x, { iterations: 3, seed: 1, tol: 0 });
    tf.dispose([once.penalty, once.sigma, once.vectors]);
    expect(tf.memory().numTensors).toBe(before);
    checkGradient(
      net.weights,
      () => tf.tidy(penalty),
      () => mlpJacobian(net, x, act).map((j) => topSingularValue(j) ** 2),
    );
    x.dispose();
    net.dispose();
  });

  it('Jacobian penalty of a small CNN (tfjs-layers conv2d + softplus + dense)', () => {
    const { model, f } = cnn(3, 21);
    const x = tf.randomNormal([2, 6, 6, 1], 0, 1, 'float32', 22);
    const weights = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const penalty = () => tf.tidy(() => jacobianPenalty(f, x, { iterations: 3, seed: 2, tol: 0 }).penalty);
    checkGradient(weights, penalty, () => jacobianByRows(f, x).map((j) => topSingularValue(j) ** 2));
    x.dispose();
    model.dispose();
  });

  it('Hessian penalty of a softplus MLP (third order): value λ_max², gradient of λ_max²', () => {
    const net = mlp([4, 6, 2], 'softplus', 31);
    const c = [1, -0.5];
    const ct = tf.tensor1d(c);
    const g = (x: tf.Tensor) => tf.sum(tf.mul(net.f(x), ct), 1);
    const x = tf.randomNormal([3, 4], 0, 1, 'float32', 32);
    const penalty = () => tf.tidy(() => hessianPenalty(g, x, { iterations: 4, seed: 3, tol: 0 }).penalty);
    checkGradient(net.weights, penalty, () => mlpHessian(net, x, 'softplus', c).map((h) => topSingularValue(h) ** 2));
    tf.dispose([x, ct]);
    net.dispose();
  });

  it("squared: false penalizes σ; 'power' and 'hutchinson' give penalties of the right size", () => {
    const net = mlp([6, 8, 3], 'tanh', 41);
    const x = tf.randomNormal([4, 6], 0, 1, 'float32', 42);
    const jac = mlpJacobian(net, x, 'tanh');
    const sigma = jac.map(topSingularValue);
    const frobenius2 = jac.map((j) => j.flat().reduce((s, v) => s + v * v, 0));
    const plain = jacobianPenalty(net.f, x, { iterations: 3, squared: false, tol: 0 });
    expect(plain.penalty.dataSync()[0]).toBeCloseTo(mean(sigma), 3);
    const power = jacobianPenalty(net.f, x, { method: 'power', iterations: 50 });
    expect(Math.abs(power.penalty.dataSync()[0] - mean(sigma.map((s) => s * s)))).toBeLessThan(
      1e-3 * mean(sigma.map((s) => s * s)),
    );
    const hutchinson = jacobianPenalty(net.f, x, { method: 'hutchinson', iterations: 400, seed: 5 });
    expect(Math.abs(hutchinson.penalty.dataSync()[0] / mean(frobenius2) - 1)).toBeLessThan(0.15);
    Array.from(hutchinson.sigma.dataSync()).forEach((s) => expect(Number.isFinite(s)).toBe(true));
    [plain, power, hutchinson].forEach((p) => tf.dispose([p.penalty, p.sigma, p.vectors]));
    x.dispose();
    net.dispose();
  });
});
