import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../shared/hex.js';
import type { CardSessionOptions } from '../../../src-main/card/card-session.js';
import { decode } from '../../../src-main/codec/schema.js';
import { AuthenticateErrorCode, EnableProfileResult, ES10, EUICCInfo2, ProfileInfoListError } from '../../../src-main/codec/sgp22/index.js';
import type { Es10Client } from '../../../src-main/euicc/index.js';
import { es10FailureCode, profileInfoTagList, resultOf, withEs10 } from '../../../src-main/euicc/index.js';
import type { RawStep } from '../../helpers/scripted-card.js';
import { ascii, closeStep, es10Steps, filler, ICCID, ICCID_TLV, ISDR_AID, norm, openIsdrSteps, scriptedSession, tlv } from '../../helpers/euicc-scripted.js';
import {
  CTX_PARAMS1,
  EUICC_INFO1,
  EUICC_INFO2,
  ISDP_AID,
  PROFILE_INFO_LIST,
  SIGNATURE,
  SKI,
  SMDP,
  TRANSACTION_ID,
  notificationMetadata,
  otherSignedNotification,
  pirSuccess,
} from '../../helpers/euicc-fixtures.js';
import { errorOf } from '../../helpers/rejections.js';

/** Opens channel 1, expects `calls`, closes; the script must be consumed exactly (else the test fails, naming both problems). */
async function run<T>(calls: readonly RawStep[], fn: (es10: Es10Client) => Promise<T>, options: CardSessionOptions = {}): Promise<T> {
  const { card, session } = scriptedSession([...openIsdrSteps(1), ...calls, closeStep(1)], options);
  let value: T;
  try {
    value = await withEs10(session, fn, { sendTerminalCapability: false });
  } catch (err) {
    try {
      card.assertDone();
    } catch (mismatch) {
      throw new Error(`${String(mismatch)}\n(the call failed with: ${String(err)})`);
    }
    throw err;
  }
  card.assertDone();
  return value;
}

/** One ES10 call on channel 1. */
function call(request: string, response: string): RawStep[] {
  return es10Steps(1, request, response);
}

const hex = (bytes: Uint8Array): string => norm(toHex(bytes));

