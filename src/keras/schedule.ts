/**
 * Piecewise-constant schedules by epoch (optax `piecewise_constant_schedule`): value = values[i] for
 * boundaries[i−1] ≤ epoch < boundaries[i]. The paper's Lanczos iterations, 2/4/8/16 from epochs 0/50/70/90, are
 * `{boundaries: [50, 70, 90], values: [2, 4, 8, 16]}`. A plain number is a constant schedule.
 */
export interface PiecewiseConstant {
  /** Increasing epochs ≥ 0 at which the value changes. */
  boundaries: number[];
  /** The value on each interval: one more than `boundaries`. */
  values: number[];
}
/** A constant number or a {@link PiecewiseConstant} schedule by epoch. */
export type Schedule = number | PiecewiseConstant;

/** The schedule's value at `epoch` (0-based). */
export function scheduleValue(schedule: Schedule, epoch: number): number {
  if (typeof schedule === 'number') return schedule;
  let i = 0;
  while (i < schedule.boundaries.length && epoch >= schedule.boundaries[i]) i++;
  return schedule.values[i];
}

/**
 * Checks a schedule: every value passes `check` (which returns an error text or null), boundaries increase, and
 * values.length = boundaries.length + 1. Errors name `parameter`.
 */
export function validateSchedule(parameter: string, schedule: Schedule, check: (value: number) => string | null): void {
  const fail = (why: string) => {
    throw new Error(`${parameter}: ${why}; got ${JSON.stringify(schedule)}.`);
  };
  if (typeof schedule === 'number') {
    const problem = check(schedule);
    if (problem) fail(problem);
    return;
  }
  const { boundaries, values } = schedule ?? ({} as PiecewiseConstant);
  if (!Array.isArray(boundaries) || !Array.isArray(values) || values.length !== boundaries.length + 1) {
    fail('must be a number or {boundaries: number[], values: number[]} with one more value than boundaries');
  }
  if (boundaries.some((b, i) => !Number.isFinite(b) || b < 0 || (i > 0 && b <= boundaries[i - 1]))) {
    fail('boundaries must be increasing epochs ≥ 0');
  }
  values.forEach((v) => {
    const problem = check(v);
    if (problem) fail(problem);
  });
}
