/**
 * Convolution variants, padding / cropping / resizing, global pooling, normalization, shape and noise layers, on
 * 3-D, 4-D and 5-D inputs: the weight gradients of the package's Jacobian (order 2) and Hessian (order 3)
 * penalties against central differences, on cpu and wasm. Linear layers sit between tanh dense layers so that the
 * Hessian is not zero.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { MatrixCase, dense, describeMatrix, init, posInit } from '../../helpers/layer_matrix';

const convInit = (seed: number) => ({ kernelInitializer: init(seed), biasInitializer: init(seed + 1, 0.3) });
/** A sequential on per-sample `shape` (fresh layers on every call: each backend builds its own). */
const seq = (shape: number[], layers: () => tfl.layers.Layer[]) => () =>
  tfl.sequential({ layers: [tfl.layers.inputLayer({ inputShape: shape }), ...layers()] });
/** Flatten → dense(2, tanh). */
const head = (seed: number) => [tfl.layers.flatten(), dense(2, seed)];
const c = (name: string, inputShape: number[], layers: () => tfl.layers.Layer[], piecewise = false): MatrixCase => ({
  name,
  inputShape,
  build: seq(inputShape, layers),
  piecewise,
});

const CASES: MatrixCase[] = [
  // 3-D inputs [B, T, F]
  c('conv1d (same, stride 2)', [5, 2], () => [
    tfl.layers.conv1d({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh', ...convInit(1) }),
    ...head(3),
  ]),
  c('globalAveragePooling1d', [3, 2], () => [dense(3, 1, 'tanh'), tfl.layers.globalAveragePooling1d({}), dense(2, 3)]),
  c('globalMaxPooling1d', [3, 2], () => [dense(3, 1, 'tanh'), tfl.layers.globalMaxPooling1d({}), dense(2, 3)], true),
  c('repeatVector', [3], () => [dense(2, 1, 'tanh'), tfl.layers.repeatVector({ n: 2 }), ...head(3)]),
  c('permute', [3, 2], () => [dense(3, 1, 'tanh'), tfl.layers.permute({ dims: [2, 1] }), ...head(3)]),
  c('reshape', [3, 2], () => [
    dense(2, 1, 'tanh'),
    tfl.layers.reshape({ targetShape: [2, 3] }),
    dense(2, 3),
    ...head(5),
  ]),
  c('layerNormalization (3-D, last axis)', [3, 2], () => [
    dense(3, 1, 'linear'),
    tfl.layers.layerNormalization({ gammaInitializer: posInit(5), betaInitializer: init(6, 0.3) }),
    ...head(3),
  ]),
  c('spatialDropout1d, gaussianNoise, gaussianDropout, alphaDropout (inference)', [3, 2], () => [
    dense(2, 1, 'tanh'),
    tfl.layers.spatialDropout1d({ rate: 0.5 }),
    tfl.layers.gaussianNoise({ stddev: 1 }),
    tfl.layers.gaussianDropout({ rate: 0.5 }),
    tfl.layers.alphaDropout({ rate: 0.5 }),
    ...head(3),
  ]),
  c('masking', [3, 2], () => [tfl.layers.masking({ maskValue: 0 }), dense(2, 1, 'tanh'), ...head(3)]),
  // 4-D inputs [B, H, W, C]
  c('conv2dTranspose (stride 2, same)', [2, 2, 2], () => [
    tfl.layers.conv2dTranspose({
      filters: 1,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      activation: 'tanh',
      ...convInit(1),
    }),
    ...head(3),
  ]),
  c('depthwiseConv2d (stride 2, same, multiplier 2)', [4, 4, 2], () => [
    tfl.layers.depthwiseConv2d({
      kernelSize: 3,
      strides: 2,
      depthMultiplier: 2,
      padding: 'same',
      activation: 'tanh',
      depthwiseInitializer: init(1),
      biasInitializer: init(2, 0.3),
    }),
    ...head(3),
  ]),
  c('separableConv2d (valid)', [4, 4, 2], () => [
    tfl.layers.separableConv2d({
      filters: 2,
      kernelSize: 3,
      activation: 'tanh',
      depthwiseInitializer: init(1),
      pointwiseInitializer: init(2),
      biasInitializer: init(3, 0.3),
    }),
    ...head(4),
  ]),
  c('upSampling2d (nearest, non-square)', [2, 3, 1], () => [
    dense(2, 1, 'tanh'),
    tfl.layers.upSampling2d({ size: [2, 2] }),
    ...head(3),
  ]),
  c('zeroPadding2d', [2, 2, 1], () => [
    dense(2, 1, 'tanh'),
    tfl.layers.zeroPadding2d({
      padding: [
        [1, 0],
        [0, 1],
      ],
    }),
    ...head(3),
  ]),
  c('cropping2D', [4, 4, 1], () => [
    dense(2, 1, 'tanh'),
    tfl.layers.cropping2D({
      cropping: [
        [1, 0],
        [1, 1],
      ],
    }),
    ...head(3),
  ]),
  c('globalAveragePooling2d', [3, 3, 2], () => [
    dense(2, 1, 'tanh'),
    tfl.layers.globalAveragePooling2d({}),
    dense(2, 3),
  ]),
  c('globalMaxPooling2d', [3, 3, 2], () => [dense(2, 1, 'tanh'), tfl.layers.globalMaxPooling2d({}), dense(2, 3)], true),
  c('batchNormalization (inference, 4-D, channel axis)', [2, 2, 2], () => [
    tfl.layers.conv2d({ filters: 2, kernelSize: 1, activation: 'linear', ...convInit(1) }),
    tfl.layers.batchNormalization({
      gammaInitializer: posInit(5),
      betaInitializer: init(6, 0.3),
      movingMeanInitializer: init(7, 0.3),
      movingVarianceInitializer: posInit(8),
    }),
    ...head(3),
  ]),
  c('layerNormalization (4-D)', [2, 2, 2], () => [
    dense(4, 1, 'linear'),
    tfl.layers.layerNormalization({ axis: -1, gammaInitializer: posInit(5), betaInitializer: init(6, 0.3) }),
    ...head(3),
  ]),
  c(
    'softmax, elu, reLU (maxValue), thresholdedReLU layers',
    [3],
    () => [
      dense(4, 1, 'linear'),
      tfl.layers.elu({ alpha: 1 }),
      dense(4, 3, 'linear'),
      tfl.layers.reLU({ maxValue: 2 }),
      tfl.layers.thresholdedReLU({ theta: 0.1 }),
      dense(3, 5, 'linear'),
      tfl.layers.softmax(),
      dense(2, 7), // Σ softmax = 1 would make the Hessian of the output sum zero
    ],
    true,
  ),
  c('rescaling', [3, 3, 1], () => [dense(2, 1, 'tanh'), tfl.layers.rescaling({ scale: 0.5, offset: 0.1 }), ...head(3)]),
  // 5-D inputs [B, D, H, W, C]
  c('conv3d (stride 2, same)', [3, 3, 3, 1], () => [
    tfl.layers.conv3d({ filters: 2, kernelSize: 2, strides: 2, padding: 'same', activation: 'tanh', ...convInit(1) }),
    ...head(3),
  ]),
  c('conv3d (valid)', [3, 3, 2, 1], () => [
    tfl.layers.conv3d({ filters: 1, kernelSize: 2, activation: 'tanh', ...convInit(1) }),
    ...head(3),
  ]),
];

describeMatrix('more layers', CASES);
