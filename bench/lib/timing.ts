/** Small timing and statistics helpers for bench/index.ts. */
import * as tf from '@tensorflow/tfjs-core';

export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}
export const median = (values: number[]) => quantile(values, 0.5);

/** Something that runs once and returns tensors to wait on (dataSync) and dispose, or nothing. */
export type Job = () => tf.Tensor | tf.Tensor[] | void | Promise<tf.Tensor | tf.Tensor[] | void>;

/** Wall milliseconds of one run of `job`, its outputs synced (dataSync) and disposed. */
export async function runOnce(job: Job): Promise<number> {
  const t0 = performance.now();
  const out = await job();
  const list = out == null ? [] : Array.isArray(out) ? out : [out];
  list.forEach((t) => t.dataSync()); // cpu and wasm run kernels synchronously; this also waits on any async backend
  const ms = performance.now() - t0;
  list.forEach((t) => t.dispose());
  return ms;
}

export interface Timing {
  /** Median milliseconds per run. */
  ms: number;
  /** All timed runs (milliseconds), in order. */
  runs: number[];
}

/**
 * Times several jobs round-robin (baseline and variants alternate, so load changes from other processes hit all
 * of them alike): `warmup` untimed rounds, then `reps` timed rounds. Returns the median per job, and per job the
 * median over rounds of (job / first job) — the paired ratio.
 */
export async function interleaved(
  jobs: Record<string, Job>,
  warmup: number,
  reps: number,
): Promise<{ timings: Record<string, Timing>; ratios: Record<string, number> }> {
  const names = Object.keys(jobs);
  const runs: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < warmup + reps; r++) {
    for (const n of names) {
      const ms = await runOnce(jobs[n]);
      if (r >= warmup) runs[n].push(ms);
    }
  }
  const timings = Object.fromEntries(names.map((n) => [n, { ms: median(runs[n]), runs: runs[n] }]));
  const base = runs[names[0]];
  const ratios = Object.fromEntries(names.map((n) => [n, median(runs[n].map((v, i) => v / base[i]))]));
  return { timings, ratios };
}

export interface KernelShare {
  kernel: string;
  calls: number;
  ms: number;
  /** Share of the summed kernel time (%). */
  pct: number;
}

export interface ProfileSummary {
  /** Wall time of the profiled run (ms); profiling adds a little per kernel. */
  wallMs: number;
  /** Sum of kernel times (ms), op-scope entries (`…__op`) excluded; wall − kernels is engine/JS overhead. */
  kernelMs: number;
  kernelCalls: number;
  /** Absolute peak of tf.memory().numBytes during the run, and the bytes alive at its start. */
  peakBytes: number;
  startBytes: number;
  newTensors: number;
  top: KernelShare[];
}

/** tf.profile of one run of `job`, kernel times summed by kernel name. */
export async function profileJob(job: () => tf.Tensor | tf.Tensor[] | void, topN = 8): Promise<ProfileSummary> {
  const startBytes = tf.memory().numBytes;
  let list: tf.Tensor[] = [];
  const t0 = performance.now();
  const info = await tf.profile(() => {
    const out = job();
    list = out == null ? [] : Array.isArray(out) ? out : [out];
    list.forEach((t) => t.dataSync());
    return list.length > 0 ? list[0] : undefined!;
  });
  const wallMs = performance.now() - t0;
  const byName = new Map<string, { calls: number; ms: number }>();
  let kernelMs = 0;
  for (const k of info.kernels) {
    // `<op>__op` entries are op scopes (e.g. fusedMatMul__op around _FusedMatMul): counting them would count twice.
    if (k.name.endsWith('__op')) continue;
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    kernelMs += ms;
    const e = byName.get(k.name) ?? { calls: 0, ms: 0 };
    e.calls++;
    e.ms += ms;
    byName.set(k.name, e);
  }
  const top = [...byName.entries()]
    .map(([kernel, e]) => ({ kernel, calls: e.calls, ms: e.ms, pct: (100 * e.ms) / Math.max(kernelMs, 1e-9) }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, topN);
  const newTensors = info.newTensors;
  list.forEach((t) => t.dispose());
  return {
    wallMs,
    kernelMs,
    kernelCalls: info.kernels.filter((k) => !k.name.endsWith('__op')).length,
    peakBytes: info.peakBytes,
    startBytes,
    newTensors,
    top,
  };
}
