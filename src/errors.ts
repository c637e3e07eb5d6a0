/**
 * The package's one error class and its validation helpers (below every floor: any module may import them).
 *
 * Every message has one form: `<public name>: <parameter> <rule>; got <value>.` and, where there is one, a
 * remedy, e.g. "jr.regularizers.jacobian: iterations must be an integer from 1 to 256; got 0."
 * Values print as a reader would type them: NaN, Infinity, -0, 'text', [1, 2], {a: 1}.
 */

/** Thrown for every bad argument, config, shape or file the package refuses (like tfjs-layers' `ValueError`). */
export class ValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValueError';
    Object.setPrototypeOf(this, ValueError.prototype);
  }
}

/**
 * A value as a reader would type it: NaN, -0 and Infinity stay visible; strings quoted; long values cut.
 * @internal
 */
export function formatValue(value: unknown, depth = 0): string {
  let text: string;
  if (typeof value === 'number') text = Object.is(value, -0) ? '-0' : String(value);
  else if (typeof value === 'string') text = `'${value}'`;
  else if (typeof value === 'function') text = `a function${value.name ? ` (${value.name})` : ''}`;
  else if (value === null || value === undefined || typeof value !== 'object') text = String(value);
  else if (depth > 2) text = Array.isArray(value) ? '[…]' : '{…}';
  else if (Array.isArray(value)) text = `[${value.map((v) => formatValue(v, depth + 1)).join(', ')}]`;
  else {
    const name = (value as object).constructor?.name;
    if (name && name !== 'Object') return `a ${name}`;
    text = `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}: ${formatValue(v, depth + 1)}`)
      .join(', ')}}`;
  }
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}

/**
 * Throws `<where>: <parameter> <rule>; got <value>.[ remedy]`.
 * @internal
 */
export function fail(where: string, parameter: string, rule: string, value: unknown, remedy?: string): never {
  throw new ValueError(`${where}: ${parameter} ${rule}; got ${formatValue(value)}.${remedy ? ` ${remedy}` : ''}`);
}

/**
 * Checks `value` is one of `allowed` (strings, numbers or booleans).
 * @internal
 */
export function checkOneOf<T>(where: string, parameter: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T))
    fail(where, parameter, `must be one of ${allowed.map((a) => formatValue(a)).join(', ')}`, value);
  return value as T;
}

/**
 * Checks an integer in [min, max] (max optional).
 * @internal
 */
export function checkInteger(where: string, parameter: string, value: unknown, min: number, max = Infinity): number {
  if (!(
    typeof value === 'number' &&
    Number.isInteger(value) &&
    value >= min &&
    value <= max &&
    !Object.is(value, -0)
  )) {
    fail(
      where,
      parameter,
      max === Infinity ? `must be an integer ≥ ${min}` : `must be an integer from ${min} to ${max}`,
      value,
    );
  }
  return value as number;
}

/**
 * Checks a finite number in [min, max]; `exclusiveMin` makes the lower bound strict.
 * @internal
 */
export function checkNumber(
  where: string,
  parameter: string,
  value: unknown,
  {
    min = -Infinity,
    max = Infinity,
    exclusiveMin = false,
  }: { min?: number; max?: number; exclusiveMin?: boolean } = {},
): number {
  const ok =
    typeof value === 'number' && Number.isFinite(value) && (exclusiveMin ? value > min : value >= min) && value <= max;
  if (!ok) {
    const bounds = [
      min > -Infinity ? `${exclusiveMin ? '>' : '≥'} ${min}` : '',
      max < Infinity ? `≤ ${max}` : '',
    ].filter(Boolean);
    fail(where, parameter, `must be a finite number${bounds.length ? ` ${bounds.join(' and ')}` : ''}`, value);
  }
  return value as number;
}

/**
 * Checks true or false.
 * @internal
 */
export function checkBoolean(where: string, parameter: string, value: unknown): boolean {
  if (typeof value !== 'boolean') fail(where, parameter, 'must be true or false', value);
  return value as boolean;
}

/**
 * Checks that `args` is an options object (or undefined) with only `known` keys; an unknown key is refused with the
 * nearest known name. `parameter` names the object in messages (default 'options').
 * @internal
 */
export function checkOptions(
  where: string,
  args: unknown,
  known: readonly string[],
  parameter = 'options',
): Record<string, unknown> {
  if (args === undefined) return {};
  if (args === null || typeof args !== 'object' || Array.isArray(args)) {
    fail(where, parameter, `must be an object with keys ${known.join(', ')}`, args);
  }
  for (const key of Object.keys(args as object)) {
    if (!known.includes(key)) {
      const near = nearest(key, known);
      throw new ValueError(
        `${where}: unknown option '${key}'${near ? ` (did you mean '${near}'?)` : ''}; known options: ${known.join(', ')}.`,
      );
    }
  }
  return args as Record<string, unknown>;
}

/** The known name nearest to `key` by edit distance, if it is within a third of the longer name. */
function nearest(key: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const name of known) {
    const d = editDistance(key.toLowerCase(), name.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  return best != null && bestDistance <= Math.max(2, Math.ceil(Math.max(key.length, best.length) / 3)) ? best : null;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}
