/**
 * Without a running pcscd the workbench still starts and says why PC/SC is unavailable. The real
 * libpcsclite is pointed at a socket no daemon listens on (PCSCLITE_CSOCK_NAME), in a child process,
 * so a pcscd serving other tests is left alone.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/sim-card.js';

const run = promisify(execFile);

/** Without the binding the reason would be the missing library (covered by the unit tests), not pcscd. */
function bindingLoadError(): string | undefined {
  try {
    createRequire(import.meta.url)('pcsclite');
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message.split('\n')[0] : String(err);
  }
}
const bindingMissing = bindingLoadError();
const dir = mkdtempSync(path.join(tmpdir(), 'ewb-no-pcscd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(bindingMissing !== undefined)(`PC/SC without pcscd${bindingMissing === undefined ? '' : ` (skipped: pcsclite cannot load: ${bindingMissing})`}`, () => {
  it('reports PCSC_UNAVAILABLE with how to start pcscd, and lists one unavailable entry instead of failing', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'test/helpers/pcsc-probe-process.ts')], {
      cwd: repoRoot,
      env: { ...process.env, PCSCLITE_CSOCK_NAME: path.join(dir, 'pcscd.comm') },
      timeout: 60_000,
    });
    const report = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as {
      startError?: { code: string; message: string; hint: string; details: Record<string, unknown> };
      availability: string;
      devices: { id: string; status: string; reason?: string }[];
    };
    expect(report.startError).toMatchObject({
      code: 'PCSC_UNAVAILABLE',
      message: 'Connecting to the PC/SC daemon failed: the PC/SC daemon (pcscd) is not running.',
      details: { scardName: 'SCARD_E_NO_SERVICE', scard: '0x8010001D', call: 'SCardEstablishContext' },
    });
    expect(report.startError?.hint).toContain('sudo systemctl start pcscd');
    expect(report.availability).toBe('unavailable');
    expect(report.devices).toEqual([{ id: 'pcsc:*', kind: 'pcsc', label: 'PC/SC readers', status: 'unavailable', reason: expect.stringContaining('pcscd) is not running') }]);
    expect(report.devices[0]?.reason).toContain('sudo systemctl start pcscd');
  });
});
