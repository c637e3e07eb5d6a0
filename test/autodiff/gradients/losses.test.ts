/**
 * tf.logSoftmax and tf.losses.softmaxCrossEntropy (src/autodiff/gradients/losses.ts): first-order gradients equal
 * the closed form on each backend, and any higher order refuses with an error naming the op.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describeEachBackend } from '../../helpers/backends';
import { activationModel, checkPenalty } from '../../helpers/fix_checks';
import { relError, seededNormal } from '../../helpers/gradcheck';

describeEachBackend('activation logSoftmax (tf.logSoftmax is a customGrad op)', () => {
  it.each([2, 3] as const)('order %i throws an error naming tf.logSoftmax', (order) => {
    const model = activationModel('logSoftmax', 21);
    const x = seededNormal([2, 3], 5);
    expect(() => checkPenalty(model, order, x, 5)).toThrow(/tf\.logSoftmax/);
    x.dispose();
    model.dispose();
  });

  it('still has correct first-order gradients', () => {
    const x = seededNormal([2, 4], 1);
    const w = seededNormal([2, 4], 2);
    const g = tf.grad((xx) => tf.sum(tf.mul(tf.logSoftmax(xx), w)))(x);
    const p = tf.softmax(x);
    const expected = tf.sub(w, tf.mul(tf.sum(w, -1, true), p));
    expect(relError(g.dataSync(), expected.dataSync())).toBeLessThan(1e-5);
    tf.dispose([x, w, g, p, expected]);
  });
});

describeEachBackend('tf.losses.softmaxCrossEntropy', () => {
  it('first order unchanged, refuses 2nd order naming the op', () => {
    const labels = tf.softmax(seededNormal([2, 3], 1));
    const logits = seededNormal([2, 3], 2);
    const loss = (z: tf.Tensor) => tf.losses.softmaxCrossEntropy(labels, z) as tf.Scalar;
    const g = tf.grad(loss)(logits);
    const expected = tf.div(tf.sub(tf.softmax(logits), labels), 2); // mean over the batch of 2
    expect(relError(g.dataSync(), expected.dataSync())).toBeLessThan(1e-5);
    const w = tf.variable(tf.scalar(1.3));
    expect(() =>
      tf.variableGrads(() => tf.sum(tf.square(tf.grad((z: tf.Tensor) => loss(tf.mul(z, w)))(logits))), [w]),
    ).toThrow(/tf\.losses\.softmaxCrossEntropy/);
    tf.dispose([labels, logits, g, expected, w]);
  });
});
