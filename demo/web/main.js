/*
 * Browser demo of tfjs-jacobian-reg (plain script, no bundler): globals `tf` (tf.min.js: webgl and cpu backends),
 * `tf.wasm` (tf-backend-wasm.min.js), `jr` (the package's UMD bundle), `Chart` (chart.umd.js) and `MNIST_SLICE`
 * (data/mnist-slice.js, written by scripts/build-web.ts).
 *
 * Trains an MLP 784-32-10 (softplus logits, softmax) twice from the same initial weights — plain, and with the
 * logits wrapped in jr.layers.regularized({regularizers: jr.regularizers.jacobian(...)}) — then evaluates clean,
 * FGSM and PGD-k accuracy (ℓ∞, pixels in [0, 1]) and the robust accuracy of jr.attacks.evaluate (APGD-CE, APGD-DLR,
 * Square), whose adversarial digits are drawn next to the clean ones. σ_max of the logits' input-Jacobian is measured
 * on a fixed probe of test digits every few steps for both models with the same estimator (Lanczos, 10 steps).
 *
 * Backend: `?backend=` or the form (default webgl); one that does not start falls back to the next of webgl → wasm →
 * cpu, and the page says why. The training loop reads nothing synchronously: the loss comes from the logs (resolved
 * with an async read by tf.CustomCallback), σ on the probe every `measureEvery` steps with `await data()`.
 *
 * Attacks come from the package (jr.attacks), chart helpers from charts.js. For tests: window.__demo = {done, running, error, progress, results}.
 */
