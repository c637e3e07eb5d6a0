/** Shared pieces of the file-handler tests: temp folders, a small model, and a spy on every way fs opens a file. */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as os from 'os';
import * as path from 'path';

/** The very fs object the handler gets from process.getBuiltinModule (spies on it see the handler's calls). */
export const nodeFs = (process as unknown as { getBuiltinModule(id: string): unknown }).getBuiltinModule(
  'fs',
) as typeof import('fs');

/** A fresh folder under os.tmpdir(), resolved through symlinks (macOS /tmp) so paths compare exactly. */
export const tmp = () => nodeFs.realpathSync(nodeFs.mkdtempSync(path.join(os.tmpdir(), 'jr-io-')));

/** Dense 3 → 2: kernel [3, 2] and bias [2] in float32 = 32 bytes of weights. */
export function smallModel(seed = 1): tfl.Sequential {
  const init = (s: number) => tfl.initializers.randomUniform({ minval: -1, maxval: 1, seed: s });
  return tfl.sequential({
    layers: [
      tfl.layers.dense({ units: 2, inputShape: [3], kernelInitializer: init(seed), biasInitializer: init(seed + 100) }),
    ],
  });
}

/** The model's outputs on a fixed batch, as plain numbers (compared exactly). */
export function predictions(model: tfl.LayersModel): number[] {
  return tf.tidy(() =>
    Array.from(
      (
        model.predict(
          tf.tensor2d([
            [1, -2, 0.5],
            [0.25, 3, -1],
          ]),
        ) as tf.Tensor
      ).dataSync(),
    ),
  );
}

/** Every file's bytes and mtime in `dir`, and the listing (to check that a refused save changed nothing). */
export function snapshot(
  dir: string,
): Record<string, { bytes: string; mtimeMs: number }> & { '.': { bytes: string; mtimeMs: number } } {
  const out: Record<string, { bytes: string; mtimeMs: number }> = {
    '.': { bytes: nodeFs.readdirSync(dir).sort().join('|'), mtimeMs: nodeFs.statSync(dir).mtimeMs },
  };
  for (const name of nodeFs.readdirSync(dir)) {
    const p = path.join(dir, name);
    out[name] = { bytes: nodeFs.readFileSync(p).toString('hex'), mtimeMs: nodeFs.statSync(p).mtimeMs };
  }
  return out as ReturnType<typeof snapshot>;
}

const OPENERS = ['openSync', 'open', 'readFileSync', 'readFile', 'createReadStream', 'openAsBlob'] as const;
const PROMISE_OPENERS = ['open', 'readFile'] as const;

/**
 * Spies (calling through) on every fs function that opens a file by name. `opened(p)` says whether any recorded
 * path is p itself or resolves to it through symlinks, so a read through a link to p counts as a read of p.
 */
export function watchOpens(): { opened(p: string): boolean; restore(): void } {
  const target = (obj: object, name: string) =>
    typeof (obj as Record<string, unknown>)[name] === 'function'
      ? [jest.spyOn(obj as Record<string, () => unknown>, name)]
      : [];
  const spies = [
    ...OPENERS.flatMap((n) => target(nodeFs, n)),
    ...PROMISE_OPENERS.flatMap((n) => target(nodeFs.promises, n)),
  ];
  const real = (p: string) => {
    try {
      return nodeFs.realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  // mockRestore() clears mock.calls, so restore() first copies the names every spy was called with.
  let kept: string[] | null = null;
  const names = (): string[] =>
    kept ??
    spies.flatMap((spy) =>
      spy.mock.calls.flatMap((args: unknown[]) => {
        const a = args[0];
        return typeof a === 'string' ? [a] : a instanceof URL ? [a.pathname] : Buffer.isBuffer(a) ? [a.toString()] : [];
      }),
    );
  return {
    opened(p: string) {
      const wanted = real(p);
      return names().some((name) => path.resolve(name) === path.resolve(p) || real(name) === wanted);
    },
    restore() {
      kept = names();
      spies.forEach((s) => s.mockRestore());
    },
  };
}
