/**
 * Renders `npm run bench -- --browser` (bench/lib/browser.ts) as bench/results/bench-browser.md: the target table
 * of bench/lib/report.ts with one column per browser backend, then the milliseconds and bytes behind it.
 */
import { BATCH } from './common';
import { DESCRIPTION } from './models';
import type { BackendRun, PageResult } from './browser';
import { mb, ms, ratio, verdict } from './report';

type Section = 'steps' | 'hessian' | 'memory' | 'leak';

/** The cell of `section` for one backend: `render(section's result)`, or why there is none. */
function cell<K extends Section>(
  run: BackendRun,
  section: K,
  render: (v: NonNullable<PageResult[K]>) => string,
): string {
  const r = run.result;
  const value = r?.[section];
  if (value != null) return render(value as NonNullable<PageResult[K]>);
  const why = r?.errors?.[section] ?? run.error ?? 'not run';
  return `error: ${why.replace(/\|/g, '\\|').slice(0, 160)}`;
}

export function renderBrowserMarkdown(runs: BackendRun[], env: Record<string, unknown>): string {
  const cols = runs.map((r) => r.backend);
  const describe = (run: BackendRun) => {
    const e = (run.result?.env ?? {}) as Record<string, unknown>;
    if (run.backend === 'webgl')
      return `webgl: WebGL${e.webglVersion ?? '?'} on ${e.renderer ?? '?'}, float32 ${e.float32}, packed ${e.packed}`;
    return `wasm: SIMD ${e.simd}, threads ${e.threads}`;
  };
  const md: string[] = [];
  md.push(
    `Environment: headless Chromium ${env.chromium} (${(env.flags as string[]).join(' ')}); ${runs.map(describe).join('; ')}; ` +
      `tfjs ${runs.find((r) => r.result)?.result?.env.tfjs ?? '?'}; nproc ${env.nproc} (${env.cpuModel}); load average ` +
      `${(env.loadAverageAtStart as number[]).join(' ')} at start, ${(env.loadAverageAtEnd as number[]).join(' ')} at end; wall ${env.wallSeconds} s` +
      `${env.quick ? ' (BENCH_QUICK)' : ''}.`,
  );
  md.push('');
  md.push(
    `Batch ${BATCH}; ${DESCRIPTION.mlp}; ${DESCRIPTION.cnn}. Each backend runs in a fresh page; every measured ` +
      'function is warmed up first (webgl compiles its shaders on first use), each run ends with `await t.data()` on its ' +
      'result (the GPU queue is flushed), times are medians of interleaved rounds and ratios the median of the per-round ' +
      'ratios to the plain step of the same round. The PyTorch peer is Node-only: the Lanczos(8) row is / the plain step here.',
  );
  md.push('');
  md.push(`| measure | target | ${cols.join(' | ')} |`);
  md.push(`|---|---|${cols.map(() => '---').join('|')}|`);
  const rows: Array<[string, string, (run: BackendRun) => string]> = [
    [
      'plain step (MLP 784-256-256-10, softplus, B = 64)',
      '— (Node: ours / PyTorch ≤ 0.5×)',
      (run) => cell(run, 'steps', (s) => `${ms(s.timings.plain.ms)} ms`),
    ],
    [
      'Lanczos(8) + penalty step / plain step (MLP)',
      '— (Node: ours / PyTorch ≤ 0.25×)',
      (run) =>
        cell(
          run,
          'steps',
          (s) =>
            `${ratio(s.ratios.penalty8)} (${s.lanczosSteps8} Lanczos steps; all 8 steps: ${ratio(s.ratios.penalty8AllSteps)})`,
        ),
    ],
    [
      'penalty step / plain step (MLP, m = 4)',
      '≤ 2×',
      (run) => cell(run, 'steps', (s) => verdict(s.ratios.penalty, 2, 'ratio')),
    ],
    [
      'loss-Hessian penalty step / Jacobian penalty step (MLP, m = 4)',
      '≤ 1.5×',
      (run) => cell(run, 'hessian', (h) => verdict(h.ratio, 1.5, 'ratio')),
    ],
    [
      "peak memory, CNN penalty step / plain step (working memory above the step's start)",
      '≤ 2×',
      (run) =>
        cell(
          run,
          'memory',
          (m) =>
            verdict(m.incrementRatio, 2, 'ratio') +
            ` (absolute ${ratio(m.absoluteRatio)}` +
            `${m.gpuIncrementRatio != null ? `; GPU textures: ${ratio(m.gpuIncrementRatio)} above start, ${ratio(m.gpuAbsoluteRatio)} absolute` : ''})`,
        ),
    ],
    [
      'tensors leaked over 1,000 regularized steps (model.fit + callback, MLP)',
      '0',
      (run) =>
        cell(
          run,
          'leak',
          (l) =>
            `${verdict(l.tensorsLeaked, 0, 'count')} (${l.steps} steps${l.stoppedEarly ? ` of ${l.requestedSteps}, stopped at the time limit` : ''}, ${l.bytesLeaked} bytes, ${l.seconds} s)`,
        ),
    ],
  ];
  for (const [name, target, render] of rows) md.push(`| ${name} | ${target} | ${runs.map(render).join(' | ')} |`);
  md.push('');
  md.push(
    "Behind the ratios (ms: medians; MB: peak above the step's start, tf.profile's numBytes; on webgl also numBytesInGPU, the texture bytes in use):",
  );
  md.push('');
  md.push(
    '| backend | rounds | plain step (ms) | penalty step, m = 4 (ms) | Lanczos(8) penalty step (ms) | all 8 steps (ms) | Jacobian / loss-Hessian penalty step (ms) | CNN peak, plain / penalty (MB) | CNN GPU textures, plain / penalty (MB) | page (s) |',
  );
  md.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const run of runs) {
    const r = run.result;
    const s = r?.steps;
    const h = r?.hessian;
    const m = r?.memory;
    const above = (p: { peakBytes: number; startBytes: number } | null | undefined) =>
      p ? mb(p.peakBytes - p.startBytes) : '—';
    md.push(
      `| ${run.backend} | ${s ? `${s.warmup} + ${s.rounds}` : '—'} | ${ms(s?.timings.plain.ms)} | ${ms(s?.timings.penalty.ms)} | ${ms(s?.timings.penalty8.ms)} | ` +
        `${ms(s?.timings.penalty8AllSteps.ms)} | ${h ? `${ms(h.jacobianStepMs)} / ${ms(h.hessianStepMs)}` : '—'} | ` +
        `${m ? `${above(m.plain)} / ${above(m.penalty)}` : '—'} | ${m?.plain.gpu ? `${above(m.plain.gpu)} / ${above(m.penalty.gpu)}` : '—'} | ${run.seconds.toFixed(0)} |`,
    );
  }
  return md.join('\n');
}
