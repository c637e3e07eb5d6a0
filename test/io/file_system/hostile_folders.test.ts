/**
 * Hostile model folders: each case edits a saved model.json (or its files) and loading must fail with a ValueError
 * that names the offending field or path, without opening the canary file outside the folder. The canary holds
 * exactly the 32 bytes the model's weights need, so a loader that followed the hostile path would load it cleanly.
 */
import '@tensorflow/tfjs-layers';
import * as tfl from '@tensorflow/tfjs-layers';
import * as path from 'path';
import { ValueError } from '../../../src/errors';
import { fileSystem } from '../../../src/io/file_system';
import { nodeFs, smallModel, tmp, watchOpens } from '../helpers';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
interface Folder {
  root: string;
  dir: string;
  canary: string;
}

/** A saved model in root/model and a 32-byte canary at root/canary.bin; `edit` then makes the folder hostile. */
async function hostileFolder(edit: (json: Json, f: Folder) => Json | string | void): Promise<Folder> {
  const root = tmp();
  const f = { root, dir: path.join(root, 'model'), canary: path.join(root, 'canary.bin') };
  nodeFs.writeFileSync(f.canary, new Uint8Array(new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]).buffer));
  await smallModel().save(fileSystem(f.dir));
  const modelJson = path.join(f.dir, 'model.json');
  const json = JSON.parse(nodeFs.readFileSync(modelJson, 'utf8'));
  const edited = edit(json, f);
  if (edited !== undefined)
    nodeFs.writeFileSync(modelJson, typeof edited === 'string' ? edited : JSON.stringify(edited));
  return f;
}

/** Loads f.dir through tf.loadLayersModel; returns the error and whether the canary (or `also`) was opened. */
async function loadHostile(
  f: Folder,
  also?: string,
): Promise<{ error: unknown; canaryOpened: boolean; alsoOpened: boolean }> {
  const watch = watchOpens();
  let error: unknown = null;
  try {
    await tfl.loadLayersModel(fileSystem(f.dir));
  } catch (e) {
    error = e;
  } finally {
    watch.restore();
  }
  return { error, canaryOpened: watch.opened(f.canary), alsoOpened: also != null && watch.opened(also) };
}

const group0 = (j: Json) => j.weightsManifest[0];
const spec0 = (j: Json) => j.weightsManifest[0].weights[0];
const withPath = (p: string | ((f: Folder) => string)) => (j: Json, f: Folder) => {
  group0(j).paths = [typeof p === 'string' ? p : p(f)];
  return j;
};

