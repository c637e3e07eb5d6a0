/**
 * jr.io.fileSystem on friendly folders: every path form round-trips a model exactly, quantized weights load at
 * their quantized sizes, saves are atomic (no temp files, a refused or failed save leaves the folder byte- and
 * mtime-identical and the previous model loadable), and bad arguments are refused at once.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as path from 'path';
import { ValueError } from '../../src/errors';
import { fileSystem, registerFileRouter } from '../../src/io/file_system';
import { nodeFs, predictions, smallModel, snapshot, tmp } from './helpers';

beforeAll(() => registerFileRouter());

const files = (dir: string) => nodeFs.readdirSync(dir).sort();

describe('jr.io.fileSystem path forms (save and load alike)', () => {
  const forms: Array<[string, (dir: string) => string]> = [
    ['dir', (dir) => dir],
    ['dir/ (trailing slash)', (dir) => `${dir}/`],
    ['relative dir', (dir) => path.relative(process.cwd(), dir)],
    ['file://relative-dir', (dir) => `file://${path.relative(process.cwd(), dir)}`],
    ['file://relative-dir/model.json', (dir) => `file://${path.relative(process.cwd(), dir)}/model.json`],
    ['file:///abs/dir', (dir) => `file://${dir}`],
    ['dir/model.json', (dir) => path.join(dir, 'model.json')],
  ];
  it.each(forms)('%s round-trips the model exactly, leaving model.json and weights.bin only', async (_, form) => {
    const dir = path.join(tmp(), 'saved');
    const model = smallModel();
    await model.save(fileSystem(form(dir)));
    expect(files(dir)).toEqual(['model.json', 'weights.bin']);
    expect(nodeFs.statSync(path.join(dir, 'weights.bin')).size).toBe(32); // (3·2 + 2) float32
    const loaded = await tfl.loadLayersModel(fileSystem(form(dir)));
    expect(predictions(loaded)).toEqual(predictions(model));
  });

  it("the registered router: model.save('file://dir') and tf.loadLayersModel('file://dir/model.json')", async () => {
    const dir = tmp();
    const model = smallModel(2);
    await model.save(`file://${dir}`);
    const loaded = await tfl.loadLayersModel(`file://${dir}/model.json`);
    expect(predictions(loaded)).toEqual(predictions(model));
    expect(files(dir)).toEqual(['model.json', 'weights.bin']);
  });

  it('a path to another .json name saves <name>.json + <name>.weights.bin beside other models', async () => {
    const dir = tmp();
    const [a, b] = [smallModel(3), smallModel(4)];
    await a.save(fileSystem(path.join(dir, 'a.json')));
    await b.save(fileSystem(`file://${dir}/b.json`));
    expect(files(dir)).toEqual(['a.json', 'a.weights.bin', 'b.json', 'b.weights.bin']);
    expect(predictions(await tfl.loadLayersModel(fileSystem(`${dir}/a.json`)))).toEqual(predictions(a));
    expect(predictions(await tfl.loadLayersModel(`file://${dir}/b.json`))).toEqual(predictions(b));
  });
});

describe('quantized weights load at their quantized sizes', () => {
  /** A model.json for smallModel's topology whose kernel is uint8 (6 bytes) and bias float16 (4 bytes). */
  async function quantizedFolder(
    kernelBytes: number[],
    biasHalfs: number[],
    scale: number,
    min: number,
  ): Promise<string> {
    const dir = tmp();
    await smallModel().save(fileSystem(dir));
    const json = JSON.parse(nodeFs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    const [kernel, bias] = json.weightsManifest[0].weights;
    kernel.quantization = { dtype: 'uint8', scale, min };
    bias.quantization = { dtype: 'float16' };
    nodeFs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
    const bytes = new Uint8Array(6 + 4);
    bytes.set(kernelBytes, 0);
    new Uint16Array(bytes.buffer, 6, 2).set(biasHalfs);
    nodeFs.writeFileSync(path.join(dir, 'weights.bin'), bytes);
    return dir;
  }

  it('uint8 kernel v·scale + min and float16 bias decode to the hand-computed values', async () => {
    // float16 0x3E00 = 1.5, 0xC000 = -2; uint8 v · 0.5 − 1 for v = 0, 1, 2, 3, 4, 255.
    const dir = await quantizedFolder([0, 1, 2, 3, 4, 255], [0x3e00, 0xc000], 0.5, -1);
    const loaded = await tfl.loadLayersModel(fileSystem(dir));
    const [kernel, bias] = loaded.getWeights().map((w) => Array.from(w.dataSync()));
    expect(kernel).toEqual([-1, -0.5, 0, 0.5, 1, 126.5]);
    expect(bias).toEqual([1.5, -2]);
  });

  it('the same file with float32-sized data (4 bytes a value) is refused: sizes come from the quantized dtype', async () => {
    const dir = await quantizedFolder([0, 1, 2, 3, 4, 5], [0, 0], 1, 0);
    nodeFs.writeFileSync(path.join(dir, 'weights.bin'), new Uint8Array(32)); // what unquantized specs would need
    const load = tfl.loadLayersModel(fileSystem(dir));
    await expect(load).rejects.toThrow(ValueError);
    await expect(tfl.loadLayersModel(fileSystem(dir))).rejects.toThrow(/exactly the 32 bytes .*need 10 bytes/);
  });
});

