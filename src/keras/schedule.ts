/**
 * Piecewise-constant schedules by epoch (optax `piecewise_constant_schedule`): value = values[i] for
 * boundaries[i−1] ≤ epoch < boundaries[i]. The paper's Lanczos iterations, 2/4/8/16 from epochs 0/50/70/90, are
 * `{boundaries: [50, 70, 90], values: [2, 4, 8, 16]}`. A plain number is a constant schedule.
 */
import { checkNumber, checkOptions, fail } from '../errors';

/** A piecewise-constant schedule: `values[i]` from epoch `boundaries[i − 1]` on. */
export interface PiecewiseConstant {
  /** Increasing epochs ≥ 0 at which the value changes. */
  boundaries: number[];
  /** The value on each interval: one more than `boundaries`. */
  values: number[];
}
/** A constant number or a {@link PiecewiseConstant} schedule by epoch. */
export type Schedule = number | PiecewiseConstant;

const SCHEDULE_KEYS = ['boundaries', 'values'] as const;
const SCHEDULE_RULE =
  'must be a number or {boundaries: number[], values: number[]} with one more value than boundaries';

/**
 * The schedule's value at `epoch` (0-based).
 * @throws ValueError when the schedule is malformed or `epoch` is not a finite number ≥ 0.
 * @internal
 */
export function scheduleValue(schedule: Schedule, epoch: number): number {
  checkNumber('jr.scheduleValue', 'epoch', epoch, { min: 0 });
  if (typeof schedule === 'number') return schedule;
  validateSchedule('jr.scheduleValue', 'schedule', schedule, () => null);
  let i = 0;
  while (i < schedule.boundaries.length && epoch >= schedule.boundaries[i]) i++;
  return schedule.values[i];
}

/**
 * Checks a schedule named `parameter` of the entry point `where`: a number, or boundaries that increase from 0 on
 * and values.length = boundaries.length + 1 (no other keys); every value passes `check`, which returns the rule it
 * breaks or null. Errors read "<where>: <parameter>[.values[i]] <rule>; got <value>."
 * @internal
 */
export function validateSchedule(
  where: string,
  parameter: string,
  schedule: unknown,
  check: (value: number) => string | null,
): void {
  if (typeof schedule === 'number') {
    const rule = check(schedule);
    if (rule) fail(where, parameter, rule, schedule);
    return;
  }
  if (schedule === null || typeof schedule !== 'object' || Array.isArray(schedule))
    fail(where, parameter, SCHEDULE_RULE, schedule);
  checkOptions(where, schedule, SCHEDULE_KEYS, parameter);
  const { boundaries, values } = schedule as Partial<PiecewiseConstant>;
  if (!Array.isArray(boundaries) || !Array.isArray(values) || values.length !== boundaries.length + 1) {
    fail(where, parameter, SCHEDULE_RULE, schedule);
  }
  const increasing = boundaries.every(
    (b, i) => typeof b === 'number' && Number.isFinite(b) && b >= 0 && (i === 0 || b > boundaries[i - 1]),
  );
  if (!increasing) fail(where, `${parameter}.boundaries`, 'must be increasing epochs ≥ 0', boundaries);
  values.forEach((v, i) => {
    const rule = typeof v === 'number' ? check(v) : 'must be a number';
    if (rule) fail(where, `${parameter}.values[${i}]`, rule, v);
  });
}
