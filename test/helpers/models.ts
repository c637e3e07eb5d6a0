/** Small seeded models for the core tests: an MLP with tf.variable weights, and a tfjs-layers CNN. */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

export type Activation = 'tanh' | 'softplus' | 'sigmoid' | 'relu';

export interface Mlp {
  f: (x: tf.Tensor) => tf.Tensor;
  weights: tf.Variable[];
  dispose(): void;
}

/** f(x) = act(x W1 + b1) W2 + b2 with seeded weights of scale `scale`. */
export function mlp(sizes: [number, number, number], activation: Activation, seed = 1, scale = 0.8): Mlp {
  const [n, h, m] = sizes;
  const weights = [
    tf.variable(tf.randomNormal([n, h], 0, scale, 'float32', seed)),
    tf.variable(tf.randomNormal([h], 0, 0.3, 'float32', seed + 1)),
    tf.variable(tf.randomNormal([h, m], 0, scale, 'float32', seed + 2)),
    tf.variable(tf.randomNormal([m], 0, 0.3, 'float32', seed + 3)),
  ];
  const [w1, b1, w2, b2] = weights;
  const act = (z: tf.Tensor) => (tf as unknown as Record<string, (t: tf.Tensor) => tf.Tensor>)[activation](z);
  const f = (x: tf.Tensor) =>
    tf.tidy(() => tf.add(tf.matMul(act(tf.add(tf.matMul(x as tf.Tensor2D, w1), b1)) as tf.Tensor2D, w2), b2));
  return { f, weights, dispose: () => weights.forEach((w) => w.dispose()) };
}

/** A small CNN on [B, 6, 6, 1]: conv 3×3×2 (softplus) → flatten → dense(units). Seeded. */
export function cnn(units = 3, seed = 7): { model: tfl.LayersModel; f: (x: tf.Tensor) => tf.Tensor } {
  const init = (s: number) => tfl.initializers.randomNormal({ mean: 0, stddev: 0.5, seed: s });
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        inputShape: [6, 6, 1],
        filters: 2,
        kernelSize: 3,
        activation: 'softplus',
        kernelInitializer: init(seed),
        biasInitializer: init(seed + 1),
      }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units, kernelInitializer: init(seed + 2), biasInitializer: init(seed + 3) }),
    ],
  });
  return { model, f: (x) => model.apply(x) as tf.Tensor };
}
