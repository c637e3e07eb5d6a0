/**
 * A bench-only variant of `linearizedJacobian` for stacks of Dense layers that also stores Wᵀ at linearization,
 * so that the pull-back Jᵀu runs plain (untransposed) matmuls. Used to measure whether tfjs' transposed matmul
 * (`matMul(g, W, false, true)`) costs more than a plain one on a backend. Not a library API.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as jr from '../../src';

/**
 * J of a Sequential of Dense layers at x, with Wᵀ cached. Everything else is as in the library's
 * `linearizedJacobian` (the slope a'(z) is found the same way, by `gradient` of Σ a(z)), so a timing difference is
 * the transposed matmul alone.
 */
export function pretransposedDenseJacobian(net: tfl.Sequential, x: tf.Tensor2D): jr.LinearOperator {
  const held: tf.Tensor[] = [];
  const steps: Array<{ w: tf.Tensor2D; wt: tf.Tensor2D; slope: tf.Tensor | null }> = [];
  tf.tidy(() => {
    let y: tf.Tensor2D = x;
    for (const layer of net.layers) {
      const l = layer as unknown as {
        kernel: tfl.LayerVariable;
        bias: tfl.LayerVariable;
        activation: { apply(t: tf.Tensor): tf.Tensor; getClassName(): string };
        getClassName(): string;
      };
      if (l.getClassName() !== 'Dense') throw new Error(`pretransposedDenseJacobian: ${l.getClassName()} not handled`);
      const w = l.kernel.read() as tf.Tensor2D;
      const z = tf.add(tf.matMul(y, w), l.bias.read()) as tf.Tensor2D;
      const linear = l.activation.getClassName() === 'linear';
      y = l.activation.apply(z) as tf.Tensor2D;
      const slope = linear ? null : tf.keep(jr.gradient((t) => tf.sum(l.activation.apply(t)) as tf.Scalar, z));
      const wt = tf.keep(tf.transpose(w)) as tf.Tensor2D;
      held.push(wt);
      if (slope) held.push(slope);
      steps.push({ w, wt, slope });
    }
  });
  return {
    batchSize: x.shape[0],
    inShape: x.shape.slice(1),
    outShape: [(net.layers[net.layers.length - 1] as unknown as { units: number }).units],
    symmetric: false,
    matvec: (v) =>
      tf.tidy(() =>
        steps.reduce<tf.Tensor>(
          (t, s) => (s.slope ? tf.mul(tf.matMul(t as tf.Tensor2D, s.w), s.slope) : tf.matMul(t as tf.Tensor2D, s.w)),
          v,
        ),
      ),
    rmatvec: (u) =>
      tf.tidy(() =>
        steps.reduceRight<tf.Tensor>((g, s) => tf.matMul((s.slope ? tf.mul(g, s.slope) : g) as tf.Tensor2D, s.wt), u),
      ),
    dispose: () => held.forEach((t) => t.dispose()),
  };
}
