/**
 * Smoke run of `npm run bench -- --browser` (bench/lib/browser.ts; needs `npm run build`): the bench page in headless
 * Chromium on webgl and wasm in quick mode (1 warm-up + 2 rounds, 10 leak steps). No timed assertions: it checks
 * that every section reports, that the leak check leaks nothing, and the memory numbers against the bytes the CNN
 * step must hold (weights, Adam's two slots, the batch, and every weight gradient at once), and that the report
 * renders a column per backend.
 */
import { BackendRun, runBrowserBench } from '../../bench/lib/browser';
import { renderBrowserMarkdown } from '../../bench/lib/browser_report';

/** Parameters of the bench CNN: conv 3×3×1→8, conv 3×3×8→16, dense 576→10, with biases. */
const CNN_PARAMS = 3 * 3 * 1 * 8 + 8 + (3 * 3 * 8 * 16 + 16) + (576 * 10 + 10);
const F32 = 4;
const LEAK_STEPS = 10;

describe('npm run bench -- --browser (quick)', () => {
  let runs: BackendRun[] = [];
  let chromiumVersion = '';

  beforeAll(async () => {
    const lines: string[] = [];
    const out = await runBrowserBench({
      quick: true,
      leakSteps: LEAK_STEPS,
      leakSeconds: 60,
      pageTimeoutMs: 120000,
      onLine: (l) => lines.push(l),
    });
    runs = out.runs;
    chromiumVersion = out.chromium;
    if (process.env.BENCH_VERBOSE) console.log(lines.join('\n'));
  }, 200000);

  it('ran webgl and wasm, every section without error', () => {
    expect(runs.map((r) => r.backend)).toEqual(['webgl', 'wasm']);
    for (const r of runs) {
      expect({ backend: r.backend, error: r.error, errors: r.result?.errors }).toEqual({
        backend: r.backend,
        error: null,
        errors: {},
      });
      expect(r.result?.env.backend).toBe(r.backend);
    }
  });

  it.each(['webgl', 'wasm'])(
    '%s: every timed job has 2 finite positive runs; Lanczos(8) made 1 to 8 Gram products',
    (backend) => {
      const s = runs.find((r) => r.backend === backend)!.result!.steps!;
      for (const t of Object.values(s.timings)) {
        expect(t.runs).toHaveLength(2);
        expect(t.runs.every((v) => Number.isFinite(v) && v > 0)).toBe(true);
      }
      expect(Number.isInteger(s.lanczosSteps8) && s.lanczosSteps8 >= 1 && s.lanczosSteps8 <= 8).toBe(true);
      const h = runs.find((r) => r.backend === backend)!.result!.hessian!;
      expect(Number.isFinite(h.ratio) && h.ratio > 0).toBe(true);
    },
  );

  it.each(['webgl', 'wasm'])('%s: the leak check ran every step and left 0 tensors, 0 bytes', (backend) => {
    const l = runs.find((r) => r.backend === backend)!.result!.leak!;
    expect([l.steps, l.stoppedEarly, l.tensorsLeaked, l.bytesLeaked]).toEqual([LEAK_STEPS, false, 0, 0]);
  });

  it.each(['webgl', 'wasm'])(
    '%s: CNN step memory holds at least weights + Adam slots + batch at start, and every gradient at the peak',
    (backend) => {
      const m = runs.find((r) => r.backend === backend)!.result!.memory!;
      const atStart = 3 * CNN_PARAMS * F32 + 64 * 28 * 28 * F32 + 64 * 10 * F32;
      for (const p of [m.plain, m.penalty]) {
        expect(p.startBytes).toBeGreaterThanOrEqual(atStart);
        expect(p.peakBytes - p.startBytes).toBeGreaterThanOrEqual(CNN_PARAMS * F32);
      }
      expect(m.incrementRatio).toBeCloseTo(
        (m.penalty.peakBytes - m.penalty.startBytes) / (m.plain.peakBytes - m.plain.startBytes),
        10,
      );
      if (backend === 'webgl') expect(m.plain.gpu && m.plain.gpu.peakBytes > m.plain.gpu.startBytes).toBe(true);
      else expect(m.plain.gpu).toBeNull();
    },
  );

  it('renders the target table with a webgl and a wasm column', () => {
    const md = renderBrowserMarkdown(runs, {
      chromium: chromiumVersion,
      flags: [],
      nproc: 2,
      cpuModel: '?',
      loadAverageAtStart: [0],
      loadAverageAtEnd: [0],
      wallSeconds: 0,
      quick: true,
    });
    expect(md).toContain('| measure | target | webgl | wasm |');
    const leakRow = md.split('\n').find((l) => l.startsWith('| tensors leaked'))!;
    expect(leakRow.match(/0 \*\*met\*\* \(10 steps, 0 bytes/g)).toHaveLength(2);
  });
});
