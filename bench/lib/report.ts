/** Renders the bench's results (bench/index.ts) as the markdown of bench/results/bench.md and docs/BENCHMARKS.md. */
import { DESCRIPTION } from './models';
import { ProfileSummary } from './timing';
import { BATCH, EVERY, FIT_SAMPLES, QUICK } from './common';
import type { StepsRow } from '../sections/steps';
import type { FitRow } from '../sections/fit';
import type { MemoryRow } from '../sections/memory';
import type { ProfileRow } from '../sections/profile';
import type { MatmulRow } from '../sections/matmul';
import type { AccuracyResult } from '../sections/accuracy';
import type { PeerRow } from '../sections/peer';
import type { HessianRow, LongLeakRow } from '../sections/targets';
import { PEER_ITERATIONS } from '../sections/peer';

/** Everything one `npm run bench` measured; a section that was not selected (BENCH_SECTIONS) leaves its list empty. */
export interface BenchResults {
  env: Record<string, unknown>;
  backendsRun: string[];
  steps: StepsRow[];
  fits: FitRow[];
  memory: MemoryRow[];
  profiles: ProfileRow[];
  matmuls: MatmulRow[];
  accuracy: AccuracyResult | null;
  peers: PeerRow[];
  hessians: HessianRow[];
  longLeaks: LongLeakRow[];
}

export const ms = (v: number | null | undefined) =>
  v == null || !Number.isFinite(v) ? '—' : v >= 100 ? v.toFixed(0) : v.toFixed(1);
export const ratio = (v: number | null | undefined) => (v == null || !Number.isFinite(v) ? '—' : `${v.toFixed(2)}×`);
export const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(2);

/** One target cell: the value, and met / not met with the factor over the target. */
export function verdict(value: number | null | undefined, target: number, unit: 'ratio' | 'count'): string {
  if (value == null || !Number.isFinite(value)) return '—';
  const shown = unit === 'ratio' ? ratio(value) : String(value);
  if (value <= target) return `${shown} **met**`;
  const over = value / target;
  const exact =
    over < 1.05 ? ` (${value.toFixed(3)}×, ${over.toFixed(2)}× the target)` : ` (${over.toFixed(1)}× the target)`;
  return unit === 'ratio' ? `${shown} not met${exact}` : `${shown} not met`;
}

/** The target table: one column per backend that ran. */
export function targetTable(r: BenchResults): string[] {
  const cols = r.backendsRun;
  const pick = <T extends { backend: string }>(rows: T[], b: string, f: (row: T) => boolean = () => true) =>
    rows.find((x) => x.backend === b && f(x));
  const lines: Array<[string, string, (b: string) => string]> = [
    [
      'plain step, ours / PyTorch (MLP 784-256-256-10, softplus, B = 64)',
      '≤ 0.5×',
      (b) => {
        const p = pick(r.peers, b);
        return p?.skipped ? 'skipped (no torch)' : verdict(p?.plain?.ratio, 0.5, 'ratio');
      },
    ],
    [
      `Lanczos(${PEER_ITERATIONS}) + penalty step, ours / PyTorch`,
      '≤ 0.25×',
      (b) => {
        const p = pick(r.peers, b);
        if (p?.skipped) return 'skipped (no torch)';
        const all = p?.penaltyAllSteps ? ` (all ${PEER_ITERATIONS} steps: ${ratio(p.penaltyAllSteps.ratio)})` : '';
        return verdict(p?.penalty?.ratio, 0.25, 'ratio') + all;
      },
    ],
    [
      'penalty step / plain step (MLP, m = 4)',
      '≤ 2×',
      (b) => verdict(pick(r.steps, b, (s) => s.model === 'mlp')?.penaltyLinearizedRatio, 2, 'ratio'),
    ],
    [
      'loss-Hessian penalty step / Jacobian penalty step (MLP, m = 4)',
      '≤ 1.5×',
      (b) => verdict(pick(r.hessians, b)?.ratio, 1.5, 'ratio'),
    ],
    [
      "peak memory, CNN penalty step / plain step (working memory above the step's start)",
      '≤ 2×',
      (b) => {
        const m = pick(r.memory, b, (x) => x.model === 'cnn');
        return m?.unsupported
          ? 'unsupported'
          : verdict(m?.linearizedPeakIncrementRatio, 2, 'ratio') +
              (m?.linearizedPeakAbsoluteRatio ? ` (absolute ${ratio(m.linearizedPeakAbsoluteRatio)})` : '');
      },
    ],
    [
      'tensors leaked over 1,000 regularized steps (model.fit + callback, MLP)',
      '0',
      (b) => {
        const l = pick(r.longLeaks, b);
        return l == null
          ? 'not run'
          : `${verdict(l.tensorsLeaked, 0, 'count')} (${l.steps} steps, ${l.bytesLeaked} bytes, ${l.seconds} s)`;
      },
    ],
  ];
  const out = [`| measure | target | ${cols.join(' | ')} |`, `|---|---|${cols.map(() => '---').join('|')}|`];
  for (const [name, target, cell] of lines) out.push(`| ${name} | ${target} | ${cols.map(cell).join(' | ')} |`);
  return out;
}

