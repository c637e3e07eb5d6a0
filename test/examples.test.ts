/**
 * Runs every ```js block of README.md and docs/*.md (found here, in file order: a new block is picked up without
 * editing this file) as written, and checks what each one promises.
 *
 * How a block runs: as the body of an async function (top-level await), in a fresh temporary cwd, with `console`
 * captured. `import * as a from 'b'`, `import {a, b as c} from 'd'` and `import 'e'` become requires, and
 * 'tfjs-jacobian-reg' resolves to this checkout's src; any other import fails the test. Blocks define their own
 * inputs (e.g. with tf.randomUniform). Afterwards the cwd and the tfjs backend are restored and `jr.register()` is
 * applied again, so one block cannot change the next one's environment (e.g. by `jr.unregister()`).
 *
 * Conventions in the blocks:
 * - `// → value`, at the end of a line with `console.log(...)` or alone on the line after it, is what that call
 *   prints. It is read as the JS literal `[value]` and compared with the call's arguments (so `// → [1, 2], 'a'`
 *   is two arguments): numbers to a relative 1e-3 (float32), strings with layer-name counters (`regularized_1_…`)
 *   matching any counter, since all blocks share one process. When `[value]` is not a literal, `value` is text,
 *   compared with the printed text (util.format of the arguments); a trailing `…` matches any rest. The call must
 *   run exactly once.
 * - A first line `// browser` marks a block that cannot run in Node: it is not run, and the marked blocks must be
 *   exactly BROWSER_ONLY.
 * - FIXTURES, keyed `<file>#<n>` (n counts the file's ```js blocks from 1), hold what a comment cannot state: `edits`
 *   (text replacements applied before running, to train fewer epochs) and `check` (assertions on the printed
 *   arguments and on the block's top-level constants named in `scope`, e.g. a random estimate against an
 *   independent float64 oracle). Each names a text its block must contain, so an inserted block cannot shift a
 *   fixture onto the wrong block.
 * - Every block that runs has a `// →` comment or a fixture check.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as util from 'util';
import * as tf from '@tensorflow/tfjs-core';
import * as jr from '../src';
import { mlpHessian, mlpJacobian } from './helpers/analytic';
import { Mlp } from './helpers/models';
import { mean, topSingularValue } from './helpers/oracle';

const ROOT = path.join(__dirname, '..');
const FILES = [
  'README.md',
  ...fs
    .readdirSync(path.join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
];
const TEXTS = new Map(FILES.map((file) => [file, fs.readFileSync(path.join(ROOT, file), 'utf8')]));

/** Blocks marked `// browser` (not run in Node). */
const BROWSER_ONLY: string[] = [];

interface Block {
  id: string;
  code: string;
}
const BLOCKS: Block[] = FILES.flatMap((file) =>
  [...(TEXTS.get(file) as string).matchAll(/^```js\n([\s\S]*?)^```$/gm)].map((m, i) => ({
    id: `${file}#${i + 1}`,
    code: m[1],
  })),
);
const isBrowserOnly = (block: Block) => block.code.startsWith('// browser\n');

/** What a block printed (`logged`: every console.log call's arguments) and its top-level constants in `scope`. */
interface Run {
  logged: unknown[][];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  scope: Record<string, any>;
}
interface Fixture {
  /** A text the block must contain (guards the `<file>#<n>` key). */
  contains: string;
  edits?: Array<[string, string]>;
  scope?: string[];
  check?: (run: Run) => void;
}

/** The test MLP helpers' view of a 2-layer softplus model: its [W1, b1, W2, b2]. */
const asMlp = (model: { getWeights(): tf.Tensor[] }) => ({ weights: model.getWeights() }) as unknown as Mlp;
/** Per-sample |λ|max / σ_max of small dense matrices (independent Jacobi SVD, float64). */
const topValues = (matrices: number[][][]) => matrices.map(topSingularValue);

/**
 * Per-sample input Hessian of the softmax cross-entropy on the logits z of a 2-layer softplus model, closed form in
 * float64: H_b = J_bᵀ (diag p − ppᵀ) J_b + Σ_k (p_k − y_k) ∇²z_k, p = softmax(z_b), J_b = ∂z/∂x.
 */
