/**
 * Entry of one study worker process (forked by demo/study/pool.ts): loads the data once, starts the parent's
 * backend, then runs the jobs it is sent one at a time and sends back their records and progress.
 *   parent → worker: {type: 'init', backend, dataset, train, options, evalSha256}, then {type: 'job', job} …
 *   worker → parent: {type: 'ready'}, {type: 'step' | 'trained' | 'attacked', index, …}, {type: 'done', index, record},
 *                    {type: 'error', index, message}
 * It exits when the parent disconnects.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as jr from '../../src';
import { StudyData, loadStudyData } from './data';
import { Job, JobOptions, runJob } from './job';

export interface InitMessage {
  type: 'init';
  backend: string;
  dataset: 'mnist' | 'fashion-mnist';
  train: number;
  options: JobOptions;
  evalSha256: string;
}

const send = (message: Record<string, unknown>) => process.send?.(message);

async function start(init: InitMessage): Promise<{ data: StudyData; init: InitMessage }> {
  tf.env().set('PROD', true);
  if (init.backend === 'wasm') {
    require('@tensorflow/tfjs-backend-wasm'); // optional peer, as in demo/index.ts
    jr.register();
  }
  if (!(await tf.setBackend(init.backend))) throw new Error(`study worker: backend '${init.backend}' could not start`);
  await tf.ready();
  return { data: loadStudyData(init.dataset, init.train, init.options.evalSize), init };
}

let ready: Promise<{ data: StudyData; init: InitMessage }> | null = null;
let queue: Promise<void> = Promise.resolve();

process.on('message', (message: InitMessage | { type: 'job'; job: Job }) => {
  if (message.type === 'init') {
    ready = start(message);
    ready.then(
      () => send({ type: 'ready' }),
      (error) => send({ type: 'error', index: -1, message: String(error?.stack ?? error) }),
    );
    return;
  }
  const job = message.job;
  const index = job.index;
  queue = queue.then(async () => {
    try {
      if (!ready) throw new Error('study worker: job before init');
      const { data, init } = await ready;
      const record = await runJob(
        job,
        data,
        init.options,
        { sha256: init.evalSha256 },
        {
          step: (label) => send({ type: 'step', index, label }),
          trained: (seconds) => send({ type: 'trained', index, seconds }),
          attacked: (seconds, label) => send({ type: 'attacked', index, seconds, label }),
        },
      );
      send({ type: 'done', index, record });
    } catch (error) {
      send({ type: 'error', index, message: String((error as Error)?.stack ?? error) });
    }
  });
});
process.on('disconnect', () => process.exit(0));