export function renderMarkdown(r: BenchResults): string {
  const { env, backendsRun, steps, fits, memory, profiles, matmuls, accuracy, peers, hessians } = r;
  const md: string[] = [];
  md.push(
    `Environment: backends ${backendsRun.join(', ')}; tfjs-core ${env.tfjsCore}, tfjs-layers ${env.tfjsLayers}` +
      `${env.wasmVersion ? `, tfjs-backend-wasm ${env.wasmVersion} (SIMD ${env.wasmSimd}, threads ${env.wasmThreads})` : ''}; ` +
      `node ${env.node}; nproc ${env.nproc} (${env.cpuModel}); load average ${(env.loadAverageAtStart as number[]).join(' ')} at start, ` +
      `${(env.loadAverageAtEnd as number[]).join(' ')} at end; wall ${env.wallSeconds} s${QUICK ? ' (BENCH_QUICK)' : ''}.`,
  );
  md.push('');
  md.push(
    `Batch ${BATCH}; ${DESCRIPTION.mlp}; ${DESCRIPTION.cnn}. Times are medians of interleaved rounds (baseline and ` +
      'variants alternate); ratios are the median of the per-round ratios to the baseline of the same round.',
  );
  md.push('');
  md.push('### Targets');
  md.push('');
  md.push(...targetTable(r));
  md.push('');
  md.push(...peerTables(peers, hessians));
  if (steps.length > 0) {
    md.push("### (a) One Gram matvec JJᵀu of the logits' Jacobian / one plain training step");
    md.push('');
    md.push(
      '| backend | model | rounds | plain step (ms) | generic JJᵀu (ms) | ratio | linearized JJᵀu (ms) | ratio | linearization, once (ms) | ratio | generic VJP / JVP (ms) |',
    );
    md.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const s of steps) {
      md.push(
        `| ${s.backend} | ${s.model} | ${s.reps} | ${s.plainStepMs == null ? `unsupported¹` : ms(s.plainStepMs)} | ${ms(s.genericGramMs)} | ${ratio(s.genericGramRatio)} | ` +
          `${ms(s.linearizedGramMs)} | ${ratio(s.linearizedGramRatio)} | ${ms(s.linearizationMs)} | ${ratio(s.linearizationRatio)} | ${ms(s.genericVjpMs)} / ${ms(s.genericJvpMs)} |`,
      );
    }
    md.push('');
    md.push('### (b) One penalty training step (CE + 0.01 · penalty, 4 Lanczos iterations) / one plain training step');
    md.push('');
    md.push(
      '| backend | model | plain step (ms) | penalty step, linearized (ms) | ratio | penalty step, generic double-VJP (ms) | ratio |',
    );
    md.push('|---|---|---:|---:|---:|---:|---:|');
    for (const s of steps) {
      if (s.plainStepMs == null)
        md.push(`| ${s.backend} | ${s.model} | unsupported¹ | unsupported¹ | — | unsupported¹ | — |`);
      else
        md.push(
          `| ${s.backend} | ${s.model} | ${ms(s.plainStepMs)} | ${ms(s.penaltyLinearizedMs)} | ${ratio(s.penaltyLinearizedRatio)} | ${ms(s.penaltyGenericMs)} | ${ratio(s.penaltyGenericRatio)} |`,
        );
    }
    md.push('');
    md.push(
      'Bench-only variant (bench/lib/pretransposed.ts): the linearized operator with Wᵀ cached at linearization, MLP:',
    );
    md.push('');
    md.push(
      '| backend | linearized JJᵀu: library / cached Wᵀ (ms) | ratio to plain step: library / cached Wᵀ | penalty step: library / cached Wᵀ (ms) | ratio to plain step: library / cached Wᵀ |',
    );
    md.push('|---|---:|---:|---:|---:|');
    for (const s of steps.filter((x) => x.pretransposedGramMs != null)) {
      md.push(
        `| ${s.backend} | ${ms(s.linearizedGramMs)} / ${ms(s.pretransposedGramMs)} | ${ratio(s.linearizedGramRatio)} / ${ratio(s.pretransposedGramRatio)} | ` +
          `${ms(s.penaltyLinearizedMs)} / ${ms(s.penaltyPretransposedMs)} | ${ratio(s.penaltyLinearizedRatio)} / ${ratio(s.penaltyPretransposedRatio)} |`,
      );
    }
    md.push('');
  }
  if (fits.length > 0) {
    md.push(
      `### (c) One model.fit epoch (${FIT_SAMPLES} samples, batch ${BATCH}) with jr.layers.regularized + jr.callbacks.regularization() / a plain fit epoch`,
    );
    md.push('');
    md.push(
      `| backend | model | rounds | plain epoch (ms) | ${EVERY.map((k) => `every ${k}${k === 1 ? ' (default)' : ''}: ms / ratio`).join(' | ')} |`,
    );
    md.push(`|---|---|---:|---:|${EVERY.map(() => '---:').join('|')}|`);
    for (const f of fits) {
      if (f.unsupported)
        md.push(`| ${f.backend} | ${f.model} | — | unsupported¹ | ${EVERY.map(() => 'unsupported¹').join(' | ')} |`);
      else
        md.push(
          `| ${f.backend} | ${f.model} | ${f.reps} | ${ms(f.plainEpochMs)} | ${f.regularized.map((r) => `${ms(r.epochMs)} / ${ratio(r.ratio)}`).join(' | ')} |`,
        );
    }
    md.push('');
  }
  if (accuracy != null) {
    md.push(
      `### (d) σ_max relative error vs method 'exact' (MLP, 256 random inputs, ${accuracy.backend}; full study: docs/ESTIMATORS.md)`,
    );
    md.push('');
    md.push(
      `After ${accuracy.trainSteps} Adam steps on 1,024 random inputs with random labels the training loss is ${accuracy.finalLoss.toFixed(3)}. ` +
        'tol 0 (all m steps run); Lanczos runs in the 10-dim output space, so m ≥ 10 is exact up to float32.',
    );
    md.push('');
    md.push('| weights | method | m = 2: median / p95 (%) | m = 4 | m = 8 | m = 16 |');
    md.push('|---|---|---:|---:|---:|---:|');
    const pct = (v: number) => (v === 0 ? '0' : v < 0.01 ? v.toExponential(1) : v.toFixed(2));
    for (const state of [...new Set(accuracy.rows.map((r) => r.state))]) {
      for (const method of ['lanczos', 'power'] as const) {
        const cells = [2, 4, 8, 16].map((m) => {
          const row = accuracy.rows.find((x) => x.state === state && x.method === method && x.matvecs === m)!;
          return `${pct(row.medianRelErrorPct)} / ${pct(row.p95RelErrorPct)}`;
        });
        md.push(`| ${state} | ${method} | ${cells.join(' | ')} |`);
      }
    }
    md.push('');
  }
  if (memory.length > 0) {
    md.push(
      '### (e) Memory: tensors / bytes left after N regularized steps (after a warm-up step), and peak bytes of one step',
    );
    md.push('');
    md.push(
      'Peak = max of tf.memory().numBytes during the step (tf.profile). "Above start" subtracts what was alive when the step began ' +
        "(weights, data, optimizer slots): the step's own working memory.",
    );
    md.push('');
    md.push(
      `| backend | model | manual loop: steps: Δtensors / Δbytes | model.fit + callback: steps: Δtensors / Δbytes | plain step peak above start (MB) | penalty (linearized) peak above start (MB) | ratio | generic penalty peak above start (MB) | ratio | absolute peak ratio: linearized / generic |`,
    );
    md.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const m of memory) {
      if (m.unsupported) {
        md.push(`| ${m.backend} | ${m.model} | unsupported¹ | unsupported¹ | — | — | — | — | — | — |`);
        continue;
      }
      const inc = (p: ProfileSummary | null) => (p ? mb(p.peakBytes - p.startBytes) : '—');
      md.push(
        `| ${m.backend} | ${m.model} | ${m.manualSteps === 0 ? 'not run' : `${m.manualSteps}: ${m.manualTensorsLeaked} / ${m.manualBytesLeaked}`} | ` +
          `${m.fitSteps === 0 ? 'not run' : `${m.fitSteps}: ${m.fitTensorsLeaked} / ${m.fitBytesLeaked}`} | ${inc(m.plainPeak)} | ${inc(m.penaltyLinearizedPeak)} | ` +
          `${ratio(m.linearizedPeakIncrementRatio)} | ${inc(m.penaltyGenericPeak)} | ${ratio(m.genericPeakIncrementRatio)} | ` +
          `${ratio(m.linearizedPeakAbsoluteRatio)} / ${ratio(m.genericPeakAbsoluteRatio)} |`,
      );
    }
    md.push('');
  }
  if (profiles.length > 0) {
    md.push('### Kernel profile (tf.profile, one run; kernel time summed by kernel name)');
    md.push('');
    md.push(
      '| backend | model | what | wall (ms) | kernels (ms) | kernel calls | top kernels: ms (share of kernel time) |',
    );
    md.push('|---|---|---|---:|---:|---:|---|');
    for (const p of profiles) {
      const top = p.summary.top
        .slice(0, 5)
        .map((k) => `${k.kernel} ×${k.calls}: ${ms(k.ms)} (${k.pct.toFixed(0)}%)`)
        .join('; ');
      md.push(
        `| ${p.backend} | ${p.model} | ${p.what} | ${ms(p.summary.wallMs)} | ${ms(p.summary.kernelMs)} | ${p.summary.kernelCalls} | ${top} |`,
      );
    }
    md.push('');
  }
  if (matmuls.length > 0) {
    md.push("### Transposed vs plain matmul at the MLP's shapes (median of 31 interleaved rounds)");
    md.push('');
    md.push(
      '| backend | product | with the transposed operand precomputed (ms) | with the transpose flag (ms) | ratio |',
    );
    md.push('|---|---|---:|---:|---:|');
    for (const m of matmuls)
      md.push(
        `| ${m.backend} | ${m.shape} | ${m.plainMs.toFixed(3)} | ${m.transposedBMs.toFixed(3)} | ${ratio(m.ratio)} |`,
      );
    md.push('');
  }
  if ([...steps, ...fits, ...memory].some((r) => r.unsupported)) {
    md.push('');
    md.push(
      '¹ ' +
        [
          ...new Set(
            [...steps, ...fits, ...memory]
              .filter((r) => r.unsupported)
              .map((r) => `${r.backend} ${r.model}: ${r.unsupported}`),
          ),
        ].join('; ') +
        ' — any gradient through a Conv2D layer fails there.',
    );
  }
  return md.join('\n');
}

