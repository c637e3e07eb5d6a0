/**
 * The machinery of test/examples.test.ts: finds the ```js blocks of Markdown files and of the doc comments in src/,
 * runs one as the body of an async function, checks what it printed against its `// →` comments, and maps a public
 * name of the package to the doc comments of its declaration. The conventions are in test/examples.test.ts.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as util from 'util';
import * as tf from '@tensorflow/tfjs-core';
import ts from 'typescript';
import * as jr from '../../src';

export const ROOT = path.join(__dirname, '..', '..');

/** A ```js block: `<file>#<n>` (n counts the file's blocks from 1), its code, and the line of its fence. */
export interface Block {
  id: string;
  code: string;
  line: number;
}

/** What a block printed (`logged`: every console.log call's arguments) and its top-level constants in `scope`. */
export interface Run {
  logged: unknown[][];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  scope: Record<string, any>;
}

/** What a comment cannot state about a block (see test/examples.test.ts). */
export interface Fixture {
  /** A text the block must contain (guards the `<file>#<n>` key). */
  contains: string;
  edits?: Array<[string, string]>;
  scope?: string[];
  check?: (run: Run) => void;
}

const FENCE = /^```js\n([\s\S]*?)^```$/gm;
const lineAt = (text: string, offset: number) => text.slice(0, offset).split('\n').length;

/** The ```js blocks of a Markdown file, in file order. */
export function markdownBlocks(file: string, text: string): Block[] {
  return [...text.matchAll(FENCE)].map((m, i) => ({ id: `${file}#${i + 1}`, code: m[1], line: lineAt(text, m.index) }));
}

/** The src/**\/*.ts files, relative to the repository root with '/', sorted. */
export function sourceFiles(dir = path.join(ROOT, 'src')): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) return sourceFiles(full);
      return e.name.endsWith('.ts') ? [path.relative(ROOT, full).split(path.sep).join('/')] : [];
    })
    .sort();
}

/** A doc comment's text, line for line: without `/**`, `*\/` and each line's leading ` * `. */
function stripDocComment(comment: string): string {
  return comment
    .replace(/^\/\*\*/, '')
    .replace(/\*\/$/, '')
    .split('\n')
    .map((line, i) => (i === 0 ? line.replace(/^ /, '') : line.replace(/^\s*\* ?/, '').replace(/^\s*$/, '')))
    .join('\n');
}

/** The ```js blocks inside the doc comments (`/** … *\/`) of a source file, in file order. */
export function docCommentBlocks(file: string, text: string): Block[] {
  const blocks: Block[] = [];
  for (const comment of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    const stripped = stripDocComment(comment[0]);
    for (const m of stripped.matchAll(FENCE)) {
      const line = lineAt(text, comment.index) + lineAt(stripped, m.index) - 1;
      blocks.push({ id: `${file}#${blocks.length + 1}`, code: m[1], line });
    }
  }
  return blocks;
}

/** A `// →` comment: the console.log line it belongs to, and what it promises. */
export interface Annotation {
  line: number;
  expected: { value: unknown[] } | { text: string };
}

/** The `// →` comments of a block; throws for one that follows no console.log. */
export function annotations(code: string): Annotation[] {
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

/**
 * The block as an async function body: imports become requires, promised console.log calls report to `__print`,
 * and the names in `fixture.scope` are returned. `nested` puts the code in a block of its own, so that it may
 * declare names the function's parameters (the doc-comment scope) already have.
 */
export function body(code: string, fixture: Fixture | undefined, nested = false): string {
  let source = code;
  for (const [from, to] of fixture?.edits ?? []) source = source.replace(from, to);
  const lines = source.split('\n');
  annotations(source).forEach(({ line }, k) => (lines[line] = lines[line].replace('console.log(', `__print(${k}, `)));
  const scope = `return {${(fixture?.scope ?? []).join(', ')}};`;
  const text = [...lines, scope]
    .join('\n')
    .replace(/^import \* as (\w+) from '([^']+)';$/gm, "const $1 = require('$2');")
    .replace(
      /^import \{([^}]*)\} from '([^']+)';$/gm,
      (_, names: string, id: string) => `const {${names.replace(/\s+as\s+/g, ': ')}} = require('${id}');`,
    )
    .replace(/^import '([^']+)';$/gm, "require('$1');");
  return nested ? `{\n${text}\n}` : text;
}

export const counters = (s: string) => s.replace(/_\d+_/g, '_<n>_');
/** Strings with layer-name counters normalized, in values and object keys. */
export function normalized(value: unknown): unknown {
  if (typeof value === 'string') return counters(value);
  if (Array.isArray(value)) return value.map(normalized);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [counters(k), normalized(v)]));
  return value;
}
/** Equal, numbers to a relative 1e-3. */
export function close(actual: unknown, expected: unknown): boolean {
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
const resolve = (id: string) => (id === 'tfjs-jacobian-reg' ? require('../../src') : require(id));

/**
 * Runs a block in a fresh temporary cwd with console captured, the names of `given` in scope; returns the printed
 * arguments (all, and per `// →` comment) and its scope. Afterwards the cwd and the tfjs backend are restored and
 * `jr.register()` is applied again.
 */
export async function run(
  block: Block,
  fixture: Fixture | undefined,
  given: Record<string, unknown> = {},
): Promise<Run & { printed: unknown[][][] }> {
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
    const names = Object.keys(given);
    const source = body(block.code, fixture, names.length > 0);
    const fn = new AsyncFunction('require', 'console', '__print', ...names, source);
    const scope = await fn(resolve, captured, print, ...names.map((n) => given[n]));
    return { logged, printed, scope };
  } finally {
    process.chdir(cwd);
    fs.rmSync(dir, { recursive: true, force: true });
    if (tf.getBackend() !== backend) await tf.setBackend(backend);
    jr.register();
  }
}