describe('ES10c profile functions', () => {
  it('GetProfilesInfo without filter decodes the digest §2.5 list', async () => {
    const profiles = await run(call('BF 2D 00', PROFILE_INFO_LIST), (es10) => es10.getProfilesInfo());
    expect(profiles).toHaveLength(1);
    expect(profiles[0]).toMatchObject({ iccid: ICCID, profileState: 'enabled', profileNickname: 'Work', serviceProviderName: 'Example Tel', profileName: 'Example 5G', profileClass: 'operational' });
    expect(hex(profiles[0]!.isdpAid!)).toBe(norm(ISDP_AID));
  });

  it('GetProfilesInfo by class with a tag list sends digest §2.5 bytes', async () => {
    await run(call('BF 2D 0C A0 03 95 01 02 5C 05 5A 4F 9F 70 92', 'BF 2D 02 A0 00'), async (es10) => {
      expect(await es10.getProfilesInfo({ search: { profileClass: 'operational' }, tags: ['iccid', 'isdpAid', 'profileState', 'profileName'] })).toEqual([]);
    });
  });

  it('GetProfilesInfo searches by ICCID and by ISD-P AID', async () => {
    await run([...call(`BF 2D 0E A0 0C ${ICCID_TLV}`, 'BF 2D 02 A0 00'), ...call(`BF 2D 14 A0 12 4F 10 ${ISDP_AID}`, 'BF 2D 02 A0 00')], async (es10) => {
      await es10.getProfilesInfo({ search: { iccid: ICCID } });
      await es10.getProfilesInfo({ search: { isdpAid: ISDP_AID.replace(/ /g, '') } });
    });
  });

  it('GetProfilesInfo error 1 throws ES10_GET_PROFILES_INFO_FAILED with the table text', async () => {
    const err = await errorOf(run(call('BF 2D 00', 'BF 2D 03 81 01 01'), (es10) => es10.getProfilesInfo()));
    expect(err.code).toBe('ES10_GET_PROFILES_INFO_FAILED');
    expect(err.details).toMatchObject({ resultCode: 1, resultName: 'incorrectInputValues', function: 'ES10c.GetProfilesInfo' });
    expect(err.message).toContain(ProfileInfoListError.lookup(1).message);
    expect(err.hint).toBe(ProfileInfoListError.lookup(1).hint);
  });

  it('rejects an unknown tag-list field before sending anything', () => {
    expect(() => profileInfoTagList(['iccid', 'nope' as 'iccid'])).toThrow(/not a ProfileInfo field/);
    expect(hex(profileInfoTagList(['iccid', 'profileState', 'icon', 'refArDo']))).toBe(norm('5A 9F 70 94 BF 76'));
  });

  it('EnableProfile by ICCID with refresh: digest §2.5 request and ok response', async () => {
    const result = await run(call(`BF 31 11 A0 0C ${ICCID_TLV} 81 01 FF`, 'BF 31 03 80 01 00'), (es10) => es10.enableProfile({ iccid: ICCID }, { refresh: true }));
    expect(result).toEqual({ ok: true, result: 'ok', code: 0, message: 'Done.', hint: '' });
  });

  it('EnableProfile result 2 is a typed, named refusal with message and hint', async () => {
    const result = await run(call(`BF 31 11 A0 0C ${ICCID_TLV} 81 01 FF`, 'BF 31 03 80 01 02'), (es10) => es10.enableProfile({ iccid: ICCID }));
    const row = EnableProfileResult.lookup(2);
    expect(result).toEqual({ ok: false, result: 'profileNotInDisabledState', code: 2, message: row.message, hint: row.hint });
  });

  it('DisableProfile by ISD-P AID without refresh', async () => {
    const result = await run(call(`BF 32 17 A0 12 4F 10 ${ISDP_AID} 81 01 00`, 'BF 32 03 80 01 02'), (es10) => es10.disableProfile({ isdpAid: ISDP_AID.replace(/ /g, '') }, { refresh: false }));
    expect(result).toMatchObject({ ok: false, result: 'profileNotInEnabledState', code: 2 });
  });

  it('DeleteProfile by ICCID: digest §2.5 request (no A0 wrapper)', async () => {
    const result = await run(call(`BF 33 0C ${ICCID_TLV}`, 'BF 33 03 80 01 00'), (es10) => es10.deleteProfile({ iccid: ICCID }));
    expect(result.ok).toBe(true);
  });

  it('DeleteProfile refused by policy', async () => {
    const result = await run(call(`BF 33 0C ${ICCID_TLV}`, 'BF 33 03 80 01 03'), (es10) => es10.deleteProfile({ iccid: ICCID }));
    expect(result).toMatchObject({ ok: false, result: 'disallowedByPolicy' });
    expect(result.hint).toMatch(/PPR/);
  });

  it('SetNickname "Work": digest §2.5 request; iccidNotFound named', async () => {
    const result = await run(call(`BF 29 12 ${ICCID_TLV} 90 04 57 6F 72 6B`, 'BF 29 03 80 01 01'), (es10) => es10.setNickname(ICCID, 'Work'));
    expect(result).toMatchObject({ ok: false, result: 'iccidNotFound', code: 1 });
  });

  it('eUICCMemoryReset with all three options: digest §2.5 request', async () => {
    const result = await run(call('BF 34 04 82 02 05 E0', 'BF 34 03 80 01 00'), (es10) => es10.euiccMemoryReset(['deleteOperationalProfiles', 'deleteFieldLoadedTestProfiles', 'resetDefaultSmdpAddress']));
    expect(result.ok).toBe(true);
  });

  it('eUICCMemoryReset with one option; nothingToDelete named', async () => {
    const result = await run(call('BF 34 04 82 02 07 80', 'BF 34 03 80 01 01'), (es10) => es10.euiccMemoryReset(['deleteOperationalProfiles']));
    expect(result).toMatchObject({ ok: false, result: 'nothingToDelete' });
  });

  it('eUICCMemoryReset without options is refused before anything is sent', async () => {
    const err = await errorOf(run([], (es10) => es10.euiccMemoryReset([])));
    expect(err.code).toBe('ES10_REQUEST_INVALID');
  });

  it('GetEID', async () => {
    expect(await run(call('BF 3E 03 5C 01 5A', 'BF 3E 12 5A 10 89 04 90 32 12 34 51 23 45 12 34 56 78 90 12 35'), (es10) => es10.getEid())).toBe('89049032123451234512345678901235');
  });
});

