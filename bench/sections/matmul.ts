/** Transposed vs plain matmuls at the MLP's shapes. */
import * as tf from '@tensorflow/tfjs-core';
import { interleaved } from '../lib/timing';
import { BATCH, QUICK } from '../lib/common';

export interface MatmulRow {
  backend: string;
  shape: string;
  plainMs: number;
  transposedBMs: number;
  ratio: number;
}

/**
 * Transposed vs plain matmuls at the MLP's shapes: matMul(a, W, false, true) (the pull-back gᵀWᵀ and tfjs' own
 * MatMul gradient dx = dy·Wᵀ) and matMul(x, dy, true, false) (the weight gradient xᵀdy), each against the same
 * product with the transposed operand precomputed.
 */
export async function matmulSection(): Promise<MatmulRow[]> {
  const backend = tf.getBackend();
  const rows: MatmulRow[] = [];
  const compare = async (label: string, plain: () => tf.Tensor, transposed: () => tf.Tensor) => {
    const { timings, ratios } = await interleaved({ plain, transposed }, 5, QUICK ? 5 : 31);
    rows.push({
      backend,
      shape: label,
      plainMs: timings.plain.ms,
      transposedBMs: timings.transposed.ms,
      ratio: ratios.transposed,
    });
  };
  for (const [k, n] of [
    [10, 256],
    [256, 256],
    [256, 784],
  ] as Array<[number, number]>) {
    // a = [64, k], W = [n, k]: a·Wᵀ = [64, n]
    const a = tf.randomNormal([BATCH, k], 0, 1, 'float32', 1) as tf.Tensor2D;
    const w = tf.randomNormal([n, k], 0, 1, 'float32', 2) as tf.Tensor2D;
    const wt = tf.transpose(w) as tf.Tensor2D;
    await compare(
      `matMul(a, W, false, true): [64,${k}]·[${n},${k}]ᵀ`,
      () => tf.matMul(a, wt),
      () => tf.matMul(a, w, false, true),
    );
    [a, w, wt].forEach((t) => t.dispose());
  }
  {
    // x = [64, 784], dy = [64, 256]: xᵀ·dy = [784, 256]
    const x = tf.randomNormal([BATCH, 784], 0, 1, 'float32', 3) as tf.Tensor2D;
    const dy = tf.randomNormal([BATCH, 256], 0, 1, 'float32', 4) as tf.Tensor2D;
    const xt = tf.transpose(x) as tf.Tensor2D;
    await compare(
      'matMul(x, dy, true, false): [64,784]ᵀ·[64,256]',
      () => tf.matMul(xt, dy),
      () => tf.matMul(x, dy, true, false),
    );
    [x, dy, xt].forEach((t) => t.dispose());
  }
  return rows;
}
