import { describe, expect, it } from 'vitest';
import { toHex } from '../../../shared/hex.js';
import { tagToHex } from '../../../src-main/codec/ber-tlv.js';
import { decode, encode } from '../../../src-main/codec/schema.js';
import { ES10, ES10_FUNCTIONS, es10FunctionByTag } from '../../../src-main/codec/sgp22/index.js';

const EXPECTED_TAGS: Record<string, string> = {
  'ES10a.GetEuiccConfiguredAddresses': 'BF3C',
  'ES10a.SetDefaultDpAddress': 'BF3F',
  'ES10b.PrepareDownload': 'BF21',
  'ES10b.LoadBoundProfilePackage': 'BF36',
  'ES10b.GetEUICCChallenge': 'BF2E',
  'ES10b.GetEUICCInfo1': 'BF20',
  'ES10b.GetEUICCInfo2': 'BF22',
  'ES10b.ListNotification': 'BF28',
  'ES10b.RetrieveNotificationsList': 'BF2B',
  'ES10b.RemoveNotificationFromList': 'BF30',
  'ES10b.LoadCRL': 'BF35',
  'ES10b.AuthenticateServer': 'BF38',
  'ES10b.CancelSession': 'BF41',
  'ES10c.GetProfilesInfo': 'BF2D',
  'ES10c.EnableProfile': 'BF31',
  'ES10c.DisableProfile': 'BF32',
  'ES10c.DeleteProfile': 'BF33',
  'ES10c.eUICCMemoryReset': 'BF34',
  'ES10c.GetEID': 'BF3E',
  'ES10c.SetNickname': 'BF29',
  'ES10b.GetRAT': 'BF43',
  'ES10b.LpaeActivation': 'BF42',
};

describe('ES10 function table', () => {
  it('has one row per function of DIGEST §2.2 with the right tags', () => {
    expect(Object.fromEntries(ES10_FUNCTIONS.map((f) => [f.name, tagToHex(f.tag)]))).toEqual(EXPECTED_TAGS);
  });

  it('request and response schemas carry the row tag (BF37 answers LoadBoundProfilePackage)', () => {
    for (const f of ES10_FUNCTIONS) {
      expect(f.request.tags).toContain(f.tag);
      expect(f.response.tags).toContain(f.name === 'ES10b.LoadBoundProfilePackage' ? 0xbf37 : f.tag);
    }
  });

  it('looks functions up by request or response tag', () => {
    expect(es10FunctionByTag(0xbf2d)?.name).toBe('ES10c.GetProfilesInfo');
    expect(es10FunctionByTag(0xbf2d)?.section).toBe('5.7.15');
    expect(es10FunctionByTag(0xbf37)?.name).toBe('ES10b.LoadBoundProfilePackage');
    expect(es10FunctionByTag(0x30)).toBeUndefined();
  });

  it('argument-less requests encode as <tag> 00', () => {
    expect(toHex(encode(ES10.getEuiccChallenge.request, {}))).toBe('bf2e00');
    expect(toHex(encode(ES10.getEuiccInfo1.request, {}))).toBe('bf2000');
    expect(toHex(encode(ES10.getEuiccInfo2.request, {}))).toBe('bf2200');
    expect(toHex(encode(ES10.getEuiccConfiguredAddresses.request, {}))).toBe('bf3c00');
    expect(toHex(encode(ES10.getRat.request, {}))).toBe('bf4300');
  });

  it('rows are typed: the client gets the response type from the row', () => {
    const res = decode(ES10.getProfilesInfo.response, Uint8Array.of(0xbf, 0x2d, 0x03, 0x81, 0x01, 0x01));
    expect(res.kind === 'profileInfoListError' && res.value).toBe('incorrectInputValues');
  });
});
