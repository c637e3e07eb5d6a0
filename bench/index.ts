/**
 * Cost benchmark of Jacobian regularization: every number is a ratio against a baseline measured in the same
 * process (a plain training step, a plain fit epoch, or PyTorch's step on the same CPU), never an absolute assertion.
 *
 *   npm run bench                                # = ts-node bench/index.ts: cpu, wasm (and tensorflow when tfjs-node is installed)
 *   BENCH_BACKENDS=wasm npm run bench            # chosen backends
 *   BENCH_SECTIONS=peer,targets npm run bench    # chosen sections (default: all, in SECTIONS order)
 *   BENCH_QUICK=1 npm run bench                  # fewer repetitions (smoke run)
 *   BENCH_PYTHON=/usr/bin/python3                # the python with torch for the peer (else python3, /usr/bin/python3)
 *   npm run bench -- --browser                   # the target ratios in headless Chromium (webgl, wasm): bench/lib/browser.ts
 *
 * Each section lives in bench/sections/<measure>.ts and returns rows; bench/lib/report.ts renders them. Writes
 * bench/results/bench.json and bench/results/bench.md and prints the markdown.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { execSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DESCRIPTION, ModelKind } from './lib/models';
import { BATCH, EVERY, FIT_SAMPLES, ITERATIONS, LEAK_STEPS, PENALTY_WEIGHT, QUICK, log, round } from './lib/common';
import { backendsToRun, useBackend } from './lib/backends';
import { BenchResults, renderMarkdown } from './lib/report';
import { stepSection } from './sections/steps';
import { fitSection } from './sections/fit';
import { memorySection } from './sections/memory';
import { profileSection } from './sections/profile';
import { matmulSection } from './sections/matmul';
import { accuracySection } from './sections/accuracy';
import { PEER_ITERATIONS, peerSection } from './sections/peer';
import { LONG_LEAK_STEPS, hessianSection, longLeakSection } from './sections/targets';

const SECTIONS = ['steps', 'fit', 'memory', 'profile', 'matmul', 'accuracy', 'peer', 'hessian', 'leak'] as const;
type Section = (typeof SECTIONS)[number];

function selectedSections(): Set<Section> {
  const asked = (process.env.BENCH_SECTIONS ?? SECTIONS.join(',')).split(',').filter(Boolean);
  const unknown = asked.filter((s) => !(SECTIONS as readonly string[]).includes(s));
  if (unknown.length > 0)
    throw new Error(`BENCH_SECTIONS: unknown section(s) ${unknown.join(', ')}; known: ${SECTIONS.join(', ')}`);
  return new Set(asked as Section[]);
}

function nproc(): number {
  try {
    return Number(execSync('nproc', { encoding: 'utf8' }).trim());
  } catch {
    return os.cpus().length;
  }
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const sections = selectedSections();
  const backends = backendsToRun();
  const env: Record<string, unknown> = {
    tfjsCore: tf.version_core,
    tfjsLayers: tfl.version_layers,
    node: process.version,
    nproc: nproc(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    platform: `${os.platform()} ${os.release()}`,
    loadAverageAtStart: os.loadavg().map((v) => round(v)),
    quick: QUICK,
    sections: [...sections],
  };
  const r: BenchResults = {
    env,
    backendsRun: [],
    steps: [],
    fits: [],
    memory: [],
    profiles: [],
    matmuls: [],
    accuracy: null,
    peers: [],
    hessians: [],
    longLeaks: [],
  };

  for (const backend of backends) {
    const used = await useBackend(backend);
    if (!used.ok) continue;
    r.backendsRun.push(backend);
    if (backend === 'wasm') {
      env.wasmVersion = require('@tensorflow/tfjs-backend-wasm').version_wasm;
      env.wasmSimd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
      env.wasmThreads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    }
    if (backend === 'tensorflow') env.tensorflowProvider = used.provider;
    log(`backend ${backend}: tensors alive ${tf.memory().numTensors}`);
    for (const kind of ['mlp', 'cnn'] as ModelKind[]) {
      if (sections.has('steps')) r.steps.push(await stepSection(kind));
      if (sections.has('fit')) r.fits.push(await fitSection(kind));
      if (sections.has('memory')) r.memory.push(await memorySection(kind));
      if (sections.has('profile')) r.profiles.push(...(await profileSection(kind)));
    }
    if (sections.has('matmul')) r.matmuls.push(...(await matmulSection()));
    if (sections.has('peer')) r.peers.push(await peerSection());
    if (sections.has('hessian')) r.hessians.push(await hessianSection());
    if (sections.has('leak')) {
      const row = await longLeakSection();
      if (row) r.longLeaks.push(row);
    }
    // (d) once, on wasm when it runs (the numbers are the estimator's, not the backend's).
    if (sections.has('accuracy') && r.accuracy == null && (backend === 'wasm' || !backends.includes('wasm')))
      r.accuracy = await accuracySection();
  }
  if (sections.has('accuracy') && r.accuracy == null) r.accuracy = await accuracySection();
  env.backends = r.backendsRun;
  env.loadAverageAtEnd = os.loadavg().map((v) => round(v));
  const wallSeconds = (performance.now() - t0) / 1000;
  env.wallSeconds = round(wallSeconds, 1);

  const markdown = renderMarkdown(r);
  const command =
    `${[process.env.BENCH_BACKENDS && `BENCH_BACKENDS=${process.env.BENCH_BACKENDS}`, process.env.BENCH_SECTIONS && `BENCH_SECTIONS=${process.env.BENCH_SECTIONS}`, QUICK && 'BENCH_QUICK=1'].filter(Boolean).join(' ')} npm run bench`.trim();
  const outDir = path.join(__dirname, 'results');
  fs.mkdirSync(outDir, { recursive: true });
  const config = {
    batch: BATCH,
    penaltyWeight: PENALTY_WEIGHT,
    iterations: ITERATIONS,
    peerIterations: PEER_ITERATIONS,
    fitSamples: FIT_SAMPLES,
    every: EVERY,
    leakSteps: LEAK_STEPS,
    longLeakSteps: LONG_LEAK_STEPS,
    models: DESCRIPTION,
  };
  const { env: _env, ...rows } = r;
  fs.writeFileSync(
    path.join(outDir, 'bench.json'),
    JSON.stringify(
      {
        command: `${command}   # = ts-node bench/index.ts`,
        date: new Date().toISOString(),
        environment: env,
        config,
        ...rows,
        markdown,
      },
      null,
      2,
    ) + '\n',
  );
  fs.writeFileSync(
    path.join(outDir, 'bench.md'),
    `# Benchmark results\n\n\`${command}\` (${new Date().toISOString()})\n\n${markdown}\n`,
  );
  console.log(markdown);
  log(`wrote bench/results/bench.json and bench/results/bench.md (${wallSeconds.toFixed(0)} s)`);
}

/** `--browser` (npm run bench -- --browser) runs bench/lib/browser.ts instead: bench-browser.{json,md}, Node results untouched. */
function entry(): () => Promise<void> {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--browser');
  if (unknown.length > 0) throw new Error(`bench: unknown argument(s) ${unknown.join(' ')}; known: --browser.`);
  return args.includes('--browser')
    ? () => (require('./lib/browser') as typeof import('./lib/browser')).browserMain()
    : main;
}

Promise.resolve()
  .then(() => entry()())
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