describe('ES10a configured addresses', () => {
  it('GetEuiccConfiguredAddresses: digest §2.5 response', async () => {
    const addresses = await run(call('BF 3C 00', `BF 3C 23 80 10 ${ascii(SMDP)} 81 0F ${ascii('lpa.ds.gsma.com')}`), (es10) => es10.getEuiccConfiguredAddresses());
    expect(addresses).toEqual({ defaultDpAddress: SMDP, rootDsAddress: 'lpa.ds.gsma.com' });
  });

  it('SetDefaultDpAddress: digest §2.5 request', async () => {
    const result = await run(call(`BF 3F 12 80 10 ${ascii(SMDP)}`, 'BF 3F 03 80 01 00'), (es10) => es10.setDefaultDpAddress(SMDP));
    expect(result.ok).toBe(true);
  });

  it('SetDefaultDpAddress undefinedError', async () => {
    const result = await run(call(`BF 3F 12 80 10 ${ascii(SMDP)}`, 'BF 3F 03 80 01 7F'), (es10) => es10.setDefaultDpAddress(SMDP));
    expect(result).toMatchObject({ ok: false, result: 'undefinedError', code: 127 });
  });
});

describe('ES10b information functions', () => {
  it('GetEUICCInfo1: digest §2.5 response, raw BF20 kept for ES9+', async () => {
    const info = await run(call('BF 20 00', EUICC_INFO1), (es10) => es10.getEuiccInfo1());
    expect(info.value.svn).toBe('2.2.2');
    expect(info.value.euiccCiPKIdListForVerification.map(hex)).toEqual([norm(SKI)]);
    expect(info.value.euiccCiPKIdListForSigning.map(hex)).toEqual([norm(SKI)]);
    expect(hex(info.raw)).toBe(norm(EUICC_INFO1));
  });

  it('GetEUICCInfo2', async () => {
    const info = await run(call('BF 22 00', EUICC_INFO2), (es10) => es10.getEuiccInfo2());
    expect(info.value).toMatchObject({ profileVersion: '2.3.0', svn: '2.2.2', euiccFirmwareVer: '4.1.0', uiccCapability: ['usimSupport', 'akaMilenage'], rspCapability: ['additionalProfile', 'testProfileSupport'], euiccCategory: 'mediumEuicc', sasAcreditationNumber: 'SAS-TEST-1' });
  });

  it('GetRAT', async () => {
    const rat = tlv('BF43', tlv('A0', tlv('30', '80 02 05 60', tlv('A1', tlv('30', '80 03 62 F2 10')), '82 02 07 80')));
    const rules = await run(call('BF 43 00', rat), (es10) => es10.getRat());
    expect(rules).toEqual([{ pprIds: ['ppr1', 'ppr2'], allowedOperators: [{ mccMnc: '26201' }], pprFlags: ['consentRequired'] }]);
  });

  it('GetEUICCChallenge', async () => {
    const challenge = await run(call('BF 2E 00', `BF 2E 12 80 10 ${filler(16, 0xa0)}`), (es10) => es10.getEuiccChallenge());
    expect(hex(challenge)).toBe(norm(filler(16, 0xa0)));
  });

  it('LoadCRL: complete and error', async () => {
    const crl = tlv('30', '02 01 07');
    const missing = await run(call(tlv('BF35', crl), 'BF 35 02 A0 00'), (es10) => es10.loadCrl(fromHex(crl)));
    expect(missing).toEqual([]);
    const err = await errorOf(run(call(tlv('BF35', crl), 'BF 35 03 81 01 03'), (es10) => es10.loadCrl(fromHex(crl))));
    expect(err.code).toBe('ES10_LOAD_CRL_FAILED');
    expect(err.details).toMatchObject({ resultCode: 3, resultName: 'notEnoughMemorySpace' });
  });

  it('LPAe activation', async () => {
    const result = await run(call('BF 42 04 80 02 07 80', 'BF 42 03 80 01 01'), (es10) => es10.lpaeActivation(['activateCatBasedLpae']));
    expect(result).toMatchObject({ ok: false, result: 'notSupported' });
  });
});