function lossHessians(model: { getWeights(): tf.Tensor[] }, x: tf.Tensor, y: tf.Tensor): number[][][] {
  const net = asMlp(model);
  const [w1, b1, w2, b2] = net.weights.map((w) => w.arraySync()) as [number[][], number[], number[][], number[]];
  const labels = y.arraySync() as number[][];
  return (x.arraySync() as number[][]).map((row, b) => {
    const h = b1.map((bk, k) => Math.log1p(Math.exp(bk + row.reduce((s, xi, i) => s + xi * w1[i][k], 0))));
    const z = b2.map((bc, c) => bc + h.reduce((s, hk, k) => s + hk * w2[k][c], 0));
    const e = z.map((v) => Math.exp(v - Math.max(...z)));
    const p = e.map((v) => v / e.reduce((s, t) => s + t, 0));
    const xb = tf.tensor2d([row]);
    const [jacobian] = mlpJacobian(net, xb, 'softplus');
    const [curvature] = mlpHessian(
      net,
      xb,
      'softplus',
      p.map((pk, k) => pk - labels[b][k]),
    );
    xb.dispose();
    const pj = jacobian[0].map((_, j) => p.reduce((s, pc, c) => s + pc * jacobian[c][j], 0)); // (pᵀJ)_j
    return curvature.map((hrow, i) =>
      hrow.map((hij, j) => hij + p.reduce((s, pa, a) => s + pa * jacobian[a][i] * (jacobian[a][j] - pj[j]), 0)),
    );
  });
}

const FIXTURES: Record<string, Fixture> = {
  // The first-screen example: one epoch (32 samples, one batch) instead of 5, so one penalty evaluation.
  'README.md#1': {
    contains: 'epochs: 5',
    edits: [['epochs: 5', 'epochs: 1, verbose: 0']],
    scope: ['model'],
    check: ({ scope: { model } }) => {
      expect(model.layers[0].getClassName()).toBe('tfjs-jacobian-reg>Regularized');
      expect(model.layers[0].evaluations).toEqual([1]);
    },
  },
  'README.md#2': {
    contains: "target: 'transpose'",
    check: ({ logged }) => expect(JSON.stringify(logged)).toMatch(/regularized_\d+_jacobian_sigma/),
  },
  // The logged σ (mean over the batch of a 2-step Lanczos estimate, taken before the epoch's one Adam step) against
  // the exact per-sample σ_max(J_b) of the trained net: Lanczos underestimates, the step moves the weights a little.
  'README.md#3': {
    contains: 'net_jacobian_sigma',
    scope: ['net', 'x'],
    check: ({ logged, scope: { net, x } }) => {
      const [sigma] = logged[0] as [number[]];
      expect(sigma).toHaveLength(1);
      const exact = topValues(mlpJacobian(asMlp(net), x, 'softplus'));
      expect(sigma[0]).toBeGreaterThan(0.75 * mean(exact)); // observed 0.90–0.96 × the mean in 12 runs
      expect(sigma[0]).toBeLessThan(1.1 * mean(exact));
    },
  },
  // Per epoch, the mean |λ|max of the loss Hessian over the sampled batch, against the closed form on all samples.
  'README.md#4': {
    contains: 'network_hessian_sigma',
    scope: ['model', 'x', 'y'],
    check: ({ logged, scope: { model, x, y } }) => {
      expect(logged[0][0]).toHaveLength(2);
      const exact = topValues(lossHessians(model, x, y));
      for (const sigma of logged[0][0] as number[]) {
        expect(sigma).toBeGreaterThan(0.7 * mean(exact)); // observed 0.86–1.11 × the mean in 24 epochs
        expect(sigma).toBeLessThan(1.35 * mean(exact));
      }
    },
  },
  'README.md#5': {
    contains: 'rowSumDiagonal',
    check: ({ logged }) => expect(JSON.stringify(logged)).toContain('rowSumDiagonal'),
  },
  // Clean ≥ robust accuracy, one entry per default attack, the cascade's last entry is the robust accuracy, and the
  // clean accuracy is the arg-max agreement of the model's predictions with the labels.
  'docs/ATTACKS.md#1': {
    contains: 'jr.attacks.evaluate',
    scope: ['model', 'x', 'y'],
    check: ({ logged, scope: { model, x, y } }) => {
      const [clean, robust, perAttack] = logged[0] as [number, number, Record<string, number>];
      expect(clean).toBeGreaterThanOrEqual(robust);
      expect(Object.keys(perAttack)).toEqual(['apgd-ce', 'apgd-dlr', 'square']);
      expect(perAttack.square).toBe(robust);
      const agree = tf.tidy(() =>
        tf.mean(tf.cast(tf.equal(tf.argMax(model.predict(x) as tf.Tensor, 1), tf.argMax(y, 1)), 'float32')).arraySync(),
      );
      expect(clean).toBeCloseTo(agree as number, 6);
    },
  },
};

