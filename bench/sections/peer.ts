/**
 * Against the peer: our MLP steps / the paper's recipe in PyTorch (bench/torch_peer.py) on the same CPU, one thread,
 * rounds interleaved (ours, then PyTorch's, in every round), each ratio the median of the per-round ratios.
 *
 *   plain:   one Adam step of CE(f(x), y)
 *   penalty: one Adam step of CE + 0.01 · mean_b ‖v_bᵀJ_b‖², v from 8 Lanczos steps on JJᵀ held fixed
 *
 * Skipped (row with `skipped` set) when no python with torch answers: BENCH_PYTHON, then python3, then
 * /usr/bin/python3 (Debian's python3-torch) are tried.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ChildProcessWithoutNullStreams, spawn } from 'child_process';
import * as path from 'path';
import * as readline from 'readline';
import * as jr from '../../src';
import { network, randomData, variablesOf } from '../lib/models';
import { Job, median, runOnce } from '../lib/timing';
import { BATCH, PENALTY_WEIGHT, QUICK, crossEntropy, log, round } from '../lib/common';

export const PEER_ITERATIONS = 8;

export interface PeerPair {
  oursMs: number;
  peerMs: number;
  /** median over rounds of ours / PyTorch */
  ratio: number;
}

export interface PeerRow {
  backend: string;
  /** Why the section did not run (no python with torch), else absent. */
  skipped?: string;
  peer?: { python: string; torch: string; threads: number };
  rounds: number;
  plain?: PeerPair;
  /** Ours through jr.regularizers.jacobian({iterations: 8}) (Lanczos stops early at its default tol 1e-4). */
  penalty?: PeerPair;
  /** Ours with all 8 Lanczos steps run (tol 0), as PyTorch runs them. */
  penaltyAllSteps?: PeerPair;
  /** Lanczos steps (Gram products JJᵀq) the regularizer's estimate made at this batch (≤ 8; fewer if it met tol). */
  oursLanczosSteps?: number;
  /**
   * Where our penalty step's time goes (ms, medians, same rounds): the off-tape half alone (one linearization +
   * Lanczos(8), as the regularizer runs it under noGradient) and one linearization alone. The step linearizes twice
   * (off the tape for Lanczos, on it for the penalty), so one shared linearization would save about `linearizationMs`.
   */
  breakdown?: { estimateMs: number; linearizationMs: number };
  runs?: Record<string, number[]>;
}

/** The python peer: one command per line, one JSON answer per line. */
class Peer {
  private readonly lines: AsyncIterator<string>;
  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    readonly python: string,
  ) {
    this.lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  }

  static async start(python: string): Promise<{ peer: Peer; hello: Record<string, unknown> } | { error: string }> {
    const child = spawn(python, [path.join(__dirname, '..', 'torch_peer.py')], { stdio: ['pipe', 'pipe', 'pipe'] });
    const failed = new Promise<{ error: string }>((resolve) =>
      child.on('error', (e) => resolve({ error: `${python}: ${e.message}` })),
    );
    child.stderr.on('data', (d) => log(`torch_peer: ${String(d).trim()}`));
    const peer = new Peer(child, python);
    const first = peer.lines
      .next()
      .then((r) => (r.done ? { error: `${python}: exited without a word` } : JSON.parse(r.value)));
    const hello = await Promise.race([first, failed]);
    if (hello.error) {
      child.kill();
      return { error: String(hello.error) };
    }
    return { peer, hello };
  }

  async run(command: 'plain' | 'penalty'): Promise<number> {
    this.child.stdin.write(`${command}\n`);
    const r = await this.lines.next();
    if (r.done) throw new Error('torch_peer exited');
    const answer = JSON.parse(r.value);
    if (typeof answer.ms !== 'number') throw new Error(`torch_peer: ${r.value}`);
    return answer.ms;
  }

  close(): void {
    this.child.stdin.end('quit\n');
  }
}

async function startPeer(): Promise<{ peer: Peer; hello: Record<string, unknown> } | { error: string }> {
  const candidates = [process.env.BENCH_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p);
  const errors: string[] = [];
  for (const python of [...new Set(candidates)]) {
    const started = await Peer.start(python);
    if ('peer' in started) return started;
    errors.push(started.error);
  }
  return { error: errors.join('; ') };
}