describe('ES10b notifications', () => {
  const LIST = `BF 28 2A A0 28 BF 2F 25 80 01 05 81 02 06 40 0C 10 ${ascii(SMDP)} ${ICCID_TLV}`;

  it('ListNotification: digest §2.5 response', async () => {
    const list = await run(call('BF 28 00', LIST), (es10) => es10.listNotification());
    expect(list).toEqual([{ seqNumber: 5, profileManagementOperation: ['notificationEnable'], notificationAddress: SMDP, iccid: ICCID }]);
    expect(norm(LIST)).toBe(tlv('BF28', tlv('A0', notificationMetadata(5, '06 40'))));
  });

  it('ListNotification with an event filter; error 127 throws', async () => {
    await run(call('BF 28 04 81 02 07 80', 'BF 28 02 A0 00'), (es10) => es10.listNotification({ events: ['notificationInstall'] }));
    const err = await errorOf(run(call('BF 28 00', 'BF 28 03 81 01 7F'), (es10) => es10.listNotification()));
    expect(err.code).toBe('ES10_LIST_NOTIFICATION_FAILED');
    expect(err.details).toMatchObject({ resultCode: 127, resultName: 'undefinedError' });
  });

  it('RetrieveNotificationsList seq 5: digest §2.5 request; items keep their exact bytes', async () => {
    const other = otherSignedNotification(5, '06 40');
    const pir = pirSuccess(6);
    const items = await run(call('BF 2B 05 A0 03 80 01 05', tlv('BF2B', tlv('A0', other, pir))), (es10) => es10.retrieveNotificationsList({ seqNumber: 5 }));
    expect(items.map((n) => n.notification.kind)).toEqual(['otherSignedNotification', 'profileInstallationResult']);
    expect(items.map((n) => n.metadata.seqNumber)).toEqual([5, 6]);
    expect(items.map((n) => hex(n.raw))).toEqual([other, pir]);
  });

  it('RetrieveNotificationsList by events', async () => {
    await run(call('BF 2B 06 A0 04 81 02 04 F0', 'BF 2B 02 A0 00'), (es10) =>
      es10.retrieveNotificationsList({ events: ['notificationInstall', 'notificationEnable', 'notificationDisable', 'notificationDelete'] }),
    );
  });

  it('RetrieveNotificationsList: v2.2 noResultAvailable (1) is an empty list; 127 throws', async () => {
    expect(await run(call('BF 2B 00', 'BF 2B 03 81 01 01'), (es10) => es10.retrieveNotificationsList())).toEqual([]);
    const err = await errorOf(run(call('BF 2B 00', 'BF 2B 03 81 01 7F'), (es10) => es10.retrieveNotificationsList()));
    expect(err.code).toBe('ES10_RETRIEVE_NOTIFICATIONS_LIST_FAILED');
  });

  it('RemoveNotificationFromList seq 5: digest §2.5 request and response', async () => {
    const result = await run(call('BF 30 03 80 01 05', 'BF 30 03 80 01 00'), (es10) => es10.removeNotificationFromList(5));
    expect(result).toMatchObject({ ok: true, result: 'ok' });
    const gone = await run(call('BF 30 03 80 01 05', 'BF 30 03 80 01 01'), (es10) => es10.removeNotificationFromList(5));
    expect(gone).toMatchObject({ ok: false, result: 'nothingToDelete' });
  });
});

