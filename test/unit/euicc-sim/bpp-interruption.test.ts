/**
 * A LoadBoundProfilePackage cut off after BF23 (card removed, reset, process killed) ends in a signed
 * error PIR with reason interruption (SGP.22 ErrorReason 11), delivered as a pending notification,
 * and never in a half profile.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decode } from '../../../src-main/codec/schema.js';
import { ES10, ProfileInstallationResult } from '../../../src-main/codec/sgp22/index.js';
import type { ProfileInstallationResultValue } from '../../../src-main/codec/sgp22/index.js';
import { generateTestPki, verifyPlain } from '../../../src-main/crypto/index.js';
import type { RspPki } from '../../../src-main/crypto/index.js';
import type { IsdR } from '../../../src-main/sim/euicc/isd-r.js';
import { createVirtualEuicc } from '../../../src-main/sim/euicc/virtual-euicc.js';
import { generatedPki, repoRoot } from '../../helpers/pki-fixtures.js';
import { callIsdr, INTERRUPT_PKI_SEED, runDownload, TEST_SMDP_ADDRESS, TestSmdp } from '../../helpers/virtual-euicc.js';

const ICCID = '8944476500000000017';
const dirs: string[] = [];
async function stateFile(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ewb-bpp-int-'));
  dirs.push(dir);
  return path.join(dir, 'card.json');
}
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** Pieces an LPA sends (no A2): 0 BF36+BF23, 1 A0, 2 A1 header, 3… 88s, then A3 header and 86s. */
const keepFirst = (n: number) => (pieces: Uint8Array[]) => pieces.slice(0, n);

/** What the next notification run of an LPA sees: the metadata list, then each signed PIR. */
async function pendingInstallResults(isdr: IsdR): Promise<{ seqNumbers: number[]; pirs: ProfileInstallationResultValue[]; raws: Uint8Array[] }> {
  const list = await callIsdr(isdr, ES10.listNotification, {});
  if (list.kind !== 'notificationMetadataList') throw new Error('ListNotification failed');
  const installs = list.value.filter((m) => m.profileManagementOperation.includes('notificationInstall'));
  const pirs: ProfileInstallationResultValue[] = [];
  const raws: Uint8Array[] = [];
  for (const m of installs) {
    const got = await callIsdr(isdr, ES10.retrieveNotificationsList, { searchCriteria: { kind: 'seqNumber', value: m.seqNumber } });
    if (got.kind !== 'notificationList' || got.value[0]?.kind !== 'profileInstallationResult') throw new Error('no BF37 for an install notification');
    pirs.push(got.value[0].value);
    raws.push(got.value[0].value.profileInstallationResultData.raw);
  }
  return { seqNumbers: installs.map((m) => m.seqNumber), pirs, raws };
}

function expectInterruptionPir(pki: RspPki, smdp: TestSmdp, pir: ProfileInstallationResultValue | undefined, bppCommandId: string, iccid?: string): void {
  if (pir === undefined) throw new Error('no PIR');
  const data = pir.profileInstallationResultData;
  expect(data.value.finalResult).toEqual({ kind: 'errorResult', value: { bppCommandId, errorReason: 'installFailedDueToInterruption' } });
  expect(data.value.transactionId).toEqual(smdp.transactionId);
  expect(data.value.smdpOid).toBe(pki.dpPb.cert.rspOid);
  expect(data.value.notificationMetadata).toMatchObject({ notificationAddress: TEST_SMDP_ADDRESS, profileManagementOperation: ['notificationInstall'], ...(iccid === undefined ? {} : { iccid }) });
  if (iccid === undefined) expect(data.value.notificationMetadata.iccid).toBeUndefined();
  // Signed with SK.EUICC over the BF27 TLV: the SM-DP+ verifies it with CERT.EUICC.
  expect(verifyPlain(pki.euicc.cert.publicKey, data.raw, pir.euiccSignPIR)).toBe(true);
}

