import { describe, expect, it } from 'vitest';
import { toHex } from '../../../shared/hex.js';
import {
  encodeConstructed,
  encodeLength,
  encodeTlv,
  makeTag,
  parseTlv,
  parseTlvSequence,
  salvageTlvSequence,
  tagClassOf,
  tagNumberOf,
  tagToBytes,
  tagToHex,
} from '../../../src-main/codec/ber-tlv.js';
import { bytesOf } from '../../helpers/codec-assert.js';

describe('tags', () => {
  it.each([
    [0x5a, '5a', 'application', 26],
    [0x4f, '4f', 'application', 15],
    [0xbf2d, 'bf2d', 'context', 45],
    [0x9f70, '9f70', 'context', 112],
    [0x5f37, '5f37', 'application', 55],
    [0x5f49, '5f49', 'application', 73],
    [0xe3, 'e3', 'private', 3],
    [0xbf76, 'bf76', 'context', 118],
    [0x30, '30', 'universal', 16],
    [0x9f8101, '9f8101', 'context', 129],
  ] as const)('%s ↔ bytes, class and number', (tag, hex, cls, n) => {
    expect(toHex(tagToBytes(tag))).toBe(hex);
    expect(tagToHex(tag)).toBe(hex.toUpperCase());
    expect(tagClassOf(tag)).toBe(cls);
    expect(tagNumberOf(tag)).toBe(n);
    expect(makeTag(cls, (parseInt(hex.slice(0, 2), 16) & 0x20) !== 0, n)).toBe(tag);
  });

  it.each([0xbf, 0x5a2d, 0x9f05, 0x9f8000, 0x1f])('rejects malformed tag %s with TLV_BAD_TAG', (tag) => {
    expect(() => tagToBytes(tag)).toThrowError(expect.objectContaining({ code: 'TLV_BAD_TAG' }) as Error);
  });
});

describe('lengths (DER)', () => {
  it.each([
    [0, '00'],
    [127, '7f'],
    [128, '8180'],
    [255, '81ff'],
    [256, '820100'],
    [65535, '82ffff'],
    [65536, '83010000'],
    [0x1000000, '8401000000'],
  ])('%i → %s', (n, hex) => {
    expect(toHex(encodeLength(n))).toBe(hex);
  });

  it('parses all four long forms', () => {
    for (const [hdr, n] of [['81', 200], ['82', 300], ['83', 70000], ['84', 70001]] as const) {
      const lenBytes = hdr === '81' ? 1 : hdr === '82' ? 2 : hdr === '83' ? 3 : 4;
      const value = new Uint8Array(n).fill(7);
      const bytes = Uint8Array.from([0x04, parseInt(hdr, 16), ...Array.from({ length: lenBytes }, (_, i) => (n >> (8 * (lenBytes - 1 - i))) & 0xff), ...value]);
      const tlv = parseTlv(bytes);
      expect(tlv.value.length).toBe(n);
      expect(tlv.raw).toBe(tlv.raw);
      expect(tlv.raw.length).toBe(bytes.length);
    }
  });
});

describe('parse', () => {
  it('parses nested structures with offsets, raw bytes and children', () => {
    const bytes = bytesOf('BF 2D 0C A0 03 95 01 02 5C 05 5A 4F 9F 70 92');
    const tlv = parseTlv(bytes);
    expect(tlv).toMatchObject({ tag: 0xbf2d, constructed: true, tagClass: 'context', offset: 0 });
    expect(tlv.children?.map((c) => [tagToHex(c.tag), c.offset])).toEqual([
      ['A0', 3],
      ['5C', 8],
    ]);
    const a0 = tlv.children?.[0];
    expect(a0?.children?.[0]).toMatchObject({ tag: 0x95, constructed: false, offset: 5 });
    expect(toHex(a0?.raw ?? new Uint8Array())).toBe('a003950102');
    expect(toHex(tlv.children?.[1]?.value ?? new Uint8Array())).toBe('5a4f9f7092');
  });

  it('parseTlvSequence reads zero or more TLVs', () => {
    expect(parseTlvSequence(new Uint8Array(0))).toEqual([]);
    expect(parseTlvSequence(bytesOf('80 01 05 81 00')).map((t) => t.tag)).toEqual([0x80, 0x81]);
  });

  it('keeps non-minimal lengths as received in raw', () => {
    const tlv = parseTlv(bytesOf('30 81 03 80 01 05'));
    expect(toHex(tlv.raw)).toBe('3081038001' + '05');
    expect(tlv.children?.[0]?.offset).toBe(3);
  });
});

describe('encode', () => {
  it('encodeTlv and encodeConstructed build DER', () => {
    expect(toHex(encodeTlv(0x5a, bytesOf('98 44')))).toBe('5a029844');
    expect(toHex(encodeConstructed(0xbf2d, [encodeTlv(0x5c, Uint8Array.of(0x5a))]))).toBe('bf2d035c015a');
    expect(toHex(encodeTlv(0x94, new Uint8Array(200))).slice(0, 6)).toBe('9481c8');
  });

  it('refuses a primitive tag for constructed content', () => {
    expect(() => encodeConstructed(0x80, [])).toThrowError(expect.objectContaining({ code: 'TLV_BAD_TAG' }) as Error);
  });
});

describe('salvage', () => {
  it('keeps what parses before a cut and reports the first problem', () => {
    const full = bytesOf('BF 2D 0A A0 08 E3 06 90 04 "Work"');
    const { nodes, error } = salvageTlvSequence(full.subarray(0, 11));
    expect(error?.code).toBe('TLV_LENGTH_PAST_END');
    expect(nodes[0]?.children?.[0]?.children?.[0]?.children?.[0]?.tag).toBe(0x90);
  });
});
