/**
 * Runs every ```js block of README.md and docs/*.md, and every ```js block inside the doc comments (`/** … *\/`,
 * each line's leading ` * ` stripped) of src/**\/*.ts (found here, in file order: a new block is picked up without
 * editing this file), as written, and checks what each one promises. The machinery is in test/helpers/examples.ts.
 *
 * How a block runs: as the body of an async function (top-level await), in a fresh temporary cwd, with `console`
 * captured. `import * as a from 'b'`, `import {a, b as c} from 'd'` and `import 'e'` become requires, and
 * 'tfjs-jacobian-reg' resolves to this checkout's src; any other import fails the test. Markdown blocks define their
 * own inputs (e.g. with tf.randomUniform). Afterwards the cwd and the tfjs backend are restored and `jr.register()` is
 * applied again, so one block cannot change the next one's environment (e.g. by `jr.unregister()`).
 *
 * Doc-comment blocks are short and use free names from one scope, made fresh for each block and freed after it
 * (`withDocScope` in test/helpers/examples.ts): `tf` (@tensorflow/tfjs), `jr` (this checkout's src), `model` (a
 * seeded, compiled classifier: 4 inputs → dense(8, tanh) → dense(3) → softmax, adam, categoricalCrossentropy), `x`
 * [8, 4] uniform in [0, 1], `y` one-hot [8, 3], `xTest` / `yTest` (= x, y), `f` (z ↦ the model's logits, a
 * BatchFunction), `g` (z ↦ Σ_i tanh(z_i) per sample, [B]) and `a` (`jr.jacobianOperator(f, x)`). A block runs in a
 * block scope of its own, so it may also declare its own names, even ones of the scope.
 *
 * Conventions in the blocks:
 * - `// → value`, at the end of a line with `console.log(...)` or alone on the line after it, is what that call
 *   prints. It is read as the JS literal `[value]` and compared with the call's arguments (so `// → [1, 2], 'a'`
 *   is two arguments): numbers to a relative 1e-3 (float32), strings with layer-name counters (`regularized_1_…`)
 *   matching any counter, since all blocks share one process. When `[value]` is not a literal, `value` is text,
 *   compared with the printed text (util.format of the arguments); a trailing `…` matches any rest. The call must
 *   run exactly once.
 * - A first line `// browser` marks a Markdown block that cannot run in Node: it is not run, and the marked blocks
 *   must be exactly BROWSER_ONLY.
 * - FIXTURES (Markdown) and DOC_FIXTURES (src), keyed `<file>#<n>` (n counts the file's ```js blocks from 1), hold
 *   what a comment cannot state: `edits` (text replacements applied before running, to train fewer epochs) and
 *   `check` (assertions on the printed arguments and on the block's top-level constants named in `scope`, with the
 *   doc-comment scope's names too, e.g. a random estimate against an independent float64 oracle). Each names a text
 *   its block must contain, so an inserted block cannot shift a fixture onto the wrong block.
 * - Every block that runs has a `// →` comment or a fixture check.
 *
 * Every public function and class of the package (and of its namespaces) has a ```js example in the doc comment of
 * its declaration; constants and ValueError are the listed exemptions.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import * as jr from '../src';
import { mlpHessian, mlpJacobian } from './helpers/analytic';
import {
  Block,
  DOC_SCOPE,
  Fixture,
  Member,
  ROOT,
  Run,
  annotations,
  body,
  declarations,
  docCommentBlocks,
  expectPromises,
  markdownBlocks,
  run,
  sourceFiles,
  withDocScope,
} from './helpers/examples';
import { Mlp } from './helpers/models';
import { mean, topSingularValue } from './helpers/oracle';

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

const BLOCKS: Block[] = FILES.flatMap((file) => markdownBlocks(file, TEXTS.get(file) as string));
const isBrowserOnly = (block: Block) => block.code.startsWith('// browser\n');

const SOURCES = sourceFiles();
const SOURCE_TEXTS = new Map(SOURCES.map((file) => [file, fs.readFileSync(path.join(ROOT, file), 'utf8')]));
const DOC_BLOCKS: Block[] = SOURCES.flatMap((file) => docCommentBlocks(file, SOURCE_TEXTS.get(file) as string));

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

/** The doc scope's model as the test MLP f(x) = tanh(x W1 + b1) W2 + b2 (its softmax layer has no weights). */
type Model = { getWeights(): tf.Tensor[]; predict(x: tf.Tensor): unknown };
/** Per-sample Jacobians [B][3][4] of the doc scope's logits, closed form in float64. */
const jacobiansOf = (model: Model, x: tf.Tensor) => mlpJacobian(asMlp(model), x, 'tanh');
/** Hidden activations h = tanh(x W1 + b1) [B][8] and logits z = h W2 + b2 [B][3] of the doc scope's model, float64. */
function forward(model: Model, x: tf.Tensor): { h: number[][]; z: number[][] } {
  const [w1, b1, w2, b2] = model.getWeights().map((w) => w.arraySync()) as [number[][], number[], number[][], number[]];
  const h = (x.arraySync() as number[][]).map((row) =>
    b1.map((bk, k) => Math.tanh(bk + row.reduce((s, xi, i) => s + xi * w1[i][k], 0))),
  );
  return { h, z: h.map((hb) => b2.map((bc, c) => bc + hb.reduce((s, hk, k) => s + hk * w2[k][c], 0))) };
}
/** tanh''(v) = −2 tanh(v)(1 − tanh²(v)) entrywise: the diagonal of the Hessian of g = Σ_i tanh(z_i). */
const tanhCurvature = (x: tf.Tensor) =>
  (x.arraySync() as number[][]).map((row) => row.map((v) => -2 * Math.tanh(v) * (1 - Math.tanh(v) ** 2)));
