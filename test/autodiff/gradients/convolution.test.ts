/**
 * The gradients of the convolution backprop kernels (src/autodiff/gradients/convolution.ts): convolution layers to
 * 3rd order, and the gradient of a weight-gradient penalty (Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropFilter),
 * against central differences on each backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describeEachBackend } from '../../helpers/backends';
import { H, TOL } from '../../helpers/fix_checks';
import { autodiffGrad, finiteDiffGrad, relError, seededNormal } from '../../helpers/gradcheck';
import { LayerCase, convInit, describeLayerCases, head } from '../../helpers/layer_cases';
import { init } from '../../helpers/layer_matrix';

describeEachBackend('convolution backprop kernels', () => {
  it('Conv2DBackpropFilter and DepthwiseConv2dNativeBackpropFilter at 2nd order (weight-gradient penalties)', () => {
    // d/dx of ‖∂L/∂W‖² runs through the backprop-filter kernels, then d/dW of that through their gradients.
    const x = tf.variable(seededNormal([1, 4, 4, 2], 1));
    const w = tf.variable(seededNormal([3, 3, 2, 2], 2, 0.5));
    const dw = tf.variable(seededNormal([3, 3, 2, 1], 3, 0.5));
    const loss = (ww: tf.Tensor, dd: tf.Tensor) =>
      tf.sum(
        tf.tanh(
          tf.add(
            tf.conv2d(x as tf.Tensor4D, ww as tf.Tensor4D, 1, 'same'),
            tf.depthwiseConv2d(x as tf.Tensor4D, dd as tf.Tensor4D, 1, 'same'),
          ),
        ),
      );
    const penalty = () => {
      const [gw, gd] = tf.grads((ww: tf.Tensor, dd: tf.Tensor) => loss(ww, dd))([w, dw]);
      return tf.add(tf.sum(tf.square(gw)), tf.sum(tf.square(gd))) as tf.Scalar;
    };
    const vars = [x, w, dw];
    expect(relError(autodiffGrad(penalty, vars), finiteDiffGrad(penalty, vars, H), 1e-5)).toBeLessThan(TOL);
    tf.dispose(vars);
  });
});

const LAYER_CASES: LayerCase[] = [
  {
    name: 'conv1d',
    inputShape: [5, 2],
    layers: () => [
      tfl.layers.conv1d({ filters: 2, kernelSize: 3, activation: 'tanh', inputShape: [5, 2], ...convInit(1) }),
      ...head(3),
    ],
  },
  {
    name: 'conv2d (same)',
    inputShape: [4, 4, 1],
    layers: () => [
      tfl.layers.conv2d({
        filters: 2,
        kernelSize: 3,
        padding: 'same',
        activation: 'tanh',
        inputShape: [4, 4, 1],
        ...convInit(1),
      }),
      ...head(3),
    ],
  },
  {
    name: 'conv2d (valid, stride 2)',
    inputShape: [5, 5, 1],
    layers: () => [
      tfl.layers.conv2d({
        filters: 2,
        kernelSize: 3,
        strides: 2,
        activation: 'tanh',
        inputShape: [5, 5, 1],
        ...convInit(1),
      }),
      ...head(3),
    ],
  },
  {
    name: 'depthwiseConv2d',
    inputShape: [4, 4, 2],
    layers: () => [
      tfl.layers.depthwiseConv2d({
        kernelSize: 3,
        depthMultiplier: 2,
        padding: 'same',
        activation: 'tanh',
        inputShape: [4, 4, 2],
        depthwiseInitializer: init(1),
        biasInitializer: init(2, 0.3),
      }),
      ...head(3),
    ],
  },
  {
    name: 'separableConv2d',
    inputShape: [4, 4, 2],
    layers: () => [
      tfl.layers.separableConv2d({
        filters: 2,
        kernelSize: 3,
        activation: 'tanh',
        inputShape: [4, 4, 2],
        depthwiseInitializer: init(1),
        pointwiseInitializer: init(2),
        biasInitializer: init(3, 0.3),
      }),
      ...head(4),
    ],
  },
  {
    name: 'conv2dTranspose',
    inputShape: [2, 2, 2],
    layers: () => [
      tfl.layers.conv2dTranspose({
        filters: 1,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        activation: 'tanh',
        inputShape: [2, 2, 2],
        ...convInit(1),
      }),
      ...head(3),
    ],
  },
];

describeLayerCases('convolution layers', LAYER_CASES);
