/**
 * Progress of the whole study with an estimate of the time left. Work is counted in units: a training step of an
 * arm costs its measured seconds per step once one model of that arm has trained (before that, the arm's prior
 * relative cost × the fastest measured step), and an attack run costs the measured mean seconds per run. Jobs run
 * `workers` at a time, so the time left is the work left divided by min(workers, unfinished jobs).
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
  private readonly state: Array<{ steps: number; attacks: number; done: boolean }>;
  private readonly bar: SingleBar | null;

  constructor(
    private readonly jobs: Job[],
    private readonly workers: number,
    quiet: boolean,
  ) {
    this.state = jobs.map(() => ({ steps: 0, attacks: 0, done: false }));
    this.bar = quiet
      ? null
      : new SingleBar({
          format: '{bar} {percentage}% | models done {model}/{models} {label} | {elapsed} elapsed, ~{left} left',
          hideCursor: true,
        });
    this.bar?.start(100, 0, { model: 0, models: jobs.length, label: '', elapsed: '0 s', left: '?' });
  }

  /** Seconds one step of `job` is expected to take. */
  private stepTime(job: Job): number {
    const measured = this.stepSeconds.get(job.arm);
    if (measured !== undefined) return measured;
    let base = Infinity;
    for (const [arm, s] of this.stepSeconds)
      base = Math.min(base, s / (this.jobs.find((j) => j.arm === arm)?.stepCost ?? 1));
    return Number.isFinite(base) ? base * job.stepCost : NaN;
  }

  /** Expected seconds left: the unfinished work of every job, shared by the workers. */
  private left(): number {
    const attack = this.attackSeconds ?? NaN;
    let total = 0;
    let open = 0;
    this.jobs.forEach((job, i) => {
      const s = this.state[i];
      if (s.done) return;
      open++;
      total += Math.max(0, job.steps - s.steps) * this.stepTime(job) + Math.max(0, job.attacks - s.attacks) * attack;
    });
    return open ? total / Math.min(this.workers, open) : 0;
  }

  private update(label: string): void {
    const elapsed = (performance.now() - this.start) / 1000;
    const left = this.left();
    const fraction = Number.isFinite(left) ? elapsed / (elapsed + left) : this.done / this.jobs.length;
    this.bar?.update(Math.round(100 * fraction), {
      model: this.done,
      models: this.jobs.length,
      label,
      elapsed: clock(elapsed),
      left: clock(left),
    });
  }

  step(job: number, label: string): void {
    this.state[job].steps++;
    this.update(label);
  }

  /** After a model's training: its measured seconds per step replaces the prior for its arm. */
  trained(arm: string, seconds: number, steps: number): void {
    if (!this.stepSeconds.has(arm)) this.stepSeconds.set(arm, seconds / Math.max(1, steps));
  }

  attacked(job: number, seconds: number, label: string): void {
    this.state[job].attacks++;
    this.attackRuns++;
    this.attackTotal += seconds;
    this.attackSeconds = this.attackTotal / this.attackRuns;
    this.update(label);
  }

  jobDone(job: number): void {
    this.state[job].done = true;
    this.done++;
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
