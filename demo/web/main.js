/*
 * Browser demo of tfjs-jacobian-reg (plain script, no bundler): globals `tf` (tf.min.js), `jr` (the package's UMD
 * bundle), `Chart` (chart.umd.js) and `MNIST_SLICE` (data/mnist-slice.js, written by scripts/build-web.ts).
 *
 * Trains an MLP 784-32-10 (softplus logits, softmax) twice from the same initial weights — plain, and with the
 * logits wrapped in jr.layers.regularized({regularizers: jr.regularizers.jacobian(...)}) — then evaluates clean,
 * FGSM and PGD-k accuracy (ℓ∞, pixels in [0, 1]). σ_max of the logits' input-Jacobian is measured on a fixed probe of
 * test digits every few steps for both models with the same estimator (Lanczos, 10 steps).
 *
 * Attacks come from the package (jr.attacks), chart helpers from charts.js. For tests: window.__demo = {done, running, error, progress, results}.
 */
/* global tf, jr, Chart, MNIST_SLICE */
'use strict';

(function () {
  const DEFAULTS = {
    steps: 80, // optimizer steps per model (≈ 30 s for both models on the cpu backend)
    batch: 50,
    weight: 0.02, // penalty weight (σ² is penalized)
    iterations: 4, // Lanczos / power steps, or Hutchinson projections, per penalty
    method: 'lanczos',
    target: 'zero',
    seed: 1,
    hidden: 32,
    lr: 0.005, // Adam
    train: 1000, // digits used from the slice (at most what it holds)
    test: 200,
    probe: 32, // test digits of the σ measurement
    measureEvery: 5, // steps between σ measurements
    epsilon: 0.1,
    pgdSteps: 5,
    autostart: 0
  };
  const METHODS = ['lanczos', 'power', 'hutchinson'];
  const SQUARE_TARGETS = ['identity', 'transpose', 'rowSumDiagonal'];
  const COLORS = { plain: '#1f77b4', regularized: '#e6550d' };

  const demo = (window.__demo = { done: false, running: false, error: null, progress: '', results: null });
  const $ = (id) => document.getElementById(id);

  function setStatus(text, isError) {
    demo.progress = text;
    const el = $('status');
    el.textContent = text;
    el.classList.toggle('error', Boolean(isError));
  }

  // ---------- settings: URL query → form → config ----------

  function readQuery() {
    const query = new URLSearchParams(window.location.search);
    const config = Object.assign({}, DEFAULTS);
    for (const key of Object.keys(DEFAULTS)) {
      if (!query.has(key)) continue;
      const raw = query.get(key);
      config[key] = typeof DEFAULTS[key] === 'number' ? Number(raw) : raw;
    }
    return config;
  }

  const FORM_FIELDS = ['target', 'method', 'weight', 'iterations', 'steps', 'batch', 'seed'];

  function fillForm(config) {
    for (const key of FORM_FIELDS) $(key).value = String(config[key]);
  }

  function readForm(base) {
    const config = Object.assign({}, base);
    for (const key of FORM_FIELDS) {
      const value = $(key).value;
      config[key] = typeof DEFAULTS[key] === 'number' ? Number(value) : value;
    }
    return config;
  }

  /** Throws a readable message for settings the demo cannot run. */
  function validate(c) {
    const positiveInt = (key, max) => {
      if (!(Number.isInteger(c[key]) && c[key] >= 1 && (max == null || c[key] <= max))) {
        throw new Error(`${key} must be an integer from 1${max == null ? '' : ` to ${max}`}; got ${c[key]}.`);
      }
    };
    if (SQUARE_TARGETS.includes(c.target)) {
      throw new Error(`target '${c.target}' compares J with a square matrix, but the logits' Jacobian is 10 × 784: use 'zero'.`);
    }
    if (c.target !== 'zero') throw new Error(`target must be 'zero'; got '${c.target}'.`);
    if (!METHODS.includes(c.method)) throw new Error(`method must be one of ${METHODS.join(', ')}; got '${c.method}'.`);
    if (!(Number.isFinite(c.weight) && c.weight >= 0)) throw new Error(`weight must be a number ≥ 0; got ${c.weight}.`);
    positiveInt('iterations', 64);
    positiveInt('steps');
    positiveInt('batch');
    positiveInt('hidden');
    positiveInt('train', MNIST_SLICE.train.count);
    positiveInt('test', MNIST_SLICE.test.count);
    positiveInt('probe', c.test);
    positiveInt('measureEvery');
    positiveInt('pgdSteps');
    if (!Number.isInteger(c.seed)) throw new Error(`seed must be an integer; got ${c.seed}.`);
    if (!(c.lr > 0)) throw new Error(`lr must be > 0; got ${c.lr}.`);
    if (!(c.epsilon >= 0 && c.epsilon <= 1)) throw new Error(`epsilon must be in [0, 1]; got ${c.epsilon}.`);
  }

  // ---------- data ----------

  function decodeBase64(text) {
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  /** The first `count` digits of a set of the slice: x [count, 784] in [0, 1], y one-hot [count, 10]. */
  function loadSet(set, count) {
    const pixels = MNIST_SLICE.pixels;
    const images = decodeBase64(set.images).subarray(0, count * pixels);
    const labels = decodeBase64(set.labels).subarray(0, count);
    return tf.tidy(() => ({
      x: tf.div(tf.tensor2d(Float32Array.from(images), [count, pixels]), 255),
      y: tf.oneHot(tf.tensor1d(Int32Array.from(labels), 'int32'), 10)
    }));
  }

  // ---------- models ----------

  /** Softplus logits network; the same seed gives the same initial weights. */
  function logitsNet(c) {
    return tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [784], units: c.hidden, activation: 'softplus', kernelInitializer: tf.initializers.glorotUniform({ seed: c.seed }) }),
        tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed: c.seed + 1 }) })
      ]
    });
  }

  function classifier(net, c, regularized) {
    const first = regularized
      ? jr.layers.regularized({
          layer: net,
          inputShape: [784],
          regularizers: jr.regularizers.jacobian({ weight: c.weight, target: c.target, method: c.method, iterations: c.iterations, seed: c.seed })
        })
      : net;
    const model = tf.sequential({ layers: [first, tf.layers.activation({ activation: 'softmax' })] });
    model.compile({ optimizer: tf.train.adam(c.lr), loss: 'categoricalCrossentropy' });
    return model;
  }

  /** Mean over the probe of σ_max(∂logits/∂x), Lanczos with 10 steps; every tensor is disposed. */
  function measureSigma(net, x, seed) {
    return tf.tidy(() => {
      const estimate = jr.estimateSpectralNorm(jr.jacobianOperator((z) => net.apply(z), x), { method: 'lanczos', iterations: 10, seed });
      return tf.mean(estimate.sigma).dataSync()[0];
    });
  }

  // ---------- charts ----------

  const { lineChart, series, push } = window.demoCharts;
  const { fgsm, pgd, accuracy } = jr.attacks;
  let lossChart = null;
  let sigmaChart = null;

  function resetCharts(c) {
    if (lossChart) lossChart.destroy();
    if (sigmaChart) sigmaChart.destroy();
    lossChart = lineChart($('loss-chart'), 'loss', [
      series('plain: cross-entropy', COLORS.plain),
      series('regularized: total', COLORS.regularized),
      series('regularized: cross-entropy part', COLORS.regularized, { borderDash: [5, 4], borderWidth: 1.5 })
    ], true);
    const what = c.method === 'hutchinson' ? 'Frobenius estimate ≥ σ' : `${c.method}, ${c.iterations} steps`;
    sigmaChart = lineChart($('sigma-chart'), 'σmax(J)', [
      series('plain (probe)', COLORS.plain, { pointRadius: 3 }),
      series('regularized (probe)', COLORS.regularized, { pointRadius: 3 }),
      series(`regularized: training-batch estimate (${what})`, COLORS.regularized, { borderDash: [2, 3], borderWidth: 1 })
    ], false);
    lossChart.options.scales.x.max = c.steps;
    sigmaChart.options.scales.x.max = c.steps;
  }

  // ---------- training ----------

  /** Trains one arm with model.fit, charting live; returns the model, its logits network and the arm's record. */
  async function trainArm(name, c, data, probeX) {
    const regularized = name === 'regularized';
    const net = logitsNet(c);
    const model = classifier(net, c, regularized);
    const wrapper = regularized ? jr.findRegularized(model)[0] : null;
    const key = wrapper ? `${wrapper.key(0)}` : null;
    const arm = { loss: [], sigmaHistory: [], trainEstimates: [], steps: 0, trainSeconds: 0, skippedSteps: 0, stopReason: null };
    const sigmaIndex = regularized ? 1 : 0;
    const measure = (step) => {
      const sigma = measureSigma(net, probeX, c.seed + 1000);
      arm.sigmaHistory.push({ step, sigma });
      push(sigmaChart, sigmaIndex, step, sigma);
    };
    measure(0);
    sigmaChart.update('none');

    const stepsPerEpoch = Math.ceil(c.train / c.batch);
    const regularization = jr.callbacks.regularization();
    const started = performance.now();
    let step = 0;
    await model.fit(data.x, data.y, {
      epochs: Math.ceil(c.steps / stepsPerEpoch),
      batchSize: c.batch,
      shuffle: false, // the slice is already shuffled (seeded); keeps both arms on the same batches
      verbose: 0,
      callbacks: [
        regularization,
        new tf.CustomCallback({
          onBatchEnd: async (_batch, logs) => {
            step++;
            const loss = Number(logs.loss);
            arm.loss.push({ step, loss });
            if (regularized) {
              const sigma = wrapper.estimates[`${key}_sigma`];
              const penalty = wrapper.estimates[`${key}_penalty`];
              arm.trainEstimates.push({ step, sigma, penalty });
              push(lossChart, 1, step, loss);
              push(lossChart, 2, step, loss - c.weight * penalty);
              push(sigmaChart, 2, step, sigma);
            } else {
              push(lossChart, 0, step, loss);
            }
            if (step % c.measureEvery === 0 || step === c.steps) measure(step);
            if (step >= c.steps) model.stopTraining = true;
            lossChart.update('none');
            sigmaChart.update('none');
            setStatus(`Training ${name}: step ${step}/${c.steps}, loss ${loss.toFixed(3)}`);
            await tf.nextFrame();
          }
        })
      ]
    });
    arm.trainSeconds = (performance.now() - started) / 1000;
    arm.steps = step;
    arm.skippedSteps = regularization.skippedSteps;
    arm.stopReason = regularization.stopReason;
    if (step % c.measureEvery !== 0 && step !== c.steps) measure(step);
    return { model, net, arm };
  }

  function evaluate(name, model, arm, c, test) {
    setStatus(`Evaluating ${name}: clean, FGSM and PGD-${c.pgdSteps} at ε = ${c.epsilon}`);
    const started = performance.now();
    const result = {
      cleanAccuracy: accuracy(model, test.x, test.y),
      fgsmAccuracy: accuracy(model, test.x, test.y, { attack: (x, y) => fgsm(model, x, y, { epsilon: c.epsilon }) }),
      pgdAccuracy: accuracy(model, test.x, test.y, { attack: (x, y) => pgd(model, x, y, { epsilon: c.epsilon, steps: c.pgdSteps, seed: c.seed }) }),
      sigma: arm.sigmaHistory[arm.sigmaHistory.length - 1].sigma,
      initialSigma: arm.sigmaHistory[0].sigma
    };
    result.evalSeconds = (performance.now() - started) / 1000;
    return Object.assign({}, arm, result);
  }

  function renderTable(results, c) {
    $('fgsm-head').textContent = `FGSM acc. (ε = ${c.epsilon})`;
    $('pgd-head').textContent = `PGD-${c.pgdSteps} acc. (ε = ${c.epsilon})`;
    const pct = (v) => `${(100 * v).toFixed(1)} %`;
    const rows = [
      ['plain', results.plain],
      [`regularized (${c.method}, weight ${c.weight})`, results.regularized]
    ];
    const cells = [
      ['cleanAccuracy', pct, 1],
      ['fgsmAccuracy', pct, 1],
      ['pgdAccuracy', pct, 1],
      ['sigma', (v) => v.toFixed(2), -1],
      ['trainSeconds', (v) => `${v.toFixed(1)} s`, 0]
    ];
    const body = $('results').tBodies[0];
    body.innerHTML = '';
    for (const [label, r] of rows) {
      const tr = body.insertRow();
      tr.insertCell().textContent = label;
      for (const [field, format, better] of cells) {
        const td = tr.insertCell();
        td.textContent = format(r[field]);
        td.dataset.field = field;
        const other = r === results.plain ? results.regularized : results.plain;
        if (better !== 0 && better * (r[field] - other[field]) > 0) td.classList.add('better');
      }
    }
  }

  async function run() {
    if (demo.running) return;
    demo.running = true;
    demo.done = false;
    demo.error = null;
    demo.results = null;
    $('start').disabled = true;
    const tensors = [];
    try {
      const c = readForm(readQuery());
      validate(c);
      await tf.setBackend('cpu');
      await tf.ready();
      const train = loadSet(MNIST_SLICE.train, c.train);
      const test = loadSet(MNIST_SLICE.test, c.test);
      const probeX = tf.slice(test.x, 0, c.probe);
      tensors.push(train.x, train.y, test.x, test.y, probeX);
      const tensorsBefore = tf.memory().numTensors;
      resetCharts(c);
      $('results').tBodies[0].innerHTML = '<tr><td colspan="6">Running…</td></tr>';
      const started = performance.now();
      const results = { config: c, backend: tf.getBackend(), tfjsVersion: tf.version.tfjs };
      for (const name of ['plain', 'regularized']) {
        const { model, arm } = await trainArm(name, c, train, probeX);
        results[name] = evaluate(name, model, arm, c, test);
        model.optimizer.dispose();
        model.dispose();
        await tf.nextFrame();
      }
      results.totalSeconds = (performance.now() - started) / 1000;
      results.leakedTensors = tf.memory().numTensors - tensorsBefore;
      renderTable(results, c);
      demo.results = results;
      demo.done = true;
      const p = results.plain;
      const r = results.regularized;
      setStatus(
        `Done in ${results.totalSeconds.toFixed(1)} s: σmax ${p.sigma.toFixed(2)} → ${r.sigma.toFixed(2)}, ` +
          `PGD-${c.pgdSteps} accuracy ${(100 * p.pgdAccuracy).toFixed(1)} % → ${(100 * r.pgdAccuracy).toFixed(1)} %.`
      );
    } catch (e) {
      demo.error = e && e.message ? e.message : String(e);
      setStatus(`Error: ${demo.error}`, true);
      console.error(e);
    } finally {
      tf.dispose(tensors);
      demo.running = false;
      $('start').disabled = false;
    }
  }

  function init() {
    if (typeof tf === 'undefined' || typeof jr === 'undefined' || typeof Chart === 'undefined' || typeof MNIST_SLICE === 'undefined') {
      setStatus('Error: a script did not load (vendor/*.js or data/mnist-slice.js): build the page with scripts/build-web.ts.', true);
      demo.error = 'missing script';
      return;
    }
    const config = readQuery();
    fillForm(config);
    $('source').textContent = `Data: ${MNIST_SLICE.train.count} + ${MNIST_SLICE.test.count} digits from the ${MNIST_SLICE.source}. ` +
      `tfjs ${tf.version.tfjs}, Chart.js ${Chart.version}.`;
    $('start').addEventListener('click', run);
    setStatus('Ready: press Start.');
    if (config.autostart) run();
  }

  init();
})();
