/**
 * `npm run bench -- --browser`: the bench's target ratios in headless Chromium, on webgl (Debian's chromium gives
 * WebGL2 through SwiftShader, a CPU renderer) and wasm. Builds a temporary folder with bench/browser/ and the
 * vendor files (tf.min.js, tf-backend-wasm.min.js + its .wasm, the package's UMD bundle from `npm run build`),
 * serves it (scripts/serve-web.ts), loads the page once per backend (playwright-core, /usr/bin/chromium or
 * $CHROMIUM_PATH) and collects window.__bench. Writes bench/results/bench-browser.{json,md}; the Node results
 * (bench.{json,md}) are left as they are.
 *
 *   BENCH_BACKENDS=webgl              one of webgl, wasm (default: both)
 *   BENCH_QUICK=1                     1 warm-up + 2 rounds, 20 leak steps (smoke run)
 *   BENCH_BROWSER_LEAK_SECONDS=120    stop the 1,000-step leak check after this long (SwiftShader is slow)
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Browser } from 'playwright-core';
import { serveWeb } from '../../scripts/serve-web';
import { BATCH, PENALTY_WEIGHT, ITERATIONS, log, round } from './common';
import { DESCRIPTION } from './models';
import { renderBrowserMarkdown } from './browser_report';
import { CHROMIUM, CHROMIUM_ARGS, launchChromium } from '../../scripts/chromium';

export const BROWSER_BACKENDS = ['webgl', 'wasm'] as const;
const ROOT = path.resolve(__dirname, '../..');

interface Timing {
  ms: number;
  runs: number[];
}
interface Peak {
  peakBytes: number;
  startBytes: number;
  kernelCalls: number;
  gpu: { startBytes: number; peakBytes: number } | null;
}
/** What bench/browser/main.js leaves in window.__bench.result (one backend). */
export interface PageResult {
  backend: string;
  quick: boolean;
  env: Record<string, unknown>;
  errors: Record<string, string>;
  steps?: {
    rounds: number;
    warmup: number;
    timings: Record<'plain' | 'penalty' | 'penalty8' | 'penalty8AllSteps', Timing>;
    ratios: Record<string, number>;
    lanczosSteps8: number;
  };
  hessian?: { rounds: number; jacobianStepMs: number; hessianStepMs: number; ratio: number };
  memory?: {
    plain: Peak;
    penalty: Peak;
    incrementRatio: number;
    absoluteRatio: number;
    gpuIncrementRatio: number | null;
    gpuAbsoluteRatio: number | null;
  };
  leak?: {
    requestedSteps: number;
    steps: number;
    stoppedEarly: boolean;
    tensorsLeaked: number;
    bytesLeaked: number;
    seconds: number;
  };
  seconds?: number;
  tensorsAliveAtEnd?: number;
}
/** One backend's page: its result, or why there is none. */
export interface BackendRun {
  backend: string;
  result: PageResult | null;
  error: string | null;
  seconds: number;
}
export interface BrowserBenchOptions {
  backends?: string[];
  quick?: boolean;
  leakSteps?: number;
  leakSeconds?: number;
  /** How long one backend's page may run (ms). */
  pageTimeoutMs?: number;
  /** Progress lines (default: the bench's log). */
  onLine?: (line: string) => void;
}

