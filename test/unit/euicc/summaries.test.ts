import { describe, expect, it } from 'vitest';
import { fromHex } from '../../../shared/hex.js';
import { decode } from '../../../src-main/codec/schema.js';
import { EUICCInfo2, ListNotificationResponse, ProfileInfo, ProfileInfoListResponse } from '../../../src-main/codec/sgp22/index.js';
import type { ProfileInfoValue } from '../../../src-main/codec/sgp22/index.js';
import { PROFILE_SUMMARY_FIELDS, iconDataUrl, profileInfoTagList, toCardInfo, toNotificationSummary, toProfileSummary } from '../../../src-main/euicc/index.js';
import { ICCID, ICCID_TLV, norm, tlv } from '../../helpers/euicc-scripted.js';
import { EUICC_INFO2, ISDP_AID, PROFILE_INFO_LIST, SKI, SMDP, notificationMetadata } from '../../helpers/euicc-fixtures.js';

const PNG = '89 50 4E 47 0D 0A 1A 0A 00 00';
const JPEG = 'FF D8 FF E0 00 10';

function profileInfo(...fields: string[]): ProfileInfoValue {
  return decode(ProfileInfo, fromHex(tlv('E3', ...fields)));
}

describe('toCardInfo', () => {
  it('maps EUICCInfo2 + EID + addresses onto CardInfo', () => {
    const info = toCardInfo({
      deviceId: 'virtual:default',
      eid: '89049032123451234512345678901235',
      euiccInfo2: decode(EUICCInfo2, fromHex(EUICC_INFO2)),
      addresses: { defaultDpAddress: SMDP, rootDsAddress: 'lpa.ds.gsma.com' },
      atr: fromHex('3B 9F 96'),
    });
    expect(info).toEqual({
      deviceId: 'virtual:default',
      eid: '89049032123451234512345678901235',
      atr: '3B9F96',
      svn: '2.2.2',
      profileVersion: '2.3.0',
      firmwareVersion: '4.1.0',
      freeNvMemory: 403_492,
      freeVolatileMemory: 6_434,
      installedApplications: 0,
      ciPkIdsForVerification: [SKI.replace(/ /g, '')],
      ciPkIdsForSigning: [SKI.replace(/ /g, '')],
      rspCapabilities: ['additionalProfile', 'testProfileSupport'],
      uiccCapabilities: ['usimSupport', 'akaMilenage'],
      euiccCategory: 'mediumEuicc',
      defaultDpAddress: SMDP,
      rootDsAddress: 'lpa.ds.gsma.com',
    });
  });

  it('leaves out an empty default SM-DP+ address and absent addresses', () => {
    const info = toCardInfo({ deviceId: 'd', eid: '0'.repeat(32), euiccInfo2: decode(EUICCInfo2, fromHex(EUICC_INFO2)), addresses: { defaultDpAddress: '', rootDsAddress: 'lpa.ds.gsma.com' } });
    expect(info).not.toHaveProperty('defaultDpAddress');
    expect(info.rootDsAddress).toBe('lpa.ds.gsma.com');
  });
});

describe('toProfileSummary', () => {
  it('maps the digest §2.5 profile', () => {
    const list = decode(ProfileInfoListResponse, fromHex(PROFILE_INFO_LIST));
    if (list.kind !== 'profileInfoListOk') throw new Error('fixture');
    expect(toProfileSummary(list.value[0]!)).toEqual({
      iccid: ICCID,
      isdpAid: ISDP_AID.replace(/ /g, ''),
      state: 'enabled',
      nickname: 'Work',
      serviceProviderName: 'Example Tel',
      profileName: 'Example 5G',
      profileClass: 'operational',
      policyRules: [],
    });
  });

  it('maps icon, PPRs and owner', () => {
    const info = profileInfo(ICCID_TLV, '9F 70 01 00', '93 01 01', tlv('94', PNG), '95 01 00', tlv('B7', '80 03 62 F2 10', '81 02 AB CD'), '99 02 05 60');
    expect(toProfileSummary(info)).toEqual({
      iccid: ICCID,
      state: 'disabled',
      profileClass: 'test',
      icon: `data:image/png;base64,${Buffer.from(fromHex(PNG)).toString('base64')}`,
      policyRules: ['ppr1', 'ppr2'],
      owner: { mccMnc: '26201', gid1: 'ABCD' },
    });
  });

  it('types the icon by iconType, else by its magic bytes', () => {
    expect(iconDataUrl(profileInfo('93 01 00', tlv('94', JPEG)))).toMatch(/^data:image\/jpeg;base64,/);
    expect(iconDataUrl(profileInfo(tlv('94', PNG)))).toMatch(/^data:image\/png;base64,/);
    expect(iconDataUrl(profileInfo(tlv('94', '00 01 02')))).toBeUndefined();
    expect(iconDataUrl(profileInfo(ICCID_TLV))).toBeUndefined();
  });

  it('refuses a profile without ICCID or state', () => {
    expect(() => toProfileSummary(profileInfo('9F 70 01 01'))).toThrow(expect.objectContaining({ code: 'EUICC_PROFILE_INCOMPLETE' }));
    expect(() => toProfileSummary(profileInfo(ICCID_TLV))).toThrow(expect.objectContaining({ code: 'EUICC_PROFILE_INCOMPLETE' }));
  });

  it('PROFILE_SUMMARY_FIELDS is a valid tag list', () => {
    expect(norm(Buffer.from(profileInfoTagList(PROFILE_SUMMARY_FIELDS)).toString('hex'))).toBe(norm('5A 4F 9F 70 90 91 92 93 94 95 B7 99'));
  });
});

describe('toNotificationSummary', () => {
  it('maps the digest §2.5 ListNotification entry', () => {
    const list = decode(ListNotificationResponse, fromHex(tlv('BF28', tlv('A0', notificationMetadata(5, '06 40'), notificationMetadata(6, '07 80')))));
    if (list.kind !== 'notificationMetadataList') throw new Error('fixture');
    expect(list.value.map((m) => toNotificationSummary(m))).toEqual([
      { seqNumber: 5, event: 'enable', address: SMDP, iccid: ICCID, where: 'card' },
      { seqNumber: 6, event: 'install', address: SMDP, iccid: ICCID, where: 'card' },
    ]);
  });

  it('handles delete/disable and a queued copy without ICCID', () => {
    const meta = { seqNumber: 9, profileManagementOperation: ['notificationDelete' as const], notificationAddress: 'dp.example' };
    expect(toNotificationSummary(meta, 'queued')).toEqual({ seqNumber: 9, event: 'delete', address: 'dp.example', where: 'queued' });
  });
});
