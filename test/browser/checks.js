/**
 * The check runner: for cpu (the reference) and each requested backend, in that order,
 *   (a) the gradient matrix (cases.js): ∇_W of the package's Jacobian penalty (order 2) and Hessian penalty
 *       (order 3), Hutchinson with a fixed seed so the penalty is a smooth function of W
 *       (test/helpers/penalty_gradcheck.ts), against central differences computed on the same backend
 *       (h = 5·10⁻³, relative error < 0.02; one-sided at kinks) and against cpu's autodiff (relative < 1e-3),
 *       plus a tensor-leak check of one penalty evaluation;
 *   (b) the API checks (api_checks.js).
 * Every check is pushed to window.__checks as {backend, group, name, pass, seconds, ...numbers}; window.__done is
 * set at the end, window.__error on a failure outside a check.
 */
(function () {
  'use strict';
  const { autodiffGrad, oneSidedDiffs, compareWithDiffs, relError } = window.jrOracles;
  const H = 5e-3;
  const TOL = 0.02;
  const VS_CPU = 1e-3;
  const params = new URLSearchParams(location.search);
  const requested = (params.get('backends') || 'webgl,wasm').split(',').filter((b) => b && b !== 'cpu');
  const suite = params.get('suite') || 'ci';
  const only = params.get('only') ? new RegExp(params.get('only')) : null;
  /** Central differences on cpu too (the Node layer matrix already does them there). */
  const diffsOnCpu = params.get('cpuDiffs') === '1';

  window.__checks = [];
  window.__done = false;
  window.__error = null;
  window.__env = {};
  const log = (line) => {
    document.getElementById('log').textContent += `${line}\n`;
    console.log(line);
  };

  function push(backend, group, started, check) {
    const entry = { backend, group, seconds: (performance.now() - started) / 1000, ...check };
    window.__checks.push(entry);
    const numbers = ['error', 'errorVsCpu', 'gradNorm']
      .filter((k) => entry[k] != null)
      .map((k) => `${k}=${Number(entry[k]).toExponential(2)}`)
      .join(' ');
    log(
      `${entry.pass ? 'ok  ' : 'FAIL'} ${backend} ${group} ${entry.name} ${numbers} ${entry.seconds.toFixed(1)}s${entry.message ? ` ${entry.message}` : ''}`,
    );
  }

  function packagePenalty(order, model, x, seed = 11) {
    const options = { method: 'hutchinson', iterations: 1, seed };
    const regularizer =
      order === 2 ? jr.regularizers.jacobian(options) : jr.regularizers.hessian({ ...options, scalar: 'sum' });
    const { penalty, sigma, vectors } = regularizer.penalty(model, x, { epoch: 0, step: 0 });
    tf.dispose([sigma, vectors]);
    return penalty;
  }

  function matrixCheck(backend, c, order, model, x, reference) {
    const vars = model.trainableWeights.map((w) => w.read());
    const f = () => packagePenalty(order, model, x);
    const before = tf.memory().numTensors;
    tf.dispose(f());
    const leaked = tf.memory().numTensors - before;
    const ad = autodiffGrad(f, vars);
    const key = `${c.name}|${order}`;
    const out = { name: `${c.name} · order ${order}`, leaked, entries: ad.length };
    let pass = leaked === 0;
    if (backend === 'cpu') reference[key] = ad;
    else if (reference[key]) {
      out.errorVsCpu = relError(ad, reference[key], 1e-5);
      pass = pass && out.errorVsCpu < VS_CPU;
    }
    if (backend !== 'cpu' || diffsOnCpu) {
      const cmp = compareWithDiffs(ad, oneSidedDiffs(f, vars, H), c.piecewise);
      Object.assign(out, { error: cmp.error, gradNorm: cmp.gradNorm, kinks: cmp.kinks });
      pass = pass && cmp.gradNorm > 1e-4 && cmp.error < TOL;
    }
    return { ...out, pass };
  }

  function describeBackend(backend) {
    const env = { backend: tf.getBackend() };
    if (backend === 'webgl') {
      env.webglVersion = tf.env().getNumber('WEBGL_VERSION');
      env.float32 = tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED');
      try {
        const gl = tf.backend().gpgpu.gl;
        const info = gl.getExtension('WEBGL_debug_renderer_info');
        env.renderer = info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER);
      } catch (e) {
        env.renderer = `unknown (${e.message})`;
      }
    }
    if (backend === 'wasm') env.simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
    return env;
  }

  async function main() {
    tf.wasm.setWasmPaths(new URL('vendor/', location.href).href);
    const cases = window.jrCases.filter((c) => (suite === 'full' || c.ci) && (!only || only.test(c.name)));
    const apiChecks = window.jrApiChecks.filter((a) => !only || only.test(a.name));
    const reference = {};
    for (const backend of ['cpu', ...requested]) {
      if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} did not initialize`);
      await tf.ready();
      window.__env[backend] = describeBackend(backend);
      log(`backend ${backend}: ${JSON.stringify(window.__env[backend])}`);
      for (const c of cases) {
        const model = c.build();
        const x = tf.randomNormal([2, ...c.inputShape], 0, 1, 'float32', 17);
        for (const order of [2, 3]) {
          const started = performance.now();
          try {
            push(backend, 'matrix', started, matrixCheck(backend, c, order, model, x, reference));
          } catch (e) {
            push(backend, 'matrix', started, {
              name: `${c.name} · order ${order}`,
              pass: false,
              message: String(e && e.message ? e.message : e),
            });
          }
        }
        model.dispose();
        x.dispose();
      }
      for (const a of apiChecks) {
        const started = performance.now();
        try {
          for (const check of await a.run(backend, reference)) push(backend, `api:${a.name}`, started, check);
        } catch (e) {
          push(backend, `api:${a.name}`, started, {
            name: a.name,
            pass: false,
            message: String(e && e.message ? e.message : e),
          });
        }
      }
    }
  }

  window.addEventListener('load', () => {
    main()
      .catch((e) => {
        window.__error = String(e && e.stack ? e.stack : e);
        log(`error: ${window.__error}`);
      })
      .finally(() => {
        window.__done = true;
      });
  });
})();