describe('saving is atomic and never clobbers without {overwrite: true}', () => {
  it('a refused save changes no byte, no mtime and no listing of the folder', async () => {
    const dir = tmp();
    await smallModel(5).save(fileSystem(dir));
    const before = snapshot(dir);
    await new Promise((r) => setTimeout(r, 20)); // so that a rewrite would show in mtimes
    await expect(smallModel(6).save(fileSystem(dir))).rejects.toThrow(
      /model\.json exists; pass \{overwrite: true\} to replace it/,
    );
    await expect(smallModel(6).save(fileSystem(`file://${dir}/model.json`))).rejects.toThrow(ValueError);
    expect(snapshot(dir)).toEqual(before);
  });

  it('a folder holding only weights.bin (no model.json) is not written either', async () => {
    const dir = tmp();
    nodeFs.writeFileSync(path.join(dir, 'weights.bin'), 'keep me');
    const before = snapshot(dir);
    await expect(smallModel().save(fileSystem(dir))).rejects.toThrow(/weights\.bin exists/);
    expect(snapshot(dir)).toEqual(before);
  });

  it('{overwrite: true} replaces the model; the folder holds no temp file afterwards', async () => {
    const dir = tmp();
    await smallModel(7).save(fileSystem(dir));
    const replacement = smallModel(8);
    await replacement.save(fileSystem(dir, { overwrite: true }));
    expect(files(dir)).toEqual(['model.json', 'weights.bin']);
    expect(predictions(await tfl.loadLayersModel(fileSystem(dir)))).toEqual(predictions(replacement));
  });

  it('a save whose weights write throws leaves the previous model unchanged and loadable, and no temp file', async () => {
    const dir = tmp();
    const original = smallModel(9);
    await original.save(fileSystem(dir));
    const before = snapshot(dir);
    const spy = jest.spyOn(nodeFs, 'writeSync').mockImplementationOnce(() => {
      throw new Error('disk full (simulated)');
    });
    try {
      await expect(smallModel(10).save(fileSystem(dir, { overwrite: true }))).rejects.toThrow('disk full (simulated)');
    } finally {
      spy.mockRestore();
    }
    // Same listing and same bytes and mtimes of every file (the folder's own mtime moves: a temp came and went).
    const { '.': listing, ...rest } = snapshot(dir);
    expect({ listing: listing.bytes, ...rest }).toEqual((({ '.': l, ...r }) => ({ listing: l.bytes, ...r }))(before));
    expect(predictions(await tfl.loadLayersModel(fileSystem(dir)))).toEqual(predictions(original));
  });

  it('a save that fails after weights.bin was replaced (model.json rename throws) puts the old weights back', async () => {
    const dir = tmp();
    const original = smallModel(11);
    await original.save(fileSystem(dir));
    const weightsBefore = nodeFs.readFileSync(path.join(dir, 'weights.bin')).toString('hex');
    const rename = nodeFs.renameSync.bind(nodeFs);
    let calls = 0;
    const spy = jest.spyOn(nodeFs, 'renameSync').mockImplementation((from, to) => {
      if (++calls === 2) throw new Error('rename failed (simulated)'); // the second rename is model.json's
      rename(from, to);
    });
    try {
      await expect(smallModel(12).save(fileSystem(dir, { overwrite: true }))).rejects.toThrow(
        'rename failed (simulated)',
      );
    } finally {
      spy.mockRestore();
    }
    expect(files(dir)).toEqual(['model.json', 'weights.bin']);
    expect(nodeFs.readFileSync(path.join(dir, 'weights.bin')).toString('hex')).toBe(weightsBefore);
    expect(predictions(await tfl.loadLayersModel(fileSystem(dir)))).toEqual(predictions(original));
  });

  it('a failed first save into an empty folder leaves it empty', async () => {
    const dir = tmp();
    const spy = jest.spyOn(nodeFs, 'writeSync').mockImplementationOnce(() => {
      throw new Error('disk full (simulated)');
    });
    try {
      await expect(smallModel().save(fileSystem(dir))).rejects.toThrow('disk full (simulated)');
    } finally {
      spy.mockRestore();
    }
    expect(files(dir)).toEqual([]);
  });
});

