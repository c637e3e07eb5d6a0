/**
 * The gradient matrix for the browser checks: tiny seeded models (the same builders as test/autodiff/gradients/, test/keras/differentiable/ and
 * test/helpers/layer_matrix.ts: tanh dense layers around the layer under test, so the Hessian is not zero).
 * `ci: true` marks the subset run by test/e2e/backends.e2e.ts; `?suite=full` runs all of them.
 * Exposes window.jrCases = [{name, inputShape, build, piecewise, ci}].
 */
(function () {
  'use strict';
  const L = tf.layers;
  const init = (seed, stddev = 0.5) => tf.initializers.randomNormal({ mean: 0, stddev, seed });
  const posInit = (seed) => tf.initializers.randomUniform({ minval: 0.5, maxval: 1.5, seed });
  const dense = (units, seed, activation = 'tanh') =>
    L.dense({ units, activation, kernelInitializer: init(seed), biasInitializer: init(seed + 1, 0.3) });
  const convInit = (seed) => ({ kernelInitializer: init(seed), biasInitializer: init(seed + 1, 0.3) });
  const rnnInit = (seed) => ({
    kernelInitializer: init(seed),
    recurrentInitializer: init(seed + 1),
    biasInitializer: init(seed + 2, 0.3),
  });
  const head = (seed) => [L.flatten(), dense(2, seed)];
  /** A sequential on per-sample `shape` (fresh layers on every call: each backend builds its own). */
  const seq = (shape, layers) => () => tf.sequential({ layers: [L.inputLayer({ inputShape: shape }), ...layers()] });
  const c = (name, inputShape, layers, { piecewise = false, ci = false } = {}) => ({
    name,
    inputShape,
    build: seq(inputShape, layers),
    piecewise,
    ci,
  });

  const CI_ACTIVATIONS = ['tanh', 'sigmoid', 'softplus', 'elu', 'selu', 'gelu', 'softmax'];
  const ACTIVATIONS = [...CI_ACTIVATIONS, 'relu', 'swish', 'mish', 'softsign', 'gelu_new'];

  const cases = ACTIVATIONS.map((activation) =>
    // dense(4, act) → dense(2, tanh): the activation's 2nd / 3rd derivatives reach the weights.
    c(`dense + ${activation}`, [3], () => [dense(4, 1, activation), dense(2, 3)], {
      piecewise: activation === 'relu',
      ci: CI_ACTIVATIONS.includes(activation),
    }),
  );

  cases.push(
    c(
      'conv2d (same)',
      [4, 4, 1],
      () => [L.conv2d({ filters: 2, kernelSize: 3, padding: 'same', activation: 'tanh', ...convInit(1) }), ...head(3)],
      { ci: true },
    ),
    c('conv2d (valid, stride 2)', [5, 5, 1], () => [
      L.conv2d({ filters: 2, kernelSize: 3, strides: 2, activation: 'tanh', ...convInit(1) }),
      ...head(3),
    ]),
    c(
      'depthwiseConv2d (stride 2, same, multiplier 2)',
      [4, 4, 2],
      () => [
        L.depthwiseConv2d({
          kernelSize: 3,
          strides: 2,
          depthMultiplier: 2,
          padding: 'same',
          activation: 'tanh',
          depthwiseInitializer: init(1),
          biasInitializer: init(2, 0.3),
        }),
        ...head(3),
      ],
      { ci: true },
    ),
    c(
      'separableConv2d (valid)',
      [4, 4, 2],
      () => [
        L.separableConv2d({
          filters: 2,
          kernelSize: 3,
          activation: 'tanh',
          depthwiseInitializer: init(1),
          pointwiseInitializer: init(2),
          biasInitializer: init(3, 0.3),
        }),
        ...head(4),
      ],
      { ci: true },
    ),
    c('maxPooling2d', [4, 4, 1], () => [dense(2, 1), L.maxPooling2d({ poolSize: 2 }), ...head(3)], {
      piecewise: true,
      ci: true,
    }),
    c(
      'maxPooling2d (3x3, stride 2, same)',
      [4, 4, 1],
      () => [dense(2, 1), L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }), ...head(3)],
      { piecewise: true },
    ),
    c(
      'averagePooling2d (3x3, stride 2, same)',
      [4, 4, 1],
      () => [dense(2, 1), L.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }), ...head(3)],
      { ci: true },
    ),
    c('globalAveragePooling2d', [3, 3, 2], () => [dense(2, 1), L.globalAveragePooling2d({}), dense(2, 3)], {
      ci: true,
    }),
    c('globalMaxPooling2d', [3, 3, 2], () => [dense(2, 1), L.globalMaxPooling2d({}), dense(2, 3)], { piecewise: true }),
    c(
      'batchNormalization (inference)',
      [2, 2, 2],
      () => [
        L.conv2d({ filters: 2, kernelSize: 1, activation: 'linear', ...convInit(1) }),
        L.batchNormalization({
          gammaInitializer: posInit(5),
          betaInitializer: init(6, 0.3),
          movingMeanInitializer: init(7, 0.3),
          movingVarianceInitializer: posInit(8),
        }),
        ...head(3),
      ],
      { ci: true },
    ),
    c(
      'layerNormalization',
      [3, 2],
      () => [
        dense(3, 1, 'linear'),
        L.layerNormalization({ gammaInitializer: posInit(5), betaInitializer: init(6, 0.3) }),
        ...head(3),
      ],
      { ci: true },
    ),
    c('upSampling2d (nearest)', [2, 2, 1], () => [dense(2, 1), L.upSampling2d({ size: [2, 2] }), ...head(3)], {
      ci: true,
    }),
    c('upSampling2d (bilinear)', [2, 2, 1], () => [
      dense(2, 1),
      L.upSampling2d({ size: [2, 2], interpolation: 'bilinear' }),
      ...head(3),
    ]),
    c(
      'conv2dTranspose (stride 2, same)',
      [2, 2, 2],
      () => [
        L.conv2dTranspose({
          filters: 1,
          kernelSize: 3,
          strides: 2,
          padding: 'same',
          activation: 'tanh',
          ...convInit(1),
        }),
        ...head(3),
      ],
      { ci: true },
    ),
    c('simpleRNN', [3, 2], () => [L.simpleRNN({ units: 3, ...rnnInit(1) })], { ci: true }),
    c('lstm', [3, 2], () => [L.lstm({ units: 2, ...rnnInit(1) })], { ci: true }),
    c('gru', [3, 2], () => [L.gru({ units: 2, ...rnnInit(1) })], { ci: true }),
    c('gru (returnSequences)', [3, 2], () => [L.gru({ units: 2, returnSequences: true, ...rnnInit(1) })]),
  );

  /** x[3] → two tanh branches → merge → dense(2, tanh) (test/keras/differentiable/merge.test.ts). */
  const mergeModel = (merge) => () => {
    const input = tf.input({ shape: [3] });
    const a = dense(3, 1).apply(input);
    const b = dense(3, 3, 'sigmoid').apply(input);
    return tf.model({ inputs: input, outputs: dense(2, 5).apply(merge(a, b)) });
  };
  cases.push(
    {
      name: 'two-branch merge (add)',
      inputShape: [3],
      build: mergeModel((a, b) => L.add().apply([a, b])),
      piecewise: false,
      ci: true,
    },
    {
      name: 'two-branch merge (concatenate)',
      inputShape: [3],
      build: mergeModel((a, b) => L.concatenate().apply([a, b])),
      piecewise: false,
      ci: false,
    },
    {
      name: 'two-branch merge (multiply)',
      inputShape: [3],
      build: mergeModel((a, b) => L.multiply().apply([a, b])),
      piecewise: false,
      ci: false,
    },
    {
      name: 'two-branch merge (maximum)',
      inputShape: [3],
      build: mergeModel((a, b) => L.maximum().apply([a, b])),
      piecewise: true,
      ci: false,
    },
  );

  window.jrCases = cases;
})();
