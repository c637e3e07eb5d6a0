/**
 * The package's numerics on the browser backends: runs test/browser/index.html (needs `npm run build`) in headless
 * Chromium (playwright-core, /usr/bin/chromium or $CHROMIUM_PATH) with backends webgl (SwiftShader's WebGL2 even
 * under --disable-gpu) and wasm, cpu first as the reference, and asserts that every check the page reports passes:
 * the gradient matrix (orders 2 and 3 against central differences on the same backend and against cpu's autodiff)
 * and the API checks (products, Lanczos, training, save / load, attacks). CI runs the page's `ci` subset
 * (test/browser/cases.js); BACKENDS_SUITE=full runs every case. Writes test/e2e/output/backends.json.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Browser } from 'playwright-core';
import { launchChromium } from '../../scripts/chromium';
import { WebServer, serveWeb } from '../../scripts/serve-web';

const ROOT = path.resolve(__dirname, '../..');
const OUTPUT = path.resolve(__dirname, 'output');
const SUITE = process.env.BACKENDS_SUITE ?? 'ci';
const BACKENDS = ['webgl', 'wasm'];
/** How long the page may run: the CI subset takes ≈ 170 s on 2 busy cores; the full set about twice that. */
const PAGE_MS = SUITE === 'full' ? 900000 : 230000;
/** A regular expression on case / API-check names, to run a part (debugging; the assertions then see only that part). */
const ONLY = process.env.BACKENDS_ONLY;

interface Check {
  backend: string;
  group: string;
  name: string;
  pass: boolean;
  seconds: number;
  error?: number;
  errorVsCpu?: number;
  message?: string;
}

/** The page and its vendor files in a temporary folder. */
function buildPage(): string {
  const dist = path.join(ROOT, 'dist/tfjs-jacobian-reg.umd.js');
  if (!fs.existsSync(dist)) throw new Error(`e2e: ${dist} is missing: run npm run build first.`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jr-backends-'));
  fs.mkdirSync(path.join(dir, 'vendor'));
  for (const f of fs.readdirSync(path.join(ROOT, 'test/browser')))
    fs.copyFileSync(path.join(ROOT, 'test/browser', f), path.join(dir, f));
  const wasmDist = path.join(ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
  const vendor: Array<[string, string]> = [
    [path.join(ROOT, 'node_modules/@tensorflow/tfjs/dist/tf.min.js'), 'tf.min.js'],
    [path.join(wasmDist, 'tf-backend-wasm.min.js'), 'tf-backend-wasm.min.js'],
    [dist, 'tfjs-jacobian-reg.umd.js'],
    ...['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'].map(
      (f): [string, string] => [path.join(wasmDist, f), f],
    ),
  ];
  for (const [from, to] of vendor) fs.copyFileSync(from, path.join(dir, 'vendor', to));
  return dir;
}

describe(`browser backends (${BACKENDS.join(', ')}; suite ${SUITE})`, () => {
  let dir = '';
  let server: WebServer | null = null;
  let browser: Browser | null = null;
  let checks: Check[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    dir = buildPage();
    server = await serveWeb(dir, 0);
    browser = await launchChromium('e2e');
    const page = await browser.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    if (process.env.BACKENDS_VERBOSE) page.on('console', (m) => console.log(m.text()));
    const started = Date.now();
    await page.goto(
      `${server.url}?backends=${BACKENDS.join(',')}&suite=${SUITE}${ONLY ? `&only=${encodeURIComponent(ONLY)}` : ''}`,
      { waitUntil: 'load', timeout: 30000 },
    );
    await page.waitForFunction(() => (window as unknown as { __done: boolean }).__done, null, {
      timeout: PAGE_MS,
      polling: 500,
    });
    const state = await page.evaluate(() => {
      const w = window as unknown as { __checks: Check[]; __error: string | null; __env: unknown };
      return { checks: w.__checks, error: w.__error, env: w.__env };
    });
    checks = state.checks;
    const seconds = (Date.now() - started) / 1000;
    fs.mkdirSync(OUTPUT, { recursive: true });
    fs.writeFileSync(
      path.join(OUTPUT, 'backends.json'),
      `${JSON.stringify({ suite: SUITE, seconds, env: state.env, error: state.error, checks }, null, 1)}\n`,
    );
    const failed = checks.filter((c) => !c.pass);
    console.log(
      `backends e2e: ${checks.length} checks in ${seconds.toFixed(0)} s, ${failed.length} failed${failed.map((c) => `\n  ${c.backend} ${c.group} ${c.name}: ${c.message ?? JSON.stringify(c)}`).join('')}`,
    );
    if (state.error) throw new Error(`page error: ${state.error}`);
  }, PAGE_MS + 30000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('cpu reference ran the whole matrix and every API check', () => {
    const cpu = checks.filter((c) => c.backend === 'cpu');
    if (!ONLY) expect(cpu.filter((c) => c.group === 'matrix').length).toBeGreaterThanOrEqual(2 * 20);
    expect(cpu.filter((c) => !c.pass)).toEqual([]);
  });

  it.each(BACKENDS)(
    'every check passes on %s (the same checks as cpu, plus differences and cpu comparisons)',
    (backend) => {
      const mine = checks.filter((c) => c.backend === backend);
      const names = (b: string) =>
        checks.filter((c) => c.backend === b && !c.name.includes('vs cpu')).map((c) => `${c.group}/${c.name}`);
      expect(names(backend)).toEqual(names('cpu'));
      const matrix = mine.filter((c) => c.group === 'matrix');
      expect(matrix.every((c) => c.error != null && c.errorVsCpu != null)).toBe(true);
      expect(mine.filter((c) => !c.pass)).toEqual([]);
    },
  );

  it('the page threw nothing', () => {
    expect(pageErrors).toEqual([]);
  });
});