/** A `// →` comment: the console.log line it belongs to, and what it promises. */
interface Annotation {
  line: number;
  expected: { value: unknown[] } | { text: string };
}

/** The `// →` comments of a block; throws for one that follows no console.log. */
function annotations(code: string): Annotation[] {
  const lines = code.split('\n');
  return lines.flatMap((line, i): Annotation[] => {
    const m = line.match(/\/\/ → (.*)$/);
    if (!m) return [];
    const alone = line.trim().startsWith('// →');
    const target =
      !alone && line.includes('console.log(') ? i : alone && lines[i - 1]?.includes('console.log(') ? i - 1 : -1;
    if (target < 0) throw new Error(`'// → ${m[1]}' follows no console.log(...)`);
    const text = m[1].trim();
    try {
      return [{ line: target, expected: { value: new Function(`return [${text}];`)() as unknown[] } }];
    } catch {
      return [{ line: target, expected: { text } }];
    }
  });
}

/** The block as an async function body: imports become requires, promised console.log calls report to `__print`. */
function body(code: string, fixture: Fixture | undefined): string {
  let source = code;
  for (const [from, to] of fixture?.edits ?? []) source = source.replace(from, to);
  const lines = source.split('\n');
  annotations(source).forEach(({ line }, k) => (lines[line] = lines[line].replace('console.log(', `__print(${k}, `)));
  const scope = `return {${(fixture?.scope ?? []).join(', ')}};`;
  return [...lines, scope]
    .join('\n')
    .replace(/^import \* as (\w+) from '([^']+)';$/gm, "const $1 = require('$2');")
    .replace(
      /^import \{([^}]*)\} from '([^']+)';$/gm,
      (_, names: string, id: string) => `const {${names.replace(/\s+as\s+/g, ': ')}} = require('${id}');`,
    )
    .replace(/^import '([^']+)';$/gm, "require('$1');");
}

const counters = (s: string) => s.replace(/_\d+_/g, '_<n>_');
/** Strings with layer-name counters normalized, in values and object keys. */
function normalized(value: unknown): unknown {
  if (typeof value === 'string') return counters(value);
  if (Array.isArray(value)) return value.map(normalized);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [counters(k), normalized(v)]));
  return value;
}
/** Equal, numbers to a relative 1e-3. */
function close(actual: unknown, expected: unknown): boolean {
  if (typeof expected === 'number' && typeof actual === 'number')
    return Math.abs(actual - expected) <= 1e-3 * Math.max(Math.abs(expected), 1e-6);
  if (Array.isArray(expected))
    return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => close(actual[i], e));
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object') return false;
    const [a, e] = [actual as Record<string, unknown>, expected as Record<string, unknown>];
    return (
      Object.keys(a).sort().join() === Object.keys(e).sort().join() && Object.keys(e).every((k) => close(a[k], e[k]))
    );
  }
  return actual === expected;
}

const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor;
const resolve = (id: string) => (id === 'tfjs-jacobian-reg' ? require('../src') : require(id));

/** Runs a block in a fresh temporary cwd with console captured; returns the printed arguments and its scope. */
async function run(block: Block): Promise<Run & { printed: unknown[][][] }> {
  const fixture = FIXTURES[block.id];
  const logged: unknown[][] = [];
  const printed: unknown[][][] = annotations(block.code).map(() => []);
  const captured = { ...console } as Console;
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const)
    captured[level] = (...args: unknown[]) => void (level === 'log' && logged.push(args));
  const print = (k: number, ...args: unknown[]) => {
    printed[k].push(args);
    captured.log(...args);
  };
  const cwd = process.cwd();
  const backend = tf.getBackend();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jr-example-'));
  process.chdir(dir);
  try {
    const scope = await new AsyncFunction('require', 'console', '__print', body(block.code, fixture))(
      resolve,
      captured,
      print,
    );
    return { logged, printed, scope };
  } finally {
    process.chdir(cwd);
    fs.rmSync(dir, { recursive: true, force: true });
    if (tf.getBackend() !== backend) await tf.setBackend(backend);
    jr.register();
  }
}

