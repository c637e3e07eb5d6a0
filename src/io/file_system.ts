/**
 * A `file://` model handler for Node without tfjs-node: a folder holding `model.json` and `weights.bin`.
 * `model.save(jr.io.fileSystem(dir))` refuses to replace an existing model unless `{overwrite: true}` and writes
 * atomically; `tf.loadLayersModel(jr.io.fileSystem(dir))` reads only files inside the folder, and only after the
 * manifest's byte count (Σ Π shape · bytes per dtype) equals the size of the files it names. Importing the package
 * also registers it for `'file://…'` URLs when no other handler (e.g. tfjs-node's) claims them.
 */
import * as tf from '@tensorflow/tfjs-core';
import { checkBoolean, checkOptions, fail, formatValue, ValueError } from '../errors';
import { readExactly, writeAtomically } from './files';
import { checkModelJson, groupByteLength, MAX_MODEL_JSON_BYTES, parseModelJson } from './manifest';
import { Fs, nodeBuiltins, Path, Stats, WHERE } from './node_builtins';
import { checkDirectory, checkManifestPath, locate, resolveInside } from './paths';

/** Options of {@link fileSystem}. */
export interface FileSystemOptions {
  /** Replace an existing model file and weights file. Default false: a save that would replace one changes nothing. */
  overwrite?: boolean;
}

/**
 * A model IO handler on a folder holding `model.json` and `weights.bin`, for Node ≥ 20.16 without tfjs-node.
 * `directory` is a folder, a path ending in `.json` (the model file; its folder is the folder), or either as a
 * `file://` URL: `'out/model'`, `'file://out/model'`, `'file://out/model/model.json'`, `'file:///abs/out/model'`.
 * ```js
 * await model.save(jr.io.fileSystem('out/model', {overwrite: true}));
 * const loaded = await tf.loadLayersModel(jr.io.fileSystem('out/model'));
 * console.log(tf.sub(loaded.predict(x), model.predict(x)).abs().max().arraySync());  // → 0
 * ```
 * @throws ValueError for a bad `directory` or `options` (at once), and on save or load for a model file or
 * manifest that is malformed, names a file outside the folder, or does not match its weight files' sizes.
 */
export function fileSystem(directory: string, options?: FileSystemOptions): tf.io.IOHandler {
  const checked = checkDirectory(directory);
  const { overwrite = false } = checkOptions(WHERE, options, ['overwrite']);
  checkBoolean(WHERE, 'overwrite', overwrite);
  return {
    save: async (artifacts: tf.io.ModelArtifacts) => save(checked, overwrite as boolean, artifacts),
    load: async () => load(checked),
  };
}

function statOrNull(fs: Fs, p: string): Stats | null {
  try {
    return fs.statSync(p);
  } catch {
    return null;
  }
}

async function save(checked: string, overwrite: boolean, artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
  const { fs, path } = nodeBuiltins();
  const { folder, modelFile, weightsFile } = locate(path, checked);
  const folderStats = statOrNull(fs, folder);
  if (folderStats != null && !folderStats.isDirectory()) {
    fail(WHERE, 'directory', 'must name a folder (or a .json file in one), not an existing file', checked);
  }
  for (const name of [modelFile, weightsFile]) {
    const target = path.join(folder, name);
    const existing = fs.lstatSync(target, { throwIfNoEntry: false });
    if (existing == null) continue;
    if (!overwrite) throw new ValueError(`${WHERE}: ${target} exists; pass {overwrite: true} to replace it.`);
    if (existing.isDirectory()) fail(WHERE, 'directory', `must not hold a folder named ${name}`, checked);
  }
  if (artifacts.modelTopology instanceof ArrayBuffer) {
    throw new ValueError(`${WHERE}: saves layers models (a JSON modelTopology); got a binary graph topology.`);
  }
  const weightData =
    artifacts.weightData == null ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
  const weightsManifest: tf.io.WeightsManifestConfig = [
    { paths: [`./${weightsFile}`], weights: artifacts.weightSpecs ?? [] },
  ];
  const text = JSON.stringify(modelJsonFor(artifacts, weightsManifest));
  // What is written must load: the same checks as load, before anything touches the disk.
  const modelPath = path.join(folder, modelFile);
  checkModelJson(JSON.parse(text), modelPath);
  const need = groupByteLength(weightsManifest[0]);
  if (need !== weightData.byteLength) {
    throw new ValueError(
      `${WHERE}: the model's weight specs need ${need} bytes but its weight data holds ${weightData.byteLength}; nothing was saved.`,
    );
  }
  const bytes = new TextEncoder().encode(text);
  if (bytes.byteLength > MAX_MODEL_JSON_BYTES) {
    throw new ValueError(
      `${WHERE}: ${modelPath} would be ${bytes.byteLength} bytes, over the ${MAX_MODEL_JSON_BYTES}-byte limit of load; nothing was saved.`,
    );
  }
  if (folderStats == null) fs.mkdirSync(folder, { recursive: true });
  writeAtomically(fs, path, folder, [
    [weightsFile, new Uint8Array(weightData)],
    [modelFile, bytes],
  ]);
  return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
}

