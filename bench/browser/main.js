/**
 * The browser bench's runner: one backend per page load (?backend=webgl|wasm), sections in the order steps,
 * hessian, memory, leak. window.__bench = {done, error, result}; `result` is what bench/lib/browser.ts reads.
 */
(function () {
  'use strict';
  const params = new URLSearchParams(location.search);
  const backend = params.get('backend') || 'webgl';
  const quick = params.get('quick') === '1';
  const leakSteps = Number(params.get('leakSteps') || (quick ? 20 : 1000));
  const leakSeconds = Number(params.get('leakSeconds') || 120);
  /** Rounds as bench/lib/common.ts reps() for wasm, bench/sections/targets.ts for the Hessian; quick as BENCH_QUICK. */
  const plan = {
    steps: quick ? { warmup: 1, rounds: 2 } : { warmup: 3, rounds: 9 },
    hessian: quick ? { warmup: 1, rounds: 2 } : { warmup: 2, rounds: 7 },
    leak: { steps: leakSteps, batches: Math.min(50, leakSteps), seconds: leakSeconds },
  };
  window.__bench = { done: false, error: null, result: null };
  const started = performance.now();
  const log = (line) => {
    const text = `[${backend} ${((performance.now() - started) / 1000).toFixed(0)} s] ${line}`;
    document.getElementById('log').textContent += `${text}\n`;
    console.log(text);
  };

  async function describe() {
    const env = {
      backend: tf.getBackend(),
      tfjs: tf.version.tfjs,
      userAgent: navigator.userAgent,
      hardwareConcurrency: navigator.hardwareConcurrency,
    };
    if (backend === 'webgl') {
      env.webglVersion = tf.env().getNumber('WEBGL_VERSION');
      env.float32 = tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED');
      env.packed = tf.env().getBool('WEBGL_PACK');
      try {
        const gl = tf.backend().gpgpu.gl;
        const info = gl.getExtension('WEBGL_debug_renderer_info');
        env.renderer = info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER);
      } catch (e) {
        env.renderer = `unknown (${e.message})`;
      }
    }
    if (backend === 'wasm') {
      env.simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
      env.threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    }
    return env;
  }

  async function main() {
    if (!['webgl', 'wasm'].includes(backend))
      throw new Error(`bench page: backend must be webgl or wasm; got ${JSON.stringify(backend)}.`);
    if (!(leakSteps > 0 && leakSteps % plan.leak.batches === 0))
      throw new Error(`bench page: leakSteps must be a positive multiple of ${plan.leak.batches}; got ${leakSteps}.`);
    if (backend === 'wasm') {
      tf.wasm.setWasmPaths(new URL('vendor/', location.href).href);
      jr.register();
    }
    if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} did not initialize`);
    await tf.ready();
    const env = await describe();
    log(`backend ${JSON.stringify(env)}`);
    const s = window.jrBenchSections;
    const result = { backend, quick, plan, env, errors: {} };
    window.__bench.result = result;
    const sections = {
      steps: () => s.steps(plan.steps, log),
      hessian: () => s.hessian(plan.hessian, log),
      memory: () => s.memory(log),
      leak: () => s.leak(plan.leak, log),
    };
    // A section that throws is reported (result.errors) and the others still run.
    for (const [name, run] of Object.entries(sections)) {
      try {
        result[name] = await run();
      } catch (e) {
        result.errors[name] = String(e && e.message ? e.message : e);
        log(`${name} failed: ${result.errors[name]}`);
      }
    }
    result.seconds = Number(((performance.now() - started) / 1000).toFixed(1));
    result.tensorsAliveAtEnd = tf.memory().numTensors;
    log(`done in ${result.seconds} s`);
  }

  window.addEventListener('load', () => {
    main()
      .catch((e) => {
        window.__bench.error = String(e && e.stack ? e.stack : e);
        log(`error: ${window.__bench.error}`);
      })
      .finally(() => {
        window.__bench.done = true;
      });
  });
})();
