// ES9+/BPP/notification structures: tags per DIGEST §2.1/§3.5/§3.6/§6 and byte-exact round trips.
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../shared/hex.js';
import { decode, decodeDetailed } from '../../../src-main/codec/schema.js';
import {
  AuthenticateClientResponseEs11,
  AuthenticateServerResponse,
  BoundProfilePackage,
  CancelSessionResponse,
  EUICCInfo2,
  GetRatResponse,
  LoadCRLResponse,
  PrepareDownloadRequest,
  PrepareDownloadResponse,
  ProfileInfoListResponse,
  ProfileInstallationResult,
  RetrieveNotificationsListResponse,
  StoreMetadataRequest,
} from '../../../src-main/codec/sgp22/index.js';
import { bytesOf, expectRoundTrip, tlvHex } from '../../helpers/codec-assert.js';

const SIG = 'AB'.repeat(64);
const AID = 'A0 00 00 05 59 10 10 FF FF FF FF 89 00 00 10 00';
const ICCID_HEX = '5A 0A 98 44 05 10 10 32 54 76 98 F0';
const CERT = '30 03 02 01 01';
const CERT2 = '30 03 02 01 02';
const META = tlvHex('BF2F', '80 01 07', '81 02 07 80', '0C 03 "a.b"', ICCID_HEX);
const metaValue = { seqNumber: 7, profileManagementOperation: ['notificationInstall' as const], notificationAddress: 'a.b', iccid: '8944500101234567890' };
const SIMA_OK = '30 07 A0 05 30 03 80 01 00';

describe('Profile Installation Result (BF37)', () => {
  const pirData = tlvHex('BF27', '80 01 AA', META, '06 03 88 37 01', tlvHex('A2', tlvHex('A0', `4F 10 ${AID}`, tlvHex('04', SIMA_OK))));
  const pir = tlvHex('BF37', pirData, `5F 37 40 ${SIG}`);

  it('success result round-trips and exposes the signed BF27 bytes', () => {
    const value = decode(ProfileInstallationResult, bytesOf(pir));
    expect(value.profileInstallationResultData.value).toEqual({
      transactionId: bytesOf('AA'),
      notificationMetadata: metaValue,
      smdpOid: '2.999.1',
      finalResult: { kind: 'successResult', value: { aid: bytesOf(AID), simaResponse: bytesOf(SIMA_OK) } },
    });
    expect(toHex(value.profileInstallationResultData.raw)).toBe(pirData);
    expectRoundTrip(ProfileInstallationResult, pir, value);
  });

  it('error result: 80 bppCommandId, 81 errorReason', () => {
    const data = tlvHex('BF27', '80 01 AA', META, '06 03 88 37 01', tlvHex('A2', tlvHex('A1', '80 01 05', '81 01 09')));
    const value = decode(ProfileInstallationResult, bytesOf(tlvHex('BF37', data, `5F 37 40 ${SIG}`)));
    expect(value.profileInstallationResultData.value.finalResult).toEqual({
      kind: 'errorResult',
      value: { bppCommandId: 'loadProfileElements', errorReason: 'installFailedDueToIccidAlreadyExistsOnEuicc' },
    });
  });

  it('v2.1-era PIR without smdpOid is accepted', () => {
    const data = tlvHex('BF27', '80 01 AA', META, tlvHex('A2', tlvHex('A1', '80 01 00', '81 01 7F')));
    expect(decode(ProfileInstallationResult, bytesOf(tlvHex('BF37', data, `5F 37 40 ${SIG}`))).profileInstallationResultData.value.smdpOid).toBeUndefined();
  });

  it('RetrieveNotificationsList holds both PendingNotification alternatives', () => {
    const other = tlvHex('30', META, `5F 37 40 ${SIG}`, CERT, CERT2);
    const resp = tlvHex('BF2B', tlvHex('A0', pir, other));
    const value = decode(RetrieveNotificationsListResponse, bytesOf(resp));
    if (value.kind !== 'notificationList') throw new Error('expected a list');
    expect(value.value.map((n) => n.kind)).toEqual(['profileInstallationResult', 'otherSignedNotification']);
    const second = value.value[1];
    if (second?.kind !== 'otherSignedNotification') throw new Error('expected otherSignedNotification');
    expect(toHex(second.value.tbsOtherNotification.raw)).toBe(META);
    expect(toHex(second.value.euiccCertificate)).toBe(toHex(bytesOf(CERT)));
    expectRoundTrip(RetrieveNotificationsListResponse, resp, value);
  });
});

