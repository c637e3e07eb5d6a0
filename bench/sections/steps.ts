/** Sections (a) and (b): one Gram matvec JJᵀu and one penalty step, each / one plain training step, per model. */
import * as tf from '@tensorflow/tfjs-core';
import * as jr from '../../src';
import { INPUT_SHAPE, ModelKind, network, randomData, variablesOf } from '../lib/models';
import { pretransposedDenseJacobian } from '../lib/pretransposed';
import { Job, interleaved } from '../lib/timing';
import { BATCH, ITERATIONS, PENALTY_WEIGHT, crossEntropy, log, reps, round, trainingSupported } from '../lib/common';

export interface StepsRow {
  backend: string;
  model: ModelKind;
  reps: number;
  plainStepMs: number | null;
  genericGramMs: number;
  genericVjpMs: number;
  genericJvpMs: number;
  linearizedGramMs: number;
  linearizationMs: number;
  pretransposedGramMs: number | null;
  /** (a) */
  genericGramRatio: number | null;
  linearizedGramRatio: number | null;
  linearizationRatio: number | null;
  pretransposedGramRatio: number | null;
  /** (b) */
  penaltyLinearizedMs: number | null;
  penaltyGenericMs: number | null;
  penaltyLinearizedRatio: number | null;
  penaltyGenericRatio: number | null;
  /** MLP only: the linearized penalty step with Wᵀ cached (bench/lib/pretransposed.ts). */
  penaltyPretransposedMs: number | null;
  penaltyPretransposedRatio: number | null;
  /** Every timed run (ms) per job, in round order. */
  runs: Record<string, number[]>;
  unsupported?: string;
}

/** Sections (a) and (b) for one model on the current backend. */
export async function stepSection(kind: ModelKind): Promise<StepsRow> {
  const backend = tf.getBackend();
  const r = reps(backend, kind);
  const net = network(kind, 7);
  const { x, y } = randomData(kind, BATCH, 11);
  const u = tf.randomNormal([BATCH, 10], 0, 1, 'float32', 13);
  const v = tf.randomNormal([BATCH, ...INPUT_SHAPE[kind]], 0, 1, 'float32', 17);
  const vars = variablesOf(net);
  const optimizer = tf.train.adam(1e-3);
  const f = (z: tf.Tensor) => net.apply(z) as tf.Tensor;
  const generic = jr.jacobianOperator(f, x);
  const linear = jr.linearizedJacobian(net, x);
  if (linear == null) throw new Error('linearizedJacobian returned null for a supported stack');
  const pre = kind === 'mlp' ? pretransposedDenseJacobian(net, x as tf.Tensor2D) : null;
  const regularizer = jr.regularizers.jacobian({ iterations: ITERATIONS });
  const support = trainingSupported(kind);

  const jobs: Record<string, Job> = {};
  if (support.ok) jobs.plain = () => tf.tidy(() => optimizer.minimize(() => crossEntropy(net, x, y), true, vars)!);
  jobs.genericGram = () => tf.tidy(() => generic.matvec(generic.rmatvec(u)));
  jobs.genericVjp = () => generic.rmatvec(u);
  jobs.genericJvp = () => generic.matvec(v);
  jobs.linearizedGram = () => tf.tidy(() => linear.matvec(linear.rmatvec(u)));
  jobs.linearization = () => {
    const op = jr.linearizedJacobian(net, x)!;
    op.dispose();
  };
  if (pre) jobs.pretransposedGram = () => tf.tidy(() => pre.matvec(pre.rmatvec(u)));
  if (support.ok) {
    jobs.penaltyLinearized = () =>
      tf.tidy(() =>
        optimizer.minimize(
          () => {
            const p = regularizer.penalty(net, x, { epoch: 0, step: 0 }).penalty;
            return tf.add(crossEntropy(net, x, y), tf.mul(PENALTY_WEIGHT, p)) as tf.Scalar;
          },
          true,
          vars,
        )!,
      );
    if (kind === 'mlp') {
      jobs.penaltyPretransposed = () =>
        tf.tidy(() =>
          optimizer.minimize(
            () => {
              const p = jr.operatorPenalty(() => pretransposedDenseJacobian(net, x as tf.Tensor2D), {
                iterations: ITERATIONS,
              }).penalty;
              return tf.add(crossEntropy(net, x, y), tf.mul(PENALTY_WEIGHT, p)) as tf.Scalar;
            },
            true,
            vars,
          )!,
        );
    }
    jobs.penaltyGeneric = () =>
      tf.tidy(() =>
        optimizer.minimize(
          () => {
            const p = jr.jacobianPenalty(f, x, { iterations: ITERATIONS }).penalty;
            return tf.add(crossEntropy(net, x, y), tf.mul(PENALTY_WEIGHT, p)) as tf.Scalar;
          },
          true,
          vars,
        )!,
      );
  }
  log(`${backend} ${kind}: steps (${r.warmup} warm-up + ${r.steps} rounds of ${Object.keys(jobs).join(', ')})`);
  const { timings, ratios } = await interleaved(jobs, r.warmup, r.steps);
  const t = (k: string) => timings[k]?.ms ?? null;
  const q = (k: string) => (support.ok ? (ratios[k] ?? null) : null);
  linear.dispose();
  pre?.dispose();
  generic.dispose();
  optimizer.dispose();
  net.dispose();
  [x, y, u, v].forEach((z) => z.dispose());
  return {
    backend,
    model: kind,
    reps: r.steps,
    plainStepMs: t('plain'),
    genericGramMs: t('genericGram')!,
    genericVjpMs: t('genericVjp')!,
    genericJvpMs: t('genericJvp')!,
    linearizedGramMs: t('linearizedGram')!,
    linearizationMs: t('linearization')!,
    pretransposedGramMs: t('pretransposedGram'),
    genericGramRatio: q('genericGram'),
    linearizedGramRatio: q('linearizedGram'),
    linearizationRatio: q('linearization'),
    pretransposedGramRatio: pre ? q('pretransposedGram') : null,
    penaltyLinearizedMs: t('penaltyLinearized'),
    penaltyGenericMs: t('penaltyGeneric'),
    penaltyLinearizedRatio: q('penaltyLinearized'),
    penaltyGenericRatio: q('penaltyGeneric'),
    penaltyPretransposedMs: t('penaltyPretransposed'),
    penaltyPretransposedRatio: kind === 'mlp' ? q('penaltyPretransposed') : null,
    runs: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, v.runs.map((x) => round(x, 3))])),
    unsupported: support.ok ? undefined : `training: ${support.why}`,
  };
}
