import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { concatBytes, fromHex, toHex } from '../../../shared/hex.js';
import { decode, encode } from '../../../src-main/codec/schema.js';
import {
  AuthenticateServerResponse,
  CancelSessionResponse,
  ES10,
  ProfileInstallationResult,
  PrepareDownloadResponse,
} from '../../../src-main/codec/sgp22/index.js';
import type { ProfileInstallationResultValue } from '../../../src-main/codec/sgp22/index.js';
import { loadPkiDir, verifyPlain, wrapSignature } from '../../../src-main/crypto/index.js';
import type { RspPki } from '../../../src-main/crypto/index.js';
import { createVirtualEuicc } from '../../../src-main/sim/euicc/virtual-euicc.js';
import type { VirtualEuicc } from '../../../src-main/sim/euicc/virtual-euicc.js';
import type { EuiccInfoConfig } from '../../../src-main/sim/euicc/euicc-info.js';
import { generatedPki, sgp26Dir } from '../../helpers/pki-fixtures.js';
import { callIsdr, runDownload, TestSmdp } from '../../helpers/virtual-euicc.js';
import type { DownloadOptions } from '../../helpers/virtual-euicc.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function euiccWithFile(pki: RspPki, info?: Partial<EuiccInfoConfig>): Promise<{ v: VirtualEuicc; file: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ewb-euicc-'));
  dirs.push(dir);
  const file = path.join(dir, 'card.json');
  return { v: await createVirtualEuicc({ pki, stateFile: file, ...(info === undefined ? {} : { info }) }), file };
}

const hex = (b: Uint8Array | null | undefined): string => (b == null ? 'null' : toHex(b).toUpperCase());

function pirOf(run: { responses: (Uint8Array | null)[] }): ProfileInstallationResultValue {
  const last = run.responses.at(-1);
  if (last == null) throw new Error('no BF37');
  return decode(ProfileInstallationResult, last);
}

async function persisted(file: string): Promise<{ profiles: { iccid: string }[]; notifications: { pending: { event: string; seqNumber: number }[] } }> {
  return JSON.parse(await readFile(file, 'utf8')) as { profiles: { iccid: string }[]; notifications: { pending: { event: string; seqNumber: number }[] } };
}

const pkis: [string, () => Promise<RspPki>][] = [
  ['generated PKI', async () => generatedPki()],
  ['SGP.26 test PKI', () => loadPkiDir(sgp26Dir)],
];

describe.each(pkis)('download with the %s', (_name, loadPki) => {
  it('installs the profile disabled, signs the PIR, shrinks free memory and persists both atomically', async () => {
    const pki = await loadPki();
    const { v, file } = await euiccWithFile(pki);
    const freeBefore = v.state.state.freeMemory.nonVolatile;
    const run = await runDownload(v.isdr, new TestSmdp(pki), pki.euicc.eid, { iccid: '8944476500000000017', imsi: '001010000000017' });
    expect(run.responses.slice(0, -1).every((r) => r === null)).toBe(true);
    expect(run.responses.length).toBe(run.pieces.length);
    const pir = pirOf(run);
    const data = pir.profileInstallationResultData;
    expect(data.value.finalResult).toEqual({ kind: 'successResult', value: { aid: fromHex('A0000005591010FFFFFFFF8900001000'), simaResponse: fromHex('3007A0053003800100') } });
    expect(data.value.notificationMetadata).toEqual({ seqNumber: 1, profileManagementOperation: ['notificationInstall'], notificationAddress: 'testsmdpplus1.example.com', iccid: '8944476500000000017' });
    expect(data.value.smdpOid).toBe(pki.dpPb.cert.rspOid);
    expect(verifyPlain(pki.euicc.cert.publicKey, data.raw, pir.euiccSignPIR)).toBe(true);
    // BF27 raw bytes: 80 transactionId first (digest §3.6).
    expect(hex(data.raw).startsWith('BF27')).toBe(true);

    const onDisk = await persisted(file);
    expect(onDisk.profiles.map((p) => p.iccid)).toEqual(['8944476500000000017']);
    expect(onDisk.notifications.pending.map((n) => [n.seqNumber, n.event])).toEqual([[1, 'install']]);
    expect(v.state.state.freeMemory.nonVolatile).toBeLessThan(freeBefore);
    const profile = v.state.state.profiles[0];
    expect(profile?.state).toBe('disabled');
    expect(profile?.files.imsi).toBe('080910100000000071');
    expect(v.isdr.rsp.challenge).toBeUndefined(); // session cleared after BF37
    // A further segment after the BF37 is refused with 6A88 (digest §1.6).
    await expect(v.isdr.handle(run.pieces.at(-1) ?? new Uint8Array(0), { channel: 0 })).rejects.toMatchObject({ details: { sw: 0x6a88 } });
  });
});

