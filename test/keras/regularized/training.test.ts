import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as jr from '../../../src';
import { describeEachBackend } from '../../helpers/backends';
import { init, meanDistance, regularizedMlp, rowSumDiagonalT, transposeT, zeroT, useRegressionData } from '../helpers';

/** The training data, made on the suite's backend. */
const useTrain = () => useRegressionData(256, 4, 4, 1);

describeEachBackend('model.fit with a whole-network Jacobian penalty', () => {
  const train = useTrain();
  const test = useRegressionData(64, 4, 4, 9);
  // Margin: the regularized model's mean ‖J − T‖₂ on held-out inputs is below 75% of the plain model's (same seed,
  // same data, 20 epochs). Measured: zero 0.52 vs 0.86, transpose 0.50 vs 0.90, rowSumDiagonal 0.52 vs 1.49.
  it.each([
    ['zero', zeroT],
    ['transpose', transposeT],
    ['rowSumDiagonal', rowSumDiagonalT],
  ] as const)('target %s: the distance to the target drops on held-out inputs', async (target, t) => {
    const fitModel = async (regs: jr.DerivativeRegularizer[]) => {
      const model = regularizedMlp(4, 16, 4, regs, 3);
      model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
      await model.fit(train.x, train.y, { epochs: 20, batchSize: 32, verbose: 0, shuffle: false });
      return model;
    };
    const plain = await fitModel([]);
    const regularized = await fitModel([jr.regularizers.jacobian({ weight: 0.1, target, iterations: 4, seed: 1 })]);
    const plainDistance = meanDistance(plain, test.x, t);
    const regularizedDistance = meanDistance(regularized, test.x, t);
    expect(regularizedDistance).toBeLessThan(0.75 * plainDistance);
  });
});

describeEachBackend('steps, logs and memory', () => {
  const train = useTrain();
  it('computes the penalty on exactly ⌈steps/k⌉ steps and logs the estimates in history', async () => {
    const reg = jr.regularizers.jacobian({ weight: 0.05, every: 4, iterations: 3 });
    const spy = jest.spyOn(reg, 'penalty');
    const model = regularizedMlp(4, 8, 4, [reg]);
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const x = tf.slice(train.x, 0, 80);
    const y = tf.slice(train.y, 0, 80);
    // 3 epochs × 5 batches = 15 steps, k = 4: steps 0, 4, 8, 12.
    const history = await model.fit(x, y, {
      epochs: 3,
      batchSize: 16,
      verbose: 0,
      callbacks: [jr.callbacks.regularization()],
    });
    expect(spy).toHaveBeenCalledTimes(Math.ceil(15 / 4));
    const wrapper = jr.findRegularized(model)[0];
    expect(wrapper.evaluations).toEqual([4]);
    const key = `${wrapper.name}_jacobian`;
    expect(history.history[`${key}_sigma`]).toHaveLength(3);
    expect(history.history[`${key}_penalty`]).toHaveLength(3);
    // Per sample the penalty is σ̂² (the Ritz value), so the logged mean penalty ≥ (mean σ̂)² (Jensen), and > 0.
    history.history[`${key}_sigma`].forEach((s, epoch) => {
      expect(s as number).toBeGreaterThan(0);
      expect(history.history[`${key}_penalty`][epoch] as number).toBeGreaterThanOrEqual(
        (s as number) ** 2 * (1 - 1e-6),
      );
    });
    tf.dispose([x, y]);
  });

  it('leaks no tensors over 200 training steps', async () => {
    const x = tf.slice(train.x, 0, 200);
    const y = tf.slice(train.y, 0, 200);
    const run = async (regs: jr.DerivativeRegularizer[], callbacks: tfl.Callback[]) => {
      const model = regularizedMlp(4, 8, 4, regs);
      model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
      const counts: number[] = [];
      const probe = new tfl.CustomCallback({ onBatchEnd: async () => void counts.push(tf.memory().numTensors) });
      const before = tf.memory().numTensors;
      await model.fit(x, y, { epochs: 4, batchSize: 4, verbose: 0, callbacks: [...callbacks, probe] });
      return { counts, growth: tf.memory().numTensors - before };
    };
    const plain = await run([], []);
    const regularized = await run(
      [jr.regularizers.jacobian({ weight: 0.05, iterations: 3, every: 2 })],
      [jr.callbacks.regularization()],
    );
    expect(regularized.counts).toHaveLength(200);
    // Within an epoch the count never moves (tfjs itself keeps one epoch-log scalar per epoch until the end of fit).
    for (let epoch = 0; epoch < 4; epoch++) {
      const steps = regularized.counts.slice(epoch * 50 + (epoch === 0 ? 1 : 0), (epoch + 1) * 50);
      expect(new Set(steps).size).toBe(1);
    }
    // Across the whole fit the regularized model holds exactly what a plain fit holds (its optimizer slots).
    expect(regularized.growth).toBe(plain.growth);
    tf.dispose([x, y]);
  });
});

