import { describe, expect, it } from 'vitest';
import { bytesEqual } from '../../../shared/hex.js';
import { parseTlv } from '../../../src-main/codec/ber-tlv.js';
import { buildProfilePackage, parseProfilePackage } from '../../../src-main/codec/saip/index.js';
import { decode } from '../../../src-main/codec/schema.js';
import { ConfigureISDPRequest, ReplaceSessionKeysRequest, StoreMetadataRequest } from '../../../src-main/codec/sgp22/index.js';
import { loadPkiDir } from '../../../src-main/crypto/index.js';
import type { RspPki } from '../../../src-main/crypto/index.js';
import { SmdpBinding } from '../../../src-main/sim/smdp/binding.js';
import { OrderStore } from '../../../src-main/sim/smdp/orders.js';
import type { DownloadOrderInput } from '../../../src-main/sim/smdp/orders.js';
import { generatedPki, sgp26Dir } from '../../helpers/pki-fixtures.js';
import { EuiccMirror } from '../../helpers/smdp-euicc-mirror.js';

const HOST = 'testsmdpplus1.example.com';
const PROFILE = { iccid: '8949449999999990023', imsi: '001010123456789', spn: 'Mirror Tel', profileName: 'Mirror 5G' };
const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
const unb64 = (s: unknown): Uint8Array => new Uint8Array(Buffer.from(String(s), 'base64'));
type Json = Record<string, unknown>;

function status(res: Json): unknown {
  return (res.header as { functionExecutionStatus: unknown }).functionExecutionStatus;
}
function failure(res: Json): { subjectCode: string; reasonCode: string } {
  const s = status(res) as { status: string; statusCodeData?: { subjectCode: string; reasonCode: string } };
  expect(s.status).toBe('Failed');
  return { subjectCode: s.statusCodeData?.subjectCode ?? '', reasonCode: s.statusCodeData?.reasonCode ?? '' };
}

function setup(pki: RspPki, order: Partial<DownloadOrderInput> = {}, replaceSessionKeys = true) {
  const orders = new OrderStore();
  const profilePackage = buildProfilePackage(PROFILE);
  orders.add({ matchingId: 'MATCH-1', profilePackage, ...order });
  const binding = new SmdpBinding({ pki, orders, host: HOST, port: 443, replaceSessionKeys });
  return { orders, binding, profilePackage, mirror: new EuiccMirror({ pki }) };
}

/** initiateAuthentication + authenticateClient; returns the successful authenticateClient body. */
function authenticate(binding: SmdpBinding, mirror: EuiccMirror, matchingId = 'MATCH-1'): Json {
  const init = binding.initiateAuthentication(mirror.initiateAuthenticationRequest(HOST)) as Json;
  expect(status(init)).toEqual({ status: 'Executed-Success' });
  return binding.authenticateClient(mirror.authenticateClientRequest(init, { matchingId })) as Json;
}

const pkis: [string, () => Promise<RspPki>][] = [
  ['generated PKI', () => Promise.resolve(generatedPki())],
  ['SGP.26 PKI', () => loadPkiDir(sgp26Dir)],
];