describe('the ```js examples of README.md and docs/*.md', () => {
  // The blocks import @tensorflow/tfjs before the package, as a script does. Here the package came first
  // (test/setup.ts), and the union package re-registers tfjs' stock gradients when it loads, so `jr.register()`
  // must apply the package's again.
  beforeAll(() => {
    require('@tensorflow/tfjs');
    jr.register();
  });

  it("the blocks run with the package's gradients: d²(x·tanh x)/dx² = 2(1 − t²)(1 − x·t) at x = 0.5", () => {
    const second = tf.grad(tf.grad((v: tf.Tensor) => tf.sum(tf.mul(v, tf.tanh(v)))));
    const t = Math.tanh(0.5);
    expect(tf.tidy(() => second(tf.tensor1d([0.5])).dataSync()[0])).toBeCloseTo(2 * (1 - t * t) * (1 - 0.5 * t), 4);
  });

  it('finds every ```js fence (a line-by-line count) and no indented or differently spelled JavaScript fence', () => {
    for (const [file, text] of TEXTS) {
      const lines = text.split('\n');
      expect(BLOCKS.filter((b) => b.id.startsWith(`${file}#`))).toHaveLength(lines.filter((l) => l === '```js').length);
      expect(lines.filter((l) => /^\s*```\s*(js|javascript|mjs|cjs|jsx)\b/i.test(l) && l !== '```js')).toEqual([]);
    }
    expect(BLOCKS.length).toBeGreaterThanOrEqual(8);
  });

  it('has the four "Use it" examples in the README', () => {
    const readme = TEXTS.get('README.md') as string;
    const section = readme.slice(readme.indexOf('## Use it'), readme.indexOf('### What happens inside'));
    expect([...section.matchAll(/```js\n([\s\S]*?)```/g)]).toHaveLength(4);
  });

  it('the blocks marked `// browser` are exactly BROWSER_ONLY', () => {
    expect(BLOCKS.filter(isBrowserOnly).map((b) => b.id)).toEqual(BROWSER_ONLY);
  });

  it('every fixture names an existing block that contains its text, and every edit applies', () => {
    for (const [id, fixture] of Object.entries(FIXTURES)) {
      const block = BLOCKS.find((b) => b.id === id);
      expect([id, block?.code.includes(fixture.contains)]).toEqual([id, true]);
      for (const [from] of fixture.edits ?? []) expect([id, block?.code.includes(from)]).toEqual([id, true]);
    }
  });

  it('every block that runs promises something (a `// →` comment or a fixture check) and imports only as mapped', () => {
    for (const block of BLOCKS.filter((b) => !isBrowserOnly(b))) {
      expect([block.id, annotations(block.code).length > 0 || FIXTURES[block.id]?.check !== undefined]).toEqual([
        block.id,
        true,
      ]);
      expect([block.id, body(block.code, FIXTURES[block.id]).match(/^\s*import\s.*$/m)?.[0]]).toEqual([
        block.id,
        undefined,
      ]);
    }
  });

  it.each(BLOCKS.filter((b) => !isBrowserOnly(b)).map((b) => [b.id, b]))(
    '%s runs and prints what it promises',
    async (_, block) => {
      const { logged, printed, scope } = await run(block as Block);
      annotations((block as Block).code).forEach(({ expected }, k) => {
        expect(printed[k]).toHaveLength(1);
        const args = printed[k][0];
        if ('text' in expected) {
          const text = counters(util.format(...args));
          const want = counters(expected.text);
          const prefix = want.replace(/(…|\.\.\.)$/, '');
          expect(prefix === want ? text : text.slice(0, prefix.length)).toBe(prefix);
        } else if (!close(normalized(args), normalized(expected.value))) {
          expect(normalized(args)).toEqual(normalized(expected.value));
        }
      });
      FIXTURES[(block as Block).id]?.check?.({ logged, scope });
    },
  );
});
