/**
 * The browser demo end to end: builds the page (scripts/build-web.ts, needs `npm run build`), serves it on a free
 * port, runs it in headless Chromium (playwright-core, /usr/bin/chromium or $CHROMIUM_PATH; its WebGL2 is
 * SwiftShader, even with --disable-gpu) with a short budget, and checks that the Jacobian-regularized model ends with
 * a smaller σ_max than the plain one, with no page errors: on webgl by default, and on wasm with `?backend=wasm`.
 * A page without WebGL must fall back to wasm and say so. Writes test/e2e/output/demo.png, demo-wasm.png and
 * timings.json (per backend). A last test loads the ES-module bundle through an import map (fixtures/esm.html), the
 * route docs/BROWSER.md describes.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Browser, Page } from 'playwright-core';
import { buildWeb } from '../../scripts/build-web';
import { launchChromium } from '../../scripts/chromium';
import { WebServer, serveWeb } from '../../scripts/serve-web';

const OUTPUT = path.resolve(__dirname, 'output');
const STEPS = 20;
const EPSILON = 0.1; // the page's default
/** A short run: 20 steps, 100 test digits, a light attack cascade (shader compilation dominates on SwiftShader). */
const QUERY = `?steps=${STEPS}&measureEvery=5&test=100&attackSteps=4&queries=20`;
const ROOT = path.resolve(__dirname, '../..');

interface GridCell {
  label: number;
  cleanPred: number;
  advPred: number;
  distance: number;
}
interface ArmResult {
  sigma: number;
  initialSigma: number;
  cleanAccuracy: number;
  fgsmAccuracy: number;
  pgdAccuracy: number;
  robustAccuracy: number;
  perAttack: Record<string, number>;
  robust: boolean[];
  margins: number[];
  grid: GridCell[];
  steps: number;
  stepMs: number[];
  stepTime: { median: number; mean: number; first: number };
  trainSeconds: number;
  evalSeconds: number;
  skippedSteps: number;
  stopReason: string | null;
  sigmaHistory: Array<{ step: number; sigma: number }>;
  trainEstimates: Array<{ step: number; sigma: number; penalty: number }>;
}
interface DemoResults {
  backend: string;
  backendRequested: string;
  backendNote: string | null;
  totalSeconds: number;
  leakedTensors: number;
  plain: ArmResult;
  regularized: ArmResult;
}
interface DemoState {
  done: boolean;
  error: string | null;
  results: DemoResults | null;
}

/** Opens the page at `query`, waits for Ready, clicks Start and waits for the run; returns the state and wall time. */
async function runPage(page: Page, url: string): Promise<{ state: DemoState; runSeconds: number }> {
  await page.goto(url, { waitUntil: 'load', timeout: 30000 });
  await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('Ready'), null, {
    timeout: 30000,
  });
  const runStarted = Date.now();
  await page.click('#start');
  await page.waitForFunction(
    () => {
      const demo = (window as unknown as { __demo: DemoState }).__demo;
      return demo.done || demo.error != null;
    },
    null,
    { timeout: 120000, polling: 250 },
  );
  const runSeconds = (Date.now() - runStarted) / 1000;
  const state = await page.evaluate(() => (window as unknown as { __demo: DemoState }).__demo);
  return { state, runSeconds };
}

