import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as jr from '../../../src';
import { describeEachBackend } from '../../helpers/backends';
import { regularizedMlp, useRegressionData } from '../helpers';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'jr-'));

/** A model with every config feature: schedules, a snake_case-sensitive target, two regularizers. */
function featureModel() {
  return regularizedMlp(4, 8, 4, [
    jr.regularizers.jacobian({
      weight: { boundaries: [3], values: [0.05, 0.1] },
      target: 'rowSumDiagonal',
      iterations: 4,
      seed: 11,
    }),
    jr.regularizers.hessian({
      weight: 0.01,
      target: 'zero',
      method: 'power',
      iterations: { boundaries: [2], values: [2, 4] },
      scalar: 'mean',
      every: 2,
      seed: 5,
    }),
  ]);
}

describeEachBackend('save and load', () => {
  const data = useRegressionData(64, 4, 4, 3);

  it('restores the wrapper, the inner model and every regularizer config; same predictions and penalty', async () => {
    const model = featureModel();
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    await model.fit(data.x, data.y, { epochs: 1, batchSize: 16, verbose: 0 });
    const dir = tmp();
    await model.save(jr.io.fileSystem(dir));
    const loaded = await tfl.loadLayersModel(jr.io.fileSystem(dir));
    const [a, b] = [model, loaded].map((m) => jr.findRegularized(m)[0]);
    expect(b.getConfig()).toEqual(a.getConfig());
    expect(b.regularizers.map((r) => r.getConfig())).toEqual(a.regularizers.map((r) => r.getConfig()));
    expect(b.regularizers[0].target).toBe('rowSumDiagonal');
    const pa = model.predict(data.x) as tf.Tensor;
    const pb = loaded.predict(data.x) as tf.Tensor;
    expect(tf.max(tf.abs(tf.sub(pa, pb))).dataSync()[0]).toBe(0);
    const penalty = (w: jr.Regularized) =>
      tf.tidy(
        () =>
          w.regularizers[0]
            .penalty((z) => (w.layer.call(z, {}) as tf.Tensor[])[0], data.x, { epoch: 0, step: 0 })
            .penalty.dataSync()[0],
      );
    expect(penalty(b)).toBe(penalty(a));
    tf.dispose([pa, pb]);
  });

  it('resuming from the loaded model gives the same next-step loss as continuing the original', async () => {
    const model = featureModel();
    model.compile({ optimizer: tf.train.sgd(0.05), loss: 'meanSquaredError' });
    await model.fit(data.x, data.y, { epochs: 2, batchSize: 64, verbose: 0 });
    const dir = tmp();
    await model.save(`file://${dir}`); // the registered file:// router
    const loaded = await tfl.loadLayersModel(`file://${dir}/model.json`.replace('/model.json', ''));
    loaded.compile({ optimizer: tf.train.sgd(0.05), loss: 'meanSquaredError' });
    // One more step, then the loss of the step after it (computed after one update, penalties included).
    const next = async (m: tfl.LayersModel) =>
      (await m.fit(data.x, data.y, { epochs: 2, batchSize: 64, verbose: 0 })).history.loss[1] as number;
    const [continued, resumed] = [await next(model), await next(loaded)];
    expect(Math.abs(resumed - continued)).toBeLessThan(1e-5 * Math.abs(continued));
  });
});

describe('save and load: files, errors and metadata', () => {
  const data = useRegressionData(64, 4, 4, 3);

  it('the file handler refuses to overwrite unless asked', async () => {
    const model = regularizedMlp(4, 4, 4);
    const dir = tmp();
    await model.save(jr.io.fileSystem(dir));
    await expect(model.save(jr.io.fileSystem(dir))).rejects.toThrow(/model.json exists; pass \{overwrite: true\}/);
    await expect(model.save(jr.io.fileSystem(dir, { overwrite: true }))).resolves.toBeDefined();
  });

  it('loading without importing the package gives an error that names the package', async () => {
    const model = featureModel();
    const dir = tmp();
    await model.save(jr.io.fileSystem(dir));
    const script = `
      require('@tensorflow/tfjs-backend-cpu');
      const tfl = require('@tensorflow/tfjs-layers');
      const tf = require('@tensorflow/tfjs-core');
      const json = JSON.parse(require('fs').readFileSync(process.argv[1] + '/model.json', 'utf8'));
      tfl.loadLayersModel(tf.io.fromMemory(json.modelTopology)).then(() => console.log('LOADED'), (e) => console.log(e.message));`;
    const out = execFileSync(process.execPath, ['-e', script, dir], {
      cwd: path.resolve(__dirname, '../../..'),
      encoding: 'utf8',
    });
    expect(out).toMatch(/Unknown layer: tfjs-jacobian-reg>Regularized/);
  });

  it("the callback's config round-trips through the model's user-defined metadata", async () => {
    const model = regularizedMlp(4, 4, 4);
    const callback = jr.callbacks.regularization({
      regularizer: jr.regularizers.hessian({ scalar: 'loss', weight: 0.3, target: 'rowSumDiagonal', every: 5 }),
      data: { x: data.x, y: data.y },
      batchSize: 8,
      seed: 4,
    });
    model.setUserDefinedMetadata({ tfjsJacobianReg: callback.getConfig() } as never);
    const dir = tmp();
    await model.save(jr.io.fileSystem(dir));
    const loaded = await tfl.loadLayersModel(jr.io.fileSystem(dir));
    const meta = loaded.getUserDefinedMetadata() as { tfjsJacobianReg: jr.RegularizationCallbackConfig };
    const restored = jr.RegularizationCallback.fromConfig(meta.tfjsJacobianReg, { data: { x: data.x, y: data.y } });
    expect(restored.getConfig()).toEqual(callback.getConfig());
  });
});
