/**
 * Progress of the whole study with an estimate of the time left. Work is counted in units: a training step of an
 * arm costs its measured seconds per step once one model of that arm has trained (before that, the arm's prior
 * relative cost × the fastest measured step), and an attack run costs the measured mean seconds per run.
 */
import { SingleBar } from 'cli-progress';

export interface Job {
  arm: string;
  /** Training steps and their prior relative cost. */
  steps: number;
  stepCost: number;
  /** Attack runs ((norm, ε) pairs). */
  attacks: number;
}

const clock = (s: number) => {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m} min ${String(Math.round(s % 60)).padStart(2, '0')} s` : `${Math.round(s)} s`;
};

export class StudyProgress {
  private readonly start = performance.now();
  private readonly stepSeconds = new Map<string, number>();
  private attackSeconds: number | null = null;
  private attackRuns = 0;
  private attackTotal = 0;
  private done = 0; // finished jobs
  private stepsInJob = 0;
  private attacksInJob = 0;
  private readonly bar: SingleBar | null;

  constructor(
    private readonly jobs: Job[],
    quiet: boolean
  ) {
    this.bar = quiet ? null : new SingleBar({ format: '{bar} {percentage}% | model {model}/{models} {label} | {elapsed} elapsed, ~{left} left', hideCursor: true });
    this.bar?.start(100, 0, { model: 1, models: jobs.length, label: '', elapsed: '0 s', left: '?' });
  }

  /** Seconds one step of `job` is expected to take. */
  private stepTime(job: Job): number {
    const measured = this.stepSeconds.get(job.arm);
    if (measured !== undefined) return measured;
    let base = Infinity;
    for (const [arm, s] of this.stepSeconds) base = Math.min(base, s / (this.jobs.find((j) => j.arm === arm)?.stepCost ?? 1));
    return Number.isFinite(base) ? base * job.stepCost : NaN;
  }

  /** Expected seconds left: the unfinished part of the current job plus every later job. */
  private left(): number {
    const attack = this.attackSeconds ?? NaN;
    let total = 0;
    this.jobs.slice(this.done).forEach((job, i) => {
      const steps = i === 0 ? job.steps - this.stepsInJob : job.steps;
      const attacks = i === 0 ? job.attacks - this.attacksInJob : job.attacks;
      total += steps * this.stepTime(job) + attacks * attack;
    });
    return total;
  }

  private update(label: string): void {
    const elapsed = (performance.now() - this.start) / 1000;
    const left = this.left();
    const fraction = Number.isFinite(left) ? elapsed / (elapsed + left) : this.done / this.jobs.length;
    this.bar?.update(Math.round(100 * fraction), { model: Math.min(this.done + 1, this.jobs.length), models: this.jobs.length, label, elapsed: clock(elapsed), left: clock(left) });
  }

  step(label: string): void {
    this.stepsInJob++;
    this.update(label);
  }

  /** After a model's training: its measured seconds per step replaces the prior for its arm. */
  trained(arm: string, seconds: number, steps: number): void {
    if (!this.stepSeconds.has(arm)) this.stepSeconds.set(arm, seconds / Math.max(1, steps));
  }

  attacked(seconds: number, label: string): void {
    this.attacksInJob++;
    this.attackRuns++;
    this.attackTotal += seconds;
    this.attackSeconds = this.attackTotal / this.attackRuns;
    this.update(label);
  }

  jobDone(): void {
    this.done++;
    this.stepsInJob = 0;
    this.attacksInJob = 0;
    this.update('');
  }

  stop(): number {
    this.bar?.update(100);
    this.bar?.stop();
    return (performance.now() - this.start) / 1000;
  }

  /** A log line above the bar. */
  log(line: string): void {
    if (this.bar) {
      this.bar.stop();
      console.log(line);
      this.bar.start(100, 0);
      this.update('');
    } else console.log(line);
  }
}
