/**
 * Minimal DER reader/writer for what the crypto layer parses and builds itself: X.509 certificates,
 * SEC1/SPKI key structures, ECDSA signature values and the small RSP TLVs (5F37, 5F49).
 * Kept local on purpose: the general BER-TLV codec lives in src-main/codec and must not become a
 * dependency of the crypto primitives. Strict DER only (definite lengths, minimal length octets).
 */
import type { WorkbenchError } from '../../shared/errors.js';
import { cryptoError } from './errors.js';
import { concatBytes } from '../../shared/hex.js';

export interface DerNode {
  /** Tag as a number: one byte (0x30) or a multi-byte tag packed big-endian (0x5F37). */
  readonly tag: number;
  readonly constructed: boolean;
  /** Content octets (a view into the source bytes). */
  readonly value: Uint8Array;
  /** The whole TLV (tag + length + value), exactly as received. */
  readonly raw: Uint8Array;
}

/** Universal and common context tags, as data. */
export const DER_TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  TELETEX_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

function malformed(what: string, offset: number): WorkbenchError {
  return cryptoError('CRYPTO_DER_INVALID', `Malformed DER: ${what} at offset ${offset}.`, { offset });
}

/** Reads one TLV starting at `offset`; returns the node and the offset just after it. */
export function readTlv(bytes: Uint8Array, offset = 0): { node: DerNode; next: number } {
  let pos = offset;
  const first = bytes[pos++];
  if (first === undefined) throw malformed('missing tag', offset);
  let tag = first;
  if ((first & 0x1f) === 0x1f) {
    // Multi-byte tag: continuation bytes carry bit 8.
    for (;;) {
      const b = bytes[pos++];
      if (b === undefined) throw malformed('truncated tag', offset);
      tag = tag * 256 + b;
      if ((b & 0x80) === 0) break;
      if (pos - offset > 4) throw malformed('tag too long', offset);
    }
  }
  const lenByte = bytes[pos++];
  if (lenByte === undefined) throw malformed('missing length', offset);
  let length = lenByte;
  if (lenByte & 0x80) {
    const count = lenByte & 0x7f;
    if (count === 0) throw malformed('indefinite length', offset);
    if (count > 4) throw malformed('length too long', offset);
    length = 0;
    for (let i = 0; i < count; i++) {
      const b = bytes[pos++];
      if (b === undefined) throw malformed('truncated length', offset);
      length = length * 256 + b;
    }
    if (length < 0x80 || (count > 1 && length < 256 ** (count - 1))) throw malformed('non-minimal length', offset);
  }
  const end = pos + length;
  if (end > bytes.length) throw malformed(`length ${length} exceeds the ${bytes.length - pos} bytes available`, offset);
  return {
    node: { tag, constructed: (first & 0x20) !== 0, value: bytes.subarray(pos, end), raw: bytes.subarray(offset, end) },
    next: end,
  };
}

/** Parses exactly one TLV covering all of `bytes`. */
export function parseDer(bytes: Uint8Array): DerNode {
  const { node, next } = readTlv(bytes, 0);
  if (next !== bytes.length) throw malformed(`${bytes.length - next} trailing bytes`, next);
  return node;
}

/** The TLVs inside a constructed node's value. */
export function derChildren(node: DerNode): DerNode[] {
  const out: DerNode[] = [];
  let pos = 0;
  while (pos < node.value.length) {
    const { node: child, next } = readTlv(node.value, pos);
    out.push(child);
    pos = next;
  }
  return out;
}

/** Checks the tag of `node` and returns it, so parsers read like the ASN.1 they follow. */
export function expectTag(node: DerNode | undefined, tag: number, what: string): DerNode {
  if (node === undefined) throw malformed(`${what} missing`, 0);
  if (node.tag !== tag) throw malformed(`${what} has tag ${node.tag.toString(16)}, expected ${tag.toString(16)}`, 0);
  return node;
}

// ---- writer -------------------------------------------------------------------------------------

/** DER/BER definite length octets. */
export function encodeLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

function tagBytes(tag: number): Uint8Array {
  const bytes: number[] = [];
  for (let t = tag; t > 0; t = Math.floor(t / 256)) bytes.unshift(t & 0xff);
  return Uint8Array.from(bytes.length === 0 ? [0] : bytes);
}

/** One TLV with the given content parts concatenated. */
export function derTlv(tag: number, ...content: readonly Uint8Array[]): Uint8Array {
  const value = concatBytes(...content);
  return concatBytes(tagBytes(tag), encodeLength(value.length), value);
}

export const derSequence = (...items: readonly Uint8Array[]): Uint8Array => derTlv(DER_TAG.SEQUENCE, ...items);
export const derSet = (...items: readonly Uint8Array[]): Uint8Array => derTlv(DER_TAG.SET, ...items);
export const derOctetString = (bytes: Uint8Array): Uint8Array => derTlv(DER_TAG.OCTET_STRING, bytes);
export const derBoolean = (value: boolean): Uint8Array => derTlv(DER_TAG.BOOLEAN, Uint8Array.of(value ? 0xff : 0x00));

