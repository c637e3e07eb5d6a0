/**
 * Pow and the Max / Min reductions (src/autodiff/gradients/math.ts), with Exp, at 2nd order: the weight gradient of
 * a Jacobian penalty of a raw op against central differences, on each backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describeEachBackend } from '../../helpers/backends';
import { TOL, checkRawOp } from '../../helpers/fix_checks';
import { seededNormal } from '../../helpers/gradcheck';

describeEachBackend('Exp, Pow, Max and Min', () => {
  it('Exp, Pow, Max and Min at 2nd order', () => {
    const x = seededNormal([2, 3], 1);
    const w = tf.variable(seededNormal([3, 4], 2, 0.5));
    const g = (xx: tf.Tensor, ww: tf.Variable) => {
      const z = tf.matMul(xx, ww);
      return tf.stack(
        [
          tf.sum(tf.exp(z), 1),
          tf.max(tf.sin(z), 1),
          tf.min(tf.cos(z), 1),
          tf.sum(tf.pow(tf.add(tf.square(z), 1), 1.5), 1),
        ],
        1,
      );
    };
    expect(checkRawOp(g, x, w, 3)).toBeLessThan(TOL);
    tf.dispose([x, w]);
  });
});