describe('ES10b download functions', () => {
  const SERVER_SIGNED1 = tlv('30', tlv('80', TRANSACTION_ID), tlv('81', filler(16, 0xa0)), tlv('83', ascii(SMDP)), tlv('84', filler(16, 0xb0)));
  const CI_PKID = tlv('04', SKI);
  const SERVER_CERT = tlv('30', tlv('04', filler(190, 0x20)), '02 01 00');
  const AUTH_REQUEST = tlv('BF38', SERVER_SIGNED1, SIGNATURE, CI_PKID, SERVER_CERT, CTX_PARAMS1);
  const EUICC_SIGNED1 = tlv('30', tlv('80', TRANSACTION_ID), tlv('83', ascii(SMDP)), tlv('84', filler(16, 0xb0)), EUICC_INFO2, CTX_PARAMS1);
  const AUTH_OK = tlv('BF38', tlv('A0', EUICC_SIGNED1, SIGNATURE, tlv('30', tlv('04', filler(150, 1))), tlv('30', tlv('04', filler(150, 2)))));
  const authInput = {
    serverSigned1: fromHex(SERVER_SIGNED1),
    serverSignature1: fromHex(SIGNATURE),
    euiccCiPKIdToBeUsed: fromHex(CI_PKID),
    serverCertificate: fromHex(SERVER_CERT),
    ctxParams1: fromHex(CTX_PARAMS1),
  };

  it('AuthenticateServer copies the server fields verbatim, in two STORE DATA blocks, and returns the >256-byte BF38', async () => {
    expect(fromHex(AUTH_REQUEST).length).toBeGreaterThan(255);
    expect(fromHex(AUTH_OK).length).toBeGreaterThan(256);
    const response = await run(call(AUTH_REQUEST, AUTH_OK), (es10) => es10.authenticateServer(authInput));
    expect(hex(response.raw)).toBe(AUTH_OK);
    expect(hex(response.value.euiccSigned1.raw)).toBe(EUICC_SIGNED1);
    expect(response.value.euiccSigned1.value.serverAddress).toBe(SMDP);
    expect(hex(response.value.euiccSignature1)).toBe(norm(filler(64, 0x40)));
  });

  it('AuthenticateServer with ctxParams1 given as a value encodes digest §2.5 ctxParams1', async () => {
    const ctxParams1 = { kind: 'ctxParamsForCommonAuthentication' as const, value: { matchingId: 'ABCD-1234', deviceInfo: { tac: fromHex('35290611'), deviceCapabilities: { gsmSupportedRelease: '8.0.0', utranSupportedRelease: '8.0.0', eutranEpcSupportedRelease: '15.0.0' } } } };
    await run(call(AUTH_REQUEST, AUTH_OK), (es10) => es10.authenticateServer({ ...authInput, ctxParams1 }));
  });

  it('AuthenticateServer error 6 throws ES10_AUTHENTICATE_SERVER_FAILED with the response to forward', async () => {
    const errorResponse = tlv('BF38', tlv('A1', tlv('80', TRANSACTION_ID), '02 01 06'));
    const err = await errorOf(run(call(AUTH_REQUEST, errorResponse), (es10) => es10.authenticateServer(authInput)));
    expect(err.code).toBe('ES10_AUTHENTICATE_SERVER_FAILED');
    expect(err.details).toMatchObject({ resultCode: 6, resultName: 'euiccChallengeMismatch', transactionId: TRANSACTION_ID.replace(/ /g, ''), responseHex: errorResponse.replace(/ /g, '') });
    expect(err.message).toContain(AuthenticateErrorCode.lookup(6).message);
  });

  it('AuthenticateServer with a malformed server field sends nothing', async () => {
    const err = await errorOf(run([], (es10) => es10.authenticateServer({ ...authInput, serverSigned1: fromHex('31 00') })));
    expect(err.code).toBe('ES10_REQUEST_INVALID');
    expect(err.details).toMatchObject({ field: 'serverSigned1' });
  });

  it('AuthenticateServer at the 120-byte compatibility segment size: P1 11/11/11/91, P2 00–03', async () => {
    expect(fromHex(AUTH_REQUEST).length).toBe(405); // 3 × 120 + 45
    const steps = es10Steps(1, AUTH_REQUEST, AUTH_OK, { segmentSize: 120 });
    await run(steps, (es10) => es10.authenticateServer(authInput), { storeDataSegmentSize: 120 });
    const headers = steps.filter((s) => s.send.startsWith('81 E2')).map((s) => s.send.slice(0, 14));
    expect(headers).toEqual(['81 E2 11 00 78', '81 E2 11 01 78', '81 E2 11 02 78', '81 E2 91 03 2D']);
  });

  const SMDP_SIGNED2 = tlv('30', tlv('80', TRANSACTION_ID), '01 01 FF');
  const HASH_CC = filler(32, 0xcc);
  const DP_PB_CERT = tlv('30', tlv('04', filler(100, 0x50)));
  const EUICC_SIGNED2 = tlv('30', tlv('80', TRANSACTION_ID), tlv('5F49', '04', filler(64, 0x70)), tlv('04', HASH_CC));
  const PREPARE_REQUEST = tlv('BF21', SMDP_SIGNED2, SIGNATURE, tlv('04', HASH_CC), DP_PB_CERT);
  const prepareInput = { smdpSigned2: fromHex(SMDP_SIGNED2), smdpSignature2: fromHex(SIGNATURE), hashCc: fromHex(HASH_CC), smdpCertificate: fromHex(DP_PB_CERT) };

  it('PrepareDownload with hashCc', async () => {
    const ok = tlv('BF21', tlv('A0', EUICC_SIGNED2, SIGNATURE));
    const response = await run(call(PREPARE_REQUEST, ok), (es10) => es10.prepareDownload(prepareInput));
    expect(hex(response.raw)).toBe(ok);
    expect(hex(response.value.euiccSigned2.raw)).toBe(EUICC_SIGNED2);
    expect(hex(response.value.euiccSigned2.value.euiccOtpk)).toBe(norm(`04 ${filler(64, 0x70)}`));
  });

  it('PrepareDownload without hashCc; download error 5 throws ES10_PREPARE_DOWNLOAD_FAILED', async () => {
    const request = tlv('BF21', SMDP_SIGNED2, SIGNATURE, DP_PB_CERT);
    const errorResponse = tlv('BF21', tlv('A1', tlv('80', TRANSACTION_ID), '02 01 05'));
    const { hashCc: _unused, ...withoutCc } = prepareInput;
    const err = await errorOf(run(call(request, errorResponse), (es10) => es10.prepareDownload(withoutCc)));
    expect(err.code).toBe('ES10_PREPARE_DOWNLOAD_FAILED');
    expect(err.details).toMatchObject({ resultCode: 5, resultName: 'invalidTransactionId' });
  });

  it('CancelSession postponed: digest §2.5 request; signed response kept', async () => {
    const signed = tlv('30', tlv('80', TRANSACTION_ID), '81 03 2A 03 04', '82 01 01');
    const ok = tlv('BF41', tlv('A0', signed, SIGNATURE));
    const response = await run(call(`BF 41 15 80 10 ${TRANSACTION_ID} 81 01 01`, ok), (es10) => es10.cancelSession(fromHex(TRANSACTION_ID), 'postponed'));
    expect(hex(response.raw)).toBe(ok);
    expect(response.value.euiccCancelSessionSigned.value).toMatchObject({ smdpOid: '1.2.3.4', reason: 'postponed' });
  });

  it('CancelSession error invalidTransactionId throws ES10_CANCEL_SESSION_FAILED', async () => {
    const err = await errorOf(run(call(`BF 41 15 80 10 ${TRANSACTION_ID} 81 01 00`, 'BF 41 03 81 01 05'), (es10) => es10.cancelSession(fromHex(TRANSACTION_ID), 'endUserRejection')));
    expect(err.code).toBe('ES10_CANCEL_SESSION_FAILED');
    expect(err.details).toMatchObject({ resultCode: 5, resultName: 'invalidTransactionId' });
  });
});

