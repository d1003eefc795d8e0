// Worked examples of SGP22-DIGEST §1.7 and §2.5: decode → expected typed value → encode → same bytes.
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../shared/hex.js';
import { decode, encode } from '../../../src-main/codec/schema.js';
import {
  CancelSessionRequest,
  CtxParams1,
  DeleteProfileRequest,
  EnableProfileRequest,
  EnableProfileResponse,
  EUICCInfo1,
  EuiccConfiguredAddressesResponse,
  EuiccMemoryResetRequest,
  GetEuiccChallengeResponse,
  GetEuiccDataRequest,
  GetEuiccDataResponse,
  ListNotificationResponse,
  NotificationEvent,
  NotificationMetadata,
  NotificationSentRequest,
  NotificationSentResponse,
  ProfileInfoListRequest,
  ProfileInfoListResponse,
  RetrieveNotificationsListRequest,
  RetrieveNotificationsListResponse,
  SetDefaultDpAddressRequest,
  SetNicknameRequest,
} from '../../../src-main/codec/sgp22/index.js';
import { bytesOf, expectRoundTrip, hexOf } from '../../helpers/codec-assert.js';

const ICCID_HEX = '5A 0A 98 44 05 10 10 32 54 76 98 F0';
const ICCID = '8944500101234567890';
const ISDP_AID = 'A0 00 00 05 59 10 10 FF FF FF FF 89 00 00 10 00';

export const PROFILE_INFO_LIST_RESPONSE = `BF 2D 48 A0 46 E3 44 ${ICCID_HEX} 4F 10 ${ISDP_AID}
  9F 70 01 01 90 04 "Work" 91 0B "Example Tel" 92 0A "Example 5G" 95 01 02`;

describe('§1.7 GetEID', () => {
  it('request BF3E 03 5C 01 5A', () => {
    expectRoundTrip(GetEuiccDataRequest, 'BF 3E 03 5C 01 5A', { tagList: Uint8Array.of(0x5a) });
  });
  it('response carries the EID as plain (not nibble-swapped) digits', () => {
    expectRoundTrip(GetEuiccDataResponse, 'BF 3E 12 5A 10 89 04 90 32 12 34 51 23 45 12 34 56 78 90 12 35', {
      eidValue: '89049032123451234512345678901235',
    });
  });
});

