/**
 * Byte-exact reads of files already checked to lie inside the model folder, and the atomic save: every file is
 * written to a temp file in the same folder, and only when all are complete are they renamed over their names, in
 * order (weights first, model.json last), so a folder never holds a model.json whose weights are half-written.
 */
import { fail } from '../errors';
import { Fs, Path, WHERE } from './node_builtins';

/**
 * Reads exactly `size` bytes of the regular file `real` into `into` at `offset` (one open, no symlink followed);
 * refuses a file whose size changed since it was measured.
 * @internal
 */
export function readExactly(
  fs: Fs,
  real: string,
  size: number,
  into: Uint8Array,
  offset: number,
  field: string,
  value: unknown,
): void {
  const fd = fs.openSync(real, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0));
  try {
    const stats = fs.fstatSync(fd);
    if (!stats.isFile() || stats.size !== size) {
      fail(
        WHERE,
        field,
        `must keep its size while the model loads (${size} bytes when checked, ${stats.size} now)`,
        value,
      );
    }
    for (let done = 0; done < size;) {
      const n = fs.readSync(fd, into, offset + done, size - done, done);
      if (n === 0) fail(WHERE, field, `must hold the ${size} bytes it held when checked (it ended at ${done})`, value);
      done += n;
    }
  } finally {
    fs.closeSync(fd);
  }
}

const unique = () => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;

function tryUnlink(fs: Fs, p: string): void {
  try {
    fs.unlinkSync(p);
  } catch {
    // already gone
  }
}

/** Writes `data` to a new file `p` (refused if `p` exists) and flushes it to disk. */
function writeNew(fs: Fs, p: string, data: Uint8Array): void {
  const fd = fs.openSync(p, 'wx', 0o666);
  try {
    for (let done = 0; done < data.byteLength;) done += fs.writeSync(fd, data, done, data.byteLength - done);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Saves `files` (name → bytes) into `folder`: all to temp files first, then renamed over their names in order. On
 * an error nothing is left behind: temps are removed, and files already renamed are put back (from hard-link
 * backups of the previous files) or removed when there was none.
 * @internal
 */
export function writeAtomically(
  fs: Fs,
  path: Path,
  folder: string,
  files: Array<[name: string, data: Uint8Array]>,
): void {
  const temps: string[] = [];
  const renamed: Array<{ target: string; backup: string | null; existed: boolean }> = [];
  const backups: string[] = [];
  try {
    for (const [name, data] of files) {
      const temp = path.join(folder, `.${name}.${unique()}.tmp`);
      temps.push(temp);
      writeNew(fs, temp, data);
    }
    files.forEach(([name], i) => {
      const target = path.join(folder, name);
      const existed = fs.lstatSync(target, { throwIfNoEntry: false }) != null;
      let backup: string | null = null;
      if (existed) {
        backup = path.join(folder, `.${name}.${unique()}.bak`);
        try {
          fs.linkSync(target, backup);
          backups.push(backup);
        } catch {
          backup = null; // no hard links here: the previous file cannot be put back after a later failure
        }
      }
      fs.renameSync(temps[i], target);
      renamed.push({ target, backup, existed });
    });
  } catch (error) {
    for (const { target, backup, existed } of renamed.reverse()) {
      try {
        if (backup != null) fs.renameSync(backup, target);
        else if (!existed) fs.unlinkSync(target);
      } catch {
        // best effort: the original error is the one to report
      }
    }
    throw error;
  } finally {
    for (const p of [...temps, ...backups]) tryUnlink(fs, p);
  }
  try {
    const fd = fs.openSync(folder, 'r');
    try {
      fs.fsyncSync(fd); // makes the renames durable where the platform allows
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // directories cannot be fsynced on every platform
  }
}
