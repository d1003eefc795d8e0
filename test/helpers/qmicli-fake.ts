/**
 * A fake `qmicli` for unit tests (test/helpers/qmicli-fake.sh), one per test: a wrapper executable in a
 * temporary directory that fixes the version and card, a fake device file, the recorded runs, and the
 * APDU responses to give.
 */
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const FAKE_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'qmicli-fake.sh');

export interface FakeQmicliOptions {
  /** Default 1.36.0. */
  readonly version?: string;
  /** Default `present` (a USIM). */
  readonly card?: 'present' | 'blank' | 'absent' | 'error';
}

export interface FakeQmicli {
  /** Pass as the `binary` option. */
  readonly binary: string;
  /** A device file that exists (the fake refuses devices that do not). */
  readonly device: string;
  /** Each run's arguments, space-joined, in order. */
  calls(): Promise<string[]>;
  /** Makes the fake answer `commandHex` (uppercase, no separators) with `responseHex`. */
  respond(commandHex: string, responseHex: string): Promise<void>;
  /** Makes Open Logical Channel fail with QMI AccessDenied. */
  refuseChannels(): Promise<void>;
  cleanup(): Promise<void>;
}

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export async function createFakeQmicli(options: FakeQmicliOptions = {}): Promise<FakeQmicli> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ewb-qmicli-fake-'));
  await mkdir(path.join(dir, 'apdu'));
  const binary = path.join(dir, 'qmicli');
  const env = `FAKE_QMICLI_VERSION=${quote(options.version ?? '1.36.0')} FAKE_QMICLI_CARD=${quote(options.card ?? 'present')} FAKE_QMICLI_DIR=${quote(dir)}`;
  await writeFile(binary, `#!/bin/sh\n${env} exec /bin/sh ${quote(FAKE_SCRIPT)} "$@"\n`);
  await chmod(binary, 0o755);
  const device = path.join(dir, 'cdc-wdm0');
  await writeFile(device, '');
  return {
    binary,
    device,
    calls: async () => (await readFile(path.join(dir, 'calls'), 'utf8').catch(() => '')).split('\n').filter((l) => l !== ''),
    respond: (commandHex, responseHex) => writeFile(path.join(dir, 'apdu', commandHex), `${responseHex.match(/../g)?.join(':') ?? ''}\n`),
    refuseChannels: () => writeFile(path.join(dir, 'fail-open'), ''),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
