/**
 * The browser bench's models, data and timing: plain-JS mirrors of bench/lib/models.ts, bench/lib/common.ts and
 * bench/lib/timing.ts (same layers, seeds, batch, loss and round-robin medians). Globals: tf (tf.min.js), jr (the
 * package's UMD bundle). Exposes window.jrBench.
 */
(function () {
  'use strict';
  const BATCH = 64;
  const PENALTY_WEIGHT = 0.01;
  /** Lanczos iterations of the penalty step (bench/lib/common.ts ITERATIONS). */
  const ITERATIONS = 4;
  /** Lanczos iterations of the peer's penalty step (bench/sections/peer.ts PEER_ITERATIONS). */
  const PEER_ITERATIONS = 8;
  const INPUT_SHAPE = { mlp: [784], cnn: [28, 28, 1] };

  /** bench/lib/models.ts layersOf: logits out, Glorot-uniform kernels seeded from `seed`. */
  function layersOf(kind, seed) {
    const init = (s) => tf.initializers.glorotUniform({ seed: seed + s });
    if (kind === 'mlp') {
      return [
        tf.layers.dense({ inputShape: [784], units: 256, activation: 'softplus', kernelInitializer: init(0) }),
        tf.layers.dense({ units: 256, activation: 'softplus', kernelInitializer: init(1) }),
        tf.layers.dense({ units: 10, kernelInitializer: init(2) }),
      ];
    }
    return [
      tf.layers.conv2d({
        inputShape: [28, 28, 1],
        filters: 8,
        kernelSize: 3,
        strides: 2,
        activation: 'softplus',
        kernelInitializer: init(0),
      }),
      tf.layers.conv2d({ filters: 16, kernelSize: 3, strides: 2, activation: 'softplus', kernelInitializer: init(1) }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 10, kernelInitializer: init(2) }),
    ];
  }
  const network = (kind, seed) => tf.sequential({ layers: layersOf(kind, seed) });

  /** Seeded inputs in [0, 1] and one-hot labels over 10 classes (bench/lib/models.ts randomData). */
  function randomData(kind, n, seed) {
    return tf.tidy(() => {
      const x = tf.randomUniform([n, ...INPUT_SHAPE[kind]], 0, 1, 'float32', seed);
      const labels = tf.randomUniform([n], 0, 10, 'int32', seed + 1);
      const y = tf.cast(tf.oneHot(tf.cast(labels, 'int32'), 10), 'float32');
      return { x, y };
    });
  }
  const variablesOf = (model) => model.trainableWeights.map((w) => w.read());
  /** Mean softmax cross-entropy of net(x) (training mode) against one-hot y. */
  const crossEntropy = (net, x, y) => tf.losses.softmaxCrossEntropy(y, net.apply(x, { training: true }));
  /** Per-sample cross-entropy from primitive ops, [B] (bench/sections/targets.ts). */
  const perSampleCrossEntropy = (y, z) => tf.neg(tf.sum(tf.mul(y, tf.sub(z, tf.logSumExp(z, -1, true))), -1));
  function compiled(model) {
    model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
    return model;
  }

  function quantile(values, q) {
    if (values.length === 0) return NaN;
    const s = [...values].sort((a, b) => a - b);
    const pos = (s.length - 1) * q;
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    return s[lo] + (s[hi] - s[lo]) * (pos - lo);
  }
  const median = (values) => quantile(values, 0.5);
  const asList = (out) => (out == null ? [] : Array.isArray(out) ? out : [out]);

  /**
   * Wall milliseconds of one run of `job`, up to its outputs' values read back (`await t.data()`: on webgl this
   * waits for the GPU queue), then the outputs are disposed.
   */
  async function runOnce(job) {
    const t0 = performance.now();
    const list = asList(await job());
    await Promise.all(list.map((t) => t.data()));
    const ms = performance.now() - t0;
    tf.dispose(list);
    return ms;
  }

  /**
   * bench/lib/timing.ts interleaved: `warmup` untimed rounds (webgl compiles its shaders there), then `reps` rounds
   * of every job in turn. Per job the median ms and the median over rounds of (job / first job).
   */
  async function interleaved(jobs, warmup, reps) {
    const names = Object.keys(jobs);
    const runs = Object.fromEntries(names.map((n) => [n, []]));
    for (let r = 0; r < warmup + reps; r++) {
      for (const n of names) {
        const ms = await runOnce(jobs[n]);
        if (r >= warmup) runs[n].push(ms);
      }
    }
    const base = runs[names[0]];
    const timings = Object.fromEntries(
      names.map((n) => [n, { ms: median(runs[n]), runs: runs[n].map((v) => Number(v.toFixed(3))) }]),
    );
    const ratios = Object.fromEntries(names.map((n) => [n, median(runs[n].map((v, i) => v / base[i]))]));
    return { timings, ratios };
  }

  /**
   * Peak of numBytesInGPU (webgl's texture bytes in use) while installed: wraps the backend's acquireTexture, the
   * one place that count grows. Null on other backends.
   */
  function gpuPeakSampler() {
    if (tf.getBackend() !== 'webgl') return null;
    const backend = tf.backend();
    const original = backend.acquireTexture;
    if (typeof original !== 'function' || typeof backend.numBytesInGPU !== 'number') return null;
    const startBytes = backend.numBytesInGPU;
    let peakBytes = startBytes;
    backend.acquireTexture = function (...args) {
      const texture = original.apply(this, args);
      if (backend.numBytesInGPU > peakBytes) peakBytes = backend.numBytesInGPU;
      return texture;
    };
    return {
      stop() {
        delete backend.acquireTexture; // back to the prototype's method
        return { startBytes, peakBytes };
      },
    };
  }

  /**
   * bench/lib/timing.ts profileJob, peaks only: tf.profile's peakBytes (max of tf.memory().numBytes after each
   * kernel) and the bytes alive at the start. On webgl, one more run of `job` outside tf.profile (which, without a
   * GPU timer, reads every kernel's output back, allocating textures) gives the numBytesInGPU peak (gpuPeakSampler).
   */
  async function peakOf(job) {
    const startBytes = tf.memory().numBytes;
    let list = [];
    let info;
    try {
      info = await tf.profile(async () => {
        list = asList(job());
        await Promise.all(list.map((t) => t.data()));
        return list.length > 0 ? list[0] : undefined;
      });
    } finally {
      tf.dispose(list);
    }
    let gpu = null;
    const sampler = gpuPeakSampler();
    if (sampler) {
      try {
        await runOnce(job);
      } finally {
        gpu = sampler.stop();
      }
    }
    return {
      peakBytes: info.peakBytes,
      startBytes,
      kernelCalls: info.kernels.filter((k) => !k.name.endsWith('__op')).length,
      gpu,
    };
  }

  window.jrBench = {
    BATCH,
    PENALTY_WEIGHT,
    ITERATIONS,
    PEER_ITERATIONS,
    INPUT_SHAPE,
    layersOf,
    network,
    randomData,
    variablesOf,
    crossEntropy,
    perSampleCrossEntropy,
    compiled,
    median,
    runOnce,
    interleaved,
    peakOf,
  };
})();
