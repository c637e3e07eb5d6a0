/**
 * Node's `fs` and `path`, reached through `process.getBuiltinModule` so that the browser bundles import no Node
 * module. Only the members the file handler uses are typed here (the browser build compiles without @types/node).
 */
import { ValueError } from '../errors';

/**
 * The public name in every message of the file handler.
 * @internal
 */
export const WHERE = 'jr.io.fileSystem';

/** The Node.js versions that have `process.getBuiltinModule` (package.json `engines.node` says the same). */
const NODE_NEEDED = 'Node.js ≥ 20.16 (on 22.x: ≥ 22.3)';

export interface Stats {
  size: number;
  mtimeMs: number;
  isFile(): boolean;
  isDirectory(): boolean;
}

export interface Fs {
  constants: { O_RDONLY: number; O_NOFOLLOW?: number };
  realpathSync(p: string): string;
  statSync(p: string): Stats;
  lstatSync(p: string, o: { throwIfNoEntry: false }): Stats | undefined;
  openSync(p: string, flags: number | string, mode?: number): number;
  fstatSync(fd: number): Stats;
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null): number;
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number): number;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
  mkdirSync(p: string, o: { recursive: boolean }): void;
  renameSync(from: string, to: string): void;
  linkSync(existing: string, link: string): void;
  unlinkSync(p: string): void;
}

export interface Path {
  sep: string;
  join(...parts: string[]): string;
  resolve(...parts: string[]): string;
  dirname(p: string): string;
  basename(p: string): string;
  relative(from: string, to: string): string;
  isAbsolute(p: string): boolean;
}

interface NodeProcess {
  version?: string;
  versions?: { node?: string };
  getBuiltinModule?: (id: string) => unknown;
}

/**
 * `fs` and `path`, or a ValueError naming the Node.js version needed and the one running.
 * @internal
 */
export function nodeBuiltins(): { fs: Fs; path: Path } {
  const proc = (globalThis as { process?: NodeProcess }).process;
  const getBuiltinModule = proc?.getBuiltinModule;
  if (typeof getBuiltinModule !== 'function') {
    const running = proc?.versions?.node != null ? `Node.js ${proc.version}` : 'not Node.js';
    throw new ValueError(
      `${WHERE}: needs ${NODE_NEEDED} for process.getBuiltinModule; running ${running}. Upgrade Node.js; in a ` +
        'browser save models with localstorage://, indexeddb:// or downloads:// instead.',
    );
  }
  return { fs: getBuiltinModule.call(proc, 'fs') as Fs, path: getBuiltinModule.call(proc, 'path') as Path };
}
