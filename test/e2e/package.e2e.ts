/**
 * The published package as a consumer gets it (run after `npm run build`): `npm pack`, `npm install` of the tarball
 * into a fresh folder in os.tmpdir() (offline; the tfjs peers are symlinked from this repo's node_modules), then
 *   - Node ESM `import * as jr from 'tfjs-jacobian-reg'` loads the ES bundle (package.json exports "import"),
 *   - `require('tfjs-jacobian-reg')` loads the CommonJS build (exports "require"),
 *   - both compute ∇Σx² = 2x on the cpu backend,
 *   - TypeScript (module node16) type-checks an ESM and a CJS consumer against exports "types".
 * About 20 s on 2 busy cores.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '../..');
const PEERS = ['tfjs-core', 'tfjs-layers', 'tfjs-backend-cpu'];
const NAME = 'tfjs-jacobian-reg';

interface Exports {
  '.': { types: string; import: string; require: string };
}

const run = (cmd: string, args: string[], cwd: string) =>
  execFileSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });

/** The consumer's script: which files each loader picked, and ∇Σx² at x from each build. */
const CONSUMER = `
import * as jr from '${NAME}';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
const require = createRequire(import.meta.url);
const cjs = require('${NAME}');
await tf.setBackend('cpu');
const x = tf.tensor1d([1.5, -2, 3.25]);
const grad = (lib) => Array.from(lib.gradient((z) => tf.sum(tf.square(z)), x).dataSync());
console.log(JSON.stringify({
  esmFile: fileURLToPath(import.meta.resolve('${NAME}')),
  cjsFile: require.resolve('${NAME}'),
  esmKeys: Object.keys(jr).sort(),
  cjsKeys: Object.keys(cjs).sort(),
  sameClass: jr.ValueError === cjs.ValueError,
  esmGrad: grad(jr),
  cjsGrad: grad(cjs)
}));
`;

/** The package's public names at run time (the same from import and require); everything else is internal. */
const PUBLIC_API = [
  'DerivativeRegularizer',
  'GRADIENT_FIXES',
  'HessianRegularizer',
  'JacobianRegularizer',
  'MAX_ITERATIONS',
  'METHODS',
  'RegularizationCallback',
  'Regularized',
  'ValueError',
  'WASM_KERNELS',
  'attacks',
  'callbacks',
  'dense',
  'difference',
  'estimateSpectralNorm',
  'fileSystem',
  'findRegularized',
  'gradient',
  'hessianOperator',
  'hessianPenalty',
  'hvp',
  'identityTarget',
  'io',
  'jacobianOperator',
  'jacobianPenalty',
  'jvp',
  'lanczos',
  'layers',
  'linearizedJacobian',
  'logitsOf',
  'noGradient',
  'operatorPenalty',
  'powerIteration',
  'register',
  'regularizers',
  'rowSumDiagonalTarget',
  'spectralPenalty',
  'transposeTarget',
  'unregister',
  'userTarget',
  'vjp',
  'zeroTarget',
];