describe('download variants', () => {
  const pki = generatedPki();

  it.each<[string, DownloadOptions]>([
    ['A0 header and each 87 as separate calls', { per87: true }],
    ['ReplaceSessionKeys (A2) and a package over several 86 segments', { replaceSessionKeys: true, padTo: 2500 }],
  ])('accepts %s', async (_name, options) => {
    const v = await createVirtualEuicc({ pki });
    const run = await runDownload(v.isdr, new TestSmdp(pki), pki.euicc.eid, options);
    if (options.padTo !== undefined) expect(run.pieces.filter((p) => p[0] === 0x86).length).toBeGreaterThan(2);
    expect(pirOf(run).profileInstallationResultData.value.finalResult.kind).toBe('successResult');
    expect(v.state.state.profiles.length).toBe(1);
  });

  it('copies ctxParams1 verbatim into euiccSigned1 and answers with CERT.EUICC and CERT.EUM', async () => {
    const v = await createVirtualEuicc({ pki });
    const smdp = new TestSmdp(pki);
    const challenge = (await callIsdr(v.isdr, ES10.getEuiccChallenge, {})).euiccChallenge;
    const request = smdp.authenticateServerRequest(smdp.initiate(challenge), { matchingId: 'ABCD-1234' });
    const res = decode(AuthenticateServerResponse, (await v.isdr.handle(request, { channel: 0 })) ?? new Uint8Array(0));
    if (res.kind !== 'authenticateResponseOk') throw new Error('auth failed');
    const signed1 = hex(res.value.euiccSigned1.raw);
    // The digest §2.5 ctxParams1 example, byte for byte, at the end of euiccSigned1.
    expect(signed1.endsWith('A024' + '8009' + hex(new TextEncoder().encode('ABCD-1234')) + 'A117800435290611A10F8003080000810308000085030F0000')).toBe(true);
    expect(signed1).toContain('8010' + hex(smdp.transactionId) + '8319' + toHex(new TextEncoder().encode('testsmdpplus1.example.com')).toUpperCase() + '841000112233445566778899AABBCCDDEEFF' + 'BF22');
    expect(verifyPlain(pki.euicc.cert.publicKey, res.value.euiccSigned1.raw, res.value.euiccSignature1)).toBe(true);
    expect(res.value.euiccCertificate).toEqual(pki.euicc.cert.der);
    expect(res.value.eumCertificate).toEqual(pki.eum.cert.der);
  });

  it('signs euiccSigned2 over itself ‖ smdpSignature2, passes hashCc on and reuses the one-time key on request', async () => {
    const v = await createVirtualEuicc({ pki });
    const smdp = new TestSmdp(pki);
    const challenge = (await callIsdr(v.isdr, ES10.getEuiccChallenge, {})).euiccChallenge;
    const auth = (await v.isdr.handle(smdp.authenticateServerRequest(smdp.initiate(challenge)), { channel: 0 })) ?? new Uint8Array(0);
    const hashCc = new Uint8Array(32).fill(7);
    const request = smdp.prepareDownloadRequest(auth, { ccRequired: true, hashCc });
    const first = decode(PrepareDownloadResponse, (await v.isdr.handle(request, { channel: 0 })) ?? new Uint8Array(0));
    if (first.kind !== 'downloadResponseOk') throw new Error('prepare failed');
    const signed2 = first.value.euiccSigned2;
    expect(signed2.value.hashCc).toEqual(hashCc);
    expect(signed2.value.euiccOtpk.length).toBe(65);
    const smdpSignature2 = request.subarray(request.indexOf(0x5f) + 3, request.indexOf(0x5f) + 67);
    expect(verifyPlain(pki.euicc.cert.publicKey, concatBytes(signed2.raw, wrapSignature(smdpSignature2)), first.value.euiccSignature2)).toBe(true);
    // bppEuiccOtpk = the key just given: the same one-time key is used again.
    const again = decode(PrepareDownloadResponse, (await v.isdr.handle(smdp.prepareDownloadRequest(auth, { ccRequired: true, hashCc, bppEuiccOtpk: signed2.value.euiccOtpk }), { channel: 0 })) ?? new Uint8Array(0));
    expect(again.kind === 'downloadResponseOk' && again.value.euiccSigned2.value.euiccOtpk).toEqual(signed2.value.euiccOtpk);
  });

  it('CancelSession signs {transactionId, DPauth OID, reason}, ends the session, and refuses an unknown transaction with 5', async () => {
    const v = await createVirtualEuicc({ pki });
    const smdp = new TestSmdp(pki);
    const challenge = (await callIsdr(v.isdr, ES10.getEuiccChallenge, {})).euiccChallenge;
    const auth = (await v.isdr.handle(smdp.authenticateServerRequest(smdp.initiate(challenge)), { channel: 0 })) ?? new Uint8Array(0);
    const wrong = await callIsdr(v.isdr, ES10.cancelSession, { transactionId: fromHex('01'), reason: 'postponed' });
    expect(wrong).toEqual({ kind: 'cancelSessionResponseError', value: 'invalidTransactionId' });
    const bytes = await v.isdr.handle(encode(ES10.cancelSession.request, { transactionId: smdp.transactionId, reason: 'postponed' }), { channel: 0 });
    const ok = decode(CancelSessionResponse, bytes ?? new Uint8Array(0));
    if (ok.kind !== 'cancelSessionResponseOk') throw new Error('cancel failed');
    expect(ok.value.euiccCancelSessionSigned.value).toEqual({ transactionId: smdp.transactionId, smdpOid: pki.dpAuth.cert.rspOid, reason: 'postponed' });
    // 30 {80 transactionId, 81 OID 2.999.10, 82 reason postponed}
    expect(hex(ok.value.euiccCancelSessionSigned.raw)).toBe(`301A8010${hex(smdp.transactionId)}810388370A820101`);
    expect(verifyPlain(pki.euicc.cert.publicKey, ok.value.euiccCancelSessionSigned.raw, ok.value.euiccCancelSessionSignature)).toBe(true);
    expect(v.isdr.rsp.server).toBeUndefined();
    // The session is gone: PrepareDownload now has no context.
    const prep = decode(PrepareDownloadResponse, (await v.isdr.handle(smdp.prepareDownloadRequest(auth), { channel: 0 })) ?? new Uint8Array(0));
    expect(prep).toEqual({ kind: 'downloadResponseError', value: { transactionId: smdp.transactionId, downloadErrorCode: 'noSessionContext' } });
  });
});

