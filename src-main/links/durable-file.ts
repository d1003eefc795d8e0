/**
 * Durable, atomic file replacement: write a temp file next to the target, fsync it, rename it over
 * the target, fsync the directory. A crash at any instant leaves either the old or the new content on
 * disk, never a mix, and readers never see half a file. Lives in links (the lowest I/O layer) so every
 * layer that persists state uses the same guarantees.
 *
 * Temp files are named `.<name>.<pid>.<random>.tmp` in the target's directory: unique per process and
 * call, and recognisable by `removeStaleTemps` after a crash.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';

export interface WriteFileAtomicOptions {
  /** Exact permission bits of the new file (not reduced by the umask), e.g. 0o600 for keys. Default: 0o666 minus the umask, like fs.writeFile. */
  readonly mode?: number;
}

const DEFAULT_MODE = 0o666;

function tempPathFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

function bytesOf(data: string | Uint8Array): Uint8Array {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}

/** Replaces `file` with `data` (a string is written as UTF-8), creating its directory if needed. */
export async function writeFileAtomic(file: string, data: string | Uint8Array, options: WriteFileAtomicOptions = {}): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true });
  const temp = tempPathFor(file);
  try {
    const handle = await open(temp, 'wx', options.mode ?? DEFAULT_MODE);
    try {
      // umask can only remove bits; chmod makes a requested mode exact.
      if (options.mode !== undefined) await handle.chmod(options.mode);
      await handle.writeFile(bytesOf(data));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  // The rename is durable only once the directory entry is on disk.
  const dirHandle = await open(dir, 'r');
  try {
    await dirHandle.sync();
  } finally {
    await dirHandle.close();
  }
}

/**
 * Synchronous twin of writeFileAtomic, for stores whose API is synchronous: their writes then happen
 * in call order without a queue.
 */
export function writeFileAtomicSync(file: string, data: string | Uint8Array, options: WriteFileAtomicOptions = {}): void {
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true });
  const temp = tempPathFor(file);
  try {
    const fd = openSync(temp, 'wx', options.mode ?? DEFAULT_MODE);
    try {
      if (options.mode !== undefined) fchmodSync(fd, options.mode);
      const bytes = bytesOf(data);
      for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
  const dirFd = openSync(dir, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

/** Removes the temp files a crashed writer may have left next to `file`. */
export async function removeStaleTemps(file: string): Promise<void> {
  const dir = path.dirname(file);
  const prefix = `.${path.basename(file)}.`;
  for (const name of await readdir(dir)) {
    if (name.startsWith(prefix) && name.endsWith('.tmp')) await rm(path.join(dir, name)).catch(() => undefined);
  }
}
