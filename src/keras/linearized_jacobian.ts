/**
 * The input-Jacobian of a stack of built-in layers, linearized once: one forward pass stores each layer's
 * local derivative, then
 *   Jv  = tangents pushed forward:  t ↦ a'(z) ⊙ (t W)            (forward mode, no forward recompute)
 *   Jᵀu = cotangents pulled back:   g ↦ (g ⊙ a'(z)) Wᵀ           (reverse mode, no forward recompute)
 * so a Gram product JJᵀu costs about two matmuls per layer instead of the double-VJP's forward + three backward
 * passes. Dense (rank-2 input), Conv2D (channelsLast, no dilation), elementwise activations (also in Activation layers),
 * Flatten, Reshape, Dropout (inference: identity) and nested Sequentials are supported; anything else returns null
 * and the caller falls back to the generic double-VJP operator.
 *
 * Under a gradient tape the stored derivatives depend on the weights, so the products' weight gradients are exact.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { gradient } from '../autodiff/products';
import { LinearOperator, makeOperator } from '../linalg/operator';

/** Elementwise activations (by tfjs class name): a'(z) is a tensor of z's shape. */
const ELEMENTWISE = new Set([
  'linear',
  'relu',
  'relu6',
  'elu',
  'selu',
  'sigmoid',
  'hardSigmoid',
  'softplus',
  'softsign',
  'tanh',
  'swish',
  'mish',
  'gelu',
  'gelu_new',
]);

interface Activation {
  apply(x: tf.Tensor): tf.Tensor;
  getClassName(): string;
}
interface Step {
  /** Local forward map of a tangent (linear). */
  push(t: tf.Tensor): tf.Tensor;
  /** Its adjoint. */
  pull(g: tf.Tensor): tf.Tensor;
  held: tf.Tensor[];
}
type AnyLayer = tfl.layers.Layer & Record<string, unknown>;

/** The layers of `layer` in call order, flattening nested Sequentials; null if it is not a plain stack. */
function stack(layer: tfl.layers.Layer): tfl.layers.Layer[] | null {
  if (layer instanceof tfl.Sequential) {
    const parts = layer.layers.map(stack);
    return parts.some((p) => p == null) ? null : (parts as tfl.layers.Layer[][]).flat();
  }
  return [layer];
}

/** a'(z) from the forward value y = a(z) where that is cheaper than a nested gradient (differentiable in z). */
const CLOSED_FORM: Record<string, (z: tf.Tensor, y: tf.Tensor) => tf.Tensor> = {
  tanh: (_, y) => tf.sub(1, tf.square(y)),
  sigmoid: (_, y) => tf.mul(y, tf.sub(1, y)),
  softplus: (z) => tf.sigmoid(z),
};

/** y = a(z) with its derivative step a'(z) ⊙ ·, or the identity for 'linear'. */
function activationStep(activation: Activation, z: tf.Tensor): { y: tf.Tensor; step: Step | null } | null {
  const name = activation.getClassName();
  if (!ELEMENTWISE.has(name)) return null;
  const y = activation.apply(z);
  if (name === 'linear') return { y, step: null };
  const slope = tf.keep(CLOSED_FORM[name]?.(z, y) ?? gradient((w) => tf.sum(activation.apply(w)) as tf.Scalar, z));
  return { y, step: { push: (t) => tf.mul(t, slope), pull: (g) => tf.mul(g, slope), held: [slope] } };
}