export async function peerSection(): Promise<PeerRow> {
  const backend = tf.getBackend();
  const started = await startPeer();
  if ('error' in started) {
    log(`${backend}: PyTorch peer skipped (${started.error})`);
    return { backend, skipped: started.error, rounds: 0 };
  }
  const { peer, hello } = started;
  const warmup = QUICK ? 1 : 3;
  const rounds = QUICK ? 2 : 9;
  const net = network('mlp', 7);
  const vars = variablesOf(net);
  const { x, y } = randomData('mlp', BATCH, 11);
  const optimizer = tf.train.adam(1e-3);
  const regularizer = jr.regularizers.jacobian({ iterations: PEER_ITERATIONS });
  const step = (penalty: () => tf.Scalar) => () =>
    tf.tidy(() =>
      optimizer.minimize(
        () => tf.add(crossEntropy(net, x, y), tf.mul(PENALTY_WEIGHT, penalty())) as tf.Scalar,
        true,
        vars,
      )!,
    );
  const ours: Record<string, Job> = {
    plain: () => tf.tidy(() => optimizer.minimize(() => crossEntropy(net, x, y), true, vars)!),
    penalty: step(() => regularizer.penalty(net, x, { epoch: 0, step: 0 }).penalty),
    penaltyAllSteps: step(
      () => jr.operatorPenalty(() => jr.linearizedJacobian(net, x)!, { iterations: PEER_ITERATIONS, tol: 0 }).penalty,
    ),
  };
  const peerOf: Record<string, 'plain' | 'penalty'> = {
    plain: 'plain',
    penalty: 'penalty',
    penaltyAllSteps: 'penalty',
  };
  const parts: Record<string, Job> = {
    estimate: () =>
      jr.noGradient(() => {
        const op = jr.linearizedJacobian(net, x)!;
        const e = jr.estimateSpectralNorm(op, { method: 'lanczos', iterations: PEER_ITERATIONS });
        op.dispose();
        return [e.sigma, e.vectors];
      }),
    linearization: () => jr.linearizedJacobian(net, x)!.dispose(),
  };
  const oursLanczosSteps = tf.tidy(() => {
    const op = jr.linearizedJacobian(net, x)!;
    const e = jr.estimateSpectralNorm(op, { method: 'lanczos', iterations: PEER_ITERATIONS });
    op.dispose();
    return e.products / 2; // two matvecs (Jᵀ, then J) per Gram product
  });
  log(`${backend} mlp: ours vs PyTorch ${hello.torch} (${peer.python}), ${warmup} warm-up + ${rounds} rounds`);
  const runs: Record<string, number[]> = {};
  for (let r = 0; r < warmup + rounds; r++) {
    for (const name of Object.keys(ours)) {
      const mine = await runOnce(ours[name]);
      const theirs = await peer.run(peerOf[name]);
      if (r < warmup) continue;
      (runs[`${name}.ours`] ??= []).push(mine);
      (runs[`${name}.peer`] ??= []).push(theirs);
    }
    for (const name of Object.keys(parts)) {
      const mine = await runOnce(parts[name]);
      if (r >= warmup) (runs[name] ??= []).push(mine);
    }
  }
  peer.close();
  optimizer.dispose();
  net.dispose();
  [x, y].forEach((t) => t.dispose());
  const pair = (name: string): PeerPair => ({
    oursMs: median(runs[`${name}.ours`]),
    peerMs: median(runs[`${name}.peer`]),
    ratio: median(runs[`${name}.ours`].map((v, i) => v / runs[`${name}.peer`][i])),
  });
  return {
    backend,
    peer: { python: peer.python, torch: String(hello.torch), threads: Number(hello.threads) },
    rounds,
    plain: pair('plain'),
    penalty: pair('penalty'),
    penaltyAllSteps: pair('penaltyAllSteps'),
    oursLanczosSteps,
    breakdown: { estimateMs: median(runs.estimate), linearizationMs: median(runs.linearization) },
    runs: Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, v.map((z) => round(z, 3))])),
  };
}
