/**
 * Aggregation of the study's models over seeds (mean, sample standard deviation, min, max), the markdown table and
 * the Pareto charts: clean accuracy (full test set) vs robust accuracy, one curve per arm in weight order.
 */
import { ChartSpec } from '../report';

/** One (norm, ε) evaluation: its key in results.json is `${norm}-${epsilon}`, e.g. 'linf-0.1'. */
export interface ThreatModel {
  norm: 'linf' | 'l2';
  epsilon: number;
}
export const threatKey = (t: ThreatModel) => `${t.norm}-${t.epsilon}`;
export const threatLabel = (t: ThreatModel) => `${t.norm === 'linf' ? 'ℓ∞' : 'ℓ2'} ε=${t.epsilon}`;

/** What is recorded for one trained model (also its metrics.json, with a few more fields). */
export interface ModelResult {
  arm: string;
  weight: number;
  seed: number;
  /** Folder of the saved model, relative to the output folder. */
  dir: string;
  /** Accuracy on the full test set (every image not used for training). */
  cleanAccuracy: number;
  /** Accuracy on the evaluation images, unattacked. */
  evalCleanAccuracy: number;
  /** Per threat key: robust accuracy on the evaluation images and the accuracy left after each attack. */
  robust: Record<string, { robustAccuracy: number; perAttack: Record<string, number> }>;
  /** Mean exact σ_max of the logits' input-Jacobian over the first probe evaluation images. */
  sigma: number;
  trainSeconds: number;
  evalSeconds: number;
  finalLoss: number;
  stopReason: string | null;
}

export interface Stat {
  mean: number;
  std: number;
  min: number;
  max: number;
  n: number;
}

/** mean, sample standard deviation (0 for one value), min, max. */
export function stat(values: number[]): Stat {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std, min: Math.min(...values), max: Math.max(...values), n };
}

export interface Aggregate {
  arm: string;
  weight: number;
  seeds: number[];
  cleanAccuracy: Stat;
  robust: Record<string, Stat>;
  sigma: Stat;
  trainSeconds: Stat;
}

/** Groups the models by (arm, weight), in the order they were trained. */
export function aggregate(models: ModelResult[], threats: ThreatModel[]): Aggregate[] {
  const groups = new Map<string, ModelResult[]>();
  for (const m of models) {
    const key = `${m.arm}\u0000${m.weight}`;
    groups.set(key, [...(groups.get(key) ?? []), m]);
  }
  return [...groups.values()].map((g) => ({
    arm: g[0].arm,
    weight: g[0].weight,
    seeds: g.map((m) => m.seed),
    cleanAccuracy: stat(g.map((m) => m.cleanAccuracy)),
    robust: Object.fromEntries(
      threats.map((t) => [threatKey(t), stat(g.map((m) => m.robust[threatKey(t)].robustAccuracy))]),
    ),
    sigma: stat(g.map((m) => m.sigma)),
    trainSeconds: stat(g.map((m) => m.trainSeconds)),
  }));
}

const pm = (s: Stat) =>
  s.n > 1 ? `${(100 * s.mean).toFixed(1)} ± ${(100 * s.std).toFixed(1)}` : (100 * s.mean).toFixed(1);

/** Table: one row per (arm, weight); accuracies in % as mean ± standard deviation over seeds. */
export function summaryTable(aggregates: Aggregate[], threats: ThreatModel[]): { headers: string[]; rows: string[][] } {
  const headers = [
    'arm',
    'weight',
    'seeds',
    'clean %',
    ...threats.map((t) => `${threatLabel(t)} %`),
    'σ_max(J)',
    'train s',
  ];
  const rows = aggregates.map((a) => [
    a.arm,
    a.arm === 'plain' ? '–' : String(a.weight),
    String(a.seeds.length),
    pm(a.cleanAccuracy),
    ...threats.map((t) => pm(a.robust[threatKey(t)])),
    a.sigma.mean.toFixed(2),
    a.trainSeconds.mean.toFixed(1),
  ]);
  return { headers, rows };
}

/** One Pareto chart per threat model: x clean accuracy, y robust accuracy (%), ± standard deviation over seeds. */
export function paretoCharts(aggregates: Aggregate[], threats: ThreatModel[]): ChartSpec[] {
  const arms = [...new Set(aggregates.map((a) => a.arm))];
  return threats.map((t) => ({
    title: `Clean vs robust accuracy, ${threatLabel(t)} (mean ± sd over seeds)`,
    file: `pareto-${threatKey(t)}`,
    xLabel: 'clean accuracy, full test set (%)',
    yLabel: `robust accuracy, ${threatLabel(t)} (%)`,
    keepOrder: true,
    series: arms.map((arm) => {
      const points = aggregates.filter((a) => a.arm === arm).sort((a, b) => a.weight - b.weight);
      const r = points.map((a) => a.robust[threatKey(t)]);
      return {
        name: arm,
        x: points.map((a) => 100 * a.cleanAccuracy.mean),
        y: r.map((s) => 100 * s.mean),
        xError: points.map((a) => 100 * a.cleanAccuracy.std),
        yError: r.map((s) => 100 * s.std),
      };
    }),
  }));
}