describe('BPP load interrupted after BF23', () => {
  const pki = generatedPki();

  it('card removed mid-BPP → the next ListNotification shows an install notification whose signed PIR says interruption', async () => {
    const file = await stateFile();
    const v = await createVirtualEuicc({ pki, stateFile: file });
    const smdp = new TestSmdp(pki);
    // BF23, A0 (ConfigureISDP), A1 header, its one 88: StoreMetadata is the last command started.
    const run = await runDownload(v.isdr, smdp, pki.euicc.eid, { tamper: keepFirst(4) });
    expect(run.responses).toEqual([null, null, null, null]);
    expect(v.state.state.loadInProgress).toMatchObject({ bppCommandId: 'storeMetadata', notificationAddress: TEST_SMDP_ADDRESS, iccid: ICCID });

    v.card.remove();
    v.card.insert();
    v.card.powerOn();
    const { seqNumbers, pirs } = await pendingInstallResults(v.isdr);
    expect(seqNumbers).toHaveLength(1);
    expectInterruptionPir(pki, smdp, pirs[0], 'storeMetadata', ICCID);

    // Persisted, no half profile, the record is gone, and later requests add no second PIR.
    const onDisk = JSON.parse(await readFile(file, 'utf8')) as { profiles: unknown[]; loadInProgress?: unknown; notifications: { pending: unknown[] } };
    expect(onDisk).toMatchObject({ profiles: [], notifications: { pending: [expect.objectContaining({ event: 'install', seqNumber: seqNumbers[0] })] } });
    expect(onDisk.loadInProgress).toBeUndefined();
    expect((await pendingInstallResults(v.isdr)).seqNumbers).toEqual(seqNumbers);
    expect(v.state.state.freeMemory.nonVolatile).toBe(0x0c27ba);
  });

  it('the ICCID is reported once StoreMetadata was read; a new download after the interruption still installs', async () => {
    const w = await createVirtualEuicc({ pki });
    const smdp = new TestSmdp(pki);
    // Everything but the last 86: the profile elements are being loaded when the card is reset.
    await runDownload(w.isdr, smdp, pki.euicc.eid, { tamper: (pieces) => pieces.slice(0, -1) });
    w.card.reset();
    const { pirs } = await pendingInstallResults(w.isdr);
    expectInterruptionPir(pki, smdp, pirs[0], 'loadProfileElements', ICCID);

    const again = await runDownload(w.isdr, smdp, pki.euicc.eid);
    const pir = decode(ProfileInstallationResult, again.responses.at(-1) ?? new Uint8Array(0));
    expect(pir.profileInstallationResultData.value.finalResult.kind).toBe('successResult');
    expect(w.state.state.profiles.map((p) => p.iccid)).toEqual([ICCID]);
    expect(w.state.state.loadInProgress).toBeUndefined();
    expect((await pendingInstallResults(w.isdr)).pirs.map((p) => p.profileInstallationResultData.value.finalResult.kind)).toEqual(['errorResult', 'successResult']);
  });

  it('a BF23 the eUICC refuses records nothing: its own error PIR is the only result', async () => {
    const v = await createVirtualEuicc({ pki });
    const smdp = new TestSmdp(pki);
    const run = await runDownload(v.isdr, smdp, pki.euicc.eid, {
      tamper: (pieces) => {
        const first = pieces[0]?.slice() ?? new Uint8Array(0);
        first[first.length - 1] = (first[first.length - 1] ?? 0) ^ 0x01; // breaks smdpSign
        return [first, ...pieces.slice(1)];
      },
    });
    expect(run.responses).toHaveLength(1);
    expect(v.state.state.loadInProgress).toBeUndefined();
    v.card.reset();
    const { pirs } = await pendingInstallResults(v.isdr);
    expect(pirs.map((p) => p.profileInstallationResultData.value.finalResult)).toEqual([{ kind: 'errorResult', value: { bppCommandId: 'initialiseSecureChannel', errorReason: 'invalidSignature' } }]);
  });

  it('a restart (state file reopened) right after BF23 also ends in the interruption PIR; `blank` drops the record', async () => {
    const file = await stateFile();
    const v = await createVirtualEuicc({ pki, stateFile: file });
    const smdp = new TestSmdp(pki);
    await runDownload(v.isdr, smdp, pki.euicc.eid, { tamper: keepFirst(1) });
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ loadInProgress: { bppCommandId: 'initialiseSecureChannel' } });

    const restarted = await createVirtualEuicc({ pki, stateFile: file });
    expectInterruptionPir(pki, smdp, (await pendingInstallResults(restarted.isdr)).pirs[0], 'initialiseSecureChannel');

    await runDownload(restarted.isdr, smdp, pki.euicc.eid, { tamper: keepFirst(2) });
    const blank = await createVirtualEuicc({ pki, stateFile: file, blank: true });
    expect(blank.state.state.loadInProgress).toBeUndefined();
    expect((await pendingInstallResults(blank.isdr)).seqNumbers).toEqual([]);
  });

  it('kill -9 in the middle of the package: on the next start the interruption PIR is pending', { timeout: 60_000 }, async () => {
    const file = await stateFile();
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'test/helpers/virtual-euicc-interrupt-child.ts'), file, '3'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exit = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    child.stdout.on('data', (c: Buffer) => {
      if (c.toString().includes('loading')) child.kill('SIGKILL');
    });
    expect(await exit, stderr).toBe('SIGKILL');

    const childPki = generateTestPki({ seed: INTERRUPT_PKI_SEED, curves: ['prime256v1'] });
    const v = await createVirtualEuicc({ pki: childPki, stateFile: file });
    expect(v.state.state.profiles).toEqual([]);
    const { pirs } = await pendingInstallResults(v.isdr);
    expect(pirs).toHaveLength(1);
    expectInterruptionPir(childPki, new TestSmdp(childPki), pirs[0], 'storeMetadata');
  });
});
