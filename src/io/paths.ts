/**
 * Where the file handler may read and write: the folder named by the user, and only files that resolve inside it.
 * A manifest path p is accepted when it is relative, has no scheme, NUL or backslash, stays inside after `.` and `..`
 * are applied, and realpath(folder/p) lies under realpath(folder), so symlinks cannot lead out either.
 */
import { fail } from '../errors';
import { Fs, Path, WHERE } from './node_builtins';

/** The model file name when the user names a folder (tfjs-node's name). */
const MODEL_FILE = 'model.json';

/**
 * The path the user typed, checked: `'dir'`, `'file://dir'`, `'file:///abs/dir'`, `'dir/model.json'`; returned
 * without `file://` and trailing slashes.
 * @internal
 */
export function checkDirectory(directory: unknown): string {
  const rule = 'must be a non-empty string: a folder, a path ending in .json, or a file:// URL of either';
  if (typeof directory !== 'string' || directory.length === 0) fail(WHERE, 'directory', rule, directory);
  if (directory.includes('\0')) fail(WHERE, 'directory', 'must not contain a NUL byte', directory);
  let p = directory;
  if (p.startsWith('file://')) p = p.slice('file://'.length);
  else if (/^[A-Za-z][A-Za-z0-9+.-]+:/.test(p)) {
    fail(
      WHERE,
      'directory',
      'must be a folder path or a file:// URL',
      directory,
      'For http(s):// URLs use tf.io.http.',
    );
  }
  if (p.length === 0) fail(WHERE, 'directory', 'must name a folder after file://', directory);
  const trimmed = p.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed;
}

/** The folder (absolute), the model file in it and the weights file saved next to it. */
export interface Location {
  folder: string;
  modelFile: string;
  weightsFile: string;
}

/**
 * A path ending in `.json` names the model file and its folder is the folder (tfjs-node's form); any other path is
 * the folder and the model file is model.json. Weights are saved as weights.bin (for model.json) or
 * `<name>.weights.bin` (for `<name>.json`).
 * @internal
 */
export function locate(path: Path, checked: string): Location {
  const namesFile = /\.json$/i.test(checked);
  const folder = path.resolve(namesFile ? path.dirname(checked) : checked);
  const modelFile = namesFile ? path.basename(checked) : MODEL_FILE;
  const weightsFile = modelFile === MODEL_FILE ? 'weights.bin' : `${modelFile.replace(/\.json$/i, '')}.weights.bin`;
  return { folder, modelFile, weightsFile };
}

/** Whether `p` lies strictly under `root` (both absolute, symlinks already resolved). */
function isInside(path: Path, root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

/**
 * A manifest path checked without touching the disk: relative, no scheme, no NUL, no backslash, and inside the
 * folder after `.` and `..` are applied. Returns its segments.
 * @internal
 */
export function checkManifestPath(value: unknown, field: string): string[] {
  if (typeof value !== 'string' || value.length === 0) {
    fail(WHERE, field, 'must be a non-empty string, a file name relative to the model folder', value);
  }
  if (value.includes('\0')) fail(WHERE, field, 'must not contain a NUL byte', value);
  if (value.includes('\\')) fail(WHERE, field, 'must use / as separator, never a backslash', value);
  if (/^[^/]*:/.test(value)) fail(WHERE, field, 'must be a path relative to the model folder, not a URL', value);
  if (value.startsWith('/')) fail(WHERE, field, 'must be relative to the model folder, not absolute', value);
  const segments: string[] = [];
  for (const segment of value.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment !== '..') segments.push(segment);
    else if (segments.pop() === undefined) fail(WHERE, field, 'must stay inside the model folder', value);
  }
  if (segments.length === 0) fail(WHERE, field, 'must name a file inside the model folder', value);
  return segments;
}

/**
 * The real path of `segments` under `realFolder`, refused unless it exists, is a regular file and lies inside
 * `realFolder` after symlinks are resolved. Nothing is opened.
 * @internal
 */
export function resolveInside(
  fs: Fs,
  path: Path,
  realFolder: string,
  segments: string[],
  field: string,
  value: unknown,
): string {
  let real: string;
  try {
    real = fs.realpathSync(path.join(realFolder, ...segments));
  } catch (e) {
    fail(
      WHERE,
      field,
      `must name an existing file in ${realFolder}`,
      value,
      `(${(e as { code?: string }).code ?? String(e)})`,
    );
  }
  if (!isInside(path, realFolder, real)) {
    fail(WHERE, field, `must resolve inside the model folder ${realFolder}, not to ${real}`, value);
  }
  if (!fs.statSync(real).isFile()) fail(WHERE, field, 'must name a regular file', value);
  return real;
}