/** The checks every backend must pass: the run's shape, σ_max lower with the regularizer, no leak. */
function checkArms(results: DemoResults): void {
  const { plain, regularized } = results;
  for (const arm of [plain, regularized]) {
    expect(arm.steps).toBe(STEPS);
    expect(arm.skippedSteps).toBe(0);
    expect(arm.stopReason).toBeNull();
    expect(arm.cleanAccuracy).toBeGreaterThan(0.6);
    // The strong cascade breaks at least what the clean points get wrong, and never more than all of them.
    expect(arm.robustAccuracy).toBeLessThanOrEqual(arm.cleanAccuracy);
    expect(arm.stepMs).toHaveLength(STEPS);
    expect(arm.stepMs.every((ms) => Number.isFinite(ms) && ms > 0)).toBe(true);
    // Grid: each adversarial digit is inside the ε-ball, and the page's own prediction on it agrees with
    // evaluate(): robust ⇔ still classified as its label (margin > 0).
    expect(arm.grid).toHaveLength(10);
    arm.grid.forEach((cell, i) => {
      expect(cell.distance).toBeLessThanOrEqual(EPSILON + 1e-6);
      expect(cell.advPred === cell.label).toBe(arm.robust[i]);
      expect(arm.margins[i] > 0).toBe(arm.robust[i]);
    });
  }
  // Same initial weights, so the same σ before training.
  expect(regularized.initialSigma).toBeCloseTo(plain.initialSigma, 4);
  expect(regularized.trainEstimates.length).toBe(STEPS);
  expect(regularized.trainEstimates.every((e) => Number.isFinite(e.sigma) && Number.isFinite(e.penalty))).toBe(true);
  expect(Number.isFinite(regularized.sigma)).toBe(true);
  expect(Number.isFinite(plain.sigma)).toBe(true);
  expect(regularized.sigma).toBeLessThan(plain.sigma);
  expect(results.leakedTensors).toBe(0);
}

/** What timings.json records for one backend. */
function timingsOf(results: DemoResults, runSeconds: number) {
  const arm = (a: ArmResult) => ({
    stepMsMedian: a.stepTime.median,
    stepMsMean: a.stepTime.mean,
    firstStepMs: a.stepTime.first,
    trainSeconds: a.trainSeconds,
    evalSeconds: a.evalSeconds,
    sigma: a.sigma,
    pgdAccuracy: a.pgdAccuracy,
    robustAccuracy: a.robustAccuracy,
  });
  return {
    backend: results.backend,
    pageRunSeconds: runSeconds,
    pageReportedSeconds: results.totalSeconds,
    plain: arm(results.plain),
    regularized: arm(results.regularized),
  };
}

