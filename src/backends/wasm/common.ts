/**
 * What the package's wasm kernels share: tensor and argument types, the composer that runs wasm kernels by name,
 * and the attribute checks. A composed kernel allocates nothing itself; it calls other wasm kernels and frees their
 * intermediate outputs.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ValueError, fail } from '../../errors';

export type Info = tf.TensorInfo;
export type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
export type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

/**
 * Runs wasm kernels by name for one composed kernel: `run` (and `zeroPad`, its PadV2) keeps each output for disposal,
 * `finish` returns the last one and frees the others.
 * @internal
 */
export function composer(owner: string, backend: unknown) {
  const kernels = backend as tf.KernelBackend;
  const held: Info[] = [];
  const run = (name: string, inputs: Record<string, Info>, attrs: Record<string, unknown>): Info => {
    const kernel = tf.getKernel(name, 'wasm');
    if (kernel == null) {
      throw new ValueError(
        `${owner} on wasm (tfjs-jacobian-reg): the wasm backend lacks the kernel ${name}; use cpu or webgl.`,
      );
    }
    const out = kernel.kernelFunc({ inputs, backend: kernels, attrs: attrs as tf.NamedAttrMap }) as Info;
    held.push(out);
    return out;
  };
  /** x zero-padded: `pads[i]` = [before, after] of axis i (PadV2). */
  const zeroPad = (x: Info, pads: Array<[number, number]>): Info =>
    run('PadV2', { x }, { paddings: pads, constantValue: 0 });
  const finish = (result: Info): Info => {
    held.filter((t) => t !== result).forEach((t) => kernels.disposeData(t.dataId));
    return result;
  };
  return { run, zeroPad, finish };
}

/**
 * Refuses a data format other than NHWC: "<owner> on wasm (tfjs-jacobian-reg): dataFormat must be 'NHWC'; got …".
 * @internal
 */
export function requireNHWC(owner: string, dataFormat: unknown): void {
  if (dataFormat != null && dataFormat !== 'NHWC') {
    fail(`${owner} on wasm (tfjs-jacobian-reg)`, 'dataFormat', "must be 'NHWC'", dataFormat);
  }
}

/**
 * Refuses dilations other than 1: "<owner> on wasm (tfjs-jacobian-reg): dilations must be 1; got …".
 * @internal
 */
export function requireUnitDilation(owner: string, dilations: unknown): void {
  const d = (Array.isArray(dilations) ? dilations : [dilations ?? 1, dilations ?? 1]) as number[];
  if (d.some((v) => v !== 1)) fail(`${owner} on wasm (tfjs-jacobian-reg)`, 'dilations', 'must be 1', dilations);
}
