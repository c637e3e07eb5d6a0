/**
 * Layer cases for the gradient-fix suites: 2nd- and 3rd-order weight gradients through a built-in tfjs-layers
 * layer, checked against central finite differences of the penalties
 *   P(W) = Σ‖Jᵀu‖²  (Jᵀu = ∇ₓ Σ f(x)·u)   and   Q(W) = Σ‖Hv‖²  (H = ∇ₓ² Σ f(x)·c).
 * Each model is tiny and seeded; a tanh dense head makes the curvature non-trivial for piecewise-linear layers.
 * Order 1 (Jᵀu against differences over x) guards the first-order kernels the fixes replace: P's own value is
 * built from them, so a wrong first-order kernel would otherwise go unnoticed.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describeEachBackend } from './backends';
import { H, TOL } from './fix_checks';
import {
  autodiffGrad,
  finiteDiffGrad,
  hessianPenalty,
  jacobianPenalty,
  jacobianTransposeProduct,
  relError,
  seededNormal,
  trainableVariables,
} from './gradcheck';
import { dense, init } from './layer_matrix';

export interface LayerCase {
  name: string;
  /** Per-sample input shape. */
  inputShape: number[];
  /** The model's layers (fresh on every call: each backend builds its own). */
  layers: () => tfl.layers.Layer[];
}

/** Flatten → dense(2, tanh): the head most cases end with. */
export const head = (seed: number): tfl.layers.Layer[] => [tfl.layers.flatten(), dense(2, seed)];

export const convInit = (seed: number) => ({ kernelInitializer: init(seed), biasInitializer: init(seed + 1, 0.3) });

/** Declares orders 1, 2 and 3 of every case, once per backend. */
export function describeLayerCases(title: string, cases: LayerCase[]): void {
  describeEachBackend(title, () => {
    describe.each(cases)('layer $name', ({ inputShape, layers }) => {
      let model: tfl.Sequential;
      let x: tf.Tensor;
      let f: (xx: tf.Tensor) => tf.Tensor;
      beforeAll(() => {
        model = tfl.sequential({ layers: layers() });
        x = seededNormal([2, ...inputShape], 17);
        f = (xx) => model.apply(xx, { training: false }) as tf.Tensor;
      });
      afterAll(() => {
        model.dispose();
        x.dispose();
      });

      it('order 1: Jᵀu matches finite differences over x (catches wrong stock first-order kernels)', () => {
        const err = tf.tidy(() => {
          const outShape = (model.outputs[0].shape as number[]).slice(1);
          const u = seededNormal([2, ...outShape], 23);
          const xv = tf.variable(x);
          const fd = finiteDiffGrad(() => tf.sum(tf.mul(f(xv), u)) as tf.Scalar, [xv], H);
          const ad = jacobianTransposeProduct(f, x, u).dataSync();
          xv.dispose();
          return relError(ad, fd, 1e-5);
        });
        expect(err).toBeLessThan(TOL);
      });

      it.each([2, 3] as const)('order %i: d/dW of the penalty matches finite differences', (order) => {
        const err = tf.tidy(() => {
          const outShape = (model.outputs[0].shape as number[]).slice(1);
          const u = seededNormal([2, ...outShape], 23);
          const v = seededNormal(x.shape, 29);
          const penalty = () => (order === 2 ? jacobianPenalty(f, x, u) : hessianPenalty(f, x, u, v));
          const vars = trainableVariables(model);
          return relError(autodiffGrad(penalty, vars), finiteDiffGrad(penalty, vars, H), 1e-5);
        });
        expect(err).toBeLessThan(TOL);
      });
    });
  });
}