describe('browser demo (demo/web)', () => {
  const started = Date.now();
  let dir = '';
  let server: WebServer | null = null;
  let browser: Browser | null = null;
  let page: Page;
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jr-web-'));
    buildWeb({ outDir: dir }); // throws "run npm run build first" when dist/ is missing
    // The import-map page: tfjs' ES module and the package's.
    fs.copyFileSync(path.join(__dirname, 'fixtures/esm.html'), path.join(dir, 'esm.html'));
    fs.copyFileSync(
      path.join(ROOT, 'node_modules/@tensorflow/tfjs/dist/tf.fesm.min.js'),
      path.join(dir, 'vendor/tf.fesm.min.js'),
    );
    fs.copyFileSync(
      path.join(ROOT, 'dist/tfjs-jacobian-reg.esm.js'),
      path.join(dir, 'vendor/tfjs-jacobian-reg.esm.js'),
    );
    server = await serveWeb(dir, 0);
    browser = await launchChromium('e2e');
    page = await browser.newPage({ viewport: { width: 1200, height: 1100 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    fs.mkdirSync(OUTPUT, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const timings: Record<string, unknown> = { query: QUERY };

  it('runs on webgl by default; the regularized model ends with a smaller σ_max', async () => {
    const { state, runSeconds } = await runPage(page, `${(server as WebServer).url}${QUERY}`);
    expect(state.error).toBeNull();
    expect(state.done).toBe(true);
    const results = state.results as DemoResults;
    expect(results.backend).toBe('webgl');
    expect(results.backendRequested).toBe('webgl');
    expect(results.backendNote).toBeNull();
    expect(await page.textContent('#backend-status')).toMatch(/^Backend: webgl \(WebGL 2/);

    // The charts, the table and the grid are on the page, with data.
    await page.waitForSelector('#sigma-chart', { state: 'visible' });
    await page.waitForSelector('#loss-chart', { state: 'visible' });
    await page.waitForSelector('#results td[data-field="stepMedianMs"]');
    const points = await page.evaluate(() => {
      const chart = (
        window as unknown as { Chart: { getChart(id: string): { data: { datasets: Array<{ data: unknown[] }> } } } }
      ).Chart;
      return ['sigma-chart', 'loss-chart'].map((id) => chart.getChart(id).data.datasets.map((d) => d.data.length));
    });
    expect(points[0][0]).toBeGreaterThan(2); // plain σ measurements
    expect(points[0][1]).toBeGreaterThan(2); // regularized σ measurements
    expect(points[1][0]).toBe(STEPS); // plain loss per step
    expect(points[1][1]).toBe(STEPS); // regularized loss per step
    const rows = await page.$$eval('#results tbody tr', (trs) =>
      trs.map((tr) => (tr as HTMLTableRowElement).cells.length),
    );
    expect(rows).toEqual([8, 8]);
    const gridRows = await page.$$eval('#adv-grid tbody tr', (trs) =>
      trs.map((tr) => tr.querySelectorAll('canvas').length),
    );
    expect(gridRows).toEqual([10, 10, 10]); // clean, plain adversarial, regularized adversarial

    await page.screenshot({ path: path.join(OUTPUT, 'demo.png'), fullPage: true });
    checkArms(results);
    expect(pageErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);
    timings.webgl = timingsOf(results, runSeconds);
  });

  it('runs on wasm with ?backend=wasm', async () => {
    const { state, runSeconds } = await runPage(page, `${(server as WebServer).url}${QUERY}&backend=wasm`);
    expect(state.error).toBeNull();
    const results = state.results as DemoResults;
    expect(results.backend).toBe('wasm');
    expect(results.backendNote).toBeNull();
    expect(await page.$eval('#backend', (el) => (el as HTMLSelectElement).value)).toBe('wasm');
    await page.screenshot({ path: path.join(OUTPUT, 'demo-wasm.png'), fullPage: true });
    checkArms(results);
    expect(pageErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);
    timings.wasm = timingsOf(results, runSeconds);
    timings.elapsedSinceSuiteStartSeconds = (Date.now() - started) / 1000;
    fs.writeFileSync(path.join(OUTPUT, 'timings.json'), `${JSON.stringify(timings, null, 2)}\n`);
    console.log(`e2e: ${JSON.stringify(timings)}`);
  });

  it('falls back to wasm, and says why, on a page without WebGL', async () => {
    const noGl = await (browser as Browser).newPage();
    const errors: string[] = [];
    noGl.on('pageerror', (e) => errors.push(e.message));
    // No WebGL contexts at all (tfjs asks an OffscreenCanvas for webgl2, else a canvas); Chart.js keeps its 2d.
    await noGl.addInitScript(() => {
      for (const proto of [HTMLCanvasElement.prototype, OffscreenCanvas.prototype] as Array<{
        getContext: (...a: unknown[]) => unknown;
      }>) {
        const original = proto.getContext;
        proto.getContext = function (this: unknown, kind: unknown, ...rest: unknown[]) {
          return /webgl/.test(String(kind)) ? null : original.call(this, kind, ...rest);
        };
      }
    });
    const tiny = '?steps=2&train=100&test=20&probe=8&grid=4&attackSteps=1&queries=1';
    const { state } = await runPage(noGl, `${(server as WebServer).url}${tiny}`);
    expect(state.error).toBeNull();
    const results = state.results as DemoResults;
    expect(results.backendRequested).toBe('webgl');
    expect(results.backend).toBe('wasm');
    expect(results.backendNote).toMatch(/^fell back: webgl: the browser gives no WebGL context/);
    expect(await noGl.textContent('#backend-status')).toMatch(/^Backend: wasm .*requested webgl, fell back/);
    expect(errors).toEqual([]);
    await noGl.close();
  });

  it('the ES-module bundle works through an import map', async () => {
    const errors = pageErrors.length;
    await page.goto(`${(server as WebServer).url}esm.html`, { waitUntil: 'load', timeout: 30000 });
    await page.waitForFunction(() => (window as unknown as { __esm?: unknown }).__esm != null, null, {
      timeout: 30000,
    });
    const esm = await page.evaluate(
      () => (window as unknown as { __esm: { sigma: number[]; exact: number[]; keys: string[] } }).__esm,
    );
    esm.sigma.forEach((s, i) => expect(s).toBeCloseTo(esm.exact[i], 4)); // 3 Lanczos steps on a 3 × 4 Jacobian are exact
    expect(esm.keys).toEqual(['loss', 'regularized_1_jacobian_sigma', 'regularized_1_jacobian_penalty']);
    expect(pageErrors.slice(errors)).toEqual([]);
  });
});
