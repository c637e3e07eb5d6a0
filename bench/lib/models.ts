/** The benchmark models and seeded data (bench/index.ts). */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

export type ModelKind = 'mlp' | 'cnn';

export const INPUT_SHAPE: Record<ModelKind, number[]> = { mlp: [784], cnn: [28, 28, 1] };

export const DESCRIPTION: Record<ModelKind, string> = {
  mlp: 'MLP 784-256-256-10, softplus, logits',
  cnn: 'CNN 28×28×1 → conv 3×3×8 s2 (valid) → conv 3×3×16 s2 → flatten (576) → dense 10, softplus, logits',
};

/** Fresh layers of `kind` (logits out), Glorot-uniform kernels seeded from `seed`. */
export function layersOf(kind: ModelKind, seed: number): tfl.layers.Layer[] {
  const init = (s: number) => tfl.initializers.glorotUniform({ seed: seed + s });
  if (kind === 'mlp') {
    return [
      tfl.layers.dense({ inputShape: [784], units: 256, activation: 'softplus', kernelInitializer: init(0) }),
      tfl.layers.dense({ units: 256, activation: 'softplus', kernelInitializer: init(1) }),
      tfl.layers.dense({ units: 10, kernelInitializer: init(2) }),
    ];
  }
  return [
    tfl.layers.conv2d({
      inputShape: [28, 28, 1],
      filters: 8,
      kernelSize: 3,
      strides: 2,
      activation: 'softplus',
      kernelInitializer: init(0),
    }),
    tfl.layers.conv2d({ filters: 16, kernelSize: 3, strides: 2, activation: 'softplus', kernelInitializer: init(1) }),
    tfl.layers.flatten(),
    tfl.layers.dense({ units: 10, kernelInitializer: init(2) }),
  ];
}

export function network(kind: ModelKind, seed: number): tfl.Sequential {
  return tfl.sequential({ layers: layersOf(kind, seed) });
}

/** Seeded inputs in [0, 1] and one-hot labels over 10 classes. */
export function randomData(kind: ModelKind, n: number, seed: number): { x: tf.Tensor; y: tf.Tensor2D } {
  return tf.tidy(() => {
    const x = tf.randomUniform([n, ...INPUT_SHAPE[kind]], 0, 1, 'float32', seed);
    const labels = tf.randomUniform([n], 0, 10, 'int32', seed + 1);
    const y = tf.cast(tf.oneHot(tf.cast(labels, 'int32') as tf.Tensor1D, 10), 'float32') as tf.Tensor2D;
    return { x, y };
  });
}

/** The trainable tf.Variables of a model (so that `minimize` does not scan other models' weights). */
export function variablesOf(model: tfl.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => (w as unknown as { read(): tf.Variable }).read());
}
