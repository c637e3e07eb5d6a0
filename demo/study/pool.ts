/**
 * Where the study's jobs run: in the parent process (`--workers 1`) or in N forked worker processes
 * (demo/study/worker.ts, started with ts-node like `npm run demo`). tfjs's wasm backend is single-threaded, so one
 * worker per core keeps every core busy. A runner has `slots` jobs in flight at most; the caller schedules.
 */
import { ChildProcess, fork } from 'child_process';
import * as path from 'path';
import { StudyData } from './data';
import { Job, JobEvents, JobOptions, runJob } from './job';
import { ModelResult } from './summary';
import type { InitMessage } from './worker';

export interface Runner {
  slots: number;
  /** Runs one job (at most `slots` at a time). */
  run(job: Job, events: JobEvents): Promise<ModelResult>;
  close(): void;
}

/** Runs the jobs one at a time in this process. */
export function inProcessRunner(data: StudyData, o: JobOptions, evalFile: { sha256: string }): Runner {
  return { slots: 1, run: (job, events) => runJob(job, data, o, evalFile, events), close: () => {} };
}

interface Pending {
  resolve(record: ModelResult): void;
  reject(error: Error): void;
  events: JobEvents;
}

type WorkerMessage =
  | { type: 'ready' }
  | { type: 'step'; index: number; label: string }
  | { type: 'trained'; index: number; seconds: number }
  | { type: 'attacked'; index: number; seconds: number; label: string }
  | { type: 'done'; index: number; record: ModelResult }
  | { type: 'error'; index: number; message: string };

/** Forks `workers` processes, each loading the data and starting `init.backend`; resolves once all are ready. */
export async function workerPool(workers: number, init: Omit<InitMessage, 'type'>): Promise<Runner> {
  const root = path.resolve(__dirname, '..', '..');
  const children: ChildProcess[] = [];
  const busy = new Map<ChildProcess, number>(); // child → index of its job
  const pending = new Map<number, Pending>();
  let closing = false;

  const failJob = (index: number, error: Error) => {
    const p = pending.get(index);
    pending.delete(index);
    p?.reject(error);
  };
  const startOne = () =>
    new Promise<ChildProcess>((resolve, reject) => {
      const child = fork(path.join(__dirname, 'worker.ts'), [], {
        cwd: root,
        execArgv: ['-r', 'ts-node/register'],
        env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1', TS_NODE_PROJECT: path.join(root, 'tsconfig.json') },
      });
      children.push(child);
      child.on('message', (m: WorkerMessage) => {
        if (m.type === 'ready') return resolve(child);
        if (m.type === 'error' && m.index < 0) return reject(new Error(m.message));
        const p = pending.get(m.index);
        if (!p) return;
        if (m.type === 'step') p.events.step(m.label);
        else if (m.type === 'trained') p.events.trained(m.seconds);
        else if (m.type === 'attacked') p.events.attacked(m.seconds, m.label);
        else {
          busy.delete(child);
          pending.delete(m.index);
          if (m.type === 'done') p.resolve(m.record);
          else p.reject(new Error(`study worker, job ${m.index}: ${m.message}`));
        }
      });
      child.on('exit', (code, signal) => {
        const error = new Error(`study worker ${child.pid} exited (code ${code}, signal ${signal})`);
        reject(error);
        const index = busy.get(child);
        if (index !== undefined && !closing) failJob(index, error);
      });
      child.send({ type: 'init', ...init });
    });

  const close = () => {
    closing = true;
    for (const child of children) if (child.connected) child.disconnect();
  };
  try {
    await Promise.all(Array.from({ length: workers }, startOne));
  } catch (error) {
    close();
    throw error;
  }
  return {
    slots: workers,
    run: (job, events) =>
      new Promise<ModelResult>((resolve, reject) => {
        const child = children.find((c) => !busy.has(c) && c.connected);
        if (!child) return reject(new Error('study: no idle worker (more jobs in flight than slots)'));
        busy.set(child, job.index);
        pending.set(job.index, { resolve, reject, events });
        child.send({ type: 'job', job });
      }),
    close,
  };
}
