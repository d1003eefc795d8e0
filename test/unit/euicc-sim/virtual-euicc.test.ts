import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { toHex } from '../../../shared/hex.js';
import { createProfile } from '../../../src-main/sim/euicc/state.js';
import { profileFootprint } from '../../../src-main/sim/euicc/profile-package.js';
import { createVirtualEuicc, defaultVirtualEuiccPaths, openOrCreateTestPki } from '../../../src-main/sim/euicc/virtual-euicc.js';
import { generatedPki, repoRoot } from '../../helpers/pki-fixtures.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), 'ewb-veuicc-'));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('createVirtualEuicc', () => {
  it('creates a blank card file with the certificate EID, ATR and protocol; reopens it; blank wipes it', async () => {
    const pki = generatedPki();
    const file = path.join(await tempDir(), 'card.json');
    const v = await createVirtualEuicc({ pki, stateFile: file, atr: '3B9F96801FC78031A073BE21136743200718000001A5', protocol: 'T=1' });
    expect(v.state.state.eid).toBe(pki.euicc.eid);
    expect(v.state.state.config).toMatchObject({ atr: '3B9F96801FC78031A073BE21136743200718000001A5', protocol: 'T=1' });
    expect(toHex(await v.transport.getAtr()).toUpperCase()).toBe('3B9F96801FC78031A073BE21136743200718000001A5');
    expect(v.card.isBlank).toBe(true);
    await v.state.transaction((d) => {
      d.profiles.push(createProfile({ iccid: '8944476500001234567', imsi: '001010123456789' }));
    });
    await v.close();
    const again = await createVirtualEuicc({ pki, stateFile: file });
    expect(again.state.state.profiles).toHaveLength(1);
    expect(again.card.isBlank).toBe(false);
    const blank = await createVirtualEuicc({ pki, stateFile: file, blank: true });
    expect(blank.state.state.profiles).toEqual([]);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ profiles: [], eid: pki.euicc.eid });
  });

  it('refuses a state file of another eUICC', async () => {
    const file = path.join(await tempDir(), 'card.json');
    await createVirtualEuicc({ pki: generatedPki(), stateFile: file });
    await expect(createVirtualEuicc({ pki: generatedPki({ seed: 'unit-test', eid: '89049032000000000000000000000042' }), stateFile: file })).rejects.toMatchObject({ code: 'SIM_EID_MISMATCH' });
  });

  it('defaultVirtualEuiccPaths and openOrCreateTestPki (writes a PKI once, then loads it)', async () => {
    const dir = await tempDir();
    const paths = defaultVirtualEuiccPaths(dir);
    expect(paths).toEqual({ stateFile: path.join(dir, 'sim', 'default.json'), pkiDir: path.join(dir, 'pki') });
    const first = await openOrCreateTestPki(paths.pkiDir, { seed: 'paths-test' });
    expect(existsSync(path.join(paths.pkiDir, 'eUICC', 'EID'))).toBe(true);
    const second = await openOrCreateTestPki(paths.pkiDir, { seed: 'another seed is ignored' });
    expect(second.euicc.cert.der).toEqual(first.euicc.cert.der);
    const v = await createVirtualEuicc({ pki: paths.pkiDir, stateFile: paths.stateFile });
    expect(v.state.state.eid).toBe(first.euicc.eid);
  });
});

describe('virtual eUICC under kill -9', () => {
  it('a download killed at any moment leaves either no profile or a whole one with its PIR', { timeout: 120_000 }, async () => {
    const dir = await tempDir();
    for (let round = 0; round < 3; round++) {
      const file = path.join(dir, `card-${round}.json`);
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'test/helpers/virtual-euicc-download-child.ts'), file], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      let installed = 0;
      const killAfter = 2 + round * 3;
      await new Promise<void>((resolve, reject) => {
        child.on('exit', () => (installed >= killAfter ? resolve() : reject(new Error(`child exited early: ${stderr}`))));
        child.stdout.on('data', (c: Buffer) => {
          const m = [...c.toString().matchAll(/installed (\d+)/g)].pop();
          if (m?.[1] !== undefined) installed = Number(m[1]);
          // Let the next download start, then kill it somewhere inside.
          if (installed >= killAfter && child.exitCode === null && !child.killed) setTimeout(() => child.kill('SIGKILL'), round * 7);
        });
      });
      // Reopening validates the file; the invariants below show nothing was half written.
      const v = await createVirtualEuicc({ pki: generatedPki({ seed: 'kill-test', curves: ['prime256v1'] }), stateFile: file });
      const s = v.state.state;
      expect(s.profiles.length).toBeGreaterThanOrEqual(installed);
      const installs = s.notifications.pending.filter((n) => n.event === 'install');
      expect(installs.map((n) => n.iccid)).toEqual(s.profiles.map((p) => p.iccid));
      expect(s.freeMemory.nonVolatile + s.profiles.reduce((n, p) => n + profileFootprint(p), 0)).toBe(0x0c27ba);
      expect(s.profiles.filter((p) => p.state === 'enabled').length).toBeLessThanOrEqual(1);
      expect(Math.max(0, ...s.notifications.pending.map((n) => n.seqNumber))).toBeLessThan(s.notifications.nextSeqNumber);
      expect(v.isdr.rsp.load).toBeUndefined();
    }
  });
});