/* global Chart, MNIST_SLICE */
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
    attackSteps: 10, // APGD steps of jr.attacks.evaluate
    queries: 100, // Square Attack queries of jr.attacks.evaluate
    grid: 10, // test digits drawn clean and adversarial
    backend: 'webgl',
    autostart: 0,
  };
  const METHODS = ['lanczos', 'power', 'hutchinson'];
  /** Backends in fallback order: one that fails to start hands over to the next. */
  const BACKENDS = ['webgl', 'wasm', 'cpu'];
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

  const FORM_FIELDS = ['target', 'method', 'weight', 'iterations', 'steps', 'batch', 'seed', 'backend'];

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
      throw new Error(
        `target '${c.target}' compares J with a square matrix, but the logits' Jacobian is 10 × 784: use 'zero'.`,
      );
    }
    if (c.target !== 'zero') throw new Error(`target must be 'zero'; got '${c.target}'.`);
    if (!BACKENDS.includes(c.backend))
      throw new Error(`backend must be one of ${BACKENDS.join(', ')}; got '${c.backend}'.`);
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
    positiveInt('attackSteps');
    positiveInt('queries');
    positiveInt('grid', c.test);
    if (!Number.isInteger(c.seed)) throw new Error(`seed must be an integer; got ${c.seed}.`);
    if (!(c.lr > 0)) throw new Error(`lr must be > 0; got ${c.lr}.`);
    if (!(c.epsilon >= 0 && c.epsilon <= 1)) throw new Error(`epsilon must be in [0, 1]; got ${c.epsilon}.`);
  }

  // ---------- backend ----------

  /** Why `name` cannot start on this page before trying it, or null. */
  function precheck(name) {
    if (tf.findBackendFactory(name) == null) {
      return name === 'wasm' ? 'vendor/tf-backend-wasm.min.js did not load' : `this tfjs build has no ${name} backend`;
    }
    if (name === 'wasm' && window.location.protocol === 'file:')
      return 'wasm needs the page served over http (npm run demo:web)';
    if (name === 'webgl') {
      const canvas = document.createElement('canvas');
      if (!(canvas.getContext('webgl2') || canvas.getContext('webgl')))
        return 'the browser gives no WebGL context (WebGL off, or no GPU and no software fallback)';
    }
    return null;
  }

  /** A small product read back and compared with its value: catches a backend that starts but computes garbage. */
  async function smokeTest() {
    const t = tf.tidy(() => tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([1, 1, 1, 1], [2, 2])));
    const v = await t.data();
    t.dispose();
    const expected = [3, 3, 7, 7];
    if (!expected.every((e, i) => Math.abs(v[i] - e) < 1e-3))
      throw new Error(`a 2 × 2 product gave [${Array.from(v).join(', ')}], expected [3, 3, 7, 7]`);
  }

  /**
   * Starts `wanted`, else the next of BACKENDS that starts. Returns {name, requested, note}: note says why the
   * backends before `name` were passed over (null when `wanted` runs).
   */
  async function startBackend(wanted) {
    const reasons = [];
    for (const name of BACKENDS.slice(BACKENDS.indexOf(wanted))) {
      let why = precheck(name);
      if (why == null) {
        try {
          // Shapes as uniforms: one compiled shader per op serves every shape (the attacks run on shrinking subsets),
          // instead of one per shape; shader compilation dominates short runs, most on a software GPU.
          if (name === 'webgl') tf.env().set('WEBGL_USE_SHAPES_UNIFORMS', true);
          if (!(await tf.setBackend(name))) why = 'it failed to initialize (see the console warning)';
          else await smokeTest();
        } catch (e) {
          why = e && e.message ? e.message : String(e);
        }
      }
      if (why == null) {
        return { name, requested: wanted, note: reasons.length ? `fell back: ${reasons.join('; ')}` : null };
      }
      reasons.push(`${name}: ${why}`);
    }
    throw new Error(`no backend started (${reasons.join('; ')}).`);
  }

  /** Facts about the running backend for the page and the results. */
  async function backendFacts(name) {
    if (name === 'webgl') {
      const gl = tf.backend().gpgpu && tf.backend().gpgpu.gl;
      const info = gl && gl.getExtension('WEBGL_debug_renderer_info');
      return {
        webglVersion: tf.env().getNumber('WEBGL_VERSION'),
        float32: tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED'),
        renderer: info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : null,
      };
    }
    if (name === 'wasm')
      return {
        simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
        threads: await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'),
      };
    return {};
  }

  function showBackend(started, facts) {
    const detail =
      started.name === 'webgl'
        ? `WebGL ${facts.webglVersion}${facts.renderer ? `, ${facts.renderer}` : ''}${facts.float32 ? '' : ', float16 textures'}`
        : started.name === 'wasm'
          ? `SIMD ${facts.simd ? 'on' : 'off'}, threads ${facts.threads ? 'on' : 'off'}`
          : 'plain JavaScript';
    const el = $('backend-status');
    el.textContent = `Backend: ${started.name} (${detail})${started.note ? ` — requested ${started.requested}, ${started.note}` : ''}.`;
    el.classList.toggle('fallback', started.note != null);
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
      y: tf.oneHot(tf.tensor1d(Int32Array.from(labels), 'int32'), 10),
    }));
  }

  // ---------- models ----------

  /** Softplus logits network; the same seed gives the same initial weights. */
  function logitsNet(c) {
    return tf.sequential({
      layers: [
        tf.layers.dense({
          inputShape: [784],
          units: c.hidden,
          activation: 'softplus',
          kernelInitializer: tf.initializers.glorotUniform({ seed: c.seed }),
        }),
        tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed: c.seed + 1 }) }),
      ],
    });
  }

  function classifier(net, c, regularized) {
    const first = regularized
      ? jr.layers.regularized({
          layer: net,
          inputShape: [784],
          regularizers: jr.regularizers.jacobian({
            weight: c.weight,
            target: c.target,
            method: c.method,
            iterations: c.iterations,
            seed: c.seed,
          }),
        })
      : net;
    const model = tf.sequential({ layers: [first, tf.layers.activation({ activation: 'softmax' })] });
    model.compile({ optimizer: tf.train.adam(c.lr), loss: 'categoricalCrossentropy' });
    return model;
  }

  /** Mean over the probe of σ_max(∂logits/∂x), Lanczos with 10 steps, read back asynchronously. */
  async function measureSigma(net, x, seed) {
    const mean = tf.tidy(() =>
      tf.mean(
        jr.estimateSpectralNorm(
          jr.jacobianOperator((z) => net.apply(z), x),
          { method: 'lanczos', iterations: 10, seed },
        ).sigma,
      ),
    );
    try {
      return (await mean.data())[0];
    } finally {
      mean.dispose();
    }
  }

  // ---------- charts ----------

  const { lineChart, series, push } = window.demoCharts;
  const { fgsm, pgd, accuracy } = jr.attacks;
  let lossChart = null;
  let sigmaChart = null;

  function resetCharts(c) {
    if (lossChart) lossChart.destroy();
    if (sigmaChart) sigmaChart.destroy();
    lossChart = lineChart(
      $('loss-chart'),
      'loss',
      [
        series('plain: cross-entropy', COLORS.plain),
        series('regularized: total', COLORS.regularized),
        series('regularized: cross-entropy part', COLORS.regularized, { borderDash: [5, 4], borderWidth: 1.5 }),
      ],
      true,
    );
    const what = c.method === 'hutchinson' ? 'Frobenius estimate ≥ σ' : `${c.method}, ${c.iterations} steps`;
    sigmaChart = lineChart(
      $('sigma-chart'),
      'σmax(J)',
      [
        series('plain (probe)', COLORS.plain, { pointRadius: 3 }),
        series('regularized (probe)', COLORS.regularized, { pointRadius: 3 }),
        series(`regularized: training-batch estimate (${what})`, COLORS.regularized, {
          borderDash: [2, 3],
          borderWidth: 1,
        }),
      ],
      false,
    );
    lossChart.options.scales.x.max = c.steps;
    sigmaChart.options.scales.x.max = c.steps;
  }

  // ---------- training ----------

  let chartsDrawn = 0;
  /** Redraws the charts at most every 250 ms (or now, with `force`): drawing every step would cost more than the step. */
  function drawCharts(force) {
    const now = performance.now();
    if (!force && now - chartsDrawn < 250) return;
    chartsDrawn = now;
    lossChart.update('none');
    sigmaChart.update('none');
  }

  /** Median, mean and first of the step times in ms; the first step (shader compilation, warm-up) is left out of the others. */
  function stepStats(ms) {
    const rest = ms.slice(1).sort((a, b) => a - b);
    const median = rest.length
      ? rest.length % 2
        ? rest[(rest.length - 1) / 2]
        : (rest[rest.length / 2 - 1] + rest[rest.length / 2]) / 2
      : ms[0];
    const mean = rest.length ? rest.reduce((sum, v) => sum + v, 0) / rest.length : ms[0];
    return { median, mean, first: ms[0] };
  }

  /**
   * Trains one arm with model.fit, charting live; returns the model, its logits network and the arm's record.
   * A step's time runs from onBatchBegin to onBatchEnd, whose logs tf.CustomCallback has already read back (async),
   * so it covers the whole step on the device; the σ measurements and chart updates fall outside it.
   */
  async function trainArm(name, c, data, probeX) {
    const regularized = name === 'regularized';
    const net = logitsNet(c);
    const model = classifier(net, c, regularized);
    const wrapper = regularized ? jr.findRegularized(model)[0] : null;
    const key = wrapper ? `${wrapper.key(0)}` : null;
    const arm = {
      loss: [],
      sigmaHistory: [],
      trainEstimates: [],
      stepMs: [],
      steps: 0,
      trainSeconds: 0,
      skippedSteps: 0,
      stopReason: null,
    };
    const sigmaIndex = regularized ? 1 : 0;
    const measure = async (step) => {
      const sigma = await measureSigma(net, probeX, c.seed + 1000);
      arm.sigmaHistory.push({ step, sigma });
      push(sigmaChart, sigmaIndex, step, sigma);
    };
    await measure(0);
    drawCharts(true);

    const stepsPerEpoch = Math.ceil(c.train / c.batch);
    const regularization = jr.callbacks.regularization();
    const started = performance.now();
    let step = 0;
    let stepStarted = 0;
    await model.fit(data.x, data.y, {
      epochs: Math.ceil(c.steps / stepsPerEpoch),
      batchSize: c.batch,
      shuffle: false, // the slice is already shuffled (seeded); keeps both arms on the same batches
      verbose: 0,
      callbacks: [
        regularization,
        new tf.CustomCallback({
          onBatchBegin: async () => {
            stepStarted = performance.now();
          },
          onBatchEnd: async (_batch, logs) => {
            arm.stepMs.push(performance.now() - stepStarted);
            step++;
            const loss = Number(logs.loss);
            arm.loss.push({ step, loss });
            if (regularized) {
              // The regularization callback (earlier in the list) has read them after the step, asynchronously.
              const sigma = Number(logs[`${key}_sigma`]);
              const penalty = Number(logs[`${key}_penalty`]);
              arm.trainEstimates.push({ step, sigma, penalty });
              push(lossChart, 1, step, loss);
              push(lossChart, 2, step, loss - c.weight * penalty);
              push(sigmaChart, 2, step, sigma);
            } else {
              push(lossChart, 0, step, loss);
            }
            if (step % c.measureEvery === 0 || step === c.steps) await measure(step);
            if (step >= c.steps) model.stopTraining = true;
            drawCharts(false);
            setStatus(`Training ${name} on ${tf.getBackend()}: step ${step}/${c.steps}, loss ${loss.toFixed(3)}`);
          },
        }),
      ],
    });
    arm.trainSeconds = (performance.now() - started) / 1000;
    arm.steps = step;
    arm.skippedSteps = regularization.skippedSteps;
    arm.stopReason = regularization.stopReason;
    arm.stepTime = stepStats(arm.stepMs);
    arm.stepMedianMs = arm.stepTime.median;
    if (step % c.measureEvery !== 0 && step !== c.steps) await measure(step);
    drawCharts(true);
    return { model, net, arm };
  }

  /**
   * The first `count` test digits, clean and at evaluate()'s adversarial point: pixels, labels, the model's
   * predictions on both, and the ℓ∞ distance between them (≤ ε).
   */
  async function gridOf(model, test, adversarial, count) {
    const parts = tf.tidy(() => {
      const clean = tf.slice(test.x, 0, count);
      const adv = tf.slice(adversarial, 0, count);
      const predict = (x) => tf.argMax(model.predict(x), 1);
      return [
        clean,
        adv,
        tf.argMax(tf.slice(test.y, 0, count), 1),
        predict(clean),
        predict(adv),
        tf.max(tf.abs(tf.sub(adv, clean)), 1),
      ];
    });
    try {
      const [clean, adv, labels, cleanPred, advPred, distance] = await Promise.all(parts.map((t) => t.data()));
      return Array.from(labels, (label, i) => ({
        label,
        cleanPred: cleanPred[i],
        advPred: advPred[i],
        distance: distance[i],
        clean: clean.subarray(784 * i, 784 * (i + 1)),
        adversarial: adv.subarray(784 * i, 784 * (i + 1)),
      }));
    } finally {
      tf.dispose(parts);
    }
  }

  async function evaluate(name, model, arm, c, test) {
    setStatus(`Evaluating ${name}: clean, FGSM, PGD-${c.pgdSteps} and APGD-CE/DLR + Square at ε = ${c.epsilon}`);
    const started = performance.now();
    const result = {
      cleanAccuracy: accuracy(model, test.x, test.y),
      fgsmAccuracy: accuracy(model, test.x, test.y, { attack: (x, y) => fgsm(model, x, y, { epsilon: c.epsilon }) }),
      pgdAccuracy: accuracy(model, test.x, test.y, {
        attack: (x, y) => pgd(model, x, y, { epsilon: c.epsilon, steps: c.pgdSteps, seed: c.seed }),
      }),
      sigma: arm.sigmaHistory[arm.sigmaHistory.length - 1].sigma,
      initialSigma: arm.sigmaHistory[0].sigma,
    };
    const strong = await jr.attacks.evaluate(model, test.x, test.y, {
      norm: 'linf',
      epsilon: c.epsilon,
      steps: c.attackSteps,
      queries: c.queries,
      seed: c.seed,
    });
    try {
      result.robustAccuracy = strong.robustAccuracy;
      result.perAttack = strong.perAttack;
      result.robust = strong.robust.slice(0, c.grid);
      result.margins = Array.from(strong.margins.subarray(0, c.grid));
      result.grid = await gridOf(model, test, strong.adversarial, c.grid);
    } finally {
      strong.adversarial.dispose();
    }
    result.evalSeconds = (performance.now() - started) / 1000;
    return Object.assign({}, arm, result);
  }

  // ---------- results ----------

  /** A 28 × 28 grey digit (p ∈ [0, 1], white on black) on a canvas. */
  function digitCanvas(pixels, title) {
    const canvas = document.createElement('canvas');
    canvas.width = 28;
    canvas.height = 28;
    canvas.title = title;
    const ctx = canvas.getContext('2d');
    const image = ctx.createImageData(28, 28);
    for (let i = 0; i < 784; i++) {
      const v = Math.round(255 * Math.min(1, Math.max(0, pixels[i])));
      image.data.set([v, v, v, 255], 4 * i);
    }
    ctx.putImageData(image, 0, 0);
    return canvas;
  }

  /** Rows: the clean digits with their labels, then per model its adversarial digits with clean → adversarial predictions. */
  function renderGrid(results, c) {
    $('grid-caption').textContent =
      `The first ${c.grid} test digits, and the lowest-margin point jr.attacks.evaluate found for each within ` +
      `‖δ‖∞ ≤ ${c.epsilon} (APGD-CE, APGD-DLR: ${c.attackSteps} steps; Square: ${c.queries} queries). ` +
      'Under each adversarial digit: the prediction on the clean digit → on the adversarial one (red: wrong).';
    const body = $('adv-grid').tBodies[0];
    body.innerHTML = '';
    const cleanRow = body.insertRow();
    cleanRow.insertCell().textContent = 'clean (label)';
    for (const cell of results.plain.grid) {
      const td = cleanRow.insertCell();
      td.append(digitCanvas(cell.clean, `label ${cell.label}`), document.createElement('br'), String(cell.label));
    }
    for (const name of ['plain', 'regularized']) {
      const row = body.insertRow();
      row.dataset.arm = name;
      row.insertCell().textContent = `${name}: adversarial`;
      for (const cell of results[name].grid) {
        const td = row.insertCell();
        const caption = document.createElement('span');
        caption.textContent = `${cell.cleanPred} → ${cell.advPred}`;
        caption.className = cell.advPred === cell.label ? 'right' : 'wrong';
        td.append(
          digitCanvas(cell.adversarial, `‖δ‖∞ = ${cell.distance.toFixed(3)}`),
          document.createElement('br'),
          caption,
        );
      }
    }
  }

  function renderTable(results, c) {
    $('fgsm-head').textContent = `FGSM acc. (ε = ${c.epsilon})`;
    $('pgd-head').textContent = `PGD-${c.pgdSteps} acc. (ε = ${c.epsilon})`;
    $('robust-head').textContent = `robust acc. (evaluate, ε = ${c.epsilon})`;
    const pct = (v) => `${(100 * v).toFixed(1)} %`;
    const rows = [
      ['plain', results.plain],
      [`regularized (${c.method}, weight ${c.weight})`, results.regularized],
    ];
    const cells = [
      ['cleanAccuracy', pct, 1],
      ['fgsmAccuracy', pct, 1],
      ['pgdAccuracy', pct, 1],
      ['robustAccuracy', pct, 1],
      ['sigma', (v) => v.toFixed(2), -1],
      ['stepMedianMs', (v) => `${v.toFixed(1)} ms`, 0],
      ['trainSeconds', (v) => `${v.toFixed(1)} s`, 0],
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
      const backend = await startBackend(c.backend);
      const facts = await backendFacts(backend.name);
      showBackend(backend, facts);
      const train = loadSet(MNIST_SLICE.train, c.train);
      const test = loadSet(MNIST_SLICE.test, c.test);
      const probeX = tf.slice(test.x, 0, c.probe);
      tensors.push(train.x, train.y, test.x, test.y, probeX);
      const tensorsBefore = tf.memory().numTensors;
      resetCharts(c);
      $('results').tBodies[0].innerHTML = '<tr><td colspan="8">Running…</td></tr>';
      $('adv-grid').tBodies[0].innerHTML = '';
      const started = performance.now();
      const results = {
        config: c,
        backend: tf.getBackend(),
        backendRequested: backend.requested,
        backendNote: backend.note,
        backendFacts: facts,
        tfjsVersion: tf.version.tfjs,
      };
      for (const name of ['plain', 'regularized']) {
        const { model, arm } = await trainArm(name, c, train, probeX);
        results[name] = await evaluate(name, model, arm, c, test);
        model.optimizer.dispose();
        model.dispose();
        await tf.nextFrame();
      }
      results.totalSeconds = (performance.now() - started) / 1000;
      results.leakedTensors = tf.memory().numTensors - tensorsBefore;
      renderTable(results, c);
      renderGrid(results, c);
      demo.results = results;
      demo.done = true;
      const p = results.plain;
      const r = results.regularized;
      setStatus(
        `Done on ${results.backend} in ${results.totalSeconds.toFixed(1)} s: σmax ${p.sigma.toFixed(2)} → ${r.sigma.toFixed(2)}, ` +
          `robust accuracy ${(100 * p.robustAccuracy).toFixed(1)} % → ${(100 * r.robustAccuracy).toFixed(1)} %, ` +
          `${p.stepTime.median.toFixed(1)} → ${r.stepTime.median.toFixed(1)} ms per training step.`,
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
    if (
      typeof tf === 'undefined' ||
      typeof jr === 'undefined' ||
      typeof Chart === 'undefined' ||
      typeof MNIST_SLICE === 'undefined'
    ) {
      setStatus(
        'Error: a script did not load (vendor/*.js or data/mnist-slice.js): build the page with scripts/build-web.ts.',
        true,
      );
      demo.error = 'missing script';
      return;
    }
    const config = readQuery();
    fillForm(config);
    $('source').textContent =
      `Data: ${MNIST_SLICE.train.count} + ${MNIST_SLICE.test.count} digits from the ${MNIST_SLICE.source}. ` +
      `tfjs ${tf.version.tfjs}, Chart.js ${Chart.version}.`;
    if (typeof tf.wasm !== 'undefined') {
      // The .wasm files sit next to the script in vendor/; the package then adds and wraps its wasm kernels (the
      // backend script registered its own, so this must run after it loaded).
      tf.wasm.setWasmPaths(new URL('vendor/', window.location.href).href);
      jr.register();
    }
    $('backend-status').textContent =
      `Backend: ${config.backend} requested (falls back to ${BACKENDS.slice(BACKENDS.indexOf(config.backend) + 1).join(', then ') || 'nothing'}).`;
    $('start').addEventListener('click', run);
    setStatus('Ready: press Start.');
    if (config.autostart) run();
  }

  init();
})();
