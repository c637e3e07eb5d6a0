/**
 * LRN (src/autodiff/gradients/normalization.ts) at 2nd order against central differences, and the normalization
 * layers (batch normalization in inference, layer normalization) to 3rd order, on each backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describeEachBackend } from '../../helpers/backends';
import { TOL, checkRawOp } from '../../helpers/fix_checks';
import { seededNormal } from '../../helpers/gradcheck';
import { LayerCase, describeLayerCases } from '../../helpers/layer_cases';
import { dense, init, posInit } from '../../helpers/layer_matrix';

describeEachBackend('LRN', () => {
  it('LRN at 2nd order', () => {
    const x = seededNormal([1, 2, 2, 5], 1);
    const w = tf.variable(seededNormal([5, 5], 2, 0.5));
    const g = (xx: tf.Tensor, ww: tf.Variable) =>
      tf.localResponseNormalization(
        tf.reshape(tf.matMul(tf.reshape(xx, [-1, 5]), ww), [1, 2, 2, 5]) as tf.Tensor4D,
        1,
        1,
        0.5,
        0.75,
      );
    expect(checkRawOp(g, x, w, 3)).toBeLessThan(TOL);
    tf.dispose([x, w]);
  });
});

const LAYER_CASES: LayerCase[] = [
  {
    name: 'batchNormalization (inference)',
    inputShape: [3],
    layers: () => [
      dense(4, 1, 'linear', [3]),
      tfl.layers.batchNormalization({
        gammaInitializer: posInit(5),
        betaInitializer: init(6, 0.3),
        movingMeanInitializer: init(7, 0.3),
        movingVarianceInitializer: posInit(8),
      }),
      dense(2, 3),
    ],
  },
  {
    name: 'layerNormalization',
    inputShape: [3],
    layers: () => [
      dense(4, 1, 'linear', [3]),
      tfl.layers.layerNormalization({
        gammaInitializer: posInit(5),
        betaInitializer: init(6, 0.3),
      }),
      dense(2, 3),
    ],
  },
];

describeLayerCases('normalization layers', LAYER_CASES);