// [case, edit, what the message must contain]
const cases: Array<[string, (j: Json, f: Folder) => Json | string | void, RegExp]> = [
  [
    'traversal ../canary.bin',
    withPath('../canary.bin'),
    /weightsManifest\[0\]\.paths\[0\] of .*model\.json must stay inside the model folder; got '\.\.\/canary\.bin'/,
  ],
  [
    'traversal hidden behind a subfolder: ./x/../../canary.bin',
    withPath('./x/../../canary.bin'),
    /paths\[0\].*must stay inside.*'\.\/x\/\.\.\/\.\.\/canary\.bin'/,
  ],
  [
    'absolute path to the canary',
    withPath((f) => f.canary),
    /paths\[0\].*must be relative to the model folder, not absolute; got '\/.*canary\.bin'/,
  ],
  [
    'file:// URL of the canary',
    withPath((f) => `file://${f.canary}`),
    /paths\[0\].*not a URL; got 'file:\/\/.*canary\.bin'/,
  ],
  [
    'http: URL',
    withPath('http://example.com/weights.bin'),
    /paths\[0\].*not a URL; got 'http:\/\/example\.com\/weights\.bin'/,
  ],
  ['NUL byte', withPath('weights.bin\u0000/../../canary.bin'), /paths\[0\].*must not contain a NUL byte/],
  ['backslash traversal', withPath('..\\canary.bin'), /paths\[0\].*never a backslash; got '\.\.\\canary\.bin'/],
  [
    'weights file is a symlink out of the folder',
    (_, f) => {
      nodeFs.unlinkSync(path.join(f.dir, 'weights.bin'));
      nodeFs.symlinkSync(f.canary, path.join(f.dir, 'weights.bin'));
    },
    /paths\[0\].*must resolve inside the model folder .*, not to .*canary\.bin; got '\.\/weights\.bin'/,
  ],
  [
    'a symlinked subfolder leads out: out/canary.bin',
    (j, f) => {
      nodeFs.symlinkSync(f.root, path.join(f.dir, 'out'));
      return withPath('out/canary.bin')(j, f);
    },
    /paths\[0\].*must resolve inside the model folder.*got 'out\/canary\.bin'/,
  ],
  [
    'path names the folder itself',
    withPath('x/..'),
    /paths\[0\].*must name a file inside the model folder; got 'x\/\.\.'/,
  ],
  [
    'path names a missing file',
    withPath('nothing.bin'),
    /paths\[0\].*must name an existing file in .*; got 'nothing\.bin'/,
  ],
  ['path is a number', (j) => ((group0(j).paths = [42]), j), /paths\[0\].*must be a non-empty string.*; got 42/],
  [
    'oversized manifest: 1e9 floats',
    (j) => ((j.weightsManifest[0].weights = [{ name: 'w', shape: [1e9], dtype: 'float32' }]), j),
    /weightsManifest\[0\] of .* exactly the 32 bytes of its files \['\.\/weights\.bin'\]; got weights that need 4000000000 bytes/,
  ],
  [
    'truncated weights',
    (_, f) => nodeFs.truncateSync(path.join(f.dir, 'weights.bin'), 28),
    /weightsManifest\[0\] .*exactly the 28 bytes .*need 32 bytes/,
  ],
  [
    'extra bytes after the weights',
    (_, f) => nodeFs.appendFileSync(path.join(f.dir, 'weights.bin'), new Uint8Array(4)),
    /weightsManifest\[0\] .*exactly the 36 bytes .*need 32 bytes/,
  ],
  [
    'negative dimension',
    (j) => ((spec0(j).shape = [-1, 2]), j),
    /weightsManifest\[0\]\.weights\[0\]\.shape\[0\] of .* must be an integer ≥ 0; got -1/,
  ],
  [
    'non-integer dimension',
    (j) => ((spec0(j).shape = [1.5, 2]), j),
    /weights\[0\]\.shape\[0\] .*must be an integer ≥ 0; got 1\.5/,
  ],
  [
    'non-finite dimension (1e999)',
    (j) => JSON.stringify(j).replace('"shape":[3,2]', '"shape":[1e999,2]'),
    /weights\[0\]\.shape\[0\] .*must be an integer ≥ 0; got Infinity/,
  ],
  [
    'unknown dtype',
    (j) => ((spec0(j).dtype = 'float64'), j),
    /weights\[0\]\.dtype .*must be one of 'float32', 'int32', 'bool', 'complex64'; got 'float64'/,
  ],
  [
    'string dtype',
    (j) => ((spec0(j).dtype = 'string'), j),
    /weights\[0\]\.dtype .*must be a numeric dtype.*; got 'string'/,
  ],
  [
    'unknown quantization dtype',
    (j) => ((spec0(j).quantization = { dtype: 'int4', scale: 1, min: 0 }), j),
    /weights\[0\]\.quantization\.dtype .*; got 'int4'/,
  ],
  [
    'uint8 quantization without scale',
    (j) => ((spec0(j).quantization = { dtype: 'uint8', min: 0 }), j),
    /weights\[0\]\.quantization\.scale .*must be a finite number; got undefined/,
  ],
  ['malformed JSON', () => '{"modelTopology": {', /model\.json must be valid JSON; got '.*JSON/],
  [
    'JSON array, not an object',
    () => '[1, 2]',
    /model\.json must hold a JSON object with modelTopology and weightsManifest; got \[1, 2\]/,
  ],
  [
    'missing modelTopology',
    (j) => (delete j.modelTopology, j),
    /modelTopology of .*model\.json must be an object.*; got undefined/,
  ],
  [
    'modelTopology is a string',
    (j) => ((j.modelTopology = 'dense'), j),
    /modelTopology of .* must be an object.*; got 'dense'/,
  ],
  [
    'weightsManifest not an array',
    (j) => ((j.weightsManifest = group0(j)), j),
    /weightsManifest of .* must be an array of weight groups.*; got \{paths:/,
  ],
  [
    'weightsManifest missing',
    (j) => (delete j.weightsManifest, j),
    /weightsManifest of .* must be an array.*; got undefined/,
  ],
  [
    'group without paths',
    (j) => (delete group0(j).paths, j),
    /weightsManifest\[0\]\.paths of .* must be an array of file names; got undefined/,
  ],
  [
    'group paths is a string',
    (j) => ((group0(j).paths = 'weights.bin'), j),
    /weightsManifest\[0\]\.paths of .*; got 'weights\.bin'/,
  ],
  [
    'group without weights',
    (j) => (delete group0(j).weights, j),
    /weightsManifest\[0\]\.weights of .* must be an array of weight specs.*; got undefined/,
  ],
  [
    'spec without name',
    (j) => (delete spec0(j).name, j),
    /weightsManifest\[0\]\.weights\[0\]\.name of .* must be a non-empty string; got undefined/,
  ],
  [
    'spec shape not an array',
    (j) => ((spec0(j).shape = 6), j),
    /weights\[0\]\.shape of .* must be an array of integers ≥ 0; got 6/,
  ],
  ['spec without dtype', (j) => (delete spec0(j).dtype, j), /weights\[0\]\.dtype of .*; got undefined/],
  [
    'trainingConfig of the wrong type',
    (j) => ((j.trainingConfig = 'sgd'), j),
    /trainingConfig of .* must be an object when present; got 'sgd'/,
  ],
];

describe('jr.io.fileSystem refuses hostile folders without reading outside them', () => {
  it.each(cases)('%s', async (_, edit, message) => {
    const f = await hostileFolder(edit);
    const { error, canaryOpened } = await loadHostile(f);
    expect(canaryOpened).toBe(false); // first: the property that matters
    expect(error).toBeInstanceOf(ValueError);
    expect((error as Error).message).toMatch(/^jr\.io\.fileSystem: /);
    expect((error as Error).message).toMatch(message);
  });

  it('a manifest that claims gigabytes is refused before the weights file is opened', async () => {
    const f = await hostileFolder(
      (j) => ((j.weightsManifest[0].weights = [{ name: 'w', shape: [1e9], dtype: 'float32' }]), j),
    );
    const { error, alsoOpened } = await loadHostile(f, path.join(f.dir, 'weights.bin'));
    expect(error).toBeInstanceOf(ValueError);
    expect(alsoOpened).toBe(false);
  });

  it('model.json that is a symlink to a model outside the folder is refused, and that file is never opened', async () => {
    const f = await hostileFolder(() => undefined);
    const outside = path.join(f.root, 'outside.json');
    nodeFs.renameSync(path.join(f.dir, 'model.json'), outside);
    nodeFs.symlinkSync(outside, path.join(f.dir, 'model.json'));
    const { error, alsoOpened } = await loadHostile(f, outside);
    expect(alsoOpened).toBe(false);
    expect(error).toBeInstanceOf(ValueError);
    expect((error as Error).message).toMatch(
      /the model file must resolve inside the model folder .*, not to .*outside\.json; got '.*model\.json'/,
    );
  });

  it('a model.json over 64 MiB is refused before it is opened', async () => {
    const f = await hostileFolder(() => undefined);
    const modelJson = path.join(f.dir, 'model.json');
    nodeFs.truncateSync(modelJson, 64 * 1024 * 1024 + 1); // sparse: no 64 MiB written
    const { error, alsoOpened } = await loadHostile(f, modelJson);
    expect(error).toBeInstanceOf(ValueError);
    expect((error as Error).message).toMatch(
      /model\.json must be at most 67108864 bytes \(64 MiB\); got '67108865 bytes'/,
    );
    expect(alsoOpened).toBe(false);
  });
});
