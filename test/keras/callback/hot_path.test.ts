/**
 * Inside a training step guarded by the callback, the penalties are read from the device by no one: with Hutchinson
 * projections the only synchronous reads per step are the ones a plain fit with the callback makes (its gradient
 * check); Lanczos adds exactly one read per product (its α, β for the host-side Ritz solve). The logs still carry the
 * estimates, read asynchronously after the step, and equal what a synchronous read gives.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as jr from '../../../src';
import { describeEachBackend } from '../../helpers/backends';
import { regularizedMlp, useRegressionData } from '../helpers';

/** Synchronous reads (dataSync / arraySync) made while `run` runs. */
async function syncReads(run: () => Promise<unknown>): Promise<number> {
  const proto = tf.Tensor.prototype as unknown as Record<'dataSync' | 'arraySync', (...a: unknown[]) => unknown>;
  const original = { dataSync: proto.dataSync, arraySync: proto.arraySync };
  let count = 0;
  for (const name of ['dataSync', 'arraySync'] as const) {
    proto[name] = function (this: tf.Tensor, ...a: unknown[]) {
      count++;
      return original[name].apply(this, a);
    };
  }
  try {
    await run();
  } finally {
    Object.assign(proto, original);
  }
  return count;
}

describeEachBackend('no synchronous read of the penalty inside a guarded training step', () => {
  const data = useRegressionData(16, 4, 4, 3);

  const fitReads = async (regs: jr.DerivativeRegularizer[], callback = true) => {
    const model = regularizedMlp(4, 6, 4, regs);
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const cb = jr.callbacks.regularization();
    let history: Record<string, unknown[]> = {};
    const reads = await syncReads(async () => {
      history = (
        await model.fit(data.x, data.y, { epochs: 1, batchSize: 4, verbose: 0, callbacks: callback ? [cb] : [] })
      ).history;
    });
    return { reads, history, model };
  };

  it.each([
    ['hutchinson', 0],
    ['lanczos', 2],
  ] as const)('%s (2 products): plain-fit reads + %d per step (4 steps)', async (method, perStep) => {
    const plain = await fitReads([]);
    const regularized = await fitReads([jr.regularizers.jacobian({ method, iterations: 2, bound: 0.5, seed: 1 })]);
    expect(regularized.reads - plain.reads).toBe(4 * perStep);
    const keys = Object.keys(regularized.history);
    expect(keys.filter((k) => /_jacobian_(sigma|penalty|above_bound)$/.test(k))).toHaveLength(3);
  });

  it('without the callback the wrapper reads its penalty once per step (its own non-finite guard)', async () => {
    const plain = await fitReads([], false);
    const regularized = await fitReads([jr.regularizers.jacobian({ method: 'hutchinson', iterations: 2 })], false);
    expect(regularized.reads - plain.reads).toBe(4);
  });

  it('the guard is armed per step: a later fit of the same model without the callback reads its penalty again', async () => {
    const model = regularizedMlp(4, 6, 4, [jr.regularizers.jacobian({ method: 'hutchinson', iterations: 2 })]);
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const fit = (callbacks: jr.RegularizationCallback[]) =>
      syncReads(() => model.fit(data.x, data.y, { epochs: 1, batchSize: 4, verbose: 0, callbacks }));
    await fit([jr.callbacks.regularization()]);
    const plain = await fitReads([], false);
    expect((await fit([])) - plain.reads).toBe(4);
  });

  it('the asynchronously logged σ equals the exact σ_max of the wrapped network at the batch (method exact)', async () => {
    const model = regularizedMlp(4, 6, 4, [jr.regularizers.jacobian({ method: 'exact', weight: 0 })]);
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const wrapper = jr.findRegularized(model)[0];
    const x = tf.slice(data.x, 0, 4);
    const y = tf.slice(data.y, 0, 4);
    // weight 0: the weights do not move, so σ at the batch before and after the step is the same.
    const expected = jr.regularizers.jacobian({ method: 'exact' }).weightedPenalty(wrapper.layer, x).sigma;
    const history = await model.fit(x, y, {
      epochs: 1,
      batchSize: 4,
      verbose: 0,
      callbacks: [jr.callbacks.regularization()],
    });
    const logged = history.history[`${wrapper.name}_jacobian_sigma`][0] as number;
    expect(Math.abs(logged - expected)).toBeLessThan(1e-5 * expected);
    tf.dispose([x, y]);
  });
});