/** The forward value and local step of one supported layer, or null. */
function layerStep(layer: AnyLayer, x: tf.Tensor): { y: tf.Tensor; steps: Step[] } | null {
  const kind = layer.getClassName();
  const withActivation = (z: tf.Tensor, linear: Step) => {
    const a = activationStep(layer.activation as Activation, z);
    if (a == null) linear.held.forEach((t) => t.dispose());
    return a == null ? null : { y: a.y, steps: a.step ? [linear, a.step] : [linear] };
  };
  if (kind === 'Dense' && x.rank === 2) {
    const w = (layer.kernel as tfl.LayerVariable).read() as tf.Tensor2D;
    const z = layer.useBias
      ? tf.add(tf.matMul(x as tf.Tensor2D, w), (layer.bias as tfl.LayerVariable).read())
      : tf.matMul(x as tf.Tensor2D, w);
    // Wᵀ is stored once: a transposed matMul is ~10× slower than a plain one on the wasm backend (docs/BENCHMARKS.md).
    const wT = tf.keep(tf.transpose(w));
    return withActivation(z, {
      push: (t) => tf.matMul(t as tf.Tensor2D, w),
      pull: (g) => tf.matMul(g as tf.Tensor2D, wT),
      held: [wT],
    });
  }
  // tfjs has no gradient for dilated convolutions, so those are left to the generic operator (which fails clearly).
  const dilations = layer.dilationRate as number[] | undefined;
  if (kind === 'Conv2D' && layer.dataFormat === 'channelsLast' && dilations?.every((d) => d === 1)) {
    const w = (layer.kernel as tfl.LayerVariable).read() as tf.Tensor4D;
    const strides = layer.strides as [number, number];
    const padding = layer.padding as 'valid' | 'same';
    const conv = (t: tf.Tensor) => tf.conv2d(t as tf.Tensor4D, w, strides, padding);
    const raw = conv(x);
    const z = layer.useBias ? tf.add(raw, (layer.bias as tfl.LayerVariable).read()) : raw;
    const inShape = x.shape as [number, number, number, number];
    return withActivation(z, {
      push: conv,
      pull: (g) => tf.conv2dTranspose(g as tf.Tensor4D, w, inShape, strides, padding),
      held: [],
    });
  }
  if (kind === 'Activation') {
    const a = activationStep(layer.activation as Activation, x);
    return a == null ? null : { y: a.y, steps: a.step ? [a.step] : [] };
  }
  if (kind === 'Flatten' || kind === 'Reshape') {
    const y = layer.call(x, {}) as tf.Tensor;
    const inShape = x.shape;
    const outShape = y.shape;
    return { y, steps: [{ push: (t) => tf.reshape(t, outShape), pull: (g) => tf.reshape(g, inShape), held: [] }] };
  }
  if (kind === 'Dropout' || kind === 'InputLayer') return { y: x, steps: [] };
  return null;
}

/**
 * J of `layer` (a supported layer or a Sequential of them) at x as a LinearOperator built from one forward pass,
 * or null when some part is not supported. `dispose()` frees the stored derivatives.
 * ```js
 * const j = jr.linearizedJacobian(model.layers[0], x);  // dense(8, tanh): J_b = diag(1 − h_b²) W₁ᵀ
 * const none = jr.linearizedJacobian(model, x);  // its softmax layer is not supported
 * console.log(j.inShape, j.outShape, none);  // → [4], [8], null
 * ```
 */
export function linearizedJacobian(layer: tfl.layers.Layer, x: tf.Tensor): LinearOperator | null {
  const layers = stack(layer);
  if (layers == null) return null;
  const steps: Step[] = [];
  const dispose = () => steps.forEach((s) => s.held.forEach((t) => t.dispose()));
  let outShape: number[] | null = null;
  tf.tidy(() => {
    let y = x;
    for (const l of layers) {
      const r = layerStep(l as AnyLayer, y);
      if (r == null) return;
      steps.push(...r.steps);
      y = r.y;
    }
    outShape = y.shape;
  });
  if (outShape == null) {
    dispose();
    return null;
  }
  const shape: number[] = outShape;
  const batchSize = x.shape[0];
  return makeOperator(
    'jr.linearizedJacobian',
    { batchSize, inShape: x.shape.slice(1), outShape: shape.slice(1) },
    {
      symmetric: false,
      matvec: (v) => tf.tidy(() => steps.reduce((t, s) => s.push(t), tf.reshape(v, x.shape))),
      rmatvec: (u) => tf.tidy(() => steps.reduceRight((g, s) => s.pull(g), tf.reshape(u, shape))),
      dispose,
    },
  );
}