/** The PyTorch peer (bench/sections/peer.ts) and the loss-Hessian step (bench/sections/targets.ts), with their times. */
function peerTables(peers: PeerRow[], hessians: HessianRow[]): string[] {
  const md: string[] = [];
  if (peers.length > 0) {
    const ran = peers.find((p) => p.peer);
    md.push(
      `### Against PyTorch: the paper's recipe on the same CPU (bench/torch_peer.py${ran?.peer ? `, torch ${ran.peer.torch}, ${ran.peer.threads} thread, ${ran.peer.python}` : ''})`,
    );
    md.push('');
    md.push(
      `MLP, batch ${BATCH}, Adam; penalty step = CE + 0.01 · mean_b ‖v_bᵀJ_b‖², v from Lanczos(${PEER_ITERATIONS}) on JJᵀ held fixed ` +
        '(PyTorch: JJᵀq by double backward, all steps run). Ours = `jr.regularizers.jacobian({iterations: 8}).penalty(net, x)` ' +
        '(the linearized operator; Lanczos stops at tol 1e-4), and the same with all 8 steps (`operatorPenalty`, tol 0). Each round runs ours, then PyTorch.',
    );
    md.push('');
    md.push(
      '| backend | rounds | plain: ours / PyTorch (ms) | ratio | penalty: ours / PyTorch (ms) | ratio | ours Lanczos steps | penalty, all 8 steps: ours (ms) | ratio | ours: linearization + Lanczos(8) off the tape / one linearization (ms) |',
    );
    md.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const p of peers) {
      if (p.skipped) md.push(`| ${p.backend} | — | skipped: ${p.skipped} | | | | | | | |`);
      else
        md.push(
          `| ${p.backend} | ${p.rounds} | ${ms(p.plain!.oursMs)} / ${ms(p.plain!.peerMs)} | ${ratio(p.plain!.ratio)} | ${ms(p.penalty!.oursMs)} / ${ms(p.penalty!.peerMs)} | ` +
            `${ratio(p.penalty!.ratio)} | ${p.oursLanczosSteps} | ${ms(p.penaltyAllSteps!.oursMs)} | ${ratio(p.penaltyAllSteps!.ratio)} | ` +
            `${ms(p.breakdown?.estimateMs)} / ${ms(p.breakdown?.linearizationMs)} |`,
        );
    }
    md.push('');
  }
  if (hessians.length > 0) {
    md.push('### Loss-Hessian penalty step / Jacobian penalty step (MLP, m = 4)');
    md.push('');
    md.push(
      "`jr.regularizers.hessian({iterations: 4, scalar: 'loss'})` (per-sample cross-entropy, HVPs by double backprop, " +
        'Lanczos in the 784-dim input space) against `jr.regularizers.jacobian({iterations: 4})` (linearized), both in CE + 0.01 · penalty steps.',
    );
    md.push('');
    md.push(
      '| backend | rounds | Jacobian penalty step (ms) | loss-Hessian penalty step (ms) | ratio | one product: linearized JJᵀu / loss-Hessian HVP (ms) | ratio |',
    );
    md.push('|---|---:|---:|---:|---:|---:|---:|');
    for (const h of hessians) {
      md.push(
        `| ${h.backend} | ${h.rounds} | ${ms(h.jacobianStepMs)} | ${ms(h.hessianStepMs)} | ${ratio(h.ratio)} | ${ms(h.products.gramMs)} / ${ms(h.products.hvpMs)} | ${ratio(h.products.ratio)} |`,
      );
    }
    md.push('');
  }
  return md;
}