describe('§2.5 worked examples', () => {
  it('ProfileInfoList response with one enabled profile (75 bytes)', () => {
    expect(bytesOf(PROFILE_INFO_LIST_RESPONSE).length).toBe(75);
    expectRoundTrip(ProfileInfoListResponse, PROFILE_INFO_LIST_RESPONSE, {
      kind: 'profileInfoListOk',
      value: [
        {
          iccid: ICCID,
          isdpAid: fromHex(ISDP_AID),
          profileState: 'enabled',
          profileNickname: 'Work',
          serviceProviderName: 'Example Tel',
          profileName: 'Example 5G',
          profileClass: 'operational',
        },
      ],
    });
  });

  it('ProfileInfoList error', () => {
    expectRoundTrip(ProfileInfoListResponse, 'BF 2D 03 81 01 7F', { kind: 'profileInfoListError', value: 'undefinedError' });
  });

  it('GetProfilesInfo, operational only, selected tags', () => {
    expectRoundTrip(ProfileInfoListRequest, 'BF 2D 0C A0 03 95 01 02 5C 05 5A 4F 9F 70 92', {
      searchCriteria: { kind: 'profileClass', value: 'operational' },
      tagList: fromHex('5A4F9F7092'),
    });
  });

  it('GetProfilesInfo without arguments', () => {
    expectRoundTrip(ProfileInfoListRequest, 'BF 2D 00', {});
  });

  it('GetProfilesInfo tolerates 5A directly under BF2D (Android)', () => {
    expectRoundTrip(ProfileInfoListRequest, `BF 2D 0C ${ICCID_HEX}`, { iccid: ICCID });
  });

  it('EnableProfile by ICCID with refresh, and its ok response', () => {
    expectRoundTrip(EnableProfileRequest, `BF 31 11 A0 0C ${ICCID_HEX} 81 01 FF`, {
      profileIdentifier: { kind: 'iccid', value: ICCID },
      refreshFlag: true,
    });
    expectRoundTrip(EnableProfileResponse, 'BF 31 03 80 01 00', { enableResult: 'ok' });
    expectRoundTrip(EnableProfileResponse, 'BF 31 03 80 01 02', { enableResult: 'profileNotInDisabledState' });
  });

  it('DeleteProfile by ICCID has no A0 wrapper', () => {
    expectRoundTrip(DeleteProfileRequest, `BF 33 0C ${ICCID_HEX}`, { kind: 'iccid', value: ICCID });
  });

  it('SetNickname "Work"', () => {
    expectRoundTrip(SetNicknameRequest, `BF 29 12 ${ICCID_HEX} 90 04 57 6F 72 6B`, { iccid: ICCID, profileNickname: 'Work' });
  });

  it('eUICCMemoryReset with all three options', () => {
    expectRoundTrip(EuiccMemoryResetRequest, 'BF 34 04 82 02 05 E0', {
      resetOptions: ['deleteOperationalProfiles', 'deleteFieldLoadedTestProfiles', 'resetDefaultSmdpAddress'],
    });
  });

  it('GetEUICCChallenge response', () => {
    const challenge = '00112233445566778899AABBCCDDEEFF';
    expectRoundTrip(GetEuiccChallengeResponse, `BF 2E 12 80 10 ${challenge}`, { euiccChallenge: fromHex(challenge) });
  });

  it('EUICCInfo1 (SVN 2.2.2, GSMA test CI NIST key id)', () => {
    const ski = 'F5 41 72 BD F9 8A 95 D6 5C BE B8 8A 38 A1 C1 1D 80 0A 85 C3';
    expectRoundTrip(EUICCInfo1, `BF 20 35 82 03 02 02 02 A9 16 04 14 ${ski} AA 16 04 14 ${ski}`, {
      svn: '2.2.2',
      euiccCiPKIdListForVerification: [fromHex(ski)],
      euiccCiPKIdListForSigning: [fromHex(ski)],
    });
  });

  it('ListNotification response (seq 5, enable)', () => {
    expectRoundTrip(ListNotificationResponse, `BF 28 2A A0 28 BF 2F 25 80 01 05 81 02 06 40 0C 10 "smdp.example.com" ${ICCID_HEX}`, {
      kind: 'notificationMetadataList',
      value: [{ seqNumber: 5, profileManagementOperation: ['notificationEnable'], notificationAddress: 'smdp.example.com', iccid: ICCID }],
    });
  });

  it('RetrieveNotificationsList seq 5, and the empty v2.5 answer', () => {
    expectRoundTrip(RetrieveNotificationsListRequest, 'BF 2B 05 A0 03 80 01 05', { searchCriteria: { kind: 'seqNumber', value: 5 } });
    expectRoundTrip(RetrieveNotificationsListResponse, 'BF 2B 02 A0 00', { kind: 'notificationList', value: [] });
  });

  it('RemoveNotificationFromList seq 5 → ok', () => {
    expectRoundTrip(NotificationSentRequest, 'BF 30 03 80 01 05', { seqNumber: 5 });
    expectRoundTrip(NotificationSentResponse, 'BF 30 03 80 01 00', { deleteNotificationStatus: 'ok' });
  });

  it('CancelSession (postponed)', () => {
    const tid = '01 23 45 67 89 AB CD EF 01 23 45 67 89 AB CD EF';
    expectRoundTrip(CancelSessionRequest, `BF 41 15 80 10 ${tid} 81 01 01`, { transactionId: fromHex(tid), reason: 'postponed' });
  });

  it('SetDefaultDpAddress', () => {
    expectRoundTrip(SetDefaultDpAddressRequest, 'BF 3F 12 80 10 "smdp.example.com"', { defaultDpAddress: 'smdp.example.com' });
  });

  it('GetEuiccConfiguredAddresses response', () => {
    expectRoundTrip(EuiccConfiguredAddressesResponse, 'BF 3C 23 80 10 "smdp.example.com" 81 0F "lpa.ds.gsma.com"', {
      defaultDpAddress: 'smdp.example.com',
      rootDsAddress: 'lpa.ds.gsma.com',
    });
  });

  it('ctxParams1 with matchingId and DeviceInfo (IMEI omitted)', () => {
    expectRoundTrip(CtxParams1, 'A0 24 80 09 "ABCD-1234" A1 17 80 04 35 29 06 11 A1 0F 80 03 08 00 00 81 03 08 00 00 85 03 0F 00 00', {
      kind: 'ctxParamsForCommonAuthentication',
      value: {
        matchingId: 'ABCD-1234',
        deviceInfo: {
          tac: fromHex('35290611'),
          deviceCapabilities: { gsmSupportedRelease: '8.0.0', utranSupportedRelease: '8.0.0', eutranEpcSupportedRelease: '15.0.0' },
        },
      },
    });
  });

  it.each([
    ['81 02 07 80', ['notificationInstall']],
    ['81 02 06 40', ['notificationEnable']],
    ['81 02 05 20', ['notificationDisable']],
    ['81 02 04 10', ['notificationDelete']],
    ['81 02 04 F0', ['notificationInstall', 'notificationEnable', 'notificationDisable', 'notificationDelete']],
  ] as const)('NotificationEvent %s', (hex, bits) => {
    expectRoundTrip(NotificationEvent.withTag(0x81), hex, [...bits]);
  });

  it('seqNumber 128 is encoded minimally as 80 02 00 80', () => {
    const bytes = encode(NotificationMetadata, { seqNumber: 128, profileManagementOperation: ['notificationInstall'], notificationAddress: 'a' });
    expect(toHex(bytes)).toBe(hexOf('BF 2F 0B 80 02 00 80 81 02 07 80 0C 01 61'));
    expect(decode(NotificationMetadata, bytes).seqNumber).toBe(128);
  });
});
