import { sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../shared/hex.js';
import { encodeTlv, encodeTlvParts } from '../../../src-main/codec/ber-tlv.js';
import { decode, encode } from '../../../src-main/codec/schema.js';
import { ES10, ES10_FUNCTIONS, EUICCInfo2, GetRatResponse, OtherSignedNotification, parseExtCardResource } from '../../../src-main/codec/sgp22/index.js';
import { verifyPlain } from '../../../src-main/crypto/index.js';
import { ISDR_HANDLERS } from '../../../src-main/sim/euicc/isd-r.js';
import { profileFootprint } from '../../../src-main/sim/euicc/profile-package.js';
import { createProfile } from '../../../src-main/sim/euicc/state.js';
import type { ProfileRecord } from '../../../src-main/sim/euicc/state.js';
import { createVirtualEuicc } from '../../../src-main/sim/euicc/virtual-euicc.js';
import type { VirtualEuicc } from '../../../src-main/sim/euicc/virtual-euicc.js';
import { generatedPki } from '../../helpers/pki-fixtures.js';
import { callIsdr, runDownload, TestSmdp } from '../../helpers/virtual-euicc.js';

const pki = generatedPki();
const nistOnly = generatedPki({ seed: 'unit-test', curves: ['prime256v1'] });
const hex = (b: Uint8Array | null): string => (b === null ? 'null' : toHex(b).toUpperCase());

async function send(v: VirtualEuicc, requestHex: string): Promise<string> {
  return hex(await v.isdr.handle(fromHex(requestHex), { channel: 0 }));
}

const ICCID_A = '8944500101234567890';
const ICCID_B = '8944500101234567809';

function profile(iccid: string, o: Partial<ProfileRecord> = {}): ProfileRecord {
  return {
    ...createProfile({ iccid, imsi: '001010123456789', state: 'disabled', serviceProviderName: 'Example Tel', profileName: 'Example 5G' }),
    isdpAid: iccid === ICCID_A ? 'A0000005591010FFFFFFFF8900001000' : 'A0000005591010FFFFFFFF8900001100',
    notificationConfigurationInfo: [{ events: ['enable', 'disable', 'delete'], address: 'smdp.example.com' }],
    ...o,
  };
}

async function withProfiles(...profiles: ProfileRecord[]): Promise<VirtualEuicc> {
  const v = await createVirtualEuicc({ pki });
  await v.state.transaction((d) => {
    d.profiles.push(...profiles);
  });
  return v;
}

describe('ISD-R handler table', () => {
  it('has one row for every ES10 function of the codec table, and BPP segment tags go to LoadBoundProfilePackage', () => {
    const tags = new Map(ISDR_HANDLERS.flatMap((r) => r.tags.map((t) => [t, r.name] as const)));
    for (const fn of ES10_FUNCTIONS) expect(tags.get(fn.tag), fn.name).toBe(fn.name);
    for (const t of [0xa0, 0xa1, 0xa2, 0xa3, 0x86, 0x87, 0x88]) expect(tags.get(t)).toBe('ES10b.LoadBoundProfilePackage');
  });

  it('answers an unknown request tag and a malformed request with 6A80', async () => {
    const v = await createVirtualEuicc({ pki });
    await expect(v.isdr.handle(fromHex('BF7F00'), { channel: 0 })).rejects.toMatchObject({ details: { sw: 0x6a80 } });
    await expect(v.isdr.handle(fromHex('BF2903800100'), { channel: 0 })).rejects.toMatchObject({ details: { sw: 0x6a80 } });
  });
});

describe('eUICC information', () => {
  it('GetEID and EUICCInfo1 (digest §1.7 / §2.5 bytes)', async () => {
    const v = await createVirtualEuicc({ pki: nistOnly });
    expect(await send(v, 'BF3E035C015A')).toBe('BF3E125A1089049032123451234512345678901235');
    const ski = hex(nistOnly.ci[0]?.ski ?? new Uint8Array(0));
    expect(await send(v, 'BF2000')).toBe(`BF20358203020202A9160414${ski}AA160414${ski}`);
  });

  it('EUICCInfo2 has every field; free NVM comes from the state; SVN up to 2.5 is configurable', async () => {
    const v = await createVirtualEuicc({ pki, info: { svn: '2.5.0' } });
    const info = await callIsdr(v.isdr, ES10.getEuiccInfo2, {});
    expect(info).toMatchObject({ svn: '2.5.0', profileVersion: '2.3.1', euiccFirmwareVer: '1.0.0', euiccCategory: 'mediumEuicc', ppVersion: '1.0.0', sasAcreditationNumber: 'EWB-TEST-SAS-0001' });
    expect(info.rspCapability).toEqual(['additionalProfile', 'testProfileSupport']);
    expect(info.uiccCapability).toContain('usimSupport');
    expect(info.euiccCiPKIdListForVerification).toEqual(pki.ci.map((c) => c.ski));
    expect(parseExtCardResource(info.extCardResource)).toEqual({ installedApplications: 0, freeNonVolatileMemory: 0x0c27ba, freeVolatileMemory: 0x4000 });
    expect(hex(encode(EUICCInfo2, info)).slice(0, 4)).toBe('BF22');
    // The FCI of the ISD-R carries the same SVN.
    expect(hex(v.isdr.applet.select({ channel: 0 }))).toContain('E00582030205');
    await expect(createVirtualEuicc({ pki, info: { svn: '3.0.0' } })).rejects.toMatchObject({ code: 'SIM_CONFIG_INVALID' });
  });

  it('GetRAT allows PPR1 and PPR2 for any operator (EEEEEE)', async () => {
    const v = await createVirtualEuicc({ pki });
    const rat = await send(v, 'BF4300');
    // 30 {80 pprIds ppr1+ppr2, A1 {30 {80 EEEEEE}}, 82 pprFlags none}
    expect(rat).toBe('BF4314A012301080020560A10730058003EEEEEE820100');
    expect(decode(GetRatResponse, fromHex(rat)).rat[0]?.allowedOperators[0]?.mccMnc).toBe('EEEEEE');
  });

  it('LoadCRL: malformed → invalidCRLFormat, unknown signer → verificationKeyNotFound, CI-signed → ok', async () => {
    const v = await createVirtualEuicc({ pki });
    const ciKey = pki.ci[0]?.key;
    if (ciKey === undefined) throw new Error('generated CI has a key');
    const tbs = fromHex('3003020101');
    const crl = (der: Uint8Array) => encodeTlvParts(0x30, [tbs, fromHex('300A06082A8648CE3D040302'), encodeTlv(0x03, Uint8Array.of(0, ...der))]);
    const other = generatedPki({ seed: 'other' }).ci[0]?.key ?? ciKey;
    expect(await callIsdr(v.isdr, ES10.loadCrl, { crl: fromHex('3003020101') })).toEqual({ kind: 'loadCRLResponseError', value: 'invalidCRLFormat' });
    expect(await callIsdr(v.isdr, ES10.loadCrl, { crl: crl(new Uint8Array(sign('sha256', tbs, other))) })).toEqual({ kind: 'loadCRLResponseError', value: 'verificationKeyNotFound' });
    expect(await callIsdr(v.isdr, ES10.loadCrl, { crl: crl(new Uint8Array(sign('sha256', tbs, ciKey))) })).toEqual({ kind: 'loadCRLResponseOk', value: {} });
  });

  it('configured addresses: root SM-DS, default SM-DP+ set and cleared', async () => {
    const v = await createVirtualEuicc({ pki });
    expect(await send(v, 'BF3C00')).toBe('BF3C11810F' + toHex(new TextEncoder().encode('lpa.ds.gsma.com')).toUpperCase());
    expect(await send(v, 'BF3F1280' + '10' + toHex(new TextEncoder().encode('smdp.example.com')))).toBe('BF3F03800100');
    expect(await send(v, 'BF3C00')).toBe('BF3C2380' + '10' + toHex(new TextEncoder().encode('smdp.example.com')).toUpperCase() + '810F' + toHex(new TextEncoder().encode('lpa.ds.gsma.com')).toUpperCase());
    expect(v.state.state.defaultDpAddress).toBe('smdp.example.com');
  });
});

describe('profile management', () => {
  it('GetProfilesInfo: the digest §2.5 list, tag list, search by ICCID / AID / class, Android form', async () => {
    const v = await withProfiles(profile(ICCID_A, { state: 'enabled', nickname: 'Work', notificationConfigurationInfo: [] }));
    // Tag list of the digest example: the 75-byte answer of digest §2.5.
    expect(await send(v, 'BF2D0A5C085A4F9F7090919295')).toBe(
      'BF2D48A046E3445A0A984405101032547698F04F10A0000005591010FFFFFFFF89000010009F7001019004576F726B910B4578616D706C652054656C920A4578616D706C65203547950102',
    );
    expect(await send(v, 'BF2D0AA0039501025C035A9F70')).toBe('BF2D14A012E3105A0A984405101032547698F09F700101');
    expect(await send(v, 'BF2D0AA0039501005C035A9F70')).toBe('BF2D02A000');
    const iccidOnly = 'BF2D10A00EE30C5A0A984405101032547698F0';
    expect(await send(v, 'BF2D11A00C5A0A984405101032547698F05C015A')).toBe(iccidOnly);
    expect(await send(v, 'BF2D17A0124F10A0000005591010FFFFFFFF89000010005C015A')).toBe(iccidOnly);
    expect(await send(v, 'BF2D0F5A0A984405101032547698F05C015A')).toBe(iccidOnly); // Android: 5A directly under BF2D
    expect(await send(v, 'BF2D11A00C5A0A984405101032547699F95C015A')).toBe('BF2D02A000');
    const all = await callIsdr(v.isdr, ES10.getProfilesInfo, {});
    expect(all.kind === 'profileInfoListOk' && all.value[0]).toMatchObject({ iccid: ICCID_A, profileState: 'enabled', profileClass: 'operational', profileNickname: 'Work' });
  });

  it('enable switches the single enabled profile, with disable + enable notifications in increasing order', async () => {
    const switches: unknown[] = [];
    const v = await createVirtualEuicc({ pki, onProfileSwitch: (e) => switches.push(e) });
    await v.state.transaction((d) => {
      d.profiles.push(profile(ICCID_A, { state: 'enabled' }), profile(ICCID_B));
    });
    expect(await send(v, 'BF3111A00C5A0A984405101032547698F0810100')).toBe('BF3103800102'); // A already enabled
    expect(await send(v, 'BF3111A00C5A0A984405101032547608F98101FF')).toBe('BF3103800100'); // enable B by ICCID
    expect(v.state.state.profiles.map((p) => p.state)).toEqual(['disabled', 'enabled']);
    expect(switches).toEqual([{ enabled: ICCID_B, disabled: ICCID_A, refresh: true }]);
    const list = await callIsdr(v.isdr, ES10.listNotification, {});
    expect(list.kind === 'notificationMetadataList' && list.value).toEqual([
      { seqNumber: 1, profileManagementOperation: ['notificationDisable'], notificationAddress: 'smdp.example.com', iccid: ICCID_A },
      { seqNumber: 2, profileManagementOperation: ['notificationEnable'], notificationAddress: 'smdp.example.com', iccid: ICCID_B },
    ]);
    // Enable by AID and an unknown profile.
    expect(await send(v, 'BF3117A0124F10A0000005591010FFFFFFFF8900001000810100')).toBe('BF3103800100');
    expect(await send(v, 'BF3111A00C5A0A984405101032547699F9810100')).toBe('BF3103800101');
  });

  it('PPR1 forbids disabling (also implicitly by enabling another); PPR2 forbids delete; enabled profiles are not deleted', async () => {
    const v = await withProfiles(profile(ICCID_A, { state: 'enabled', pprs: ['ppr1', 'ppr2'] }), profile(ICCID_B, { pprs: ['ppr2'] }));
    expect(await send(v, 'BF3211A00C5A0A984405101032547698F0810100')).toBe('BF3203800103');
    expect(await send(v, 'BF3111A00C5A0A984405101032547608F9810100')).toBe('BF3103800103');
    expect(await send(v, 'BF3211A00C5A0A984405101032547608F9810100')).toBe('BF3203800102');
    expect(await send(v, 'BF330C5A0A984405101032547698F0')).toBe('BF3303800102');
    expect(await send(v, 'BF330C5A0A984405101032547608F9')).toBe('BF3303800103');
    expect(v.state.state.notifications.pending).toEqual([]);
  });

  it('disable, delete (memory back, delete notification signed with CERT.EUICC), nickname', async () => {
    const v = await withProfiles(profile(ICCID_A, { state: 'enabled' }));
    const free = v.state.state.freeMemory.nonVolatile;
    expect(await send(v, 'BF3211A00C5A0A984405101032547698F0810100')).toBe('BF3203800100');
    expect(await send(v, 'BF3211A00C5A0A984405101032547698F0810100')).toBe('BF3203800102');
    expect(await send(v, 'BF29125A0A984405101032547698F09004576F726B')).toBe('BF2903800100');
    expect(v.state.state.profiles[0]?.nickname).toBe('Work');
    expect(await send(v, 'BF29125A0A984405101032547699F99004576F726B')).toBe('BF2903800101');
    expect(await send(v, 'BF330C5A0A984405101032547698F0')).toBe('BF3303800100');
    expect(await send(v, 'BF330C5A0A984405101032547698F0')).toBe('BF3303800101');
    expect(v.state.state.profiles).toEqual([]);
    expect(v.state.state.freeMemory.nonVolatile).toBeGreaterThan(free);
    const pending = v.state.state.notifications.pending;
    expect(pending.map((n) => [n.seqNumber, n.event])).toEqual([
      [1, 'disable'],
      [2, 'delete'],
    ]);
    const signed = decode(OtherSignedNotification, fromHex(Buffer.from(pending[1]?.signed ?? '', 'base64').toString('hex')));
    expect(hex(signed.tbsOtherNotification.raw)).toBe('BF2F25800102810204100C10' + toHex(new TextEncoder().encode('smdp.example.com')).toUpperCase() + '5A0A984405101032547698F0');
    expect(verifyPlain(pki.euicc.cert.publicKey, signed.tbsOtherNotification.raw, signed.euiccNotificationSignature)).toBe(true);
    expect(signed.euiccCertificate).toEqual(pki.euicc.cert.der);
    expect(signed.eumCertificate).toEqual(pki.eum.cert.der);
  });

  it('eUICCMemoryReset: operational, test and default-address options; nothingToDelete when empty', async () => {
    const a = profile(ICCID_A, { state: 'enabled', pprs: ['ppr2'] });
    const b = profile(ICCID_B, { profileClass: 'test' });
    const v = await withProfiles(a, b);
    const free = v.state.state.freeMemory.nonVolatile;
    await v.state.transaction((d) => {
      d.defaultDpAddress = 'smdp.example.com';
    });
    expect(await send(v, 'BF340482020780')).toBe('BF3403800100'); // operational only
    expect(v.state.state.profiles.map((p) => p.iccid)).toEqual([ICCID_B]);
    expect(await send(v, 'BF340482020640')).toBe('BF3403800100'); // test profiles
    expect(await send(v, 'BF340482020520')).toBe('BF3403800100'); // default SM-DP+ address
    expect(v.state.state.defaultDpAddress).toBe('');
    expect(await send(v, 'BF3404820205E0')).toBe('BF3403800101');
    expect(v.state.state.profiles).toEqual([]);
    expect(v.state.state.freeMemory.nonVolatile).toBe(free + profileFootprint(a) + profileFootprint(b));
  });
});

describe('notifications', () => {
  it('list with filter, retrieve by seq / filter / all, empty list BF2B 02 A0 00, remove', async () => {
    const v = await createVirtualEuicc({ pki });
    await runDownload(v.isdr, new TestSmdp(pki), pki.euicc.eid, { iccid: '8944476500000000017' });
    expect(await send(v, 'BF3111A00C5A0A984474560000000010F7810100')).toBe('BF3103800100');
    expect(await send(v, 'BF2800')).toMatch(/^BF28[0-9A-F]{2}A0/);
    const enableOnly = await callIsdr(v.isdr, ES10.listNotification, { profileManagementOperation: ['notificationEnable'] });
    expect(enableOnly.kind === 'notificationMetadataList' && enableOnly.value.map((m) => m.seqNumber)).toEqual([2]);
    const bySeq = await callIsdr(v.isdr, ES10.retrieveNotificationsList, { searchCriteria: { kind: 'seqNumber', value: 1 } });
    expect(bySeq.kind === 'notificationList' && bySeq.value.map((n) => n.kind)).toEqual(['profileInstallationResult']);
    const byFilter = await callIsdr(v.isdr, ES10.retrieveNotificationsList, { searchCriteria: { kind: 'profileManagementOperation', value: ['notificationEnable'] } });
    expect(byFilter.kind === 'notificationList' && byFilter.value.map((n) => n.kind)).toEqual(['otherSignedNotification']);
    const all = await send(v, 'BF2B00');
    expect(all).toContain(hex(fromHex(Buffer.from(v.state.state.notifications.pending[0]?.signed ?? '', 'base64').toString('hex'))));
    expect(await send(v, 'BF2B05A003800109')).toBe('BF2B02A000');
    expect(await send(v, 'BF3003800101')).toBe('BF3003800100');
    expect(await send(v, 'BF3003800101')).toBe('BF3003800101');
    expect(v.state.state.notifications.pending.map((n) => n.seqNumber)).toEqual([2]);
    expect(v.state.state.notifications.nextSeqNumber).toBe(3);
  });
});