describeEachBackend('non-finite data never reaches the weights', () => {
  const train = useTrain();
  const poisoned = () => {
    const x = tf.concat([tf.slice(train.x, 0, 16), tf.fill([16, 4], NaN), tf.slice(train.x, 32, 32)]);
    return { x, y: tf.slice(train.y, 0, 64) };
  };

  it('skips the NaN step, stops with a clear message, and the weights stay finite', async () => {
    const model = regularizedMlp(4, 8, 4, [jr.regularizers.jacobian({ weight: 0.05 })]);
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const { x, y } = poisoned();
    const callback = jr.callbacks.regularization();
    await model.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0, shuffle: false, callbacks: [callback] });
    expect(callback.skippedSteps).toBe(1);
    expect(callback.stopReason).toMatch(
      /training stopped at epoch 0, step 2: 1 step\(s\) had non-finite gradients and were skipped/,
    );
    model.getWeights().forEach((w) => expect(tf.all(tf.isFinite(w)).dataSync()[0]).toBe(1));
    // The same callback in a later fit on clean data starts afresh: no skipped step, no stop.
    await model.fit(tf.slice(train.x, 0, 32), tf.slice(train.y, 0, 32), {
      epochs: 1,
      batchSize: 16,
      verbose: 0,
      callbacks: [callback],
    });
    expect([callback.skippedSteps, callback.stopReason]).toEqual([0, null]);
    tf.dispose([x, y]);
  });

  it('with stopOnNonFinite false, training goes on past the bad batch', async () => {
    const model = regularizedMlp(4, 8, 4, [jr.regularizers.jacobian({ weight: 0.05 })]);
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const { x, y } = poisoned();
    const callback = jr.callbacks.regularization({ stopOnNonFinite: false });
    const before = model.getWeights().map((w) => w.clone());
    await model.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0, shuffle: false, callbacks: [callback] });
    expect(callback.skippedSteps).toBe(2); // the NaN batch, once per epoch
    const after = model.getWeights();
    after.forEach((w) => expect(tf.all(tf.isFinite(w)).dataSync()[0]).toBe(1));
    expect(after.some((w, i) => tf.max(tf.abs(tf.sub(w, before[i]))).dataSync()[0] > 0)).toBe(true);
    tf.dispose([x, y, ...before]);
  });
});

// cpu only: wasm sums in float32 and fit shuffles, so two plain wasm fits already differ (≤ 5e-7 relative).
describe('inference mode inside the penalty', () => {
  const train = useTrain();
  it('does not move BatchNormalization statistics: same moving mean/variance as without the penalty', async () => {
    const build = (wrapped: boolean) => {
      const bn = tfl.layers.batchNormalization({ momentum: 0.5 });
      const model = tfl.sequential();
      model.add(tfl.layers.dense({ inputShape: [4], units: 4, kernelInitializer: init(5) }));
      model.add(
        wrapped
          ? jr.layers.regularized({ layer: bn, regularizers: jr.regularizers.jacobian({ weight: 0.5, iterations: 4 }) })
          : bn,
      );
      model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
      return { model, bn };
    };
    const a = build(false);
    const b = build(true);
    const x = tf.slice(train.x, 0, 32);
    const y = tf.slice(train.y, 0, 32);
    await a.model.fit(x, y, { epochs: 1, batchSize: 32, verbose: 0 });
    await b.model.fit(x, y, { epochs: 1, batchSize: 32, verbose: 0 });
    const stats = (bn: tfl.layers.Layer) =>
      bn
        .getWeights()
        .slice(2)
        .map((w) => Array.from(w.dataSync()));
    expect(stats(b.bn)).toEqual(stats(a.bn));
    // …while the penalty did change the trainable γ, β.
    expect(Array.from(b.bn.getWeights()[0].dataSync())).not.toEqual(Array.from(a.bn.getWeights()[0].dataSync()));
    tf.dispose([x, y]);
  });
});

describeEachBackend('functional models and nesting', () => {
  const train = useTrain();
  it('works in a functional model, nested wrappers, and counts each penalty', async () => {
    const input = tfl.input({ shape: [4] });
    const innerReg = jr.regularizers.hessian({ weight: 0.01, iterations: 2 });
    const outerReg = jr.regularizers.jacobian({ weight: 0.01, iterations: 2 });
    const hidden = jr.layers
      .regularized({
        layer: jr.layers.regularized({
          layer: tfl.layers.dense({ units: 4, activation: 'softplus' }),
          regularizers: innerReg,
        }),
        regularizers: outerReg,
      })
      .apply(input) as tfl.SymbolicTensor;
    const output = tfl.layers.dense({ units: 4 }).apply(hidden) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: output });
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const x = tf.slice(train.x, 0, 32);
    const y = tf.slice(train.y, 0, 32);
    await model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
    const wrappers = jr.findRegularized(model);
    expect(wrappers.map((w) => w.evaluations)).toEqual([[4], [4]]);
    tf.dispose([x, y]);
  });
});
