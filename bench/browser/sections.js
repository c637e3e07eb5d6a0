/**
 * The browser bench's measures, each the definition of its Node section (same model, batch, step, rounds):
 *   steps   — bench/sections/steps.ts (b) and the ours-side of bench/sections/peer.ts, MLP: a plain Adam step of
 *             CE(f(x), y); penalty steps CE + 0.01 · penalty with jr.regularizers.jacobian({iterations: 4}), with
 *             {iterations: 8}, and with all 8 Lanczos steps (operatorPenalty, tol 0); each / the plain step.
 *   hessian — bench/sections/targets.ts hessianSection: the loss-Hessian penalty step / the Jacobian penalty step.
 *   memory  — bench/sections/memory.ts peaks, CNN: tf.profile peak bytes of a penalty step / a plain step, above the
 *             step's start and absolute (on webgl also the numBytesInGPU peak).
 *   leak    — bench/sections/targets.ts longLeakSection: model.fit of [Regularized(MLP, every 1), softmax] with
 *             jr.callbacks.regularization(), tf.memory() before and after (stopped early past `leakSeconds`).
 * Exposes window.jrBenchSections.
 */
(function () {
  'use strict';
  const b = window.jrBench;
  const context = { epoch: 0, step: 0 };

  /** One Adam step of CE + 0.01 · penalty() (returns the loss, to be read and disposed by runOnce). */
  const penaltyStep = (optimizer, net, x, y, vars, penalty) => () =>
    tf.tidy(() =>
      optimizer.minimize(() => tf.add(b.crossEntropy(net, x, y), tf.mul(b.PENALTY_WEIGHT, penalty())), true, vars),
    );

  async function steps({ warmup, rounds }, log) {
    const net = b.network('mlp', 7);
    const vars = b.variablesOf(net);
    const { x, y } = b.randomData('mlp', b.BATCH, 11);
    const optimizer = tf.train.adam(1e-3);
    const m4 = jr.regularizers.jacobian({ iterations: b.ITERATIONS });
    const m8 = jr.regularizers.jacobian({ iterations: b.PEER_ITERATIONS });
    const jobs = {
      plain: () => tf.tidy(() => optimizer.minimize(() => b.crossEntropy(net, x, y), true, vars)),
      penalty: penaltyStep(optimizer, net, x, y, vars, () => m4.penalty(net, x, context).penalty),
      penalty8: penaltyStep(optimizer, net, x, y, vars, () => m8.penalty(net, x, context).penalty),
      penalty8AllSteps: penaltyStep(
        optimizer,
        net,
        x,
        y,
        vars,
        () =>
          jr.operatorPenalty(() => jr.linearizedJacobian(net, x), { iterations: b.PEER_ITERATIONS, tol: 0 }).penalty,
      ),
    };
    const lanczosSteps8 = tf.tidy(() => {
      const op = jr.linearizedJacobian(net, x);
      const e = jr.estimateSpectralNorm(op, { method: 'lanczos', iterations: b.PEER_ITERATIONS });
      op.dispose();
      return e.products / 2; // two matvecs (Jᵀ, then J) per Gram product
    });
    log(`mlp steps: ${warmup} warm-up + ${rounds} rounds of ${Object.keys(jobs).join(', ')}`);
    const { timings, ratios } = await b.interleaved(jobs, warmup, rounds);
    optimizer.dispose();
    net.dispose();
    tf.dispose([x, y]);
    return { model: 'mlp', warmup, rounds, timings, ratios, lanczosSteps8 };
  }

  async function hessian({ warmup, rounds }, log) {
    const net = b.network('mlp', 7);
    const vars = b.variablesOf(net);
    const { x, y } = b.randomData('mlp', b.BATCH, 11);
    const optimizer = tf.train.adam(1e-3);
    const jacobian = jr.regularizers.jacobian({ iterations: b.ITERATIONS });
    const lossHessian = jr.regularizers.hessian({ iterations: b.ITERATIONS, scalar: 'loss' });
    lossHessian.loss = b.perSampleCrossEntropy;
    const step = (r) => penaltyStep(optimizer, net, x, y, vars, () => r.penalty(net, x, context, y).penalty);
    log(`mlp loss-Hessian vs Jacobian penalty step: ${warmup} warm-up + ${rounds} rounds`);
    const { timings, ratios } = await b.interleaved(
      { jacobian: step(jacobian), hessian: step(lossHessian) },
      warmup,
      rounds,
    );
    optimizer.dispose();
    net.dispose();
    tf.dispose([x, y]);
    return {
      warmup,
      rounds,
      jacobianStepMs: timings.jacobian.ms,
      hessianStepMs: timings.hessian.ms,
      ratio: ratios.hessian,
      timings,
    };
  }

  async function memory(log) {
    const net = b.network('cnn', 7);
    const vars = b.variablesOf(net);
    const { x, y } = b.randomData('cnn', b.BATCH, 11);
    const optimizer = tf.train.adam(1e-3);
    const regularizer = jr.regularizers.jacobian({ iterations: b.ITERATIONS });
    const plain = () => tf.tidy(() => optimizer.minimize(() => b.crossEntropy(net, x, y), true, vars));
    const penalty = penaltyStep(optimizer, net, x, y, vars, () => regularizer.penalty(net, x, context).penalty);
    // Warm-up: creates the optimizer slots (and compiles webgl's shaders).
    for (const job of [plain, penalty]) await b.runOnce(job);
    log('cnn peak bytes (tf.profile)');
    const plainPeak = await b.peakOf(plain);
    const penaltyPeak = await b.peakOf(penalty);
    optimizer.dispose();
    net.dispose();
    tf.dispose([x, y]);
    const above = (p) => p.peakBytes - p.startBytes;
    const gpuAbove = (p) => (p.gpu ? p.gpu.peakBytes - p.gpu.startBytes : null);
    return {
      model: 'cnn',
      plain: plainPeak,
      penalty: penaltyPeak,
      incrementRatio: above(penaltyPeak) / above(plainPeak),
      absoluteRatio: penaltyPeak.peakBytes / plainPeak.peakBytes,
      gpuIncrementRatio: plainPeak.gpu ? gpuAbove(penaltyPeak) / gpuAbove(plainPeak) : null,
      gpuAbsoluteRatio: plainPeak.gpu ? penaltyPeak.gpu.peakBytes / plainPeak.gpu.peakBytes : null,
    };
  }

  async function leak({ steps, batches, seconds }, log) {
    const model = b.compiled(
      tf.sequential({
        layers: [
          jr.layers.regularized({
            layer: b.network('mlp', 7),
            inputShape: b.INPUT_SHAPE.mlp,
            regularizers: jr.regularizers.jacobian({ every: 1 }),
          }),
          tf.layers.activation({ activation: 'softmax' }),
        ],
      }),
    );
    const data = b.randomData('mlp', batches * b.BATCH, 51);
    const options = { batchSize: b.BATCH, shuffle: true, verbose: 0, yieldEvery: 'never' };
    const warm = { x: tf.slice(data.x, 0, b.BATCH), y: tf.slice(data.y, 0, b.BATCH) };
    await model.fit(warm.x, warm.y, { ...options, epochs: 1, callbacks: [jr.callbacks.regularization()] });
    log(`mlp: up to ${steps} regularized model.fit steps, at most ${seconds} s (leak check)`);
    let done = 0;
    let stoppedEarly = false;
    const t0 = performance.now();
    // A CustomCallback instance: fit takes a list as plain {onBatchEnd} objects only when its first entry is one.
    const clock = new tf.CustomCallback({
      onBatchEnd: async () => {
        done++;
        if (performance.now() - t0 > seconds * 1000 && done < steps) {
          stoppedEarly = true;
          model.stopTraining = true;
        }
      },
    });
    const before = tf.memory();
    await model.fit(data.x, data.y, {
      ...options,
      epochs: steps / batches,
      callbacks: [jr.callbacks.regularization(), clock],
    });
    const after = tf.memory();
    const elapsed = (performance.now() - t0) / 1000;
    model.optimizer.dispose();
    model.dispose();
    tf.dispose([warm.x, warm.y, data.x, data.y]);
    return {
      requestedSteps: steps,
      steps: done,
      stoppedEarly,
      tensorsLeaked: after.numTensors - before.numTensors,
      bytesLeaked: after.numBytes - before.numBytes,
      seconds: Number(elapsed.toFixed(1)),
    };
  }

  window.jrBenchSections = { steps, hessian, memory, leak };
})();
