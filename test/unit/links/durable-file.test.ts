import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeStaleTemps, writeFileAtomic, writeFileAtomicSync } from '../../../src-main/links/durable-file.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ewb-durable-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const variants = [
  ['writeFileAtomic', writeFileAtomic],
  ['writeFileAtomicSync', async (...args: Parameters<typeof writeFileAtomicSync>) => writeFileAtomicSync(...args)],
] as const;

describe.each(variants)('%s', (_name, write) => {
  it('writes text as UTF-8 and bytes as they are, replacing the old content', async () => {
    const file = path.join(dir, 'state.json');
    await write(file, 'first');
    await write(file, '{"name":"Überall"}\n');
    expect(await readFile(file, 'utf8')).toBe('{"name":"Überall"}\n');
    const bin = path.join(dir, 'blob.bin');
    await write(bin, new Uint8Array([0x00, 0xff, 0x86, 0x0a]));
    expect([...(await readFile(bin))]).toEqual([0x00, 0xff, 0x86, 0x0a]);
    expect((await readdir(dir)).sort()).toEqual(['blob.bin', 'state.json']);
  });

  it('creates the missing parent directories', async () => {
    const file = path.join(dir, 'a', 'b', 'EID');
    await write(file, '89049032123451234512345678901235\n');
    expect(await readFile(file, 'utf8')).toBe('89049032123451234512345678901235\n');
  });

  it('honours the mode exactly, whatever the umask', async () => {
    const oldUmask = process.umask(0o077);
    try {
      await write(path.join(dir, 'key.pem'), 'secret', { mode: 0o600 });
      await write(path.join(dir, 'cert.der'), new Uint8Array([0x30, 0x00]), { mode: 0o644 });
    } finally {
      process.umask(oldUmask);
    }
    expect((await stat(path.join(dir, 'key.pem'))).mode & 0o777).toBe(0o600);
    expect((await stat(path.join(dir, 'cert.der'))).mode & 0o777).toBe(0o644);
  });

  it('also narrows the mode of a file it replaces', async () => {
    const file = path.join(dir, 'queue.json');
    await writeFile(file, 'old', { mode: 0o644 });
    await write(file, 'new', { mode: 0o600 });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('leaves no temp file behind when the rename fails (target is a directory)', async () => {
    const target = path.join(dir, 'taken');
    await mkdir(target);
    await writeFile(path.join(target, 'inside'), 'x');
    await expect(write(target, 'data')).rejects.toMatchObject({ code: expect.stringMatching(/^(EISDIR|ENOTEMPTY|EEXIST)$/) as unknown });
    expect(await readdir(dir)).toEqual(['taken']);
    expect(await readdir(target)).toEqual(['inside']);
  });
});

describe('removeStaleTemps', () => {
  it('removes only the temp files of that target', async () => {
    const file = path.join(dir, 'card.json');
    await writeFile(file, '{}');
    await writeFile(path.join(dir, '.card.json.123.abcd.tmp'), '{"half":');
    await writeFile(path.join(dir, '.other.json.123.abcd.tmp'), '{"half":');
    await writeFile(path.join(dir, '.card.json.notes'), 'kept');
    await removeStaleTemps(file);
    expect((await readdir(dir)).sort()).toEqual(['.card.json.notes', '.other.json.123.abcd.tmp', 'card.json']);
  });
});
