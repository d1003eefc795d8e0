/**
 * The virtual eUICC through the whole card stack: in-process transport → CardSession (T=0 procedure,
 * logical channel, STORE DATA chaining) → VirtualCard → Es10Applet → ISD-R, driven by the euicc layer's
 * Es10Client against the test SM-DP+ binding, with the SGP.26 test PKI and a generated one.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../shared/hex.js';
import { ApduLog } from '../../src-main/card/apdu-log.js';
import { CardSession } from '../../src-main/card/card-session.js';
import type { LogicalChannel } from '../../src-main/card/card-session.js';
import { decode, encode } from '../../src-main/codec/schema.js';
import { ES10, encodeIccid, parseExtCardResource } from '../../src-main/codec/sgp22/index.js';
import { openEs10 } from '../../src-main/euicc/es10-session.js';
import { OrderStore, SmdpBinding } from '../../src-main/sim/smdp/index.js';
import type { Es10Function } from '../../src-main/codec/sgp22/index.js';
import { loadPkiDir } from '../../src-main/crypto/index.js';
import type { RspPki } from '../../src-main/crypto/index.js';
import { ISD_R_AID } from '../../src-main/card/files.js';
import { createVirtualEuicc } from '../../src-main/sim/euicc/virtual-euicc.js';
import type { VirtualEuicc } from '../../src-main/sim/euicc/virtual-euicc.js';
import { generatedPki, sgp26Dir } from '../helpers/pki-fixtures.js';
import { lpaPieces, saipPackage, TestSmdp, testMetadata } from '../helpers/virtual-euicc.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function call<Req, Res>(ch: LogicalChannel, fn: Es10Function<Req, Res>, value: Req): Promise<Res> {
  return decode(fn.response, await ch.storeData(encode(fn.request, value)));
}

async function start(pki: RspPki, protocol: 'T=0' | 'T=1'): Promise<{ v: VirtualEuicc; session: CardSession; file: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ewb-veuicc-'));
  dirs.push(dir);
  const file = path.join(dir, 'card.json');
  const v = await createVirtualEuicc({ pki, stateFile: file, protocol });
  // 120-byte blocks as lpac sends them, so every larger request is chained.
  return { v, session: new CardSession(v.transport, new ApduLog(), { storeDataSegmentSize: 120 }), file };
}

const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
const unb64 = (v: unknown): Uint8Array => new Uint8Array(Buffer.from(String(v), 'base64'));

describe.each<[string, () => Promise<RspPki>, 'T=0' | 'T=1']>([
  ['SGP.26 test PKI, T=0', () => loadPkiDir(sgp26Dir), 'T=0'],
  ['generated PKI, T=1', async () => generatedPki(), 'T=1'],
])('virtual eUICC with the Es10Client and the test SM-DP+ binding (%s)', (_name, loadPki, protocol) => {
  it('downloads a profile end to end, serves its files once enabled, and answers every ES10 function', async () => {
    const pki = await loadPki();
    const { v, session, file } = await start(pki, protocol);
    const host = 'testsmdpplus1.example.com';
    const orders = new OrderStore();
    const iccid = '8944476500000000041';
    orders.add({ matchingId: 'EWB-INT-1', profile: { iccid, imsi: '001010000000041', spn: 'Workbench' }, metadata: { profileOwner: { mccMnc: '00101' } } });
    const smdp = new SmdpBinding({ pki, orders, host, port: 443 });

    // A new card is blank: no EF.ICCID (seed 000 behaviour), yet the ISD-R is selectable.
    await expect(session.selectFid('2FE2')).rejects.toMatchObject({ code: 'CARD_SW_ERROR', message: expect.stringContaining('6A82') as unknown });
    const client = await openEs10(session);
    expect(await client.getEid()).toBe(pki.euicc.eid);
    const freeBefore = parseExtCardResource((await client.getEuiccInfo2()).value.extCardResource).freeNonVolatileMemory ?? 0;

    // The LPA's download loop (digest §3.2), every ES10 call in 120-byte STORE DATA blocks.
    const challenge = await client.getEuiccChallenge();
    const init = smdp.initiateAuthentication({ euiccChallenge: b64(challenge), euiccInfo1: b64((await client.getEuiccInfo1()).raw), smdpAddress: host });
    expect(init.header.functionExecutionStatus.status).toBe('Executed-Success');
    const auth = await client.authenticateServer({
      serverSigned1: unb64(init.serverSigned1),
      serverSignature1: unb64(init.serverSignature1),
      euiccCiPKIdToBeUsed: unb64(init.euiccCiPKIdToBeUsed),
      serverCertificate: unb64(init.serverCertificate),
      ctxParams1: { kind: 'ctxParamsForCommonAuthentication', value: { matchingId: 'EWB-INT-1', deviceInfo: { tac: fromHex('35290611'), deviceCapabilities: {} } } },
    });
    const ac = smdp.authenticateClient({ transactionId: init.transactionId, authenticateServerResponse: b64(auth.raw) });
    expect(ac.header.functionExecutionStatus.status).toBe('Executed-Success');
    const prep = await client.prepareDownload({ smdpSigned2: unb64(ac.smdpSigned2), smdpSignature2: unb64(ac.smdpSignature2), smdpCertificate: unb64(ac.smdpCertificate) });
    const bpp = smdp.getBoundProfilePackage({ transactionId: init.transactionId, prepareDownloadResponse: b64(prep.raw) });
    expect(bpp.header.functionExecutionStatus.status).toBe('Executed-Success');
    const result = await client.loadBoundProfilePackage(unb64(bpp.boundProfilePackage));
    expect(result).toMatchObject({ ok: true, iccid, isdpAid: 'A0000005591010FFFFFFFF8900001000', seqNumber: 1 });
    expect(result.segmentsSent).toBe(result.segmentsTotal);
    expect(smdp.handleNotification({ pendingNotification: b64(result.raw) })).toBeNull();
    expect(smdp.receivedNotifications[0]).toMatchObject({ kind: 'profileInstallationResult', result: 'success', verified: true, iccid });
    expect((await client.removeNotificationFromList(result.seqNumber)).result).toBe('ok');

    const freeAfter = parseExtCardResource((await client.getEuiccInfo2()).value.extCardResource).freeNonVolatileMemory ?? 0;
    expect(freeAfter).toBeLessThan(freeBefore);
    expect(await client.getProfilesInfo()).toMatchObject([{ iccid, profileState: 'disabled', serviceProviderName: 'Workbench' }]);
    expect((await client.setNickname(iccid, 'Lab')).result).toBe('ok');
    expect((await client.enableProfile({ iccid })).result).toBe('ok');

    // The classic file system of the enabled profile, through the basic channel.
    await session.selectPath('2FE2', { returns: 'none' });
    expect(toHex((await session.transmit({ cla: 0x00, ins: 0xb0, p1: 0, p2: 0, le: 10 })).data)).toBe(toHex(encodeIccid(iccid)));
    await session.selectPath('7FFF6F07', { returns: 'none' });
    expect(toHex((await session.transmit({ cla: 0x00, ins: 0xb0, p1: 0, p2: 0, le: 9 })).data)).toBe('080910100000000014');

    // The enable notification reaches the SM-DP+ with a valid eUICC signature and chain.
    const pending = await client.retrieveNotificationsList();
    expect(pending.map((n) => n.metadata.profileManagementOperation)).toEqual([['notificationEnable']]);
    expect(smdp.handleNotification({ pendingNotification: b64(pending[0]?.raw ?? new Uint8Array(0)) })).toBeNull();
    expect(smdp.receivedNotifications[1]).toMatchObject({ kind: 'otherSignedNotification', event: 'enable', verified: true, iccid });

    // Every other function once.
    expect(await client.getEuiccConfiguredAddresses()).toEqual({ rootDsAddress: 'lpa.ds.gsma.com' });
    expect((await client.setDefaultDpAddress(host)).result).toBe('ok');
    expect((await client.getRat())[0]?.pprIds).toEqual(['ppr1', 'ppr2']);
    expect(await client.listNotification({ events: ['notificationEnable'] })).toHaveLength(1);
    expect((await client.disableProfile({ iccid })).result).toBe('ok');
    expect((await client.deleteProfile({ iccid })).result).toBe('ok');
    expect((await client.euiccMemoryReset(['resetDefaultSmdpAddress'])).result).toBe('ok');
    expect((await client.lpaeActivation(['activateCatBasedLpae'])).result).toBe('notSupported');
    await expect(client.cancelSession(fromHex('01'), 'endUserRejection')).rejects.toMatchObject({ code: 'ES10_CANCEL_SESSION_FAILED' });
    await expect(client.loadCrl(fromHex('3000'))).rejects.toMatchObject({ details: expect.objectContaining({ resultName: 'invalidCRLFormat' }) as unknown });
    await client.close();

    const onDisk = JSON.parse(await readFile(file, 'utf8')) as { profiles: unknown[]; notifications: { pending: { event: string }[] } };
    expect(onDisk.profiles).toEqual([]);
    expect(onDisk.notifications.pending.map((n) => n.event)).toEqual(['enable', 'disable', 'delete']);
    await v.close();
  });
});

describe('virtual eUICC: BPP and faults through the card platform', () => {
  async function prepared(pki: RspPki, iccid: string) {
    const dir = await mkdtemp(path.join(tmpdir(), 'ewb-veuicc-'));
    dirs.push(dir);
    const file = path.join(dir, 'card.json');
    const v = await createVirtualEuicc({ pki, stateFile: file });
    const session = new CardSession(v.transport, new ApduLog(), { storeDataSegmentSize: 120 });
    const ch = await session.openLogicalChannel(ISD_R_AID);
    const smdp = new TestSmdp(pki);
    const { euiccChallenge } = await call(ch, ES10.getEuiccChallenge, {});
    const auth = await ch.storeData(smdp.authenticateServerRequest(smdp.initiate(euiccChallenge)));
    const prep = await ch.storeData(smdp.prepareDownloadRequest(auth));
    const pieces = lpaPieces(smdp.boundProfilePackage(prep, { eid: pki.euicc.eid, metadata: testMetadata(iccid), profile: saipPackage({ iccid, imsi: '001010000000058', spn: 'X' }) }));
    return { v, ch, file, pieces };
  }

  it('loads a BPP sent as the LPA pieces of digest §3.5 through STORE DATA (BF36 header + BF23, A1 / A3 headers alone)', async () => {
    const pki = generatedPki();
    const { v, ch, pieces } = await prepared(pki, '8944476500000000066');
    const answers: string[] = [];
    for (const piece of pieces) answers.push(toHex(await ch.storeData(piece)).toUpperCase());
    expect(answers.slice(0, -1).every((a) => a === '')).toBe(true);
    expect(answers.at(-1)?.startsWith('BF37')).toBe(true);
    expect(v.state.state.profiles.map((p) => p.iccid)).toEqual(['8944476500000000066']);
  });

  it('a card pulled in the middle of the BPP leaves no profile and no session; the state file reopens consistent', async () => {
    const pki = generatedPki();
    const { v, ch, file, pieces } = await prepared(pki, '8944476500000000058');
    for (const piece of pieces.slice(0, 3)) await v.isdr.handle(piece, { channel: ch.channel });
    expect(v.isdr.rsp.load).toBeDefined();
    v.card.faults.set({ removeAtApdu: 1 });
    await expect(ch.storeData(pieces[3] ?? new Uint8Array(0))).rejects.toMatchObject({ code: 'CARD_REMOVED' });
    expect(v.isdr.rsp.load).toBeUndefined(); // power loss ends the RSP session
    expect(v.state.state.profiles).toEqual([]);
    const again = await createVirtualEuicc({ pki, stateFile: file });
    expect(again.state.state.profiles).toEqual([]);
    expect(again.state.state.notifications.pending).toEqual([]);
  });

  it('refuses an EID that is not the one of the eUICC certificate', async () => {
    await expect(createVirtualEuicc({ pki: generatedPki(), eid: '89049032000000000000000000000001' })).rejects.toMatchObject({ code: 'SIM_EID_MISMATCH' });
  });
});
