// Property tests: random valid values → encode → decode gives the value back, and bytes are stable.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../shared/hex.js';
import { parseTlv } from '../../../src-main/codec/ber-tlv.js';
import type { Tlv } from '../../../src-main/codec/ber-tlv.js';
import { decode, decodeDetailed, encode, integer, oid } from '../../../src-main/codec/schema.js';
import type { Schema } from '../../../src-main/codec/schema.js';
import { EUICCInfo2, NotificationMetadata, ProfileInfo, ProfileInfoListResponse, decodeIccid, encodeIccid } from '../../../src-main/codec/sgp22/index.js';
import { euiccInfo2, notificationMetadata, oidString, profileInfo, tlvTree } from '../../helpers/codec-arbitraries.js';
import type { TlvTree } from '../../helpers/codec-arbitraries.js';

function sameTree(parsed: Tlv, expected: TlvTree): void {
  expect(parsed.tag).toBe(expected.tag);
  expect(toHex(parsed.raw)).toBe(toHex(expected.der));
  if (expected.children) {
    expect(parsed.children?.length).toBe(expected.children.length);
    expected.children.forEach((c, i) => sameTree(parsed.children?.[i] as Tlv, c));
  } else {
    expect(toHex(parsed.value)).toBe(toHex(expected.value ?? new Uint8Array()));
  }
}

function identity<T>(schema: Schema<T>, arb: fc.Arbitrary<T>): void {
  fc.assert(
    fc.property(arb, (value) => {
      const bytes = encode(schema, value);
      const back = decodeDetailed(schema, bytes);
      expect(back.value).toEqual(value);
      expect(back.unknown).toEqual([]);
      expect(toHex(encode(schema, back.value))).toBe(toHex(bytes));
    }),
    { numRuns: 200 },
  );
}

describe('properties', () => {
  it('BER-TLV: any tree of valid tags parses back to itself', () => {
    fc.assert(
      fc.property(tlvTree, (tree) => {
        sameTree(parseTlv(tree.der), tree);
      }),
      { numRuns: 300 },
    );
  });

  it('INTEGER: identity and minimal two’s complement', () => {
    const schema = integer();
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        const bytes = encode(schema, n);
        expect(decode(schema, bytes)).toBe(n);
        const content = bytes.subarray(2);
        if (content.length > 1) {
          // Minimal: the first 9 bits are not all equal.
          const first9 = ((content[0] ?? 0) << 1) | ((content[1] ?? 0) >> 7);
          expect(first9 === 0 || first9 === 0x1ff).toBe(false);
        }
      }),
    );
  });

  it('OBJECT IDENTIFIER identity', () => identity(oid(), oidString));
  it('ICCID digits identity', () => {
    fc.assert(fc.property(fc.stringMatching(/^[0-9]{1,20}$/), (d) => {
        expect(encodeIccid(d)).toHaveLength(10);
        expect(decodeIccid(encodeIccid(d))).toBe(d);
      }),);
  });
  it('ProfileInfo identity', () => identity(ProfileInfo, profileInfo));
  it('EUICCInfo2 identity', () => identity(EUICCInfo2, euiccInfo2));
  it('NotificationMetadata identity', () => identity(NotificationMetadata, notificationMetadata));
  it('ProfileInfoListResponse identity', () =>
    identity(
      ProfileInfoListResponse,
      fc.array(profileInfo, { maxLength: 4 }).map((value) => ({ kind: 'profileInfoListOk' as const, value })),
    ));
});