const diagonal = (d: number[]) => d.map((di, i) => d.map((_, j) => (i === j ? di : 0)));
/** Per-sample σ_max of the Hessian of g: max_i |tanh''(x_bi)|. */
const tanhSigmas = (x: tf.Tensor) => tanhCurvature(x).map((row) => Math.max(...row.map(Math.abs)));
/** Labels of one-hot rows. */
const labelsOf = (y: tf.Tensor) => (y.arraySync() as number[][]).map((row) => row.indexOf(Math.max(...row)));
/** Margins z_y − max_{j≠y} z_j of the doc scope's model at x, float64. */
const marginsAt = (model: Model, x: tf.Tensor, labels: number[]) =>
  forward(model, x).z.map((z, b) => z[labels[b]] - Math.max(...z.filter((_, j) => j !== labels[b])));

const flat = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v as number]);
const values = (v: unknown) => flat(v instanceof tf.Tensor ? v.arraySync() : v);
/** Same size, and equal entries to `tol` times the largest |expected| (at least 1). */
function expectClose(actual: unknown, expected: unknown, tol = 1e-4): void {
  const [a, e] = [values(actual), values(expected)];
  expect(a).toHaveLength(e.length);
  const scale = Math.max(1, ...e.map(Math.abs));
  expect(Math.max(...a.map((v, i) => Math.abs(v - e[i])))).toBeLessThanOrEqual(tol * scale);
}
/** An attack's result: in the ε-ball (ℓ∞) around x and the box [0, 1], with a lower mean margin than x's. */
function expectAttack({ xAdv, x, y, model }: Run['scope'], epsilon: number): void {
  expect(xAdv.shape).toEqual(x.shape);
  const [adv, clean] = [values(xAdv), values(x)];
  expect(Math.max(...adv.map((v, i) => Math.abs(v - clean[i])))).toBeLessThanOrEqual(epsilon + 1e-6);
  expect(Math.min(...adv)).toBeGreaterThanOrEqual(0);
  expect(Math.max(...adv)).toBeLessThanOrEqual(1);
  const labels = labelsOf(y);
  expect(mean(marginsAt(model, xAdv, labels))).toBeLessThan(mean(marginsAt(model, x, labels)));
}

const sigmasOf = ({ model, x }: Run['scope']) => jacobiansOf(model, x).map(topSingularValue);
/** σ_b against the oracle, and the unweighted squared penalty mean_b σ_b². */
function expectPenalty(sigma: tf.Tensor, penalty: tf.Tensor, exact: number[]): void {
  expectClose(sigma, exact, 1e-3);
  expectClose(penalty, mean(exact.map((s) => s * s)), 1e-3);
}