describe('the packed tarball in a fresh consumer', () => {
  let work: string;
  let consumer: string;
  let exportsMap: Exports;

  beforeAll(() => {
    exportsMap = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).exports;
    for (const target of Object.values(exportsMap['.'])) {
      if (!fs.existsSync(path.join(ROOT, target))) throw new Error(`${target} is missing: run \`npm run build\` first`);
    }
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'jr-package-'));
    consumer = path.join(work, 'consumer');
    fs.mkdirSync(path.join(consumer, 'node_modules', '@tensorflow'), { recursive: true });
    const tarball = run('npm', ['pack', '--silent', '--pack-destination', work], ROOT).trim().split('\n').pop()!;
    fs.writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
    // --legacy-peer-deps: npm would fetch the peers; they come from this repo instead (one tfjs-core instance).
    run(
      'npm',
      [
        'install',
        '--offline',
        '--legacy-peer-deps',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        '--no-package-lock',
        path.join(work, tarball),
      ],
      consumer,
    );
    for (const peer of PEERS) {
      fs.symlinkSync(
        path.join(ROOT, 'node_modules', '@tensorflow', peer),
        path.join(consumer, 'node_modules', '@tensorflow', peer),
        'dir',
      );
    }
  });

  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('Node ESM import gets the ES bundle, require gets CommonJS; both compute ∇Σx² = 2x', () => {
    const out = JSON.parse(
      run(process.execPath, ['--input-type=module', '-e', CONSUMER], consumer).trim().split('\n').pop()!,
    );
    const installed = path.join(consumer, 'node_modules', NAME);
    expect(fs.realpathSync(out.esmFile)).toBe(fs.realpathSync(path.join(installed, exportsMap['.'].import)));
    expect(fs.realpathSync(out.cjsFile)).toBe(fs.realpathSync(path.join(installed, exportsMap['.'].require)));
    expect(out.esmFile).not.toBe(out.cjsFile);
    // Two builds were loaded (distinct classes), with the same public API.
    expect(out.sameClass).toBe(false);
    expect(out.esmKeys).toEqual(PUBLIC_API);
    expect(out.esmKeys).toEqual(out.cjsKeys);
    const oracle = [1.5, -2, 3.25].map((v) => 2 * v);
    expect(out.esmGrad).toEqual(oracle);
    expect(out.cjsGrad).toEqual(oracle);
  });

  test("the package's own .d.ts files type-check (stripInternal leaves no dangling reference)", () => {
    fs.writeFileSync(
      path.join(consumer, 'all.mts'),
      `import * as jr from '${NAME}';\nexport const m: number = jr.MAX_ITERATIONS;\n`,
    );
    const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const args = ['--noEmit', '--strict', '--module', 'node16', '--moduleResolution', 'node16', '--target', 'es2020'];
    let diagnostics = '';
    try {
      run(
        process.execPath,
        [tsc, ...args, '--types', 'node', '--typeRoots', path.join(ROOT, 'node_modules', '@types'), 'all.mts'],
        consumer,
      );
    } catch (error) {
      diagnostics = String((error as { stdout?: string }).stdout);
    }
    // Without --skipLibCheck tsc checks every .d.ts it loads; tfjs' own have errors of their own, ours must have none.
    const ours = diagnostics.split('\n').filter((line) => line.includes(`node_modules/${NAME}/`));
    expect(ours).toEqual([]);
    // The internal helpers are gone from the declarations.
    const lanczos = fs.readFileSync(
      path.join(consumer, 'node_modules', NAME, 'dist', 'esm', 'linalg', 'lanczos.d.ts'),
      'utf8',
    );
    expect(lanczos).toContain('export declare function lanczos(');
    expect(lanczos).not.toContain('topRitzPair(');
  });

  test('the bundle keeps @tensorflow/* external (one tfjs-core instance with the app)', () => {
    const bundle = fs.readFileSync(path.join(consumer, 'node_modules', NAME, exportsMap['.'].import), 'utf8');
    const imports = [...bundle.matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1]).sort();
    expect(imports).toEqual(['@tensorflow/tfjs-core', '@tensorflow/tfjs-layers']);
    // tfjs-core's own source would define its Engine class; only the external import may bring it.
    expect(bundle.includes('class Engine')).toBe(false);
  });

  test('TypeScript (node16) resolves exports "types" for an ESM and a CommonJS consumer', () => {
    fs.writeFileSync(
      path.join(consumer, 'esm.mts'),
      `import * as jr from '${NAME}';\nexport const m: number = jr.MAX_ITERATIONS;\nexport const r: jr.JacobianRegularizer = jr.regularizers.jacobian({ iterations: 4 });\n`,
    );
    fs.writeFileSync(
      path.join(consumer, 'cjs.cts'),
      `import jr = require('${NAME}');\nconst m: number = jr.MAX_ITERATIONS;\nexport = m;\n`,
    );
    // bad.mts is the control: MAX_ITERATIONS typed `any` (types not found) would pass it; a number must not.
    fs.writeFileSync(
      path.join(consumer, 'bad.mts'),
      `import * as jr from '${NAME}';\nexport const m: string = jr.MAX_ITERATIONS;\n`,
    );
    const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const args = [
      '--noEmit',
      '--strict',
      '--module',
      'node16',
      '--moduleResolution',
      'node16',
      '--target',
      'es2020',
      '--skipLibCheck',
      '--types',
      'node',
    ];
    let diagnostics = '';
    try {
      run(
        process.execPath,
        [tsc, ...args, '--typeRoots', path.join(ROOT, 'node_modules', '@types'), 'esm.mts', 'cjs.cts', 'bad.mts'],
        consumer,
      );
    } catch (error) {
      diagnostics = String((error as { stdout?: string }).stdout);
    }
    const errors = diagnostics.split('\n').filter((line) => /error TS\d+/.test(line));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^bad\.mts\(2,14\): error TS2322: Type 'number' is not assignable to type 'string'/);
  });
});
