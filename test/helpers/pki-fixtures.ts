/** Shared fixtures for crypto/PKI tests: the SGP.26 test PKI next to the repo and generated PKIs. */
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WorkbenchError } from '../../shared/errors.js';
import { generateTestPki } from '../../src-main/crypto/pki/generate.js';
import type { TestPkiOptions } from '../../src-main/crypto/pki/generate.js';
import type { RspPki } from '../../src-main/crypto/pki/rsp-pki.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const sgp26Dir = path.resolve(repoRoot, '..', 'shared', 'test-pki', 'sgp26');

/** Bytes of a file under the SGP.26 directory. */
export function readSgp26(relative: string): Uint8Array {
  return new Uint8Array(readFileSync(path.join(sgp26Dir, relative)));
}

const cache = new Map<string, RspPki>();

/** A generated PKI, memoised per option set (generation signs ~10 certificates). */
export function generatedPki(options: TestPkiOptions = { seed: 'unit-test' }): RspPki {
  const key = JSON.stringify(options);
  let pki = cache.get(key);
  if (pki === undefined) {
    pki = generateTestPki(options);
    cache.set(key, pki);
  }
  return pki;
}

/** Runs `fn` with a fresh temporary directory, removed afterwards. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ewb-pki-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Asserts that `run` throws a WorkbenchError with `code` and returns it for further checks. */
export function expectCode(run: () => unknown, code: string): WorkbenchError {
  try {
    run();
  } catch (err) {
    if (!(err instanceof WorkbenchError)) throw new Error(`expected WorkbenchError ${code}, got ${String(err)}`);
    if (err.code !== code) throw new Error(`expected ${code}, got ${err.code}: ${err.message}`);
    return err;
  }
  throw new Error(`expected ${code}, but nothing was thrown`);
}
