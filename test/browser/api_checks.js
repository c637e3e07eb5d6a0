/**
 * API checks for the browser backends, each against an independent oracle:
 *   products   jr.vjp / jvp / hvp and jr.dense(jacobianOperator) of a tanh MLP f(x) = tanh(x K₁ + b₁) K₂ + b₂ vs its
 *              closed-form Jacobian J[c][d] = Σⱼ K₂[j][c] (1 − tⱼ²) K₁[d][j] and the Hessian of g = Σ_c w_c f_c,
 *              H[d][e] = Σⱼ (Σ_c w_c K₂[j][c]) (−2 tⱼ (1 − tⱼ²)) K₁[d][j] K₁[e][j] (float64 JS);
 *   lanczos    jr.estimateSpectralNorm(…, {method: 'lanczos', iterations: 3}) on the 3 × 4 Jacobian vs σ_max from a
 *              Jacobi eigen-solve of J Jᵀ (3 Lanczos steps span the whole output space);
 *   training   the wrapper + callback for 3 steps: loss and σ history vs the cpu backend's;
 *   save/load  indexeddb:// and localstorage:// round trips: predictions bit-identical, regularizer config kept;
 *   attacks    jr.attacks.evaluate (ℓ∞) on a linear 4-class model with samples at (1 ± 2 %)·ε from the boundary:
 *              robust exactly where the closed-form distance exceeds ε, margins at the closed-form ball minimum.
 * Exposes window.jrApiChecks = [{name, run(backend, reference) → [{name, pass, ...numbers}]}].
 */