const DOC_FIXTURES: Record<string, Fixture> = {
  'src/linalg/operator.ts#1': {
    contains: 'jr.dense(a)',
    scope: ['J'],
    check: ({ scope }) => expectClose(scope.J, jacobiansOf(scope.model, scope.x)),
  },
  'src/linalg/operators/jacobian.ts#1': {
    contains: 'jacobian.matvec',
    scope: ['jv'],
    check: ({ scope }) =>
      expectClose(
        scope.jv,
        jacobiansOf(scope.model, scope.x).map((jb) => jb.map((row) => row.reduce((s, v) => s + v, 0))),
      ),
  },
  'src/linalg/operators/hessian.ts#1': {
    contains: 'jr.hessianOperator(g, x)',
    scope: ['H'],
    check: ({ scope }) => expectClose(scope.H, tanhCurvature(scope.x).map(diagonal)),
  },
  // 3 Lanczos steps span the 3-dimensional output space: exact up to float32.
  'src/linalg/spectral_norm.ts#1': {
    contains: 'jr.estimateSpectralNorm(a',
    scope: ['sigma'],
    check: ({ scope }) => expectClose(scope.sigma, sigmasOf(scope), 1e-3),
  },
  'src/penalty/spectral.ts#1': {
    contains: 'jr.spectralPenalty',
    scope: ['value', 'grads'],
    check: ({ scope }) => {
      expectClose(scope.value, mean(sigmasOf(scope).map((s) => s * s)), 1e-3);
      // J does not depend on the output bias b2: W1, b1 and W2 have gradients.
      const weights = scope.model.trainableWeights.map((w: { val: tf.Variable }) => w.val.name);
      expect(Object.keys(scope.grads).sort()).toEqual(weights.slice(0, 3).sort());
    },
  },
  // With the exact top vectors the penalty is mean_b σ_b²; any other unit vectors give less.
  'src/penalty/derivative.ts#1': {
    contains: "target: 'zero'",
    scope: ['penalty'],
    check: ({ scope }) => expectClose(scope.penalty, mean(sigmasOf(scope).map((s) => s * s)), 1e-3),
  },
  // J_b of dense(8, tanh) is diag(1 − h_b²) W1ᵀ, 8×4.
  'src/penalty/derivative.ts#2': {
    contains: 'jr.operatorPenalty',
    scope: ['penalty', 'sigma'],
    check: ({ scope: { model, x, penalty, sigma } }) => {
      const w1 = model.getWeights()[0].arraySync() as number[][];
      const exact = forward(model, x).h.map((hb) =>
        topSingularValue(hb.map((hk, k) => w1.map((row) => (1 - hk * hk) * row[k]))),
      );
      expectPenalty(sigma, penalty, exact);
    },
  },
  'src/penalty/derivative.ts#3': {
    contains: 'jr.jacobianPenalty(f, x, {iterations: 3})',
    scope: ['penalty', 'sigma'],
    check: ({ scope }) => expectPenalty(scope.sigma, scope.penalty, sigmasOf(scope)),
  },
  'src/penalty/derivative.ts#4': {
    contains: 'jr.hessianPenalty(g, x',
    scope: ['penalty', 'sigma'],
    check: ({ scope }) => expectPenalty(scope.sigma, scope.penalty, tanhSigmas(scope.x)),
  },
  // H_b of Σ_i f(x)_bi = Σ_k W1[:, k] tanh''(z_bk) (W2 1)_k W1[:, k]ᵀ (closed form).
  'src/keras/exports.ts#2': {
    contains: "scalar: 'sum'",
    scope: ['sigma'],
    check: ({ scope: { model, x, sigma } }) =>
      expectClose(sigma, mlpHessian(asMlp(model), x, 'tanh', [1, 1, 1]).map(topSingularValue), 1e-3),
  },
  'src/keras/logits.ts#1': {
    contains: 'jr.logitsOf(model)',
    scope: ['logits'],
    check: ({ scope: { model, x, logits } }) => {
      expectClose(logits, forward(model, x).z);
      expectClose(tf.softmax(logits), model.predict(x));
    },
  },
  'src/keras/linearized_jacobian.ts#1': {
    contains: 'jr.linearizedJacobian(model.layers[0], x)',
    scope: ['j'],
    check: ({ scope: { model, x, j } }) => {
      const w1 = model.getWeights()[0].arraySync() as number[][];
      const exact = forward(model, x).h.map((hb) => hb.map((hk, k) => w1.map((row) => (1 - hk * hk) * row[k])));
      expectClose(jr.dense(j), exact);
    },
  },
  'src/keras/regularized.ts#1': {
    contains: 'const reg = jr.layers.regularized(',
    scope: ['reg'],
    check: ({ scope: { reg } }) => {
      expect(reg).toBeInstanceOf(jr.Regularized);
      expect(reg.name).toMatch(/^regularized_\d+$/);
      expect(reg.layer.getConfig().units).toBe(10);
      expect(reg.regularizers.map((r: jr.DerivativeRegularizer) => r.kind)).toEqual(['jacobian']);
    },
  },
  'src/keras/regularizer.ts#1': {
    contains: 'reg.penalty(f, x)',
    scope: ['penalty', 'sigma'],
    check: ({ scope }) => expectPenalty(scope.sigma, scope.penalty, sigmasOf(scope)),
  },
  'src/keras/hessian_regularizer.ts#1': {
    contains: 'reg.penalty((z) => tf.tanh(z), x)',
    scope: ['sigma'],
    check: ({ scope }) => expectClose(scope.sigma, tanhSigmas(scope.x), 1e-3),
  },
  // Clean ≥ robust accuracy, one entry per default attack, the cascade's last entry is the robust accuracy, and the
  // clean accuracy is the arg-max agreement of the closed-form logits with the labels.
  'src/attacks/evaluate.ts#1': {
    contains: 'jr.attacks.evaluate(model, xTest, yTest',
    scope: ['r'],
    check: ({ scope: { r, model, xTest, yTest } }) => {
      const labels = labelsOf(yTest);
      const agree = forward(model, xTest).z.map((z, b) => (z.indexOf(Math.max(...z)) === labels[b] ? 1 : 0));
      expect(r.cleanAccuracy).toBeCloseTo(mean(agree), 6);
      expect(r.robustAccuracy).toBeLessThanOrEqual(r.cleanAccuracy);
      expect(Object.keys(r.perAttack)).toEqual(['apgd-ce', 'apgd-dlr', 'square']);
      expect(r.perAttack.square).toBe(r.robustAccuracy);
    },
  },
  'src/attacks/apgd.ts#1': {
    contains: 'jr.attacks.apgd(model, x, y',
    scope: ['xAdv'],
    check: ({ scope }) => expectAttack(scope, 0.1),
  },
  'src/attacks/pgd.ts#1': {
    contains: 'jr.attacks.pgd(model, x, y',
    scope: ['xAdv'],
    check: ({ scope }) => expectAttack(scope, 0.1),
  },
  'src/attacks/square.ts#1': {
    contains: 'jr.attacks.square(model, x, y',
    scope: ['xAdv'],
    check: ({ scope }) => expectAttack(scope, 0.1),
  },
  // x' = clip(x + ε·sign(J_bᵀ(p_b − y_b)), 0, 1): the CE gradient of the logits in closed form, p = softmax(z).
  'src/attacks/fgsm.ts#1': {
    contains: 'jr.attacks.fgsm(model, x, y',
    scope: ['xAdv'],
    check: ({ scope: { model, x, y, xAdv } }) => {
      const onehot = y.arraySync() as number[][];
      const p = forward(model, x).z.map((z) => z.map((v) => Math.exp(v - Math.max(...z))));
      const grads = jacobiansOf(model, x).map((jb, b) => {
        const total = p[b].reduce((s, v) => s + v, 0);
        return jb[0].map((_, i) => jb.reduce((s, row, c) => s + row[i] * (p[b][c] / total - onehot[b][c]), 0));
      });
      const rows = x.arraySync() as number[][];
      const exact = rows.map((row, b) => row.map((v, i) => Math.min(1, Math.max(0, v + 0.1 * Math.sign(grads[b][i])))));
      expectClose(xAdv, exact, 1e-6);
    },
  },
  // Clean accuracy: the arg-max agreement of the closed-form logits; robust: the same on PGD's points.
  'src/attacks/accuracy.ts#1': {
    contains: 'jr.attacks.accuracy(model, x, y',
    scope: ['clean', 'robust'],
    check: ({ scope: { model, x, y, clean, robust } }) => {
      const labels = labelsOf(y);
      const agree = (z: number[][]) => mean(z.map((zb, b) => (zb.indexOf(Math.max(...zb)) === labels[b] ? 1 : 0)));
      expect(clean).toBeCloseTo(agree(forward(model, x).z), 6);
      const attacked = jr.attacks.pgd(model, x, y, { epsilon: 0.1 });
      expect(robust).toBeCloseTo(agree(forward(model, attacked).z), 6);
      expect(robust).toBeLessThanOrEqual(clean);
    },
  },
};