describe('download negatives (digest §3.3)', () => {
  const pki = generatedPki();

  async function authenticate(v: VirtualEuicc, smdp: TestSmdp, o: Parameters<TestSmdp['authenticateServerRequest']>[1] = {}, challenge?: Uint8Array) {
    const c = challenge ?? (await callIsdr(v.isdr, ES10.getEuiccChallenge, {})).euiccChallenge;
    const res = await v.isdr.handle(smdp.authenticateServerRequest(smdp.initiate(c), o), { channel: 0 });
    return decode(AuthenticateServerResponse, res ?? new Uint8Array(0));
  }

  it('AuthenticateServer without GetEUICCChallenge → noSessionContext (4)', async () => {
    const v = await createVirtualEuicc({ pki });
    const smdp = new TestSmdp(pki);
    const res = await v.isdr.handle(smdp.authenticateServerRequest(smdp.initiate(new Uint8Array(16))), { channel: 0 });
    expect(hex(res)).toBe(`BF3817A1158010${hex(smdp.transactionId)}020104`);
  });

  it.each<[string, (smdp: TestSmdp, other: RspPki) => Parameters<TestSmdp['authenticateServerRequest']>[1], number]>([
    ['unknown CI PKId → ciPKUnknown (7)', () => ({ ciPkId: new Uint8Array(20).fill(0xee) }), 7],
    ['CERT.DPauth signed by another CI → invalidCertificate (1)', (_s, other) => ({ serverCertificate: other.dpAuth.cert.der }), 1],
    ['CERT.DPpb sent as serverCertificate (wrong role) → invalidOid (5)', (s) => ({ serverCertificate: s.pb.cert.der }), 5],
    ['bad serverSignature1 → invalidSignature (2)', () => ({ serverSignature1: new Uint8Array(64).fill(1) }), 2],
  ])('%s', async (_name, override, code) => {
    const v = await createVirtualEuicc({ pki });
    const smdp = new TestSmdp(pki);
    const res = await authenticate(v, smdp, override(smdp, generatedPki({ seed: 'another CI' })));
    expect(res).toEqual({ kind: 'authenticateResponseError', value: { transactionId: smdp.transactionId, authenticateErrorCode: AUTH_CODES[code] } });
  });

  it('challenge mismatch → euiccChallengeMismatch (6)', async () => {
    const v = await createVirtualEuicc({ pki });
    const smdp = new TestSmdp(pki);
    await callIsdr(v.isdr, ES10.getEuiccChallenge, {});
    const res = await authenticate(v, smdp, {}, new Uint8Array(16).fill(9));
    expect(res.kind === 'authenticateResponseError' && res.value.authenticateErrorCode).toBe('euiccChallengeMismatch');
  });

  it.each<[string, (smdp: TestSmdp) => Parameters<TestSmdp['prepareDownloadRequest']>[1], string]>([
    ['wrong transactionId', () => ({ transactionId: fromHex('AA') }), 'invalidTransactionId'],
    ['smdpSignature2 by the wrong key', (s) => ({ signWith: s.auth }), 'invalidSignature'],
    ['CERT.DPauth instead of CERT.DPpb', (s) => ({ smdpCertificate: s.auth.cert.der }), 'invalidCertificate'],
    ['ccRequired without hashCc', () => ({ ccRequired: true }), 'undefinedError'],
  ])('PrepareDownload: %s', async (_name, override, code) => {
    const v = await createVirtualEuicc({ pki });
    const smdp = new TestSmdp(pki);
    const auth = await authenticate(v, smdp);
    const res = await v.isdr.handle(smdp.prepareDownloadRequest(encode(AuthenticateServerResponse, auth), override(smdp)), { channel: 0 });
    const decoded = decode(PrepareDownloadResponse, res ?? new Uint8Array(0));
    expect(decoded.kind === 'downloadResponseError' && decoded.value.downloadErrorCode).toBe(code);
  });

  function flipLastByte(tag: number, which = 0): (pieces: Uint8Array[]) => Uint8Array[] {
    return (pieces) => {
      let n = 0;
      return pieces.map((p) => {
        if (p[0] !== tag || n++ !== which) return p;
        const copy = p.slice();
        copy[copy.length - 1] = (copy[copy.length - 1] ?? 0) ^ 0x01;
        return copy;
      });
    };
  }

  it.each<[string, DownloadOptions, string, string]>([
    ['corrupted 88 MAC', { tamper: flipLastByte(0x88) }, 'storeMetadata', 'scp03tSecurityError'],
    ['corrupted 86 MAC', { tamper: flipLastByte(0x86), padTo: 1500 }, 'loadProfileElements', 'scp03tSecurityError'],
    ['86 segments swapped', { padTo: 2500, tamper: (p) => { const i = p.findIndex((x) => x[0] === 0x86); return [...p.slice(0, i), p[i + 1], p[i], ...p.slice(i + 2)].filter((x): x is Uint8Array => x !== undefined); } }, 'loadProfileElements', 'scp03tSecurityError'],
    ['A3 before A1 (part out of order)', { tamper: (p) => { const a1 = p.findIndex((x) => x[0] === 0xa1); const a3 = p.findIndex((x) => x[0] === 0xa3); return [...p.slice(0, a1), ...p.slice(a3), ...p.slice(a1, a3)]; } }, 'loadProfileElements', 'scp03tStructureError'],
    ['ProfileHeader ICCID ≠ metadata ICCID', { packageIccid: '8944476500000000025' }, 'loadProfileElements', 'installFailedDueToDataMismatch'],
    ['profile class not allowed', { metadata: { profileClass: 'test' } }, 'storeMetadata', 'unsupportedProfileClass'],
    ['profile elements that are not SAIP', { profileBytes: fromHex('A0034F0100AA00') }, 'loadProfileElements', 'installFailedDueToPEProcessingError'],
  ])('%s → PIR error, nothing installed, error PIR pending', async (_name, options, command, reason) => {
    const { v, file } = await euiccWithFile(pki, { allowedProfileClasses: ['operational'] });
    const freeBefore = v.state.state.freeMemory.nonVolatile;
    const run = await runDownload(v.isdr, new TestSmdp(pki), pki.euicc.eid, options);
    const pir = pirOf(run);
    expect(pir.profileInstallationResultData.value.finalResult).toEqual({ kind: 'errorResult', value: { bppCommandId: command, errorReason: reason } });
    expect(verifyPlain(pki.euicc.cert.publicKey, pir.profileInstallationResultData.raw, pir.euiccSignPIR)).toBe(true);
    const onDisk = await persisted(file);
    expect(onDisk.profiles).toEqual([]);
    expect(onDisk.notifications.pending.map((n) => n.event)).toEqual(['install']);
    expect(v.state.state.freeMemory.nonVolatile).toBe(freeBefore);
    // The load ended: a further segment is refused (6A88).
    const next = run.pieces[run.responses.length];
    if (next !== undefined) await expect(v.isdr.handle(next, { channel: 0 })).rejects.toMatchObject({ details: { sw: 0x6a88 } });
  });

  it('ICCID already installed → iccidAlreadyExists (9); PPRs the RAT forbids → pprNotAllowed (15)', async () => {
    const { v, file } = await euiccWithFile(pki, { rat: [] });
    expect(pirOf(await runDownload(v.isdr, new TestSmdp(pki), pki.euicc.eid)).profileInstallationResultData.value.finalResult.kind).toBe('successResult');
    const dup = pirOf(await runDownload(v.isdr, new TestSmdp(pki), pki.euicc.eid));
    expect(dup.profileInstallationResultData.value.finalResult).toEqual({ kind: 'errorResult', value: { bppCommandId: 'storeMetadata', errorReason: 'installFailedDueToIccidAlreadyExistsOnEuicc' } });
    const ppr = pirOf(await runDownload(v.isdr, new TestSmdp(pki), pki.euicc.eid, { iccid: '8944476500000000033', metadata: { profilePolicyRules: ['ppr1'] } }));
    expect(ppr.profileInstallationResultData.value.finalResult).toEqual({ kind: 'errorResult', value: { bppCommandId: 'storeMetadata', errorReason: 'pprNotAllowed' } });
    const onDisk = await persisted(file);
    expect(onDisk.profiles.map((p) => p.iccid)).toEqual(['8944476500000000017']);
    expect(onDisk.notifications.pending.map((n) => [n.seqNumber, n.event])).toEqual([
      [1, 'install'],
      [2, 'install'],
      [3, 'install'],
    ]);
  });

  it('a profile larger than the free memory → insufficientMemory (10), memory unchanged', async () => {
    const { v, file } = await euiccWithFile(pki);
    await v.state.transaction((d) => {
      d.freeMemory.nonVolatile = 4096;
    });
    const pir = pirOf(await runDownload(v.isdr, new TestSmdp(pki), pki.euicc.eid));
    expect(pir.profileInstallationResultData.value.finalResult).toEqual({ kind: 'errorResult', value: { bppCommandId: 'loadProfileElements', errorReason: 'installFailedDueToInsufficientMemoryForProfile' } });
    expect((await persisted(file)).profiles).toEqual([]);
    expect(v.state.state.freeMemory.nonVolatile).toBe(4096);
  });

  it('BF23 with a wrong transactionId → invalidTransactionId (3); a BPP without PrepareDownload → 6985', async () => {
    const v = await createVirtualEuicc({ pki });
    await expect(v.isdr.handle(fromHex('BF3603BF2300'), { channel: 0 })).rejects.toMatchObject({ details: { sw: 0x6985 } });
    await expect(v.isdr.handle(fromHex('A000'), { channel: 0 })).rejects.toMatchObject({ details: { sw: 0x6a88 } });
    const smdp = new TestSmdp(pki);
    const run = await runDownload(v.isdr, smdp, pki.euicc.eid, {
      tamper: (pieces) => {
        // Re-sign nothing: only the BF23 transactionId changes, so the smdpSign check would also fail; transactionId is checked first.
        const first = pieces[0]?.slice() ?? new Uint8Array(0);
        const at = hex(first).indexOf('8010' + hex(smdp.transactionId)) / 2 + 2;
        first[at] = (first[at] ?? 0) ^ 0xff;
        return [first, ...pieces.slice(1)];
      },
    });
    expect(run.responses.length).toBe(1);
    expect(pirOf(run).profileInstallationResultData.value.finalResult).toEqual({ kind: 'errorResult', value: { bppCommandId: 'initialiseSecureChannel', errorReason: 'invalidTransactionId' } });
  });
});

const AUTH_CODES: Record<number, string> = { 1: 'invalidCertificate', 2: 'invalidSignature', 5: 'invalidOid', 7: 'ciPKUnknown' };
