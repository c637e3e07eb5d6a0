import * as tf from '@tensorflow/tfjs-core';

/**
 * Runs `fn` with gradient recording paused: inside `optimizer.minimize` / `tf.variableGrads` its ops are not put on
 * the tape, so its results are constants to the enclosing gradient (tfjs has no `stopGradient`) and the tape keeps
 * none of their intermediates. Nested `tf.grad` calls inside `fn` work as they do outside any tape.
 * ```js
 * const v = tf.variable(tf.scalar(3));
 * const {grads} = tf.variableGrads(() => tf.mul(v, jr.noGradient(() => tf.square(v))));  // v · c, c = v² held fixed
 * console.log(grads[v.name].arraySync());  // → 9
 * ```
 */
export function noGradient<T>(fn: () => T): T {
  // tfjs keeps the tape in the engine state; `isTapeOn()` is `gradientDepth > 0`. Park it and restore it after.
  const state = tf.engine().state as unknown as { gradientDepth: number; activeTape: unknown };
  const { gradientDepth, activeTape } = state;
  state.gradientDepth = 0;
  try {
    return fn();
  } finally {
    state.gradientDepth = gradientDepth;
    state.activeTape = activeTape;
  }
}