describe('arguments, missing folders and old Node', () => {
  it.each([
    ['', /directory must be a non-empty string/],
    [42, /directory must be a non-empty string.*; got 42/],
    ['file://', /directory must name a folder after file:\/\/; got 'file:\/\/'/],
    [
      'http://example.com/model.json',
      /directory must be a folder path or a file:\/\/ URL; got 'http:.*For http\(s\):\/\/ URLs use tf\.io\.http/,
    ],
    ['out\u0000/model', /directory must not contain a NUL byte/],
  ])('directory %p is refused at once', (directory, message) => {
    expect(() => fileSystem(directory as string)).toThrow(ValueError);
    expect(() => fileSystem(directory as string)).toThrow(message);
  });

  it('options are checked: unknown keys (with the nearest name) and overwrite types', () => {
    expect(() => fileSystem('out', { overwrit: true } as never)).toThrow(
      /unknown option 'overwrit' \(did you mean 'overwrite'\?\); known options: overwrite/,
    );
    expect(() => fileSystem('out', { overwrite: 'yes' } as never)).toThrow(
      /overwrite must be true or false; got 'yes'/,
    );
    expect(() => fileSystem('out', null as never)).toThrow(ValueError);
  });

  it('loading a missing folder or a folder without model.json names what is missing', async () => {
    const dir = tmp();
    await expect(tfl.loadLayersModel(fileSystem(path.join(dir, 'nope')))).rejects.toThrow(
      /directory must name an existing folder .*nope.*\(ENOENT\)/,
    );
    await expect(tfl.loadLayersModel(fileSystem(dir))).rejects.toThrow(new RegExp(`no model\\.json in ${dir}`));
  });

  it('saving onto an existing file (not a folder) is refused', async () => {
    const file = path.join(tmp(), 'plain');
    nodeFs.writeFileSync(file, 'x');
    await expect(smallModel().save(fileSystem(file))).rejects.toThrow(
      /directory must name a folder .*not an existing file/,
    );
    expect(nodeFs.readFileSync(file, 'utf8')).toBe('x');
  });

  it('without process.getBuiltinModule the error names the Node.js needed and the one running', async () => {
    const proc = process as unknown as { getBuiltinModule?: unknown };
    const saved = proc.getBuiltinModule;
    proc.getBuiltinModule = undefined;
    try {
      const handler = fileSystem(tmp());
      await expect((handler.load as () => Promise<unknown>)()).rejects.toThrow(ValueError);
      await expect((handler.save as (a: tf.io.ModelArtifacts) => Promise<unknown>)({})).rejects.toThrow(
        `jr.io.fileSystem: needs Node.js ≥ 20.16 (on 22.x: ≥ 22.3) for process.getBuiltinModule; running Node.js ${process.version}.`,
      );
    } finally {
      proc.getBuiltinModule = saved;
    }
  });

  it('package.json engines.node admits exactly the Node.js versions that have process.getBuiltinModule', () => {
    // getBuiltinModule came in 22.3.0 and was backported to 20.16.0; 21.x never had it.
    const semver = require('semver') as { satisfies(v: string, range: string): boolean };
    const range = JSON.parse(nodeFs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8')).engines.node;
    const versions = ['18.20.4', '20.15.1', '20.16.0', '20.20.2', '21.7.3', '22.2.0', '22.3.0', '24.1.0'];
    expect(versions.filter((v) => semver.satisfies(v, range))).toEqual(['20.16.0', '20.20.2', '22.3.0', '24.1.0']);
  });
});
