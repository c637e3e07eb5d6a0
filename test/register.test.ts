/**
 * register() / unregister(): every global change the package makes, applied idempotently and undone. The oracle for
 * the gradient fixes is the closed form of tanh'' : Hv = −2 t (1 − t²) ⊙ v with t = tanh(x), for g(x) = Σ tanh(x).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as jr from '../src';

const x = tf.tensor2d([[0.5, -1.2, 0.3]]);
const v = tf.tensor2d([[1, 0.5, -2]]);
const closedForm = () => {
  const t = x.dataSync().map(Math.tanh);
  return Array.from(v.dataSync(), (vi, i) => -2 * t[i] * (1 - t[i] ** 2) * vi);
};
const g = (z: tf.Tensor) => tf.sum(tf.tanh(z), 1);
/** The largest relative error of hvp against the closed form, or Infinity when tfjs cannot compute it. */
const hvpError = () => {
  try {
    const hv = jr.hvp(g, x, v);
    const got = hv.dataSync();
    hv.dispose();
    const want = closedForm();
    return Math.max(...want.map((w, i) => Math.abs(got[i] - w) / Math.abs(w)));
  } catch {
    return Infinity;
  }
};
const fileHandlers = () => tf.io.getLoadHandlers('file:///tmp/jr-register-probe').length;
const classes = () => Object.keys(tf.serialization.SerializationMap.getMap().classNameMap);

afterAll(() => tf.dispose([x, v]));

describe('register / unregister', () => {
  it('importing the package registered everything: fixed gradients, classes, the file router', () => {
    expect(hvpError()).toBeLessThan(1e-5);
    expect(classes()).toEqual(
      expect.arrayContaining([
        'tfjs-jacobian-reg>Regularized',
        'tfjs-jacobian-reg>JacobianRegularizer',
        'tfjs-jacobian-reg>HessianRegularizer',
      ]),
    );
    expect(fileHandlers()).toBe(1);
  });

  it('register() again changes nothing (same gradient objects, one file router)', () => {
    const before = jr.GRADIENT_FIXES.map((k) => tf.getGradient(k));
    jr.register();
    jr.register();
    expect(jr.GRADIENT_FIXES.map((k) => tf.getGradient(k))).toEqual(before);
    expect(fileHandlers()).toBe(1);
    expect(hvpError()).toBeLessThan(1e-5);
  });

  it('unregister() restores stock tfjs (wrong second derivative of tanh, no file router); register() again fixes it', () => {
    const tensors = tf.memory().numTensors;
    jr.unregister();
    try {
      expect(hvpError()).toBeGreaterThan(0.1);
      expect(fileHandlers()).toBe(0);
      jr.unregister(); // idempotent
      expect(fileHandlers()).toBe(0);
    } finally {
      jr.register();
    }
    expect(hvpError()).toBeLessThan(1e-5);
    expect(fileHandlers()).toBe(1);
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('a tfjs bundle loaded after the package re-registers the stock gradients; the next product restores the fixes', () => {
    const fixedTanh = tf.getGradient('Tanh');
    // In Node, @tensorflow/tfjs carries its own copy of tfjs' gradient registrations and runs them on load.
    require('@tensorflow/tfjs');
    expect(tf.getGradient('Tanh')).not.toBe(fixedTanh);
    expect(hvpError()).toBeLessThan(1e-5);
    expect(tf.getGradient('Tanh')).toBe(fixedTanh);
  });
});
