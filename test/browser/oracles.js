/**
 * Float64 oracles for the browser checks (plain JS, no tfjs math): relative errors, finite differences of a
 * scalar function of tf.Variables (as test/helpers/gradcheck.ts), a Jacobi eigen-solver, a seeded stream.
 * Exposes window.jrOracles.
 */
(function () {
  'use strict';

  /** Euclidean norm. */
  function norm(a) {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += a[i] * a[i];
    return Math.sqrt(s);
  }

  /** ‖a − b‖ / max(‖a‖, ‖b‖, floor). */
  function relError(a, b, floor = 1e-6) {
    if (a.length !== b.length) throw new Error(`relError: lengths differ (${a.length} vs ${b.length})`);
    const d = new Float64Array(a.length);
    for (let i = 0; i < a.length; i++) d[i] = a[i] - b[i];
    return norm(d) / Math.max(norm(a), norm(b), floor);
  }

  /** Reverse-mode gradient of the scalar f w.r.t. vars, flattened in vars order (zeros where f does not depend). */
  function autodiffGrad(f, vars) {
    const out = new Float64Array(vars.reduce((n, v) => n + v.size, 0));
    tf.tidy(() => {
      const { grads } = tf.engine().gradients(f, vars, undefined, true);
      let k = 0;
      vars.forEach((v, i) => {
        if (grads[i] != null) out.set(grads[i].dataSync(), k);
        k += v.size;
      });
    });
    return out;
  }

  /**
   * Central, forward and backward differences of f (a scalar tensor) w.r.t. every entry of vars, step h; each
   * variable is restored exactly afterwards (test/helpers/gradcheck.ts oneSidedDiffs).
   */
  function oneSidedDiffs(f, vars, h) {
    const n = vars.reduce((m, v) => m + v.size, 0);
    const [central, forward, backward] = [new Float64Array(n), new Float64Array(n), new Float64Array(n)];
    const evalF = () => tf.tidy(() => f().dataSync()[0]);
    const f0 = evalF();
    let k = 0;
    for (const v of vars) {
      const base = v.dataSync().slice();
      const probe = Float32Array.from(base);
      for (let i = 0; i < base.length; i++, k++) {
        probe[i] = base[i] + h;
        tf.tidy(() => v.assign(tf.tensor(probe, v.shape)));
        const up = evalF();
        probe[i] = base[i] - h;
        tf.tidy(() => v.assign(tf.tensor(probe, v.shape)));
        const down = evalF();
        probe[i] = base[i];
        central[k] = (up - down) / (2 * h);
        forward[k] = (up - f0) / h;
        backward[k] = (f0 - down) / h;
      }
      tf.tidy(() => v.assign(tf.tensor(base, v.shape)));
    }
    return { central, forward, backward };
  }

  /**
   * Autodiff `ad` against differences (penalty_gradcheck.ts checkWeightGradient): with `piecewise`, a coordinate
   * whose one-sided differences disagree (a kink) is compared with the nearest of central / forward / backward.
   */
  function compareWithDiffs(ad, { central, forward, backward }, piecewise, kinkTol = 0.05) {
    const scale = Math.max(norm(central), 1e-6) / Math.sqrt(central.length);
    const fd = Float64Array.from(central);
    let kinks = 0;
    if (piecewise) {
      for (let i = 0; i < fd.length; i++) {
        if (Math.abs(forward[i] - backward[i]) > kinkTol * scale + 0.05 * Math.abs(central[i])) {
          kinks++;
          fd[i] = [central[i], forward[i], backward[i]].reduce((best, d) =>
            Math.abs(d - ad[i]) < Math.abs(best - ad[i]) ? d : best,
          );
        }
      }
    }
    return { error: relError(ad, fd, 1e-5), gradNorm: norm(fd), kinks, entries: fd.length };
  }

  /** Eigenvalues of a symmetric matrix (array of rows) by cyclic Jacobi rotations, descending. */
  function symmetricEigenvalues(m) {
    const n = m.length;
    const a = m.map((r) => r.slice());
    for (let sweep = 0; sweep < 100; sweep++) {
      let off = 0;
      for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p][q] * a[p][q];
      if (off < 1e-30) break;
      for (let p = 0; p < n; p++) {
        for (let q = p + 1; q < n; q++) {
          if (Math.abs(a[p][q]) < 1e-300) continue;
          const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
          const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
          const c = 1 / Math.sqrt(t * t + 1);
          const s = t * c;
          for (let k = 0; k < n; k++) {
            const akp = a[k][p];
            const akq = a[k][q];
            a[k][p] = c * akp - s * akq;
            a[k][q] = s * akp + c * akq;
          }
          for (let k = 0; k < n; k++) {
            const apk = a[p][k];
            const aqk = a[q][k];
            a[p][k] = c * apk - s * aqk;
            a[q][k] = s * apk + c * aqk;
          }
        }
      }
    }
    return a.map((r, i) => r[i]).sort((x, y) => y - x);
  }

  /** σ_max of a matrix (rows) = √(λ_max(A Aᵀ)). */
  function spectralNorm(rows) {
    const gram = rows.map((r) => rows.map((s) => r.reduce((t, v, i) => t + v * s[i], 0)));
    return Math.sqrt(Math.max(0, symmetricEigenvalues(gram)[0]));
  }

  /** A seeded pseudo-random stream in [0, 1) (xorshift32, as test/attacks/linear.ts). */
  function stream(seed) {
    let s = seed >>> 0 || 1;
    return () => {
      s ^= s << 13;
      s >>>= 0;
      s ^= s >>> 17;
      s ^= s << 5;
      s >>>= 0;
      return s / 4294967296;
    };
  }

  window.jrOracles = {
    norm,
    relError,
    autodiffGrad,
    oneSidedDiffs,
    compareWithDiffs,
    symmetricEigenvalues,
    spectralNorm,
    stream,
  };
})();