(function () {
  'use strict';
  const { relError, spectralNorm, stream } = window.jrOracles;
  const D = 4;
  const HID = 5;
  const C = 3;

  function matrix(rows, cols, r, scale) {
    return Array.from({ length: rows }, () => Array.from({ length: cols }, () => scale * (2 * r() - 1)));
  }

  /** The MLP with explicit weights, and its closed-form Jacobian / Hessian per sample (float64). */
  function mlp() {
    const r = stream(7);
    const K1 = matrix(D, HID, r, 0.9);
    const b1 = matrix(1, HID, r, 0.3)[0];
    const K2 = matrix(HID, C, r, 0.9);
    const b2 = matrix(1, C, r, 0.3)[0];
    const xs = matrix(2, D, r, 1.2);
    const model = tf.sequential({
      layers: [
        tf.layers.dense({
          inputShape: [D],
          units: HID,
          activation: 'tanh',
          weights: [tf.tensor2d(K1), tf.tensor1d(b1)],
        }),
        tf.layers.dense({ units: C, weights: [tf.tensor2d(K2), tf.tensor1d(b2)] }),
      ],
    });
    const hidden = (x) => K1[0].map((_, j) => Math.tanh(x.reduce((s, v, d) => s + v * K1[d][j], b1[j])));
    const jacobian = (x) => {
      const t = hidden(x);
      return Array.from({ length: C }, (_, c) =>
        Array.from({ length: D }, (_, d) => t.reduce((s, tj, j) => s + K2[j][c] * (1 - tj * tj) * K1[d][j], 0)),
      );
    };
    const hessian = (x, w) => {
      const t = hidden(x);
      return Array.from({ length: D }, (_, d) =>
        Array.from({ length: D }, (_, e) =>
          t.reduce(
            (s, tj, j) =>
              s + K2[j].reduce((a, k2, c) => a + w[c] * k2, 0) * (-2 * tj * (1 - tj * tj)) * K1[d][j] * K1[e][j],
            0,
          ),
        ),
      );
    };
    return { model, xs, jacobian, hessian };
  }

  const matVec = (m, v) => m.map((row) => row.reduce((s, a, i) => s + a * v[i], 0));
  const vecMat = (u, m) => m[0].map((_, j) => m.reduce((s, row, i) => s + u[i] * row[j], 0));
  const flat = (rows) => rows.flat(Infinity);

  function products() {
    const { model, xs, jacobian, hessian } = mlp();
    const r = stream(9);
    const u = matrix(2, C, r, 1);
    const v = matrix(2, D, r, 1);
    const w = matrix(1, C, r, 1)[0];
    const f = (z) => model.apply(z);
    const g = (z) => tf.sum(tf.mul(model.apply(z), tf.tensor1d(w)), 1);
    const got = tf.tidy(() => {
      const x = tf.tensor2d(xs);
      return {
        vjp: jr.vjp(f, x, tf.tensor2d(u)).arraySync(),
        jvp: jr.jvp(f, x, tf.tensor2d(v)).arraySync(),
        hvp: jr.hvp(g, x, tf.tensor2d(v)).arraySync(),
        dense: jr.dense(jr.jacobianOperator(f, x)).arraySync(),
      };
    });
    const expected = {
      vjp: xs.map((x, b) => vecMat(u[b], jacobian(x))),
      jvp: xs.map((x, b) => matVec(jacobian(x), v[b])),
      hvp: xs.map((x, b) => matVec(hessian(x, w), v[b])),
      dense: xs.map((x) => jacobian(x)),
    };
    model.dispose();
    return Object.keys(expected).map((k) => {
      const error = relError(flat(got[k]), flat(expected[k]));
      return { name: `jr.${k} vs closed form`, error, tol: 1e-4, pass: error < 1e-4 };
    });
  }

  function lanczos() {
    const { model, xs, jacobian } = mlp();
    const sigma = tf.tidy(() => {
      const op = jr.jacobianOperator((z) => model.apply(z), tf.tensor2d(xs));
      return Array.from(jr.estimateSpectralNorm(op, { method: 'lanczos', iterations: 3, seed: 1 }).sigma.dataSync());
    });
    const exact = xs.map((x) => spectralNorm(jacobian(x)));
    model.dispose();
    const error = relError(sigma, exact);
    return [
      { name: 'Lanczos σ_max (3 steps) vs Jacobi eigen-solve', sigma, exact, error, tol: 1e-4, pass: error < 1e-4 },
    ];
  }

  /** The regularized wrapper trained for 3 steps with the callback (full batch, no shuffling). */
  async function trainWrapper() {
    const model = tf.sequential({
      layers: [
        jr.layers.regularized({
          layer: tf.layers.dense({
            units: 3,
            activation: 'tanh',
            kernelInitializer: tf.initializers.randomNormal({ stddev: 0.6, seed: 1 }),
            biasInitializer: tf.initializers.randomNormal({ stddev: 0.3, seed: 2 }),
          }),
          inputShape: [D],
          regularizers: jr.regularizers.jacobian({ weight: 0.1, iterations: 2, seed: 3 }),
        }),
        tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.randomNormal({ stddev: 0.6, seed: 4 }) }),
      ],
    });
    model.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
    const x = tf.randomNormal([8, D], 0, 1, 'float32', 5);
    const y = tf.randomNormal([8, 2], 0, 1, 'float32', 6);
    const callback = jr.callbacks.regularization();
    const history = await model.fit(x, y, {
      epochs: 3,
      batchSize: 8,
      shuffle: false,
      verbose: 0,
      callbacks: [callback],
    });
    const key = (suffix) => Object.keys(history.history).find((k) => k.endsWith(suffix));
    const series = (suffix) => (key(suffix) ? history.history[key(suffix)].map(Number) : []);
    tf.dispose([x, y]);
    return {
      model,
      loss: series('loss'),
      sigma: series('_jacobian_sigma'),
      penalty: series('_jacobian_penalty'),
      stopReason: callback.stopReason,
    };
  }

  async function training(backend, reference) {
    const run = await trainWrapper();
    const out = [];
    const finite =
      run.loss.length === 3 &&
      run.sigma.length === 3 &&
      [...run.loss, ...run.sigma, ...run.penalty].every(Number.isFinite);
    out.push({
      name: 'wrapper + callback: 3 steps, finite loss / σ / penalty logged',
      loss: run.loss,
      sigma: run.sigma,
      penalty: run.penalty,
      stopReason: run.stopReason,
      pass: finite && run.stopReason == null,
    });
    if (backend === 'cpu') {
      reference.training = run;
    } else if (reference.training) {
      const error = Math.max(
        relError(run.loss, reference.training.loss),
        relError(run.sigma, reference.training.sigma),
      );
      out.push({
        name: 'wrapper + callback: loss and σ history vs cpu',
        error,
        tol: 1e-3,
        cpuLoss: reference.training.loss,
        cpuSigma: reference.training.sigma,
        pass: error < 1e-3,
      });
    }
    for (const scheme of ['indexeddb', 'localstorage']) out.push(await saveLoad(run.model, scheme, backend));
    run.model.dispose();
    return out;
  }

  async function saveLoad(model, scheme, backend) {
    const url = `${scheme}://jr-checks-${backend}`;
    const x = tf.randomNormal([4, D], 0, 1, 'float32', 8);
    try {
      await model.save(url);
      const loaded = await tf.loadLayersModel(url);
      const [a, b] = [model.predict(x), loaded.predict(x)];
      const before = Array.from(a.dataSync());
      const after = Array.from(b.dataSync());
      const maxAbsDiff = Math.max(...before.map((v, i) => Math.abs(v - after[i])));
      const config = loaded.layers[0].regularizers[0].getConfig();
      tf.dispose([a, b]);
      loaded.dispose();
      await tf.io.removeModel(url);
      return {
        name: `save / load through ${scheme}://: predictions bit-identical, regularizer config kept`,
        maxAbsDiff,
        weight: config.weight,
        pass: maxAbsDiff === 0 && config.weight === 0.1,
      };
    } finally {
      x.dispose();
    }
  }

  /** Linear classifier z = W x + b helpers (test/attacks/linear.ts), ℓ∞ (dual norm ℓ1). */
  function attacks() {
    const r = stream(11);
    const W = Array.from({ length: 4 }, () => Array.from({ length: 5 }, () => 2 * r() - 1));
    const b = Array.from({ length: 4 }, () => 0.2 * (r() - 0.5));
    const logits = (x) => W.map((w, c) => w.reduce((s, v, i) => s + v * x[i], b[c]));
    const argmax = (v) => v.indexOf(Math.max(...v));
    const l1 = (v) => v.reduce((s, t) => s + Math.abs(t), 0);
    const distance = (x, y) => {
      const z = logits(x);
      let best = { d: Infinity, j: -1 };
      W.forEach((w, j) => {
        if (j === y) return;
        const d = (z[y] - z[j]) / l1(W[y].map((v, i) => v - w[i]));
        if (d < best.d) best = { d, j };
      });
      return best;
    };
    const worst = (x, y, eps) =>
      Math.min(
        ...W.map((w, j) => (j === y ? Infinity : logits(x)[y] - logits(x)[j] - eps * l1(W[y].map((v, i) => v - w[i])))),
      );
    const EPS = 0.3;
    const data = { x: [], y: [], d: [] };
    const s = stream(5);
    while (data.x.length < 8) {
      const x0 = W[0].map(() => 4 * s() - 2);
      const y = argmax(logits(x0));
      const { d, j } = distance(x0, y);
      if (d < 1.1 * EPS) continue;
      for (const target of [0.98 * EPS, 1.02 * EPS]) {
        const u = W[j].map((v, i) => Math.sign(v - W[y][i]));
        const x = x0.map((v, i) => v + (d - target) * u[i]);
        data.x.push(x);
        data.y.push(y);
        data.d.push(distance(x, y).d);
      }
    }
    return { W, b, data, worst, logits, EPS };
  }

  async function evaluate() {
    const { W, b, data, worst, logits, EPS } = attacks();
    const model = tf.sequential({
      layers: [
        tf.layers.dense({
          inputShape: [5],
          units: 4,
          weights: [tf.tensor2d(W[0].map((_, i) => W.map((w) => w[i]))), tf.tensor1d(b)],
        }),
      ],
    });
    const x = tf.tensor2d(data.x);
    const y = tf.tensor1d(data.y, 'int32');
    const res = await jr.attacks.evaluate(model, x, y, {
      norm: 'linf',
      epsilon: EPS,
      steps: 30,
      queries: 300,
      clip: [-20, 20],
    });
    const expectedRobust = data.d.map((d) => d > EPS);
    let marginGap = 0;
    let inBall = true;
    data.x.forEach((row, n) => {
      const lo = worst(row, data.y[n], EPS);
      const z = logits(row);
      const clean = Math.min(...z.map((v, c) => (c === data.y[n] ? Infinity : z[data.y[n]] - v)));
      marginGap = Math.max(marginGap, (res.margins[n] - lo) / (clean - lo));
      inBall = inBall && res.margins[n] >= lo - 1e-4;
    });
    tf.dispose([x, y, res.adversarial]);
    model.dispose();
    const robustOk = res.robust.every((v, n) => v === expectedRobust[n]);
    return [
      {
        name: 'jr.attacks.evaluate (ℓ∞, linear 4-class) vs closed form',
        robust: res.robust,
        expectedRobust,
        robustAccuracy: res.robustAccuracy,
        marginGap,
        pass: robustOk && inBall && marginGap <= 0.01 && Math.abs(res.robustAccuracy - 0.5) < 1e-9,
      },
    ];
  }

  window.jrApiChecks = [
    { name: 'products', run: async () => products() },
    { name: 'lanczos', run: async () => lanczos() },
    { name: 'training', run: training },
    { name: 'attacks', run: async () => evaluate() },
  ];
})();
