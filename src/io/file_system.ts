/**
 * A `file://` model handler for Node without tfjs-node: a directory holding `model.json` and `weights.bin`.
 * `model.save(jr.io.fileSystem(dir))` refuses to overwrite an existing model unless `{overwrite: true}`;
 * `tf.loadLayersModel(jr.io.fileSystem(dir))` reads it back. Importing the package also registers it for
 * `'file://dir'` URLs when no other handler (e.g. tfjs-node's) claims them.
 */
import * as tf from '@tensorflow/tfjs-core';

type Fs = {
  existsSync(p: string): boolean;
  mkdirSync(p: string, o: { recursive: boolean }): void;
  writeFileSync(p: string, d: string | Uint8Array): void;
  readFileSync(p: string): Uint8Array & { buffer: ArrayBuffer; byteOffset: number; byteLength: number };
  readFileSync(p: string, e: 'utf8'): string;
};

function nodeFs(): Fs {
  const fs = (globalThis as { process?: { getBuiltinModule?: (m: string) => unknown } }).process?.getBuiltinModule?.('fs');
  if (fs == null) throw new Error('jr.io.fileSystem needs Node.js ≥ 20.16 (process.getBuiltinModule); in browsers use localstorage:// or indexeddb://.');
  return fs as Fs;
}

/** Options of {@link fileSystem}. */
export interface FileSystemOptions {
  /** Replace an existing model.json / weights.bin. Default false. */
  overwrite?: boolean;
}

const MODEL = 'model.json';
const WEIGHTS = 'weights.bin';

/**
 * A model IO handler on a directory (`file://` prefix optional) holding `model.json` and `weights.bin`, for Node
 * without tfjs-node (Node ≥ 20.16).
 * ```js
 * await model.save(jr.io.fileSystem('out/model', {overwrite: true}));
 * const loaded = await tf.loadLayersModel(jr.io.fileSystem('out/model'));
 * ```
 */
export function fileSystem(directory: string, options: FileSystemOptions = {}): tf.io.IOHandler {
  const dir = directory.replace(/^file:\/\//, '').replace(/\/+$/, '') || '.';
  const join = (name: string) => `${dir}/${name}`;
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      const fs = nodeFs();
      if (fs.existsSync(join(MODEL)) && !options.overwrite) {
        throw new Error(`jr.io.fileSystem: ${join(MODEL)} exists; pass {overwrite: true} to replace it.`);
      }
      fs.mkdirSync(dir, { recursive: true });
      const weightData = artifacts.weightData == null ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const { weightData: _data, weightSpecs, ...json } = artifacts;
      const modelJson = { ...json, weightsManifest: [{ paths: [`./${WEIGHTS}`], weights: weightSpecs ?? [] }] };
      fs.writeFileSync(join(WEIGHTS), new Uint8Array(weightData));
      fs.writeFileSync(join(MODEL), JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const fs = nodeFs();
      if (!fs.existsSync(join(MODEL))) throw new Error(`jr.io.fileSystem: no ${MODEL} in ${dir}.`);
      const modelJson = JSON.parse(fs.readFileSync(join(MODEL), 'utf8')) as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const buffers = manifest.flatMap((group) =>
          group.paths.map((p) => {
            const bytes = fs.readFileSync(join(p.replace(/^\.\//, '')));
            return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
          })
        );
        return [specs, tf.io.CompositeArrayBuffer.join(buffers)];
      });
    }
  };
}

/** Registers `file://` save and load routers unless another handler (tfjs-node) already serves them. */
export function registerFileRouter(): void {
  const hasFs = (globalThis as { process?: { getBuiltinModule?: unknown } }).process?.getBuiltinModule != null;
  if (!hasFs || tf.io.getSaveHandlers('file://probe').length > 0) return;
  // A router answers null for URLs it does not serve (tfjs' IORouter type omits that).
  const route = (url: string | string[]) => (typeof url === 'string' && url.startsWith('file://') ? fileSystem(url) : null) as tf.io.IOHandler;
  tf.io.registerSaveRouter(route);
  tf.io.registerLoadRouter(route);
}