describe('bad responses', () => {
  it('wrong outer tag → ES10_BAD_RESPONSE with the hex', async () => {
    const err = await errorOf(run(call('BF 3E 03 5C 01 5A', `BF 3C 12 81 10 ${ascii(SMDP)}`), (es10) => es10.getEid()));
    expect(err.code).toBe('ES10_BAD_RESPONSE');
    expect(err.details).toMatchObject({ function: 'ES10c.GetEID', responseHex: norm(`BF 3C 12 81 10 ${ascii(SMDP)}`).replace(/ /g, ''), causeCode: 'SCHEMA_WRONG_TAG' });
  });

  it('truncated TLV → ES10_BAD_RESPONSE', async () => {
    const err = await errorOf(run(call('BF 2D 00', 'BF 2D 48 A0 46 E3 44'), (es10) => es10.getProfilesInfo()));
    expect(err.code).toBe('ES10_BAD_RESPONSE');
    expect(err.details.causeCode).toBe('TLV_LENGTH_PAST_END');
  });

  it('no data → ES10_BAD_RESPONSE', async () => {
    const err = await errorOf(run(call('BF 2E 00', ''), (es10) => es10.getEuiccChallenge()));
    expect(err.code).toBe('ES10_BAD_RESPONSE');
  });

  it('annotates every STORE DATA with the function name', async () => {
    const { card, session, log } = scriptedSession([...openIsdrSteps(1), ...call('BF 2E 00', `BF 2E 12 80 10 ${filler(16)}`), closeStep(1)]);
    await withEs10(session, (es10) => es10.getEuiccChallenge(), { sendTerminalCapability: false });
    card.assertDone();
    expect(log.entries().filter((e) => e.command.startsWith('81 E2')).map((e) => e.annotation)).toEqual(['STORE DATA → ES10b.GetEUICCChallenge']);
  });
});

