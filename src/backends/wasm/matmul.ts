/**
 * BatchMatMul and _FusedMatMul with a transposed operand: wasm's own kernels in tfjs 4.22 take a path 10–15× slower
 * than a plain product at MLP shapes (the backward pass of every dense layer: dx = dy·Wᵀ, dW = xᵀ·dy). The wrapper
 * transposes the operand explicitly (wasm's Transpose kernel) and calls the stock kernel without transposes:
 *   A·Bᵀ = A·(Bᵀ materialized),  Aᵀ·B = (Aᵀ materialized)·B.
 */
import * as tf from '@tensorflow/tfjs-core';
import { composer, type Info } from './common';

/**
 * The stock kernel `stock` behind a wrapper that materializes transposed operands first (the last two axes).
 * @internal
 */
export function withoutTransposes(kernelName: string, stock: tf.KernelConfig): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return stock.kernelFunc({ inputs, backend, attrs });
    const { run, finish } = composer(kernelName, backend);
    const swapLast = (t: Info) =>
      run(
        'Transpose',
        { x: t },
        { perm: [...t.shape.keys()].map((i, _, all) => (i < all.length - 2 ? i : 2 * all.length - 3 - i)) },
      );
    const { a, b } = inputs as { a: Info; b: Info };
    const plain = { ...inputs, a: transposeA ? swapLast(a) : a, b: transposeB ? swapLast(b) : b };
    const out = stock.kernelFunc({
      inputs: plain,
      backend,
      attrs: { ...attrs, transposeA: false, transposeB: false },
    }) as Info;
    return finish(out);
  };
}
