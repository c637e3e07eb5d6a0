/**
 * Merge layers and nested models: the weight gradients of the package's Jacobian (order 2) and Hessian (order 3)
 * penalties against central differences, on cpu and wasm.
 *
 * Two-input models: the package takes one input (`penalty(model, x)` and the wrapper call a model on a single
 * tensor), so the derivative w.r.t. one named input is taken through a batch function that closes over the other
 * input: z ↦ model.apply([z, x₂], {training: false}), and likewise for x₂.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as jr from '../../../src';
import { seededNormal } from '../../helpers/gradcheck';
import { MatrixCase, dense, describeMatrix } from '../../helpers/layer_matrix';

type Merge = (a: tfl.SymbolicTensor, b: tfl.SymbolicTensor) => tfl.SymbolicTensor;
const apply = (layer: tfl.layers.Layer, t: tfl.SymbolicTensor) => layer.apply(t) as tfl.SymbolicTensor;

const MERGES: Array<{ name: string; merge: Merge; piecewise?: boolean }> = [
  { name: 'add', merge: (a, b) => tfl.layers.add().apply([a, b]) as tfl.SymbolicTensor },
  { name: 'multiply', merge: (a, b) => tfl.layers.multiply().apply([a, b]) as tfl.SymbolicTensor },
  { name: 'average', merge: (a, b) => tfl.layers.average().apply([a, b]) as tfl.SymbolicTensor },
  { name: 'maximum', merge: (a, b) => tfl.layers.maximum().apply([a, b]) as tfl.SymbolicTensor, piecewise: true },
  { name: 'minimum', merge: (a, b) => tfl.layers.minimum().apply([a, b]) as tfl.SymbolicTensor, piecewise: true },
  { name: 'concatenate', merge: (a, b) => tfl.layers.concatenate().apply([a, b]) as tfl.SymbolicTensor },
  { name: 'dot (axes 1)', merge: (a, b) => tfl.layers.dot({ axes: 1 }).apply([a, b]) as tfl.SymbolicTensor },
  {
    name: 'dot (axes 1, normalize)',
    merge: (a, b) => tfl.layers.dot({ axes: 1, normalize: true }).apply([a, b]) as tfl.SymbolicTensor,
  },
];

/** x[3] → two tanh branches → merge → dense(2, tanh). */
function branches(merge: Merge): tfl.LayersModel {
  const input = tfl.input({ shape: [3] });
  const merged = merge(apply(dense(3, 1), input), apply(dense(3, 3), input));
  return tfl.model({ inputs: input, outputs: apply(dense(2, 5), merged) });
}

/** x₁[3], x₂[2] → one tanh branch each → merge → dense(2, tanh). */
function twoInputs(merge: Merge): tfl.LayersModel {
  const [x1, x2] = [tfl.input({ shape: [3] }), tfl.input({ shape: [2] })];
  const merged = merge(apply(dense(3, 1), x1), apply(dense(3, 3), x2));
  return tfl.model({ inputs: [x1, x2], outputs: apply(dense(2, 5), merged) });
}

/** The model as a function of input `which`, the other input held at a seeded value. */
function wrt(which: 0 | 1): (model: tfl.LayersModel) => jr.BatchFunction {
  return (model) => (z) =>
    tf.tidy(() => {
      const other = seededNormal([z.shape[0], which === 0 ? 2 : 3], 31);
      return model.apply(which === 0 ? [z, other] : [other, z], { training: false }) as tf.Tensor;
    });
}

const CASES: MatrixCase[] = [
  ...MERGES.map(({ name, merge, piecewise }) => ({
    name: `${name}, one input, two branches`,
    inputShape: [3],
    build: () => branches(merge),
    piecewise,
  })),
  ...(['add', 'multiply', 'concatenate', 'maximum'] as const).flatMap((name) => {
    const { merge, piecewise } = MERGES.find((m) => m.name === name)!;
    return [
      {
        name: `${name}, two inputs, w.r.t. input 1`,
        inputShape: [3],
        build: () => twoInputs(merge),
        target: wrt(0),
        piecewise,
      },
      {
        name: `${name}, two inputs, w.r.t. input 2`,
        inputShape: [2],
        build: () => twoInputs(merge),
        target: wrt(1),
        piecewise,
      },
    ];
  }),
  {
    name: 'nested sequential in a sequential',
    inputShape: [3],
    build: () =>
      tfl.sequential({
        layers: [tfl.sequential({ layers: [dense(3, 1, 'tanh', [3]), dense(3, 3, 'linear')] }), dense(2, 5)],
      }),
  },
  {
    name: 'functional (two branches, add) in a sequential',
    inputShape: [3],
    build: () => tfl.sequential({ layers: [branches(MERGES[0].merge), dense(2, 7)] }),
  },
  {
    name: 'sequential as a branch of a functional model (multiply)',
    inputShape: [3],
    build: () => {
      const input = tfl.input({ shape: [3] });
      const inner = tfl.sequential({ layers: [dense(3, 1, 'tanh', [3]), dense(3, 3)] });
      const merged = tfl.layers
        .multiply()
        .apply([apply(inner, input), apply(dense(3, 5), input)]) as tfl.SymbolicTensor;
      return tfl.model({ inputs: input, outputs: apply(dense(2, 7, 'linear'), merged) });
    },
  },
  {
    name: 'regularized wrapper inside a sequential (inner penalty is the whole model’s)',
    inputShape: [3],
    build: () =>
      tfl.sequential({
        layers: [
          jr.layers.regularized({
            layer: tfl.sequential({ layers: [dense(3, 1, 'tanh', [3])] }),
            inputShape: [3],
            regularizers: jr.regularizers.jacobian(),
          }),
          dense(2, 3),
        ],
      }),
  },
];

describeMatrix('merge layers and nested models', CASES);
