/**
 * The layout's rules, checked on the sources: imports point down the floors (errors → autodiff, backends, io →
 * linalg → penalty → keras → attacks → register → index), the import graph has no cycle, no file in src/ is over
 * 300 lines, and every test file sits where test/ mirrors src/.
 */
import * as fs from 'fs';
import * as path from 'path';

const SRC = path.join(__dirname, '..', 'src');
const TEST = __dirname;

/** Floor of a source file (path relative to src/, with '/'). */
function floor(file: string): number {
  const top = file.split('/')[0];
  const floors: Record<string, number> = {
    'errors.ts': 0,
    autodiff: 1,
    backends: 1,
    io: 1,
    linalg: 2,
    penalty: 3,
    keras: 4,
    attacks: 5,
    'register.ts': 6,
    'index.ts': 7,
  };
  if (!(top in floors)) throw new Error(`src/${file} is in no floor: add its folder to the floors`);
  return floors[top];
}

function walk(dir: string, ext: RegExp): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? walk(full, ext) : ext.test(e.name) ? [full] : [];
  });
}

const rel = (root: string, file: string) => path.relative(root, file).split(path.sep).join('/');
const sources = walk(SRC, /\.ts$/).map((f) => rel(SRC, f));

/** The relative imports of src/<file>, resolved to files relative to src/. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(path.join(SRC, file), 'utf8');
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'";]*?from\s+'(\.[^']+)'|import\s+'(\.[^']+)'/g)];
  return specs.map((m) => {
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), m[1] ?? m[2]));
    const candidates = [`${target}.ts`, `${target}/index.ts`];
    const found = candidates.find((c) => sources.includes(c));
    if (!found) throw new Error(`src/${file} imports '${m[1] ?? m[2]}', which resolves to no file`);
    return found;
  });
}

const graph = new Map(sources.map((f) => [f, importsOf(f)]));

describe('architecture', () => {
  it('the import parser sees the known edges (it can fail)', () => {
    expect(graph.get('index.ts')).toContain('register.ts');
    expect(graph.get('penalty/spectral.ts')).toContain('linalg/operator.ts');
  });

  it('no import points up a floor', () => {
    const up = [...graph].flatMap(([file, deps]) =>
      deps.filter((d) => floor(d) > floor(file)).map((d) => `src/${file} → src/${d}`),
    );
    expect(up).toEqual([]);
  });

  it('the import graph has no cycle', () => {
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (file: string, trail: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...trail.slice(trail.indexOf(file)), file].join(' → '));
        return;
      }
      state.set(file, 'open');
      for (const d of graph.get(file) ?? []) visit(d, [...trail, file]);
      state.set(file, 'done');
    };
    for (const f of sources) visit(f, []);
    expect(cycles).toEqual([]);
  });

  it('no file in src/ is over 300 lines', () => {
    const long = sources
      .map((f) => [f, fs.readFileSync(path.join(SRC, f), 'utf8').split('\n').length - 1] as const)
      .filter(([, n]) => n > 300);
    expect(long).toEqual([]);
  });

  it('test/ mirrors src/: each test of a src file sits at its path', () => {
    // Suites that span the package sit at test/ root; helpers, browser pages and e2e have their own folders.
    const crossCutting = ['architecture.test.ts', 'bad_input.test.ts', 'examples.test.ts'];
    const elsewhere = /^(helpers|browser|e2e|demo)\//;
    const misplaced = walk(TEST, /\.test\.ts$/)
      .map((f) => rel(TEST, f))
      .filter((t) => !crossCutting.includes(t) && !elsewhere.test(t))
      .filter((t) => {
        // test/a/b.test.ts ↔ src/a/b.ts, or test/a/b/<suite>.test.ts ↔ src/a/b.ts.
        const base = t.replace(/\.test\.ts$/, '');
        return ![`${base}.ts`, `${path.posix.dirname(base)}.ts`].some((s) => sources.includes(s));
      });
    expect(misplaced).toEqual([]);
  });
});