/** Public runtime names that need no example: constants, lists and the error class. */
const EXEMPT = [
  'ValueError',
  'GRADIENT_FIXES',
  'WASM_KERNELS',
  'METHODS',
  'MAX_ITERATIONS',
  'attacks.ATTACK_NAMES',
  'attacks.DEFAULT_ATTACKS',
];
/** The namespaces of the package (objects of entry points, like tf.regularizers). */
const NAMESPACES = ['regularizers', 'layers', 'callbacks', 'io', 'attacks', 'attacks.losses'];

/** Every public runtime name of `require('../src')`, namespace members as `ns.member`, with its value. */
function publicNames(): Array<[string, unknown]> {
  const walk = (prefix: string, object: Record<string, unknown>): Array<[string, unknown]> =>
    Object.keys(object).flatMap((key) => {
      const name = prefix + key;
      const value = object[key];
      return NAMESPACES.includes(name)
        ? [[name, value] as [string, unknown], ...walk(`${name}.`, value as Record<string, unknown>)]
        : [[name, value] as [string, unknown]];
    });
  return walk('', require('../src'));
}

/** The exported declarations of src/, read once. */
let found: ReturnType<typeof declarations> | undefined;
/**
 * The doc comments that document a public name: for a top-level name, the declaration `export function|class|const
 * NAME` in src/ (exactly one); for a namespace member, its own doc comment in the namespace object and the declaration
 * of the identifier it refers to (`evaluate,` → `export function evaluate`; `margin: marginLoss` → marginLoss).
 */