describe.each(pkis)('SM-DP+ binding with the %s', (_name, loadPki) => {
  it('runs the whole download: the mirror recovers BF24, BF25 and the exact SAIP bytes', async () => {
    const pki = await loadPki();
    const { binding, orders, profilePackage, mirror } = setup(pki);
    const auth = authenticate(binding, mirror);
    expect(status(auth)).toEqual({ status: 'Executed-Success' });
    expect(orders.get('MATCH-1')?.state).toBe('inProgress');
    const metadata = decode(StoreMetadataRequest, unb64(auth.profileMetadata));
    expect(metadata).toMatchObject({ iccid: PROFILE.iccid, serviceProviderName: 'Mirror Tel', profileName: 'Mirror 5G' });
    expect(metadata.notificationConfigurationInfo?.[0]?.notificationAddress).toBe(HOST);

    const bpp = binding.getBoundProfilePackage(mirror.getBoundProfilePackageRequest(auth)) as Json;
    expect(status(bpp)).toEqual({ status: 'Executed-Success' });
    expect(bpp.transactionId).toBe(auth.transactionId);
    const opened = mirror.loadBoundProfilePackage(String(bpp.boundProfilePackage));
    expect(decode(ConfigureISDPRequest, opened.configureIsdp)).toEqual({});
    expect(bytesEqual(opened.storeMetadata, unb64(auth.profileMetadata))).toBe(true);
    expect(decode(ReplaceSessionKeysRequest, opened.replaceSessionKeys as Uint8Array).ppkEnc).toHaveLength(16);
    expect(bytesEqual(opened.profilePackage, profilePackage)).toBe(true);
    expect(opened.profileSegments).toBe(Math.ceil(profilePackage.length / 1007));
    expect(parseProfilePackage(opened.profilePackage).header.iccid).toBe(PROFILE.iccid);
    expect(orders.get('MATCH-1')?.state).toBe('downloaded');

    const pir = mirror.installationResult({ seqNumber: 7, notificationAddress: HOST, iccid: PROFILE.iccid, success: true });
    expect(binding.handleNotification({ pendingNotification: b64(pir) })).toBeNull();
    expect(binding.receivedNotifications[0]).toMatchObject({ kind: 'profileInstallationResult', seqNumber: 7, event: 'install', iccid: PROFILE.iccid, result: 'success', verified: true, eid: pki.euicc.eid });
    expect(orders.get('MATCH-1')?.state).toBe('installed');
    expect(binding.openSessions).toEqual([]);
  });

  it('skips ReplaceSessionKeys when configured: no A2, profile still recovered', async () => {
    const pki = await loadPki();
    const { binding, profilePackage, mirror } = setup(pki, {}, false);
    const auth = authenticate(binding, mirror);
    const bpp = binding.getBoundProfilePackage(mirror.getBoundProfilePackageRequest(auth)) as Json;
    const tlv = parseTlv(unb64(bpp.boundProfilePackage));
    expect(tlv.children?.map((c) => c.tag)).toEqual([0xbf23, 0xa0, 0xa1, 0xa3]);
    const opened = mirror.loadBoundProfilePackage(unb64(bpp.boundProfilePackage));
    expect(opened.replaceSessionKeys).toBeUndefined();
    expect(bytesEqual(opened.profilePackage, profilePackage)).toBe(true);
  });
});

