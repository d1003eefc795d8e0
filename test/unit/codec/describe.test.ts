import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describe as describeBlob, formatDescribed } from '../../../src-main/codec/describe.js';
import type { DescribedNode } from '../../../src-main/codec/describe.js';
import { bytesOf } from '../../helpers/codec-assert.js';

const ICCID_HEX = '5A 0A 98 44 05 10 10 32 54 76 98 F0';
const PROFILE_LIST = `BF 2D 48 A0 46 E3 44 ${ICCID_HEX} 4F 10 A0 00 00 05 59 10 10 FF FF FF FF 89 00 00 10 00
  9F 70 01 01 90 04 "Work" 91 0B "Example Tel" 92 0A "Example 5G" 95 01 02`;

function flat(nodes: DescribedNode[]): DescribedNode[] {
  return nodes.flatMap((n) => [n, ...flat(n.children ?? [])]);
}

describe('describe()', () => {
  it('explains the §2.5 ProfileInfoList response', () => {
    const result = describeBlob(bytesOf(PROFILE_LIST));
    expect(result.error).toBeUndefined();
    const text = formatDescribed(result);
    expect(text).toContain('8944500101234567890');
    expect(text).toContain('profileState: enabled');
    expect(text).toContain('"Work"');
    const nodes = flat(result.nodes);
    expect(nodes.map((n) => n.name)).toEqual([
      'ProfileInfoListResponse',
      'profileInfoListOk',
      'ProfileInfo',
      'iccid',
      'isdpAid',
      'profileState',
      'profileNickname',
      'serviceProviderName',
      'profileName',
      'profileClass',
    ]);
    expect(nodes.find((n) => n.name === 'iccid')).toMatchObject({ tag: '5A', offset: 7, length: 10, value: '8944500101234567890' });
    expect(nodes.find((n) => n.name === 'profileState')).toMatchObject({ tag: '9F70', value: 'enabled (1)' });
  });

  it('picks request or response by structure for ambiguous tags', () => {
    expect(describeBlob(bytesOf('BF 2D 0C A0 03 95 01 02 5C 05 5A 4F 9F 70 92')).nodes[0]?.name).toBe('ProfileInfoListRequest');
    expect(describeBlob(bytesOf('BF 2D 00')).nodes[0]?.name).toBe('ProfileInfoListRequest');
    expect(describeBlob(bytesOf('BF 41 03 81 01 05')).nodes[0]?.name).toBe('CancelSessionResponse');
    expect(describeBlob(bytesOf('BF 41 06 80 01 01 81 01 01')).nodes[0]?.name).toBe('CancelSessionRequest');
  });

  it('names a context tag by its parent: 80 under BF31 vs under BF30', () => {
    expect(describeBlob(bytesOf('BF 31 03 80 01 02')).nodes[0]?.children?.[0]).toMatchObject({ name: 'enableResult', value: 'profileNotInDisabledState (2)' });
    expect(describeBlob(bytesOf('BF 30 03 80 01 05')).nodes[0]?.children?.[0]).toMatchObject({ name: 'seqNumber', value: '5' });
  });

  it('shows where a cut-off blob broke, keeping what parsed', () => {
    const cut = bytesOf(PROFILE_LIST).subarray(0, 50);
    const result = describeBlob(cut);
    expect(result.error?.code).toBe('TLV_LENGTH_PAST_END');
    expect(result.nodes[0]?.incomplete).toBe(true);
    expect(flat(result.nodes).find((n) => n.name === 'profileNickname')?.value).toBe('"Work"');
    expect(formatDescribed(result)).toMatch(/error at offset \d+: TLV_LENGTH_PAST_END/);
  });

  it('strips a trailing status word from an APDU response', () => {
    const result = describeBlob(bytesOf('BF 3E 12 5A 10 89 04 90 32 12 34 51 23 45 12 34 56 78 90 12 35 90 00'));
    expect(result.statusWord).toBe('9000');
    expect(result.nodes).toHaveLength(1);
    expect(result.nodes[0]?.children?.[0]).toMatchObject({ name: 'eidValue', value: '89049032123451234512345678901235' });
  });

  it('shows unknown tags generically and flags unknown fields', () => {
    const result = describeBlob(bytesOf('BF 31 07 80 01 00 9F 7B 01 2A 30 03 02 01 07'));
    const [resp, other] = result.nodes;
    expect(resp?.children?.[1]).toMatchObject({ tag: '9F7B', name: '[123]', note: 'unknown field (skipped by the decoder)' });
    expect(other).toMatchObject({ tag: '30', name: 'SEQUENCE' });
    expect(other?.children?.[0]).toMatchObject({ name: 'INTEGER', value: '7' });
  });

  it('never throws, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const result = describeBlob(bytes);
        expect(typeof formatDescribed(result)).toBe('string');
      }),
      { numRuns: 500 },
    );
  });
});