describe('authentication and download preparation', () => {
  const challenge = '00112233445566778899AABBCCDDEEFF';
  const info2 = tlvHex('BF22', '81 03 02 03 00', '82 03 02 02 02', '83 03 01 00 00', '84 03 81 01 00', '85 02 06 40', '88 02 07 80', 'A9 00', 'AA 00', '04 03 01 00 00', '0C 00');
  const ctx = tlvHex('A0', tlvHex('A1', '80 04 35 29 06 11', 'A1 00'));
  const euiccSigned1 = tlvHex('30', '80 01 01', '83 03 "a.b"', `84 10 ${challenge}`, info2, ctx);

  it('AuthenticateServerResponse ok: euiccSigned1 (incl. EUICCInfo2 and ctxParams1), signature, two certificates', () => {
    const resp = tlvHex('BF38', tlvHex('A0', euiccSigned1, `5F 37 40 ${SIG}`, CERT, CERT2));
    const value = decode(AuthenticateServerResponse, bytesOf(resp));
    if (value.kind !== 'authenticateResponseOk') throw new Error('expected ok');
    expect(toHex(value.value.euiccSigned1.raw)).toBe(euiccSigned1);
    expect(value.value.euiccSigned1.value.euiccInfo2.svn).toBe('2.2.2');
    expect(value.value.euiccSigned1.value.euiccInfo2.uiccCapability).toEqual(['usimSupport']);
    expect(value.value.euiccSigned1.value.ctxParams1.value.deviceInfo.deviceCapabilities).toEqual({});
    expect(toHex(value.value.eumCertificate)).toBe(toHex(bytesOf(CERT2)));
    expectRoundTrip(AuthenticateServerResponse, resp, value);
  });

  it('PrepareDownload request (smdpSigned2 with 01 ccRequiredFlag, 04 hashCc) and ok/error responses', () => {
    const smdpSigned2 = tlvHex('30', '80 01 01', '01 01 FF');
    const req = tlvHex('BF21', smdpSigned2, `5F 37 40 ${SIG}`, `04 20 ${'11'.repeat(32)}`, CERT);
    const value = decode(PrepareDownloadRequest, bytesOf(req));
    expect(value.smdpSigned2.value).toEqual({ transactionId: bytesOf('01'), ccRequiredFlag: true });
    expect(value.hashCc).toEqual(bytesOf('11'.repeat(32)));
    expectRoundTrip(PrepareDownloadRequest, req, value);

    const euiccSigned2 = tlvHex('30', '80 01 01', `5F 49 41 04${'22'.repeat(64)}`);
    const ok = tlvHex('BF21', tlvHex('A0', euiccSigned2, `5F 37 40 ${SIG}`));
    const okValue = decode(PrepareDownloadResponse, bytesOf(ok));
    expect(okValue.kind === 'downloadResponseOk' && toHex(okValue.value.euiccSigned2.raw)).toBe(euiccSigned2);
    expectRoundTrip(PrepareDownloadResponse, 'BF 21 08 A1 06 80 01 01 02 01 05', {
      kind: 'downloadResponseError',
      value: { transactionId: bytesOf('01'), downloadErrorCode: 'invalidTransactionId' },
    });
  });

  it('CancelSession response ok: euiccCancelSessionSigned {80, 81 OID, 82 reason} + signature', () => {
    const signed = tlvHex('30', '80 01 01', '81 03 88 37 01', '82 01 00');
    const resp = tlvHex('BF41', tlvHex('A0', signed, `5F 37 40 ${SIG}`));
    const value = decode(CancelSessionResponse, bytesOf(resp));
    if (value.kind !== 'cancelSessionResponseOk') throw new Error('expected ok');
    expect(value.value.euiccCancelSessionSigned.value).toEqual({ transactionId: bytesOf('01'), smdpOid: '2.999.1', reason: 'endUserRejection' });
    expect(toHex(value.value.euiccCancelSessionSigned.raw)).toBe(signed);
    expectRoundTrip(CancelSessionResponse, resp, value);
    expectRoundTrip(CancelSessionResponse, 'BF 41 03 81 01 05', { kind: 'cancelSessionResponseError', value: 'invalidTransactionId' });
  });

  it('ES11 AuthenticateClientOkEs11 event entries', () => {
    const resp = tlvHex('BF40', tlvHex('A0', '80 01 01', tlvHex('A1', tlvHex('30', '80 03 "E-1"', '81 03 "a.b"'))));
    expectRoundTrip(AuthenticateClientResponseEs11, resp, {
      kind: 'authenticateClientOk',
      value: { transactionId: bytesOf('01'), eventEntries: [{ eventId: 'E-1', rspServerAddress: 'a.b' }] },
    });
  });
});