/** BIT STRING with the given number of unused trailing bits in the last byte. */
export function derBitString(bytes: Uint8Array, unusedBits = 0): Uint8Array {
  return derTlv(DER_TAG.BIT_STRING, Uint8Array.of(unusedBits), bytes);
}

/** INTEGER from a non-negative bigint or unsigned big-endian bytes (minimal two's complement). */
export function derInteger(value: bigint | Uint8Array): Uint8Array {
  let bytes = typeof value === 'bigint' ? bigintToBytes(value) : value;
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0 && ((bytes[start + 1] ?? 0) & 0x80) === 0) start++;
  bytes = bytes.subarray(start);
  if (bytes.length === 0) bytes = Uint8Array.of(0);
  if (((bytes[0] ?? 0) & 0x80) !== 0) bytes = concatBytes(Uint8Array.of(0), bytes);
  return derTlv(DER_TAG.INTEGER, bytes);
}

/** Unsigned big-endian bytes of a non-negative INTEGER's content (leading sign byte removed). */
export function integerContentToUnsigned(content: Uint8Array): Uint8Array {
  let start = 0;
  while (start < content.length - 1 && content[start] === 0) start++;
  return content.subarray(start);
}

export function derUtf8(text: string): Uint8Array {
  return derTlv(DER_TAG.UTF8_STRING, new TextEncoder().encode(text));
}

export function derPrintable(text: string): Uint8Array {
  if (!/^[A-Za-z0-9 '()+,\-./:=?]*$/.test(text)) {
    throw cryptoError('CRYPTO_DER_INVALID', `"${text}" is not a PrintableString (letters, digits, space and '()+,-./:=? only).`);
  }
  return derTlv(DER_TAG.PRINTABLE_STRING, new TextEncoder().encode(text));
}

/** X.509 Time: UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 §4.1.2.5). */
export function derTime(date: Date): Uint8Array {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '') + 'Z';
  const year = date.getUTCFullYear();
  if (year >= 1950 && year < 2050) return derTlv(DER_TAG.UTC_TIME, new TextEncoder().encode(digits.slice(2)));
  return derTlv(DER_TAG.GENERALIZED_TIME, new TextEncoder().encode(digits));
}

/** Parses a UTCTime or GeneralizedTime node (Z form, as RFC 5280 requires). */
export function parseDerTime(node: DerNode): Date {
  const text = new TextDecoder().decode(node.value);
  const m = node.tag === DER_TAG.UTC_TIME ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text) : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (m === null || (node.tag !== DER_TAG.UTC_TIME && node.tag !== DER_TAG.GENERALIZED_TIME)) throw malformed(`invalid time "${text}"`, 0);
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const year = node.tag === DER_TAG.UTC_TIME ? (y < 50 ? 2000 + y : 1900 + y) : y;
  return new Date(Date.UTC(year, mo - 1, d, h, mi, s));
}

/** OBJECT IDENTIFIER TLV from dotted text. */
export function derOid(oid: string): Uint8Array {
  return derTlv(DER_TAG.OID, encodeOidContent(oid));
}

export function encodeOidContent(oid: string): Uint8Array {
  const arcs = oid.split('.').map((a) => BigInt(a));
  const [a0, a1, ...rest] = arcs;
  if (a0 === undefined || a1 === undefined || a0 > 2n || (a0 < 2n && a1 >= 40n)) {
    throw cryptoError('CRYPTO_DER_INVALID', `"${oid}" is not a valid object identifier (dotted numbers, e.g. 2.23.146.1.2.1.4).`);
  }
  const out: number[] = [];
  for (const arc of [a0 * 40n + a1, ...rest]) {
    const chunk: number[] = [Number(arc & 0x7fn)];
    for (let v = arc >> 7n; v > 0n; v >>= 7n) chunk.unshift(Number(v & 0x7fn) | 0x80);
    out.push(...chunk);
  }
  return Uint8Array.from(out);
}

/** Dotted text of an OID's content octets. Handles first arcs ≥ 2 with second arcs ≥ 40 correctly. */
export function decodeOid(content: Uint8Array): string {
  const arcs: bigint[] = [];
  let v = 0n;
  for (const b of content) {
    v = (v << 7n) | BigInt(b & 0x7f);
    if ((b & 0x80) === 0) {
      arcs.push(v);
      v = 0n;
    }
  }
  if (arcs.length === 0 || (content[content.length - 1] ?? 0) & 0x80) throw malformed('truncated OID', 0);
  const first = arcs[0] ?? 0n;
  const head = first < 80n ? [first / 40n, first % 40n] : [2n, first - 80n];
  return [...head, ...arcs.slice(1)].join('.');
}

// ---- bigint helpers shared by the EC code ------------------------------------------------------------

export function bigintToBytes(value: bigint, length?: number): Uint8Array {
  if (value < 0n) throw new RangeError('negative bigint');
  let hex = value.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  const raw = Uint8Array.from(Buffer.from(hex, 'hex'));
  if (length === undefined) return raw;
  if (raw.length > length) throw new RangeError(`value does not fit in ${length} bytes`);
  const out = new Uint8Array(length);
  out.set(raw, length - raw.length);
  return out;
}

export function bytesToBigint(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt('0x' + Buffer.from(bytes).toString('hex'));
}
