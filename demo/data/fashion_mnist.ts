/**
 * Fashion-MNIST from Debian's `dataset-fashion-mnist` (idx files, gzip) — 60,000 training and 10,000 test images.
 * The first `train` / `test` images of each file are used (the files are already shuffled).
 */
import * as fs from 'fs';
import * as zlib from 'zlib';
import * as tf from '@tensorflow/tfjs-core';
import type { MnistData, MnistOptions } from './mnist';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
export const FASHION_MNIST_SOURCE = `Debian package dataset-fashion-mnist (${FASHION_MNIST_DIR}): 70,000 Fashion-MNIST images, MIT`;

/** The payload of an idx file after its header (magic, dimensions). */
function readIdx(name: string): Uint8Array {
  const path = `${FASHION_MNIST_DIR}/${name}`;
  if (!fs.existsSync(path)) {
    throw new Error(`Fashion-MNIST not found at ${path}. Install it with: sudo apt-get install dataset-fashion-mnist`);
  }
  const bytes = zlib.gunzipSync(fs.readFileSync(path));
  const dims = bytes[3];
  return bytes.subarray(4 + 4 * dims);
}

function load(images: string, labels: string, count: number): [tf.Tensor2D, tf.Tensor2D] {
  const pixels = readIdx(images);
  const classes = readIdx(labels);
  if (count > classes.length)
    throw new Error(`Fashion-MNIST ${labels} has ${classes.length} samples; asked for ${count}.`);
  const x = Float32Array.from(pixels.subarray(0, count * 784), (p) => p / 255);
  return [
    tf.tensor2d(x, [count, 784]),
    tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from(classes.subarray(0, count)), 'int32'), 10) as tf.Tensor2D),
  ];
}

export function loadFashionMnist(options: MnistOptions): MnistData {
  const [xTrain, yTrain] = load('train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', options.train);
  const [xTest, yTest] = load('t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz', options.test);
  return { xTrain, yTrain, xTest, yTest };
}
