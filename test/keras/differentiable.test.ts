/**
 * Layers without the input derivatives a Jacobian / Hessian penalty needs are refused by name, with the reason,
 * by `jr.layers.regularized` (at build) and `jr.callbacks.regularization({regularizer, data})` (at train begin).
 * Each refusal's reason is checked too: run anyway, the penalty fails inside tfjs with the error the reason names.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as jr from '../../src';
import { requireDifferentiable } from '../../src/keras/differentiable';
import { autodiffGrad, seededNormal, trainableVariables } from '../helpers/gradcheck';
import { dense } from '../helpers/layer_matrix';
import { packagePenalty } from '../helpers/penalty_gradcheck';

const embedding = () => tfl.layers.embedding({ inputDim: 5, outputDim: 2, inputLength: 3 });
const wrap = (layer: tfl.layers.Layer, inputShape: number[]) =>
  tfl.sequential({ layers: [jr.layers.regularized({ layer, inputShape, regularizers: jr.regularizers.jacobian() })] });

describe('refused layers', () => {
  it('jr.layers.regularized refuses an Embedding by name, with the reason', () => {
    expect(() => wrap(embedding(), [3])).toThrow(jr.ValueError);
    expect(() => wrap(embedding(), [3])).toThrow(
      /^jr\.layers\.regularized: the layer or model must be differentiable w\.r\.t\. its input; got Embedding '[^']+', and its input is integer indices/,
    );
  });

  it('… and an Embedding inside a wrapped model, naming both', () => {
    const inner = tfl.sequential({ name: 'with_lookup', layers: [embedding(), tfl.layers.flatten(), dense(2, 1)] });
    expect(() => wrap(inner, [3])).toThrow(/got Embedding '[^']+' inside 'with_lookup'/);
  });

  it('… and a model whose input is int32', () => {
    const input = tfl.input({ shape: [3], dtype: 'int32' });
    const model = tfl.model({
      inputs: input,
      outputs: tfl.layers.categoryEncoding({ numTokens: 4, outputMode: 'multiHot' }).apply(input) as tfl.SymbolicTensor,
    });
    expect(() => requireDifferentiable('jr.layers.regularized', model)).toThrow(
      /has dtype int32: a derivative needs float32 inputs/,
    );
  });

  it.each([
    ['CategoryEncoding', () => tfl.layers.categoryEncoding({ numTokens: 4 }), [3], /integer categories/],
    ['MaxPooling3D', () => tfl.layers.maxPooling3d({ poolSize: 2 }), [2, 2, 2, 1], /MaxPool3DGrad/],
    ['AveragePooling3D', () => tfl.layers.averagePooling3d({ poolSize: 2 }), [2, 2, 2, 1], /AvgPool3DGrad/],
    ['CenterCrop', () => tfl.layers.centerCrop({ height: 2, width: 2 }), [3, 3, 1], /CropAndResize/],
    [
      'Conv2D',
      () => tfl.layers.conv2d({ filters: 1, kernelSize: 2, dilationRate: 2 }),
      [4, 4, 1],
      /dilationRate is > 1/,
    ],
    ['Conv1D', () => tfl.layers.conv1d({ filters: 1, kernelSize: 2, dilationRate: 2 }), [4, 1], /dilationRate is > 1/],
  ] as const)('jr.layers.regularized refuses %s', (name, make, shape, reason) => {
    expect(() => wrap(make(), [...shape])).toThrow(new RegExp(`got ${name} '[^']+', and .*${reason.source}`));
  });

  it('jr.callbacks.regularization({regularizer, data}) refuses a model with an Embedding before the first step', async () => {
    const model = tfl.sequential({ layers: [embedding(), tfl.layers.flatten(), tfl.layers.dense({ units: 2 })] });
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const x = tf.tensor2d([
      [0, 1, 2],
      [3, 4, 0],
    ]);
    const y = tf.zeros([2, 2]);
    const before = model.getWeights().map((w) => w.dataSync().slice());
    const callback = jr.callbacks.regularization({ regularizer: jr.regularizers.jacobian(), data: { x, y } });
    await expect(model.fit(x, y, { epochs: 1, verbose: 0, callbacks: [callback] })).rejects.toThrow(
      /^jr\.callbacks\.regularization: the layer or model must be differentiable w\.r\.t\. its input; got Embedding/,
    );
    model.getWeights().forEach((w, i) => expect(Array.from(w.dataSync())).toEqual(Array.from(before[i]))); // no step ran
    // Without a regularizer the callback asks for no input derivative, and the same model trains.
    const history = await model.fit(x, y, { epochs: 1, verbose: 0, callbacks: [jr.callbacks.regularization()] });
    expect(history.history.loss).toHaveLength(1);
    model.dispose();
    tf.dispose([x, y]);
  });

  it('the remedy works: the layers after an Embedding can be wrapped and trained', async () => {
    const model = tfl.sequential({
      layers: [
        embedding(),
        tfl.layers.flatten(),
        jr.layers.regularized({ layer: dense(2, 1), regularizers: jr.regularizers.jacobian({ weight: 1 }) }),
      ],
    });
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const x = tf.tensor2d([
      [0, 1, 2],
      [3, 4, 0],
    ]);
    const y = tf.zeros([2, 2]);
    await model.fit(x, y, { epochs: 1, verbose: 0, callbacks: [jr.callbacks.regularization()] });
    const wrapper = model.layers[2] as jr.Regularized;
    expect(wrapper.evaluations[0]).toBe(1);
    model.dispose();
    tf.dispose([x, y]);
  });
});

describe('the refusals are true: run anyway, the penalty fails inside tfjs', () => {
  it.each([
    ['maxPooling3d', () => tfl.layers.maxPooling3d({ poolSize: 2 }), [2, 2, 2, 1], /MaxPool3DGrad/],
    ['averagePooling3d', () => tfl.layers.averagePooling3d({ poolSize: 2 }), [2, 2, 2, 1], /AvgPool3DGrad/],
    ['centerCrop', () => tfl.layers.centerCrop({ height: 2, width: 2 }), [3, 3, 1], /CropAndResize/],
    [
      'conv2d (dilationRate 2)',
      () => tfl.layers.conv2d({ filters: 1, kernelSize: 2, dilationRate: 2 }),
      [4, 4, 1],
      /dilation/,
    ],
  ] as const)('%s', (_name, make, shape, error) => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.inputLayer({ inputShape: [...shape] }),
        dense(2, 1),
        make(),
        tfl.layers.flatten(),
        dense(2, 3),
      ],
    });
    const x = seededNormal([2, ...shape], 17);
    expect(() => autodiffGrad(() => packagePenalty(2, model, x), trainableVariables(model))).toThrow(error);
    model.dispose();
    x.dispose();
  });

  it('embedding: the Jacobian w.r.t. integer indices fails deep inside tfjs', () => {
    const model = tfl.sequential({ layers: [embedding(), tfl.layers.flatten(), dense(2, 1)] });
    const x = tf.tensor2d([
      [0, 1, 2],
      [3, 4, 0],
    ]);
    expect(() => tf.dispose(packagePenalty(2, model, x))).toThrow();
    model.dispose();
    x.dispose();
  });
});