describe('Bound Profile Package (BF36) and metadata', () => {
  it('BF23 {82 01 01, 80, A6 {80 01 88, 81 01 10, 84 hostId}, 5F49, 5F37} then A0/A1/A2/A3 segment lists', () => {
    const bf23 = tlvHex('BF23', '82 01 01', '80 01 01', tlvHex('A6', '80 01 88', '81 01 10', '84 08 8080808080808080'), `5F 49 41 04${'33'.repeat(64)}`, `5F 37 40 ${SIG}`);
    const seg86 = `86 82 03 F8 ${'44'.repeat(1016)}`;
    const bpp = tlvHex('BF36', bf23, tlvHex('A0', '87 03 010203'), tlvHex('A1', '88 02 0405', '88 01 06'), tlvHex('A2', '87 01 07'), tlvHex('A3', seg86, '86 01 08'));
    const value = decode(BoundProfilePackage, bytesOf(bpp));
    expect(toHex(value.initialiseSecureChannelRequest.raw)).toBe(bf23);
    expect(value.initialiseSecureChannelRequest.value.remoteOpId).toBe('installBoundProfilePackage');
    expect(value.initialiseSecureChannelRequest.value.controlRefTemplate.hostId).toEqual(bytesOf('8080808080808080'));
    expect(value.sequenceOf88.map(toHex)).toEqual(['0405', '06']);
    expect(value.secondSequenceOf87?.map(toHex)).toEqual(['07']);
    expect(value.sequenceOf86[0]?.length).toBe(1016);
    expectRoundTrip(BoundProfilePackage, bpp, value);
  });

  it('StoreMetadataRequest (BF25) with notification configuration and owner', () => {
    const md = tlvHex('BF25', ICCID_HEX, '91 03 "Tel"', '92 02 "5G"', tlvHex('B6', tlvHex('30', '80 02 06 40', '81 03 "a.b"')), tlvHex('B7', '80 03 62 F2 10'), '99 02 05 60');
    expectRoundTrip(StoreMetadataRequest, md, {
      iccid: '8944500101234567890',
      serviceProviderName: 'Tel',
      profileName: '5G',
      notificationConfigurationInfo: [{ profileManagementOperation: ['notificationEnable'], notificationAddress: 'a.b' }],
      profileOwner: { mccMnc: '26201' },
      profilePolicyRules: ['ppr1', 'ppr2'],
    });
  });

  it('GetRAT and LoadCRL responses', () => {
    const rule = tlvHex('30', '80 02 06 40', tlvHex('A1', tlvHex('30', '80 03 62 F2 10')), '82 02 07 80');
    expectRoundTrip(GetRatResponse, tlvHex('BF43', tlvHex('A0', rule)), {
      rat: [{ pprIds: ['ppr1'], allowedOperators: [{ mccMnc: '26201' }], pprFlags: ['consentRequired'] }],
    });
    expectRoundTrip(LoadCRLResponse, 'BF 35 07 A0 05 A0 03 02 01 02', { kind: 'loadCRLResponseOk', value: { missingParts: [2] } });
    expectRoundTrip(LoadCRLResponse, 'BF 35 03 81 01 05', { kind: 'loadCRLResponseError', value: 'fresherCrlAlreadyLoaded' });
  });
});

describe('newer and vendor fields are skipped and reported', () => {
  it('ProfileInfo with SGP.32/v3 tags (9F24, 9F7B, BF64) and refArDo BF76', () => {
    const refArDo = tlvHex('BF76', tlvHex('E2', tlvHex('E1', 'C1 02 AABB'), tlvHex('E3', 'DB 01 01')));
    const profile = tlvHex('E3', ICCID_HEX, '9F 24 01 01', '9F 70 01 00', '9F 7B 01 02', tlvHex('BF64', '80 00'), refArDo);
    const { value, unknown } = decodeDetailed(ProfileInfoListResponse, bytesOf(tlvHex('BF2D', tlvHex('A0', profile))));
    expect(value).toMatchObject({ kind: 'profileInfoListOk', value: [{ iccid: '8944500101234567890', profileState: 'disabled' }] });
    expect(unknown.map((u) => [u.path, u.tag])).toEqual([
      ['ProfileInfoListResponse.profileInfoListOk[0]', '9F24'],
      ['ProfileInfoListResponse.profileInfoListOk[0]', '9F7B'],
      ['ProfileInfoListResponse.profileInfoListOk[0]', 'BF64'],
    ]);
  });

  it('EUICCInfo2 of a later v2.x card (lpaMode 90, highestSvn 93)', () => {
    const info = tlvHex('BF22', '81 03 02 03 00', '82 03 02 02 02', '83 03 01 00 00', '84 00', '85 01 00', '88 01 00', 'A9 00', 'AA 00', '04 03 01 00 00', '0C 00', '90 01 01', '93 03 02 06 00');
    const { value, unknown } = decodeDetailed(EUICCInfo2, bytesOf(info));
    expect(value.svn).toBe('2.2.2');
    expect(unknown.map((u) => u.tag)).toEqual(['90', '93']);
  });
});
