/**
 * The shape of a model.json, checked field by field before anything else is read, and the bytes its weights
 * manifest needs: for each weight, Π shape · bytes(dtype), where a quantized weight counts its quantized dtype
 * (uint8: 1, uint16: 2, float16: 2). A group's weights must fill its files exactly.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { checkInteger, checkOneOf, fail } from '../errors';
import { WHERE } from './node_builtins';

/** Bytes per value of the dtypes the handler accepts; 'string' weights (length-prefixed) are refused. */
const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8 };
const QUANTIZED_BYTES: Record<string, number> = { uint8: 1, uint16: 2, float16: 2 };

/**
 * The largest model.json the handler reads (its size is checked before reading).
 * @internal
 */
export const MAX_MODEL_JSON_BYTES = 64 * 1024 * 1024;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Optional top-level fields of model.json and the type each must have when present (null counts as absent). */
const OPTIONAL: Record<string, 'string' | 'object' | 'string or null'> = {
  format: 'string',
  generatedBy: 'string',
  convertedBy: 'string or null',
  trainingConfig: 'object',
  userDefinedMetadata: 'object',
  signature: 'object',
  modelInitializer: 'object',
  initializerSignature: 'object',
};

/**
 * Parses and checks a model.json text; `file` names it in messages.
 * @internal
 */
export function parseModelJson(text: string, file: string): tf.io.ModelJSON {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    fail(WHERE, file, 'must be valid JSON', `${(e as Error).message}`);
  }
  return checkModelJson(json, file);
}

/**
 * Checks the fields tfjs reads from a model.json; every message names the field (e.g. weightsManifest[0].paths).
 * @internal
 */
export function checkModelJson(json: unknown, file: string): tf.io.ModelJSON {
  const field = (name: string) => `${name} of ${file}`;
  if (!isObject(json)) fail(WHERE, file, 'must hold a JSON object with modelTopology and weightsManifest', json);
  if (!isObject(json.modelTopology))
    fail(WHERE, field('modelTopology'), 'must be an object (the Keras model config)', json.modelTopology);
  for (const [key, type] of Object.entries(OPTIONAL)) {
    const v = json[key];
    const ok = v == null || (type === 'object' ? isObject(v) : typeof v === 'string');
    if (!ok) fail(WHERE, field(key), `must be ${type === 'object' ? 'an object' : `a ${type}`} when present`, v);
  }
  const manifest = json.weightsManifest;
  if (!Array.isArray(manifest))
    fail(WHERE, field('weightsManifest'), 'must be an array of weight groups {paths, weights}', manifest);
  manifest.forEach((group: unknown, g: number) => {
    const at = `weightsManifest[${g}]`;
    if (!isObject(group)) fail(WHERE, field(at), 'must be an object {paths, weights}', group);
    if (!Array.isArray(group.paths)) fail(WHERE, field(`${at}.paths`), 'must be an array of file names', group.paths);
    if (!Array.isArray(group.weights))
      fail(WHERE, field(`${at}.weights`), 'must be an array of weight specs {name, shape, dtype}', group.weights);
    group.weights.forEach((spec: unknown, w: number) => checkSpec(spec, `${at}.weights[${w}]`, file));
  });
  return json as unknown as tf.io.ModelJSON;
}

/** Checks one weight spec {name, shape, dtype, quantization?}; `at` and `file` name it in messages. */
function checkSpec(spec: unknown, at: string, file: string): void {
  if (!isObject(spec)) fail(WHERE, `${at} of ${file}`, 'must be an object {name, shape, dtype}', spec);
  const inner = (key: string) => `${at}.${key} of ${file}`;
  if (typeof spec.name !== 'string' || spec.name === '')
    fail(WHERE, inner('name'), 'must be a non-empty string', spec.name);
  if (!Array.isArray(spec.shape)) fail(WHERE, inner('shape'), 'must be an array of integers ≥ 0', spec.shape);
  spec.shape.forEach((d: unknown, i: number) => checkInteger(WHERE, inner(`shape[${i}]`), d, 0));
  const elements = spec.shape.reduce((a: number, d: number) => a * d, 1);
  if (elements > Number.MAX_SAFE_INTEGER) fail(WHERE, inner('shape'), 'must have fewer than 2^53 elements', spec.shape);
  if (spec.dtype === 'string') {
    fail(
      WHERE,
      inner('dtype'),
      "must be a numeric dtype ('string' weights cannot be size-checked before reading)",
      spec.dtype,
    );
  }
  checkOneOf(WHERE, inner('dtype'), spec.dtype, Object.keys(DTYPE_BYTES));
  if (spec.group != null && typeof spec.group !== 'string')
    fail(WHERE, inner('group'), 'must be a string when present', spec.group);
  if (!('quantization' in spec)) return;
  const q = spec.quantization;
  if (!isObject(q)) fail(WHERE, inner('quantization'), 'must be an object {dtype, scale?, min?}', q);
  checkOneOf(WHERE, inner('quantization.dtype'), q.dtype, Object.keys(QUANTIZED_BYTES));
  if (q.dtype === 'float16') {
    if (spec.dtype !== 'float32') fail(WHERE, inner('dtype'), "must be 'float32' for float16 quantization", spec.dtype);
    return;
  }
  if (spec.dtype !== 'float32' && spec.dtype !== 'int32') {
    fail(WHERE, inner('dtype'), `must be 'float32' or 'int32' for ${q.dtype} quantization`, spec.dtype);
  }
  for (const key of ['scale', 'min']) {
    const v = q[key];
    if (typeof v !== 'number' || !Number.isFinite(v))
      fail(WHERE, inner(`quantization.${key}`), 'must be a finite number', v);
  }
}

/** Bytes of one checked spec: Π shape · bytes per stored value. */
function specByteLength(spec: tf.io.WeightsManifestEntry): number {
  const elements = spec.shape.reduce((a, d) => a * d, 1);
  return elements * (spec.quantization != null ? QUANTIZED_BYTES[spec.quantization.dtype] : DTYPE_BYTES[spec.dtype]);
}

/**
 * Bytes a checked group's weights need (may exceed 2^53 only for absurd manifests, refused by the size match).
 * @internal
 */
export function groupByteLength(group: tf.io.WeightsManifestConfig[number]): number {
  return group.weights.reduce((total, spec) => total + specByteLength(spec), 0);
}
