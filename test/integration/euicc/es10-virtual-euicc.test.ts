/**
 * Es10Client against the virtual eUICC (src-main/sim) in-process: a whole download with real crypto,
 * then profile management and the notification loop, through CardSession and logical channels.
 */
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../shared/hex.js';
import { ApduLog } from '../../../src-main/card/apdu-log.js';
import { CardSession } from '../../../src-main/card/card-session.js';
import { encodeTlv, parseTlv } from '../../../src-main/codec/ber-tlv.js';
import { wrapSignature } from '../../../src-main/crypto/index.js';
import type { Es10Client } from '../../../src-main/euicc/index.js';
import { PROFILE_SUMMARY_FIELDS, segmentBoundProfilePackage, toCardInfo, toNotificationSummary, toProfileSummary, withEs10 } from '../../../src-main/euicc/index.js';
import { createVirtualEuicc } from '../../../src-main/sim/euicc/virtual-euicc.js';
import { CTX_PARAMS1 } from '../../helpers/euicc-fixtures.js';
import { generatedPki } from '../../helpers/pki-fixtures.js';
import { bppBytes, lpaPieces, runDownload, saipPackage, TestSmdp, testMetadata } from '../../helpers/virtual-euicc.js';

const ICCID = '8944476500000000017';

async function download(es10: Es10Client, smdp: TestSmdp, eid: string): Promise<Awaited<ReturnType<Es10Client['loadBoundProfilePackage']>>> {
  const challenge = await es10.getEuiccChallenge();
  const auth = smdp.initiate(challenge);
  const authResponse = await es10.authenticateServer({
    serverSigned1: auth.serverSigned1,
    serverSignature1: wrapSignature(auth.serverSignature1),
    euiccCiPKIdToBeUsed: encodeTlv(0x04, smdp.ciPkId),
    serverCertificate: smdp.auth.cert.der,
    ctxParams1: fromHex(CTX_PARAMS1),
  });
  // The test SM-DP+ returns a whole BF21 request; an LPA gets these fields separately over ES9+.
  const [smdpSigned2, smdpSignature2, smdpCertificate] = (parseTlv(smdp.prepareDownloadRequest(authResponse.raw)).children ?? []).map((c) => c.raw);
  if (!smdpSigned2 || !smdpSignature2 || !smdpCertificate) throw new Error('test SM-DP+ answer incomplete');
  const prepared = await es10.prepareDownload({ smdpSigned2, smdpSignature2, smdpCertificate });
  const parts = smdp.boundProfilePackage(prepared.raw, { eid, metadata: testMetadata(ICCID), profile: saipPackage({ iccid: ICCID, imsi: '001010000000017', spn: 'Workbench' }), replaceSessionKeys: true });
  return es10.loadBoundProfilePackage(bppBytes(parts));
}

/** List, enable (the client reopens the channel after the refresh), notification loop, delete. */
async function manageInstalledProfile(es10: Es10Client, pir: Uint8Array): Promise<void> {
  const [profile] = (await es10.getProfilesInfo({ tags: PROFILE_SUMMARY_FIELDS })).map(toProfileSummary);
  expect(profile).toMatchObject({ iccid: ICCID, state: 'disabled', serviceProviderName: 'Workbench Mobile', profileClass: 'operational', owner: { mccMnc: '00101' } });

  expect((await es10.enableProfile({ iccid: ICCID })).ok).toBe(true);
  expect(es10.needsReopen).toBe(true);
  const [enabled] = await es10.getProfilesInfo({ search: { iccid: ICCID }, tags: ['iccid', 'profileState'] });
  expect(enabled?.profileState).toBe('enabled');

  const pending = await es10.listNotification();
  expect(pending.map((m) => toNotificationSummary(m).event)).toEqual(expect.arrayContaining(['install', 'enable']));
  const install = pending.find((m) => toNotificationSummary(m).event === 'install');
  const [retrieved] = await es10.retrieveNotificationsList({ seqNumber: install?.seqNumber ?? -1 });
  expect(retrieved?.notification.kind).toBe('profileInstallationResult');
  expect(Buffer.from(retrieved?.raw ?? []).equals(Buffer.from(pir))).toBe(true);
  expect((await es10.removeNotificationFromList(install?.seqNumber ?? -1)).ok).toBe(true);

  expect((await es10.deleteProfile({ iccid: ICCID })).result).toBe('profileNotInDisabledState');
  expect((await es10.disableProfile({ iccid: ICCID })).ok).toBe(true);
  expect((await es10.deleteProfile({ iccid: ICCID })).ok).toBe(true);
  expect(await es10.getProfilesInfo()).toEqual([]);
}

