/**
 * The browser demo end to end: builds the page (scripts/build-web.ts, needs `npm run build`), serves it on a free
 * port, runs it in headless Chromium (playwright-core, /usr/bin/chromium or $CHROMIUM_PATH) with a short budget,
 * and checks that the Jacobian-regularized model ends with a smaller σ_max than the plain one, with no page errors.
 * Writes test/e2e/output/demo.png and timings.json. A second test loads the ES-module bundle through an import map
 * (fixtures/esm.html), the route docs/BROWSER.md describes.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Browser, Page, chromium } from 'playwright-core';
import { buildWeb } from '../../scripts/build-web';
import { WebServer, serveWeb } from '../../scripts/serve-web';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync'];
const OUTPUT = path.resolve(__dirname, 'output');
const QUERY = '?steps=40&measureEvery=5';
const ROOT = path.resolve(__dirname, '../..');

interface ArmResult {
  sigma: number;
  initialSigma: number;
  cleanAccuracy: number;
  fgsmAccuracy: number;
  pgdAccuracy: number;
  steps: number;
  skippedSteps: number;
  stopReason: string | null;
  sigmaHistory: Array<{ step: number; sigma: number }>;
  trainEstimates: Array<{ step: number; sigma: number; penalty: number }>;
}
interface DemoResults {
  backend: string;
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

describe('browser demo (demo/web)', () => {
  const started = Date.now();
  let dir = '';
  let server: WebServer | null = null;
  let browser: Browser | null = null;
  let page: Page;
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM)) {
      throw new Error(`e2e: no Chromium at ${CHROMIUM}: apt-get install -y chromium, or set CHROMIUM_PATH.`);
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jr-web-'));
    buildWeb({ outDir: dir }); // throws "run npm run build first" when dist/ is missing
    // The import-map page: tfjs' ES module and the package's.
    fs.copyFileSync(path.join(__dirname, 'fixtures/esm.html'), path.join(dir, 'esm.html'));
    fs.copyFileSync(path.join(ROOT, 'node_modules/@tensorflow/tfjs/dist/tf.fesm.min.js'), path.join(dir, 'vendor/tf.fesm.min.js'));
    fs.copyFileSync(path.join(ROOT, 'dist/tfjs-jacobian-reg.esm.js'), path.join(dir, 'vendor/tfjs-jacobian-reg.esm.js'));
    server = await serveWeb(dir, 0);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
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

  it('trains both models and the regularized one ends with a smaller σ_max', async () => {
    await page.goto(`${(server as WebServer).url}${QUERY}`, { waitUntil: 'load', timeout: 30000 });
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('Ready'), null, { timeout: 30000 });
    const runStarted = Date.now();
    await page.click('#start');
    await page.waitForFunction(
      () => {
        const demo = (window as unknown as { __demo: DemoState }).__demo;
        return demo.done || demo.error != null;
      },
      null,
      { timeout: 120000, polling: 250 }
    );
    const runSeconds = (Date.now() - runStarted) / 1000;
    const state = await page.evaluate(() => (window as unknown as { __demo: DemoState }).__demo);
    expect(state.error).toBeNull();
    expect(state.done).toBe(true);

    // The charts and the table are on the page, with data.
    await page.waitForSelector('#sigma-chart', { state: 'visible' });
    await page.waitForSelector('#loss-chart', { state: 'visible' });
    await page.waitForSelector('#results td[data-field="sigma"]');
    const points = await page.evaluate(() => {
      const chart = (window as unknown as { Chart: { getChart(id: string): { data: { datasets: Array<{ data: unknown[] }> } } } }).Chart;
      return ['sigma-chart', 'loss-chart'].map((id) => chart.getChart(id).data.datasets.map((d) => d.data.length));
    });
    expect(points[0][0]).toBeGreaterThan(2); // plain σ measurements
    expect(points[0][1]).toBeGreaterThan(2); // regularized σ measurements
    expect(points[1][0]).toBe(40); // plain loss per step
    const rows = await page.$$eval('#results tbody tr', (trs) => trs.map((tr) => Array.from((tr as HTMLTableRowElement).cells, (td) => td.textContent)));
    expect(rows).toHaveLength(2);

    await page.screenshot({ path: path.join(OUTPUT, 'demo.png'), fullPage: true });

    const results = state.results as DemoResults;
    const { plain, regularized } = results;
    expect(results.backend).toBe('cpu');
    for (const arm of [plain, regularized]) {
      expect(arm.steps).toBe(40);
      expect(arm.skippedSteps).toBe(0);
      expect(arm.stopReason).toBeNull();
      expect(arm.cleanAccuracy).toBeGreaterThan(0.6);
    }
    // Same initial weights, so the same σ before training.
    expect(regularized.initialSigma).toBeCloseTo(plain.initialSigma, 4);
    expect(regularized.trainEstimates.length).toBe(40);
    expect(regularized.trainEstimates.every((e) => Number.isFinite(e.sigma) && Number.isFinite(e.penalty))).toBe(true);
    expect(Number.isFinite(regularized.sigma)).toBe(true);
    expect(Number.isFinite(plain.sigma)).toBe(true);
    expect(regularized.sigma).toBeLessThan(plain.sigma);
    expect(results.leakedTensors).toBe(0);
    expect(pageErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);

    const timings = {
      query: QUERY,
      pageRunSeconds: runSeconds,
      pageReportedSeconds: results.totalSeconds,
      sigma: { plain: plain.sigma, regularized: regularized.sigma },
      pgdAccuracy: { plain: plain.pgdAccuracy, regularized: regularized.pgdAccuracy },
      elapsedSinceSuiteStartSeconds: (Date.now() - started) / 1000
    };
    fs.writeFileSync(path.join(OUTPUT, 'timings.json'), `${JSON.stringify(timings, null, 2)}\n`);
    console.log(`e2e: ${JSON.stringify(timings)}`);
  });

  it('the ES-module bundle works through an import map', async () => {
    const errors = pageErrors.length;
    await page.goto(`${(server as WebServer).url}esm.html`, { waitUntil: 'load', timeout: 30000 });
    await page.waitForFunction(() => (window as unknown as { __esm?: unknown }).__esm != null, null, { timeout: 30000 });
    const esm = await page.evaluate(() => (window as unknown as { __esm: { sigma: number[]; exact: number[]; keys: string[] } }).__esm);
    esm.sigma.forEach((s, i) => expect(s).toBeCloseTo(esm.exact[i], 4)); // 3 Lanczos steps on a 3 × 4 Jacobian are exact
    expect(esm.keys).toEqual(['loss', 'regularized_1_jacobian_sigma', 'regularized_1_jacobian_penalty']);
    expect(pageErrors.slice(errors)).toEqual([]);
  });
});
