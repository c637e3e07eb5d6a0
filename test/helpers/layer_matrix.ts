/**
 * The layer matrix: for every case × backend (BACKENDS, backends.ts) × order (2: Jacobian penalty, 3: Hessian
 * penalty), the weight gradient of the package's penalty against central differences (see penalty_gradcheck.ts).
 */
import { appendFileSync } from 'fs';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as jr from '../../src';
import { describeEachBackend } from './backends';
import { seededNormal, trainableVariables } from './gradcheck';
import { Order, checkWeightGradient, packagePenalty } from './penalty_gradcheck';

export const ORDERS: readonly Order[] = [2, 3];
/** Relative error accepted (float32 central differences with h = 5e-3 measure ~1e-4 on smooth cases). */
export const TOL = 0.02;

export const init = (seed: number, stddev = 0.5) => tfl.initializers.randomNormal({ mean: 0, stddev, seed });
export const posInit = (seed: number) => tfl.initializers.randomUniform({ minval: 0.5, maxval: 1.5, seed });

/** Dense layer with a seeded kernel and bias. */
export function dense(units: number, seed: number, activation = 'tanh', inputShape?: number[]): tfl.layers.Layer {
  return tfl.layers.dense({
    units,
    activation: activation as 'tanh',
    inputShape,
    kernelInitializer: init(seed),
    biasInitializer: init(seed + 1, 0.3),
  });
}

export interface MatrixCase {
  name: string;
  /** Per-sample input shape. */
  inputShape: number[];
  /** The model (or layer) the penalty is of. */
  build: () => tfl.LayersModel;
  /** What the penalty differentiates (default: the model itself, run by the package in inference mode). */
  target?: (model: tfl.LayersModel) => jr.BatchFunction | tfl.layers.Layer;
  /** Kinks possible (max pooling, maximum): one-sided differences where they disagree. */
  piecewise?: boolean;
  /** Orders to check (default 2 and 3). */
  orders?: readonly Order[];
}

/**
 * Registers the matrix of `cases` with jest; also checks that a penalty evaluation leaves no tensor behind. With
 * MATRIX_LOG=file set, each check's numbers are appended to that file as a JSON line.
 */
export function describeMatrix(title: string, cases: MatrixCase[]): void {
  describeEachBackend(title, (backend) => {
    describe.each(cases)('$name', (c) => {
      let model: tfl.LayersModel;
      let x: tf.Tensor;
      beforeAll(() => {
        model = c.build();
        x = seededNormal([2, ...c.inputShape], 17);
      });
      afterAll(() => {
        model.dispose();
        x.dispose();
      });
      it.each(c.orders ?? ORDERS)('order %i: d/dW of the package penalty matches finite differences', (order) => {
        const target = c.target ? c.target(model) : model;
        const before = tf.memory().numTensors;
        tf.dispose(packagePenalty(order, target, x));
        expect(tf.memory().numTensors).toBe(before);
        const check = checkWeightGradient(order, target, x, trainableVariables(model), { piecewise: c.piecewise });
        if (process.env.MATRIX_LOG)
          appendFileSync(
            process.env.MATRIX_LOG,
            `${JSON.stringify({ title, backend, name: c.name, order, ...check })}\n`,
          );
        expect(check.gradNorm).toBeGreaterThan(1e-4); // well above the error floor (1e-5): a gradient that can be wrong
        expect(check.error).toBeLessThan(TOL);
      });
    });
  });
}