/** Checks each `// →` comment: its console.log ran once and printed what the comment states. */
export function expectPromises(block: Block, printed: unknown[][][]): void {
  annotations(block.code).forEach(({ expected }, k) => {
    expect([block.id, k, printed[k].length]).toEqual([block.id, k, 1]);
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
}

/** The names every doc-comment example has in scope (see `withDocScope`). */
export const DOC_SCOPE = ['tf', 'jr', 'model', 'x', 'y', 'xTest', 'yTest', 'f', 'g', 'a'] as const;

/**
 * Runs `use` with a fresh doc-comment scope, then frees every tensor and variable made meanwhile:
 * - `tf` (@tensorflow/tfjs), `jr` (this checkout's src);
 * - `model`: 4 inputs → dense(8, tanh) → dense(3) → softmax, seeded, compiled with adam and categoricalCrossentropy;
 * - `x` [8, 4] uniform in [0, 1], `y` one-hot [8, 3] (seeded), and `xTest`, `yTest`: the same tensors;
 * - `f`: z ↦ the model's logits (its two dense layers), a BatchFunction; `g`: z ↦ Σ_i tanh(z_i) per sample, [B];
 * - `a`: the LinearOperator `jr.jacobianOperator(f, x)`.
 */
export async function withDocScope<T>(use: (given: Record<(typeof DOC_SCOPE)[number], unknown>) => Promise<T>) {
  const tfjs = require('@tensorflow/tfjs');
  const variables = new Set(Object.keys(tf.engine().state.registeredVariables));
  tf.engine().startScope();
  try {
    const init = (seed: number) => tfjs.initializers.glorotUniform({ seed });
    const model = tfjs.sequential({
      layers: [
        tfjs.layers.dense({ inputShape: [4], units: 8, activation: 'tanh', kernelInitializer: init(1) }),
        tfjs.layers.dense({ units: 3, kernelInitializer: init(2) }),
        tfjs.layers.softmax(),
      ],
    });
    model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    const x = tf.randomUniform([8, 4], 0, 1, 'float32', 3);
    const y = tf.oneHot(tf.randomUniform([8], 0, 3, 'int32', 4), 3);
    const f = (z: tf.Tensor) => model.layers[1].apply(model.layers[0].apply(z)) as tf.Tensor;
    const g = (z: tf.Tensor) => tf.sum(tf.tanh(z), 1);
    const a = jr.jacobianOperator(f, x);
    return await use({ tf: tfjs, jr, model, x, y, xTest: x, yTest: y, f, g, a });
  } finally {
    tf.engine().endScope();
    const registered = tf.engine().state.registeredVariables;
    for (const name of Object.keys(registered)) if (!variables.has(name)) registered[name].dispose();
  }
}

/** The leading doc comment (`/** … *\/`) of a node, or ''. */
function docComment(source: ts.SourceFile, node: ts.Node): string {
  const ranges = ts.getLeadingCommentRanges(source.text, node.getFullStart()) ?? [];
  const docs = ranges.map((r) => source.text.slice(r.pos, r.end)).filter((c) => c.startsWith('/**'));
  return docs[docs.length - 1] ?? '';
}

const isExported = (node: ts.Node) =>
  ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);

/** A member of an object literal: its doc comment, the identifier it refers to, and (an object) its members. */
export interface Member {
  doc: string;
  refers?: string;
  members?: Map<string, Member>;
}

/** A declaration in src/: where it is, its doc comment, and (for an object literal) its members. */
export interface Declaration {
  file: string;
  doc: string;
  members?: Map<string, Member>;
}

/** The members of an object literal: their doc comments and the identifier each one refers to, if any. */
function membersOf(source: ts.SourceFile, literal: ts.ObjectLiteralExpression): Map<string, Member> {
  const members = new Map<string, Member>();
  for (const p of literal.properties) {
    if (!(ts.isPropertyAssignment(p) || ts.isShorthandPropertyAssignment(p)) || !ts.isIdentifier(p.name)) continue;
    const init = ts.isPropertyAssignment(p) ? p.initializer : p.name;
    members.set(p.name.text, {
      doc: docComment(source, p),
      refers: ts.isIdentifier(init) ? init.text : undefined,
      members: ts.isObjectLiteralExpression(init) ? membersOf(source, init) : undefined,
    });
  }
  return members;
}

/** Every `export function|class|const NAME` of src/ by name (a list: a name may be declared in several files). */
export function declarations(): Map<string, Declaration[]> {
  const found = new Map<string, Declaration[]>();
  const add = (name: string, d: Declaration) => found.set(name, [...(found.get(name) ?? []), d]);
  for (const file of sourceFiles()) {
    const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    for (const node of source.statements) {
      if (!isExported(node)) continue;
      if ((ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node)) && node.name)
        add(node.name.text, { file, doc: docComment(source, node) });
      if (ts.isVariableStatement(node)) {
        for (const d of node.declarationList.declarations) {
          if (!ts.isIdentifier(d.name)) continue;
          const init = d.initializer;
          const members = init && ts.isObjectLiteralExpression(init) ? membersOf(source, init) : undefined;
          add(d.name.text, { file, doc: docComment(source, node), members });
        }
      }
    }
  }
  return found;
}