/** bench/browser/ and its vendor files in a temporary folder (the caller removes it). */
export function buildBenchPage(): string {
  const bundle = path.join(ROOT, 'dist/tfjs-jacobian-reg.umd.js');
  if (!fs.existsSync(bundle))
    throw new Error(`bench --browser: ${path.relative(ROOT, bundle)} is missing; run npm run build first.`);
  const wasmDist = path.join(ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
  const vendor: Array<[string, string]> = [
    [path.join(ROOT, 'node_modules/@tensorflow/tfjs/dist/tf.min.js'), 'tf.min.js'],
    [path.join(wasmDist, 'tf-backend-wasm.min.js'), 'tf-backend-wasm.min.js'],
    [bundle, 'tfjs-jacobian-reg.umd.js'],
    ...['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'].map(
      (f): [string, string] => [path.join(wasmDist, f), f],
    ),
  ];
  const missing = vendor.filter(([from]) => !fs.existsSync(from)).map(([from]) => path.relative(ROOT, from));
  if (missing.length > 0)
    throw new Error(`bench --browser: missing ${missing.join(', ')}; run npm install (and npm run build).`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jr-bench-browser-'));
  fs.mkdirSync(path.join(dir, 'vendor'));
  const page = path.join(ROOT, 'bench/browser');
  for (const f of fs.readdirSync(page)) fs.copyFileSync(path.join(page, f), path.join(dir, f));
  for (const [from, to] of vendor) fs.copyFileSync(from, path.join(dir, 'vendor', to));
  return dir;
}

/** Loads the page once for `backend` in `browser` and waits for window.__bench.done. */
async function runPage(
  browser: Browser,
  url: string,
  backend: string,
  timeoutMs: number,
  onLine: (line: string) => void,
): Promise<BackendRun> {
  const t0 = Date.now();
  const page = await browser.newPage();
  const pageErrors: string[] = [];
  page.on('console', (m) => onLine(m.text()));
  page.on('pageerror', (e) => pageErrors.push(e.message));
  try {
    await page.goto(url, { waitUntil: 'load', timeout: 60000 });
    await page.waitForFunction(
      () => (window as unknown as { __bench?: { done: boolean } }).__bench?.done === true,
      null,
      { timeout: timeoutMs, polling: 1000 },
    );
    const state = await page.evaluate(
      () => (window as unknown as { __bench: { error: string | null; result: PageResult | null } }).__bench,
    );
    const error = state.error ?? (pageErrors.length > 0 ? pageErrors.join('; ') : null);
    return { backend, result: state.result, error, seconds: (Date.now() - t0) / 1000 };
  } catch (e) {
    return {
      backend,
      result: null,
      error: `${(e as Error).message.split('\n')[0]}${pageErrors.length ? ` (page: ${pageErrors.join('; ')})` : ''}`,
      seconds: (Date.now() - t0) / 1000,
    };
  } finally {
    await page.close();
  }
}

/** Runs the page on each backend (a fresh page each) and returns what each reported. */
export async function runBrowserBench(
  options: BrowserBenchOptions = {},
): Promise<{ chromium: string; runs: BackendRun[] }> {
  const backends = options.backends ?? [...BROWSER_BACKENDS];
  const unknown = backends.filter((b) => !(BROWSER_BACKENDS as readonly string[]).includes(b));
  if (unknown.length > 0)
    throw new Error(
      `bench --browser: backends must be among ${BROWSER_BACKENDS.join(', ')}; got ${unknown.join(', ')}.`,
    );
  const onLine = options.onLine ?? ((line: string) => log(line));
  const dir = buildBenchPage();
  const server = await serveWeb(dir, 0);
  let browser: Browser | null = null;
  try {
    browser = await launchChromium('bench --browser');
    const query = (b: string) =>
      new URLSearchParams({
        backend: b,
        ...(options.quick ? { quick: '1' } : {}),
        ...(options.leakSteps ? { leakSteps: String(options.leakSteps) } : {}),
        ...(options.leakSeconds ? { leakSeconds: String(options.leakSeconds) } : {}),
      });
    const runs: BackendRun[] = [];
    for (const b of backends) {
      const run = await runPage(
        browser,
        `${server.url}index.html?${query(b)}`,
        b,
        options.pageTimeoutMs ?? 20 * 60000,
        onLine,
      );
      if (run.error) onLine(`[${b}] error: ${run.error}`);
      runs.push(run);
    }
    return { chromium: browser.version(), runs };
  } finally {
    await browser?.close();
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** `npm run bench -- --browser`: runs, writes bench/results/bench-browser.{json,md}, prints the markdown. */
export async function browserMain(): Promise<void> {
  const t0 = performance.now();
  const quick = process.env.BENCH_QUICK === '1';
  const backends = process.env.BENCH_BACKENDS
    ? process.env.BENCH_BACKENDS.split(',').filter(Boolean)
    : [...BROWSER_BACKENDS];
  const leakSeconds = process.env.BENCH_BROWSER_LEAK_SECONDS ? Number(process.env.BENCH_BROWSER_LEAK_SECONDS) : 120;
  if (!(leakSeconds > 0))
    throw new Error(
      `bench --browser: BENCH_BROWSER_LEAK_SECONDS must be a positive number of seconds; got ${process.env.BENCH_BROWSER_LEAK_SECONDS}.`,
    );
  const loadAverageAtStart = os.loadavg().map((v) => round(v));
  const { chromium: version, runs } = await runBrowserBench({ backends, quick, leakSeconds });
  const environment = {
    chromium: version,
    chromiumPath: CHROMIUM,
    flags: CHROMIUM_ARGS,
    node: process.version,
    nproc: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    loadAverageAtStart,
    loadAverageAtEnd: os.loadavg().map((v) => round(v)),
    wallSeconds: round((performance.now() - t0) / 1000, 1),
    quick,
  };
  const markdown = renderBrowserMarkdown(runs, environment);
  const command = `${[
    process.env.BENCH_BACKENDS && `BENCH_BACKENDS=${process.env.BENCH_BACKENDS}`,
    quick && 'BENCH_QUICK=1',
    process.env.BENCH_BROWSER_LEAK_SECONDS && `BENCH_BROWSER_LEAK_SECONDS=${leakSeconds}`,
  ]
    .filter(Boolean)
    .join(' ')} npm run bench -- --browser`.trim();
  const config = {
    batch: BATCH,
    penaltyWeight: PENALTY_WEIGHT,
    iterations: ITERATIONS,
    peerIterations: 8,
    leakSeconds,
    models: DESCRIPTION,
  };
  const outDir = path.join(ROOT, 'bench/results');
  fs.mkdirSync(outDir, { recursive: true });
  const date = new Date().toISOString();
  fs.writeFileSync(
    path.join(outDir, 'bench-browser.json'),
    JSON.stringify({ command, date, environment, config, runs, markdown }, null, 2) + '\n',
  );
  fs.writeFileSync(
    path.join(outDir, 'bench-browser.md'),
    `# Browser benchmark results\n\n\`${command}\` (${date})\n\n${markdown}\n`,
  );
  console.log(markdown);
  log(`wrote bench/results/bench-browser.json and bench/results/bench-browser.md (${environment.wallSeconds} s)`);
  const failed = runs.filter((r) => r.error || (r.result && Object.keys(r.result.errors).length > 0));
  if (failed.length > 0)
    throw new Error(
      `bench --browser: ${failed.map((r) => `${r.backend}: ${r.error ?? JSON.stringify(r.result?.errors)}`).join('; ')}`,
    );
}
