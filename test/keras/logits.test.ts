import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '../../src';
import { logitsOf } from '../../src/keras/logits';
import { describeEachBackend } from '../helpers/backends';

describeEachBackend('logitsOf', () => {
  test('logitsOf: softmax(z) equals the model output for a softmax dense, a softmax layer and a nested model; null without softmax', () => {
    const a = tfl.sequential({
      layers: [
        tfl.layers.dense({ inputShape: [3], units: 4, activation: 'tanh' }),
        tfl.layers.dense({ units: 5, activation: 'softmax' }),
      ],
    });
    const b = tfl.sequential({
      layers: [
        tfl.layers.dense({ inputShape: [3], units: 4, activation: 'tanh' }),
        tfl.layers.dense({ units: 5 }),
        tfl.layers.softmax(),
      ],
    });
    const inner = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [3], units: 5 })] });
    const c = tfl.sequential({ layers: [inner, tfl.layers.activation({ activation: 'softmax' })] });
    const x = tf.randomNormal([2, 3]);
    for (const m of [a, b, c]) {
      const z = logitsOf(m)!(x);
      const p = m.predict(x) as tf.Tensor;
      const d = tf.max(tf.abs(tf.sub(tf.softmax(z), p))).dataSync()[0];
      expect(d).toBeLessThan(1e-6);
      // grads work
      const g = tf.grad((u: tf.Tensor) => tf.sum(logitsOf(m)!(u)))(x);
      expect(g.shape).toEqual([2, 3]);
    }
    expect(logitsOf(inner)).toBeNull();
  });
});
