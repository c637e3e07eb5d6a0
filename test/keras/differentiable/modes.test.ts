/**
 * The penalty runs the wrapped network in inference mode, whatever mode training runs it in: it sees no Dropout
 * mask, and BatchNormalization uses (and does not update) its moving statistics. Checked on cpu and wasm against
 * the same package penalty of z ↦ network(z, {training: false}) (the oracle), and shown to differ from the
 * training-mode one (so the tests can fail).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as jr from '../../../src';
import { describeEachBackend } from '../../helpers/backends';
import { seededNormal } from '../../helpers/gradcheck';
import { dense, init, posInit } from '../../helpers/layer_matrix';

const WEIGHT = 0.5;
const regularizer = () => jr.regularizers.jacobian({ weight: WEIGHT, method: 'hutchinson', iterations: 2, seed: 3 });

/** weight · penalty of `f` with the wrapper's regularizer settings at step 0. */
function reference(f: jr.BatchFunction, x: tf.Tensor): number {
  return tf.tidy(() => {
    const { penalty, sigma } = regularizer().penalty(f, x, { epoch: 0, step: 0 });
    sigma.dispose();
    return WEIGHT * penalty.dataSync()[0];
  });
}

/** The wrapper's own penalty loss for a training-mode forward pass on x (what `model.fit` adds to the loss). */
function wrapperPenalty(wrapper: jr.Regularized, x: tf.Tensor): number {
  return tf.tidy(() => {
    wrapper.apply(x, { training: true });
    return tf.addN(wrapper.calculateLosses()).dataSync()[0];
  });
}

describeEachBackend('inference-mode penalty', () => {
  it('dropout in training mode: the penalty equals the inference-mode penalty (no mask)', () => {
    const inner = tfl.sequential({
      layers: [dense(6, 1, 'tanh', [3]), tfl.layers.dropout({ rate: 0.5, seed: 2 }), dense(2, 3)],
    });
    const wrapper = jr.layers.regularized({ layer: inner, inputShape: [3], regularizers: regularizer() });
    tfl.sequential({ layers: [wrapper] });
    const x = seededNormal([4, 3], 17);
    const expected = reference((z) => inner.apply(z, { training: false }) as tf.Tensor, x);
    const withMask = reference((z) => inner.apply(z, { training: true }) as tf.Tensor, x);
    expect(Math.abs(withMask - expected)).toBeGreaterThan(0.05 * expected); // a mask would change it
    const before = tf.memory().numTensors;
    expect(wrapperPenalty(wrapper, x)).toBeCloseTo(expected, 5);
    expect(tf.memory().numTensors).toBe(before);
    inner.dispose();
    x.dispose();
  });

  it('batchNormalization in training mode: the penalty uses the moving statistics and does not update them', () => {
    const bn = tfl.layers.batchNormalization({
      momentum: 0.5,
      gammaInitializer: posInit(5),
      betaInitializer: init(6, 0.3),
      movingMeanInitializer: init(7, 0.3),
      movingVarianceInitializer: posInit(8),
    });
    const inner = tfl.sequential({ layers: [dense(3, 1, 'linear', [3]), bn, dense(2, 3)] });
    const wrapper = jr.layers.regularized({ layer: inner, inputShape: [3], regularizers: regularizer() });
    tfl.sequential({ layers: [wrapper] });
    const x = seededNormal([4, 3], 17);
    const movingMean = () => Array.from(bn.getWeights()[2].dataSync());
    const movingVariance = () => Array.from(bn.getWeights()[3].dataSync());
    // The training-mode forward pass updates the moving statistics once: m ← 0.5·m + 0.5·mean_batch(z).
    const m0 = movingMean();
    const batchMean = tf.tidy(() => Array.from(tf.mean(inner.layers[0].apply(x) as tf.Tensor, 0).dataSync()));
    wrapper.apply(x, { training: true });
    const m1 = movingMean();
    m1.forEach((m, i) => expect(m).toBeCloseTo(0.5 * m0[i] + 0.5 * batchMean[i], 5));
    const v1 = movingVariance();
    // The penalty of that step: inference mode (moving statistics), and nothing updated by it.
    const expected = reference((z) => inner.apply(z, { training: false }) as tf.Tensor, x);
    const batchStats = reference((z) => inner.apply(z, { training: true }) as tf.Tensor, x);
    // reference(training: true) above updated the statistics itself: restore them for the wrapper's step.
    bn.setWeights([...bn.getWeights().slice(0, 2), tf.tensor1d(m1), tf.tensor1d(v1)]);
    expect(Math.abs(batchStats - expected)).toBeGreaterThan(0.05 * expected); // batch statistics would change it
    const penalty = tf.tidy(() => tf.addN(wrapper.calculateLosses()).dataSync()[0]);
    expect(penalty).toBeCloseTo(expected, 5);
    expect(movingMean()).toEqual(m1);
    expect(movingVariance()).toEqual(v1);
    inner.dispose();
    x.dispose();
  });
});