describe('generic call and result mapping', () => {
  it('call() encodes and decodes with the function-table row', async () => {
    const value = await run(call('BF 3E 03 5C 01 5A', `BF 3E 12 5A 10 ${'00'.repeat(16)}`), (es10) => es10.call(ES10.getEid, { tagList: Uint8Array.of(0x5a) }));
    expect(value).toEqual({ eidValue: '0'.repeat(32) });
  });

  it('names ES10_<FUNCTION>_FAILED from the table keys', () => {
    expect(es10FailureCode(ES10.authenticateServer)).toBe('ES10_AUTHENTICATE_SERVER_FAILED');
    expect(es10FailureCode(ES10.getProfilesInfo)).toBe('ES10_GET_PROFILES_INFO_FAILED');
    expect(es10FailureCode(ES10.euiccMemoryReset)).toBe('ES10_EUICC_MEMORY_RESET_FAILED');
    expect(es10FailureCode(ES10.retrieveNotificationsList)).toBe('ES10_RETRIEVE_NOTIFICATIONS_LIST_FAILED');
  });

  it('maps an unknown result code to a generic, non-ok result', () => {
    const result = resultOf(EnableProfileResult, 42);
    expect(result).toMatchObject({ ok: false, result: '42', code: 42 });
    expect(result.message).toMatch(/does not define/);
  });

  it('has a fixture EUICCInfo2 the codec accepts (guards the fixtures)', () => {
    expect(decode(EUICCInfo2, fromHex(EUICC_INFO2)).svn).toBe('2.2.2');
    expect(ISDR_AID).toHaveLength(32);
  });
});