async function virtualCard(): Promise<{ euicc: Awaited<ReturnType<typeof createVirtualEuicc>>; session: CardSession; smdp: TestSmdp }> {
  const pki = generatedPki();
  const euicc = await createVirtualEuicc({ pki });
  return { euicc, session: new CardSession(euicc.transport, new ApduLog(), { storeDataSegmentSize: 120 }), smdp: new TestSmdp(pki) };
}

describe('Es10Client on the virtual eUICC', () => {
  it('reads identity and runs AuthenticateServer + PrepareDownload with real crypto', async () => {
    const { euicc, session, smdp } = await virtualCard();
    try {
      await withEs10(session, async (es10) => {
        const eid = await es10.getEid();
        expect(eid).toBe(euicc.identity.eid);
        expect(es10.isdr.svn).toBeDefined();
        const info1 = await es10.getEuiccInfo1();
        const info2 = await es10.getEuiccInfo2();
        expect(info1.value.svn).toBe(info2.value.svn);
        const addresses = await es10.getEuiccConfiguredAddresses();
        expect(toCardInfo({ deviceId: euicc.transport.info.id, eid, euiccInfo2: info2.value, addresses }).eid).toBe(eid);
        expect(await es10.getProfilesInfo()).toEqual([]);
        const challenge = await es10.getEuiccChallenge();
        const auth = smdp.initiate(challenge);
        const authResponse = await es10.authenticateServer({
          serverSigned1: auth.serverSigned1,
          serverSignature1: wrapSignature(auth.serverSignature1),
          euiccCiPKIdToBeUsed: encodeTlv(0x04, smdp.ciPkId),
          serverCertificate: smdp.auth.cert.der,
          ctxParams1: fromHex(CTX_PARAMS1),
        });
        expect(authResponse.value.euiccSigned1.value.serverAddress).toBe(smdp.address);
        const [smdpSigned2, smdpSignature2, smdpCertificate] = (parseTlv(smdp.prepareDownloadRequest(authResponse.raw)).children ?? []).map((c) => c.raw);
        if (!smdpSigned2 || !smdpSignature2 || !smdpCertificate) throw new Error('test SM-DP+ answer incomplete');
        const prepared = await es10.prepareDownload({ smdpSigned2, smdpSignature2, smdpCertificate });
        expect(prepared.value.euiccSigned2.value.euiccOtpk[0]).toBe(0x04);
        // The split agrees with the virtual eUICC team's independent LPA-side split of the same package.
        const parts = smdp.boundProfilePackage(prepared.raw, { eid, metadata: testMetadata(ICCID), profile: saipPackage({ iccid: ICCID, imsi: '001010000000017', spn: 'Workbench' }), replaceSessionKeys: true });
        expect(segmentBoundProfilePackage(bppBytes(parts)).map((seg) => toHex(seg.bytes))).toEqual(lpaPieces(parts).map(toHex));
        const cancelled = await es10.cancelSession(smdp.transactionId, 'postponed');
        expect(cancelled.value.euiccCancelSessionSigned.value.reason).toBe('postponed');
      });
    } finally {
      await session.close();
      await euicc.close();
    }
  });

  it('manages a profile installed through the ISD-R handler directly', async () => {
    const { euicc, session, smdp } = await virtualCard();
    try {
      const run = await runDownload(euicc.isdr, smdp, euicc.identity.eid, { iccid: ICCID });
      const pir = run.responses.at(-1);
      if (!pir) throw new Error('no PIR from the virtual eUICC');
      await withEs10(session, (es10) => manageInstalledProfile(es10, pir));
    } finally {
      await session.close();
      await euicc.close();
    }
  });

  it('downloads, lists, enables (with channel reopen), handles notifications and deletes', async () => {
    const { euicc, session, smdp } = await virtualCard();
    try {
      await withEs10(session, async (es10) => {
        const result = await download(es10, smdp, euicc.identity.eid);
        expect(result.ok).toBe(true);
        expect(result.iccid).toBe(ICCID);
        expect(result.segmentsSent).toBe(result.segmentsTotal);

        await manageInstalledProfile(es10, result.raw);
      });
    } finally {
      await session.close();
      await euicc.close();
    }
  });
});
