import * as tf from '@tensorflow/tfjs-core';
import { noGradient } from '../../src/autodiff/no_gradient';
import { describeEachBackend } from '../helpers/backends';

describeEachBackend('noGradient', () => {
  it('makes its result a constant for an enclosing gradient and records nothing on the tape', () => {
    const w = tf.variable(tf.scalar(3));
    const { value, grads } = tf.variableGrads(() => {
      const frozen = noGradient(() => tf.mul(w, w)); // 9, but d/dw ignored
      return tf.mul(frozen, w) as tf.Scalar; // d/dw (9·w) = 9
    }, [w]);
    expect(value.dataSync()[0]).toBe(27);
    expect(grads[w.name].dataSync()[0]).toBe(9);
    // Nested gradients still work inside it.
    const inner = noGradient(() => tf.grad((z: tf.Tensor) => tf.sum(tf.square(z)))(tf.scalar(2)));
    expect(inner.dataSync()[0]).toBe(4);
    tf.dispose([value, inner, ...Object.values(grads)]);
    w.dispose();
  });
});