function docCommentsOf(name: string): string[] {
  found ??= declarations();
  const declared = (id: string) => {
    const list = found?.get(id) ?? [];
    if (list.length !== 1) throw new Error(`${name}: ${list.length} exported declarations of '${id}' in src/`);
    return list[0];
  };
  const [head, ...rest] = name.split('.');
  if (rest.length === 0) return [declared(head).doc];
  let member: Member = { doc: '', members: declared(head).members };
  for (const key of rest) {
    const next = member.members?.get(key);
    if (next === undefined) throw new Error(`${name}: no member '${key}' in the namespace's object literal`);
    member = next;
  }
  return [member.doc, ...(member.refers ? [declared(member.refers).doc] : [])];
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
      const { logged, printed, scope } = await run(block as Block, FIXTURES[(block as Block).id]);
      expectPromises(block as Block, printed);
      FIXTURES[(block as Block).id]?.check?.({ logged, scope });
    },
  );
});

describe('doc-comment examples in src/', () => {
  beforeAll(() => {
    require('@tensorflow/tfjs');
    jr.register();
  });

  it('finds every ```js fence of a doc comment (a line-by-line count) and no differently spelled JavaScript fence', () => {
    for (const [file, text] of SOURCE_TEXTS) {
      const lines = text.split('\n');
      const fences = lines.filter((l) => /^\s*\* ```js$/.test(l));
      expect([file, DOC_BLOCKS.filter((b) => b.id.startsWith(`${file}#`)).length]).toEqual([file, fences.length]);
      const odd = lines.filter((l) => /```\s*(js|javascript|mjs|cjs|jsx)\b/i.test(l) && !/^\s*\* ```js$/.test(l));
      expect([file, odd]).toEqual([file, []]);
    }
    expect(DOC_BLOCKS.length).toBeGreaterThanOrEqual(40);
  });

  it("the scope is as documented: f gives the model's logits and g its per-sample Σ tanh, on x [8, 4] in [0, 1]", async () => {
    await withDocScope(async (given) => {
      expect(Object.keys(given)).toEqual([...DOC_SCOPE]);
      const { model, x, y, xTest, yTest, f, g, a } = given;
      const [m, xs] = [model as Model, x as tf.Tensor];
      expect([xs.shape, (y as tf.Tensor).shape, xTest, yTest]).toEqual([[8, 4], [8, 3], x, y]);
      expect(Math.min(...values(xs))).toBeGreaterThanOrEqual(0);
      expect(Math.max(...values(xs))).toBeLessThanOrEqual(1);
      expectClose((f as jr.BatchFunction)(xs), forward(m, xs).z);
      expectClose(m.predict(xs), tf.softmax(tf.tensor2d(forward(m, xs).z)));
      expectClose(
        (g as jr.BatchFunction)(xs),
        (xs.arraySync() as number[][]).map((r) => r.reduce((s, v) => s + Math.tanh(v), 0)),
      );
      expect([(a as jr.LinearOperator).inShape, (a as jr.LinearOperator).outShape]).toEqual([[4], [3]]);
    });
  });

  it("frees what a block made: its tensors and variables, and the scope's (a model trained one epoch here)", async () => {
    const [tensors, variables] = [tf.memory().numTensors, Object.keys(tf.engine().state.registeredVariables).length];
    const block: Block = {
      id: 'test#1',
      code: 'const v = tf.variable(tf.ones([2]));\nawait model.fit(x, y, {epochs: 1, verbose: 0});\nconsole.log(v.shape);  // → [2]\n',
      line: 1,
    };
    await withDocScope(async (given) => expectPromises(block, (await run(block, undefined, given)).printed));
    expect([tf.memory().numTensors, Object.keys(tf.engine().state.registeredVariables).length]).toEqual([
      tensors,
      variables,
    ]);
  });

  it('every fixture names an existing block that contains its text', () => {
    for (const [id, fixture] of Object.entries(DOC_FIXTURES)) {
      const block = DOC_BLOCKS.find((b) => b.id === id);
      expect([id, block?.code.includes(fixture.contains)]).toEqual([id, true]);
      for (const [from] of fixture.edits ?? []) expect([id, block?.code.includes(from)]).toEqual([id, true]);
    }
  });

  it('every block promises something (a `// →` comment or a fixture check) and imports nothing', () => {
    for (const block of DOC_BLOCKS) {
      const promises = annotations(block.code).length > 0 || DOC_FIXTURES[block.id]?.check !== undefined;
      expect([block.id, promises]).toEqual([block.id, true]);
      expect([block.id, block.code.match(/^\s*import\s.*$/m)?.[0]]).toEqual([block.id, undefined]);
    }
  });

  it('every public function and class (and namespace member) has a ```js example in its doc comment', () => {
    const names = publicNames();
    expect(EXEMPT.filter((e) => !names.some(([n]) => n === e))).toEqual([]); // no stale exemption
    expect(NAMESPACES.filter((ns) => !names.some(([n, v]) => n === ns && typeof v === 'object'))).toEqual([]);
    const entryPoints = names.filter(([n]) => !EXEMPT.includes(n) && !NAMESPACES.includes(n));
    // Anything else must be a function or a class: a new constant is exempted here on purpose, not by default.
    expect(entryPoints.filter(([, v]) => typeof v !== 'function').map(([n]) => n)).toEqual([]);
    const missing = entryPoints
      .map(([n]) => n)
      .filter((n) => !docCommentsOf(n).some((doc) => /^\s*\* ```js$/m.test(doc)));
    expect(missing).toEqual([]);
    expect(entryPoints.length).toBeGreaterThanOrEqual(45);
  });

  it('the doc-comment lookup can fail: a name without an example is found missing', () => {
    expect(docCommentsOf('attacks.ATTACK_NAMES').some((doc) => doc.includes('```js'))).toBe(false);
    expect(docCommentsOf('gradient')[0]).toContain('∇_x s(x)');
  });

  it.each(DOC_BLOCKS.map((b) => [b.id, b]))('%s runs and prints what it promises', async (_, block) => {
    const fixture = DOC_FIXTURES[(block as Block).id];
    await withDocScope(async (given) => {
      const { logged, printed, scope } = await run(block as Block, fixture, given);
      expectPromises(block as Block, printed);
      fixture?.check?.({ logged, scope: { ...given, ...scope } });
    });
  });
});
