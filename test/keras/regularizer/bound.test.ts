/**
 * The bound in the Keras adapters: config round trips (getConfig / fromConfig, model.save / tf.loadLayersModel),
 * the `<name>_<kind>_above_bound` log (against per-sample σ from the row-by-row Jacobian and a Jacobi SVD), and no
 * leaked tensors (the penalty's vectors are disposed by weightedPenalty and the wrapper).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as jr from '../../../src';
import { describeEachBackend } from '../../helpers/backends';
import { jacobianByRows, topSingularValue } from '../../helpers/oracle';
import { regressionData, regularizedMlp } from '../helpers';
import { mlp } from '../../helpers/models';

type Data = ReturnType<typeof regressionData>;

/** The regression data of these tests, made on the current backend in beforeAll. */
function useData(): () => Data {
  let data: Data;
  beforeAll(() => {
    data = regressionData(8, 4, 4, 21);
  });
  afterAll(() => tf.dispose([data.x, data.y]));
  return () => data;
}

describe('bound in configs', () => {
  const getData = useData();
  it('getConfig / fromConfig round-trip it (and null)', () => {
    for (const cls of [jr.JacobianRegularizer, jr.HessianRegularizer]) {
      for (const bound of [1.5, 0, null]) {
        const r = new cls({ bound, method: 'power' });
        expect(r.getConfig().bound).toBe(bound);
        const config = JSON.parse(JSON.stringify(r.getConfig()));
        const back = cls.fromConfig(
          cls as unknown as tf.serialization.SerializableConstructor<jr.DerivativeRegularizer>,
          config,
        );
        expect(back.bound).toBe(bound);
        expect(back.getConfig()).toEqual(r.getConfig());
      }
    }
  });

  it('model.save / tf.loadLayersModel keep it, and the loaded penalty is the same number', async () => {
    const regs = [
      jr.regularizers.jacobian({ bound: 0.25, method: 'exact' }),
      jr.regularizers.hessian({ scalar: 'mean', iterations: 4, seed: 2 }),
    ];
    const model = regularizedMlp(4, 6, 4, regs);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jr-bound-'));
    await model.save(jr.io.fileSystem(dir));
    const loaded = await tfl.loadLayersModel(jr.io.fileSystem(dir));
    const [a, b] = [model, loaded].map((m) => jr.findRegularized(m)[0]);
    expect(b.regularizers.map((r) => r.bound)).toEqual([0.25, null]);
    const value = (w: jr.Regularized) =>
      tf.tidy(() => w.regularizers[0].penalty(w.layer, getData().x, { epoch: 0, step: 0 }).penalty.dataSync()[0]);
    expect(value(b)).toBe(value(a));
    expect(value(a)).toBeGreaterThan(0);
    fs.rmSync(dir, { recursive: true });
  });
});

describeEachBackend('the above_bound log', () => {
  const getData = useData();
  it('is the fraction of the batch with σ_b > L, in the wrapper estimates and history; absent without a bound', async () => {
    const build = (bound?: number) => {
      const model = regularizedMlp(4, 6, 4, [jr.regularizers.jacobian({ bound, method: 'exact', weight: 0.1 })], 5);
      model.compile({ optimizer: tf.train.sgd(0), loss: 'meanSquaredError' });
      return model;
    };
    const probe = build();
    const sigmas = jacobianByRows((z) => probe.predict(z) as tf.Tensor, getData().x)
      .map(topSingularValue)
      .sort((p, q) => p - q);
    const bound = (sigmas[2] + sigmas[3]) / 2; // 5 of 8 samples above
    const fitLogs = async (model: tfl.Sequential) => {
      const history = await model.fit(getData().x, getData().y, {
        epochs: 1,
        batchSize: 8,
        verbose: 0,
        callbacks: [jr.callbacks.regularization()],
      });
      return { wrapper: jr.findRegularized(model)[0], history: history.history };
    };
    const bounded = build(bound);
    bounded.setWeights(probe.getWeights());
    const { wrapper, history } = await fitLogs(bounded);
    const key = `${wrapper.name}_jacobian_above_bound`;
    expect(wrapper.estimates[key]).toBe(5 / 8);
    expect(history[key]).toEqual([5 / 8]);
    // The logged penalty is mean_b max(0, σ_b − L)² of the exact per-sample σ.
    const expected = sigmas.reduce((s, sb) => s + Math.max(0, sb - bound) ** 2, 0) / sigmas.length;
    expect(Math.abs(wrapper.estimates[`${wrapper.name}_jacobian_penalty`] - expected)).toBeLessThan(1e-4 * expected);

    const plain = await fitLogs(probe);
    expect(Object.keys(plain.wrapper.estimates).some((k) => k.endsWith('_above_bound'))).toBe(false);
    expect(Object.keys(plain.history).some((k) => k.endsWith('_above_bound'))).toBe(false);
  });
});

describeEachBackend('no leaks', () => {
  const getData = useData();
  it.each(jr.METHODS)('weightedPenalty (%s, with a bound) leaves only the loss', (method) => {
    const net = mlp([4, 5, 3], 'tanh', 31);
    for (const reg of [
      jr.regularizers.jacobian({ method, bound: 0.5, iterations: 3, seed: 1 }),
      jr.regularizers.hessian({ method, bound: 0.1, iterations: 3, seed: 1 }),
    ]) {
      reg.weightedPenalty(net.f, getData().x, { epoch: 0, step: 0 }).loss.dispose(); // warm-up
      const before = tf.memory().numTensors;
      const { loss, aboveBound } = reg.weightedPenalty(net.f, getData().x, { epoch: 0, step: 0 });
      expect(aboveBound).toBeGreaterThanOrEqual(0);
      loss.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
    net.dispose();
  });

  it('a fit with a bounded wrapper holds what a plain fit holds', async () => {
    const run = async (regs: jr.DerivativeRegularizer[]) => {
      const model = regularizedMlp(4, 6, 4, regs);
      model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
      await model.fit(getData().x, getData().y, { epochs: 1, batchSize: 4, verbose: 0 }); // warm-up
      const before = tf.memory().numTensors;
      await model.fit(getData().x, getData().y, {
        epochs: 2,
        batchSize: 4,
        verbose: 0,
        callbacks: [jr.callbacks.regularization()],
      });
      return tf.memory().numTensors - before;
    };
    const plain = await run([]);
    expect(await run([jr.regularizers.jacobian({ bound: 0.1, method: 'hutchinson', iterations: 2 })])).toBe(plain);
    expect(await run([jr.regularizers.jacobian({ bound: 0.1, method: 'lanczos', iterations: 2 })])).toBe(plain);
  });
});

describe('bound validation', () => {
  it('accepts null, undefined and finite numbers ≥ 0', () => {
    expect(jr.regularizers.jacobian().bound).toBeNull();
    expect(jr.regularizers.jacobian({ bound: null }).bound).toBeNull();
    expect(jr.regularizers.hessian({ bound: 0 }).bound).toBe(0);
    expect(jr.regularizers.jacobian({ bound: 2.5 }).bound).toBe(2.5);
  });
});