/** model.json for `artifacts` (as tfjs' getModelJSONForModelArtifacts, which tfjs-core does not export). */
function modelJsonFor(artifacts: tf.io.ModelArtifacts, weightsManifest: tf.io.WeightsManifestConfig): tf.io.ModelJSON {
  const json: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology as tf.io.ModelJSON['modelTopology'],
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy,
    weightsManifest,
  };
  const optional = [
    'signature',
    'userDefinedMetadata',
    'modelInitializer',
    'initializerSignature',
    'trainingConfig',
  ] as const;
  for (const key of optional)
    if (artifacts[key] != null) (json as unknown as Record<string, unknown>)[key] = artifacts[key];
  return json;
}

async function load(checked: string): Promise<tf.io.ModelArtifacts> {
  const { fs, path } = nodeBuiltins();
  const { folder, modelFile } = locate(path, checked);
  let realFolder: string;
  try {
    realFolder = fs.realpathSync(folder);
  } catch (e) {
    fail(
      WHERE,
      'directory',
      `must name an existing folder (${folder})`,
      checked,
      `(${(e as { code?: string }).code ?? String(e)})`,
    );
  }
  if (!fs.statSync(realFolder).isDirectory())
    fail(WHERE, 'directory', 'must name a folder or a .json file in one', checked);
  const modelPath = path.join(folder, modelFile);
  if (fs.lstatSync(path.join(realFolder, modelFile), { throwIfNoEntry: false }) == null) {
    throw new ValueError(`${WHERE}: no ${modelFile} in ${folder}.`);
  }
  const realModel = resolveInside(fs, path, realFolder, [modelFile], 'the model file', modelPath);
  const size = fs.statSync(realModel).size;
  if (size > MAX_MODEL_JSON_BYTES) {
    fail(WHERE, modelPath, `must be at most ${MAX_MODEL_JSON_BYTES} bytes (64 MiB)`, `${size} bytes`);
  }
  const text = new Uint8Array(size);
  readExactly(fs, realModel, size, text, 0, 'the model file', modelPath);
  const modelJson = parseModelJson(new TextDecoder().decode(text), modelPath);
  return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) =>
    readWeights(fs, path, realFolder, modelPath, manifest),
  );
}

/**
 * The weights of a checked manifest. Every path is checked (lexically, then by realpath) and every group's bytes
 * Σ Π shape · bytes(dtype) compared with its files' sizes before one byte of weights is read or allocated.
 */
function readWeights(
  fs: Fs,
  path: Path,
  realFolder: string,
  modelPath: string,
  manifest: tf.io.WeightsManifestConfig,
): [tf.io.WeightsManifestEntry[], ArrayBuffer] {
  const segments = manifest.map((group, g) =>
    group.paths.map((p, i) => checkManifestPath(p, `weightsManifest[${g}].paths[${i}] of ${modelPath}`)),
  );
  const files = manifest.flatMap((group, g) => {
    const inGroup = group.paths.map((p, i) => {
      const field = `weightsManifest[${g}].paths[${i}] of ${modelPath}`;
      const real = resolveInside(fs, path, realFolder, segments[g][i], field, p);
      return { real, size: fs.statSync(real).size, field, value: p };
    });
    const have = inGroup.reduce((total, f) => total + f.size, 0);
    const need = groupByteLength(group);
    if (need !== have) {
      throw new ValueError(
        `${WHERE}: weightsManifest[${g}] of ${modelPath} must describe exactly the ${have} bytes of its files ` +
          `${formatValue(group.paths)}; got weights that need ${need} bytes (Π shape · bytes per dtype). The weights ` +
          'are truncated, padded, or belong to another model.json.',
      );
    }
    return inGroup;
  });
  const buffer = new ArrayBuffer(files.reduce((total, f) => total + f.size, 0));
  let offset = 0;
  for (const f of files) {
    readExactly(fs, f.real, f.size, new Uint8Array(buffer), offset, f.field, f.value);
    offset += f.size;
  }
  return [manifest.flatMap((group) => group.weights), buffer];
}

/** Whether the router answers (tfjs has no way to remove a router, so `unregisterFileRouter` turns it off). */
let routing = false;
let registered = false;

/**
 * Registers `file://` save and load routers unless another handler (tfjs-node) already serves them; idempotent, and
 * turns the router back on after `unregisterFileRouter()`.
 * @internal
 */
export function registerFileRouter(): void {
  const hasFs =
    typeof (globalThis as { process?: { getBuiltinModule?: unknown } }).process?.getBuiltinModule === 'function';
  if (registered) routing = true;
  if (registered || !hasFs || tf.io.getSaveHandlers('file://probe').length > 0) return;
  // A router answers null for URLs it does not serve (tfjs' IORouter type omits that).
  const route = (url: string | string[]) =>
    (routing && typeof url === 'string' && url.startsWith('file://') ? fileSystem(url) : null) as tf.io.IOHandler;
  tf.io.registerSaveRouter(route);
  tf.io.registerLoadRouter(route);
  registered = routing = true;
}

/**
 * Turns the `file://` router off: `file://` URLs then reach only the other registered routers (or none).
 * @internal
 */
export function unregisterFileRouter(): void {
  routing = false;
}