describe('SM-DP+ binding checks', () => {
  const pki = generatedPki();

  it('refuses a wrong confirmation code with a retry count, then 8.2.7/6.4', () => {
    const { binding, orders, mirror } = setup(pki, { confirmationCode: '1234', ccRetryLimit: 2 });
    const auth = authenticate(binding, mirror);
    const missing = binding.getBoundProfilePackage(mirror.getBoundProfilePackageRequest(auth)) as Json;
    expect(failure(missing)).toEqual({ subjectCode: '8.2.7', reasonCode: '2.2' });
    const wrong1 = binding.getBoundProfilePackage(mirror.getBoundProfilePackageRequest(auth, { confirmationCode: '9999' })) as Json;
    expect(failure(wrong1)).toEqual({ subjectCode: '8.2.7', reasonCode: '3.8' });
    expect(orders.get('MATCH-1')?.ccAttemptsLeft).toBe(1);
    const wrong2 = binding.getBoundProfilePackage(mirror.getBoundProfilePackageRequest(auth, { confirmationCode: '0000' })) as Json;
    expect(failure(wrong2)).toEqual({ subjectCode: '8.2.7', reasonCode: '6.4' });
    expect(orders.get('MATCH-1')?.state).toBe('failed');
    // The session is closed, and the order cannot be started again.
    const again = binding.getBoundProfilePackage(mirror.getBoundProfilePackageRequest(auth, { confirmationCode: '1234' })) as Json;
    expect(failure(again)).toEqual({ subjectCode: '8.10.1', reasonCode: '3.9' });
    expect(failure(authenticate(binding, new EuiccMirror({ pki })))).toEqual({ subjectCode: '8.8.5', reasonCode: '6.4' });
  });

  it('accepts the right confirmation code after a wrong one', () => {
    const { binding, mirror } = setup(pki, { confirmationCode: '1234' });
    const auth = authenticate(binding, mirror);
    expect(failure(binding.getBoundProfilePackage(mirror.getBoundProfilePackageRequest(auth, { confirmationCode: '4321' })) as Json).reasonCode).toBe('3.8');
    const ok = binding.getBoundProfilePackage(mirror.getBoundProfilePackageRequest(auth, { confirmationCode: '1234' })) as Json;
    expect(status(ok)).toEqual({ status: 'Executed-Success' });
  });

  it('refuses a reused matching ID with 8.2.6/3.8', () => {
    const { binding, mirror } = setup(pki);
    expect(status(authenticate(binding, mirror))).toEqual({ status: 'Executed-Success' });
    expect(failure(authenticate(binding, new EuiccMirror({ pki })))).toEqual({ subjectCode: '8.2.6', reasonCode: '3.8' });
    expect(failure(authenticate(binding, new EuiccMirror({ pki }), 'NO-SUCH-ID'))).toEqual({ subjectCode: '8.2.6', reasonCode: '3.8' });
  });

  it('answers an unknown transactionId with 8.10.1/3.9', () => {
    const { binding, mirror } = setup(pki);
    const init = binding.initiateAuthentication(mirror.initiateAuthenticationRequest(HOST)) as Json;
    const body = mirror.authenticateClientRequest(init, { matchingId: 'MATCH-1' });
    expect(failure(binding.authenticateClient({ ...body, transactionId: '00112233445566778899AABBCCDDEEFF' }) as Json)).toEqual({ subjectCode: '8.10.1', reasonCode: '3.9' });
    expect(failure(binding.cancelSession({ transactionId: 'AB', cancelSessionResponse: 'AAAA' }) as Json)).toEqual({ subjectCode: '8.10.1', reasonCode: '3.9' });
  });

  it('answers a bad euiccSignature1 with 8.1/6.1 and closes the session', () => {
    const { binding, orders, mirror } = setup(pki);
    const init = binding.initiateAuthentication(mirror.initiateAuthenticationRequest(HOST)) as Json;
    const res = binding.authenticateClient(mirror.authenticateClientRequest(init, { matchingId: 'MATCH-1', corruptSignature: true })) as Json;
    expect(failure(res)).toEqual({ subjectCode: '8.1', reasonCode: '6.1' });
    expect(binding.openSessions).toEqual([]);
    expect(orders.get('MATCH-1')?.state).toBe('released');
  });

  it('answers an EUM from an untrusted CI with 8.11.1/3.9', () => {
    const { binding } = setup(pki);
    const foreign = generatedPki({ seed: 'another-ci' });
    const mirror = new EuiccMirror({ pki, identity: EuiccMirror.identityOf(foreign) });
    expect(failure(authenticate(binding, mirror))).toEqual({ subjectCode: '8.11.1', reasonCode: '3.9' });
  });

  it('checks smdpAddress case-insensitively and answers others with 8.8.1/3.8', () => {
    const { binding, mirror } = setup(pki);
    expect(status(binding.initiateAuthentication(mirror.initiateAuthenticationRequest('TestSMDPplus1.Example.COM')) as Json)).toEqual({ status: 'Executed-Success' });
    expect(status(binding.initiateAuthentication(mirror.initiateAuthenticationRequest(`${HOST}:443`)) as Json)).toEqual({ status: 'Executed-Success' });
    expect(failure(binding.initiateAuthentication(mirror.initiateAuthenticationRequest('other.example.com')) as Json)).toEqual({ subjectCode: '8.8.1', reasonCode: '3.8' });
  });

  it('answers unsupported CI PKIDs with 8.8.2/3.1 and SVN 3 with 8.8.3/3.1', () => {
    const { binding } = setup(pki);
    const unknownCi = new EuiccMirror({ pki, ciPkIds: [new Uint8Array(20).fill(0x11)] });
    expect(failure(binding.initiateAuthentication(unknownCi.initiateAuthenticationRequest(HOST)) as Json)).toEqual({ subjectCode: '8.8.2', reasonCode: '3.1' });
    const v3 = new EuiccMirror({ pki, svn: '3.0.0' });
    expect(failure(binding.initiateAuthentication(v3.initiateAuthenticationRequest(HOST)) as Json)).toEqual({ subjectCode: '8.8.3', reasonCode: '3.1' });
  });

  it('binds an order to an EID (8.1.1/3.8) and serves orders without matching ID by EID', () => {
    const other = setup(pki, { eid: '89049032123451234512345678909999' });
    expect(failure(authenticate(other.binding, other.mirror))).toEqual({ subjectCode: '8.1.1', reasonCode: '3.8' });
    const byEid = setup(pki, { matchingId: '', eid: pki.euicc.eid });
    const init = byEid.binding.initiateAuthentication(byEid.mirror.initiateAuthenticationRequest(HOST)) as Json;
    expect(status(byEid.binding.authenticateClient(byEid.mirror.authenticateClientRequest(init)) as Json)).toEqual({ status: 'Executed-Success' });
  });

  it('refuses a profile larger than the free memory with 8.1/4.8', () => {
    const { binding } = setup(pki);
    expect(failure(authenticate(binding, new EuiccMirror({ pki, freeNonVolatileMemory: 100 })))).toEqual({ subjectCode: '8.1', reasonCode: '4.8' });
  });

  it('records a verified cancelSession and releases the order for a postponed download', () => {
    const { binding, orders, mirror } = setup(pki);
    const auth = authenticate(binding, mirror);
    const res = binding.cancelSession({ transactionId: auth.transactionId, cancelSessionResponse: b64(mirror.cancelSession('postponed')) }) as Json;
    expect(status(res)).toEqual({ status: 'Executed-Success' });
    expect(binding.receivedCancellations).toMatchObject([{ transactionId: auth.transactionId, reason: 'postponed', matchingId: 'MATCH-1', verified: true }]);
    expect(orders.get('MATCH-1')?.state).toBe('released');
    expect(binding.openSessions).toEqual([]);
  });

  it('rejects a cancelSession with another SM-DP+ OID (8.8/3.1)', () => {
    const { binding, mirror } = setup(pki);
    const auth = authenticate(binding, mirror);
    const res = binding.cancelSession({ transactionId: auth.transactionId, cancelSessionResponse: b64(mirror.cancelSession('timeout', '2.999.77')) }) as Json;
    expect(failure(res)).toEqual({ subjectCode: '8.8', reasonCode: '3.1' });
  });

  it('records other notifications with their verified chain, and marks bad signatures', () => {
    const { binding, mirror } = setup(pki);
    const other = mirror.otherNotification({ seqNumber: 9, event: 'notificationDelete', notificationAddress: HOST, iccid: PROFILE.iccid });
    expect(binding.handleNotification({ pendingNotification: b64(other) })).toBeNull();
    expect(binding.receivedNotifications[0]).toMatchObject({ kind: 'otherSignedNotification', seqNumber: 9, event: 'delete', iccid: PROFILE.iccid, eid: pki.euicc.eid, verified: true });
    const auth = authenticate(binding, mirror);
    binding.getBoundProfilePackage(mirror.getBoundProfilePackageRequest(auth));
    const bad = mirror.installationResult({ seqNumber: 10, notificationAddress: HOST, iccid: PROFILE.iccid, success: false, corruptSignature: true });
    expect(binding.handleNotification({ pendingNotification: b64(bad) })).toBeNull();
    expect(binding.receivedNotifications[1]).toMatchObject({ result: 'error', errorReason: 'installFailedDueToDataMismatch', verified: false });
    const garbage = binding.handleNotification({ pendingNotification: b64(Uint8Array.of(0x04, 0x01, 0x00)) });
    expect(failure(garbage as Json)).toEqual({ subjectCode: '1.3.1', reasonCode: '2.1' });
  });

  it('answers missing and malformed fields with 1.3.1 codes', () => {
    const { binding } = setup(pki);
    expect(failure(binding.initiateAuthentication({ euiccInfo1: 'AA==', smdpAddress: HOST }) as Json)).toEqual({ subjectCode: '1.3.1', reasonCode: '2.2' });
    expect(failure(binding.initiateAuthentication({ euiccChallenge: '%%%', euiccInfo1: 'AA==', smdpAddress: HOST }) as Json)).toEqual({ subjectCode: '1.3.1', reasonCode: '2.1' });
  });
});
