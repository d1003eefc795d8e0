/** Round-trip assertions for codec tests: decode to the expected value, re-encode to identical bytes. */
import { expect } from 'vitest';
import { fromHex, toHex } from '../../shared/hex.js';
import { decodeDetailed, encode } from '../../src-main/codec/schema.js';
import type { Schema } from '../../src-main/codec/schema.js';

/** Normalises pasted hex (spaces, quoted ASCII such as "Work") to lower-case hex digits. */
export function hexOf(spec: string): string {
  const withAscii = spec.replace(/"([^"]*)"/g, (_, text: string) => Buffer.from(text, 'utf8').toString('hex'));
  return toHex(fromHex(withAscii));
}

export function bytesOf(spec: string): Uint8Array {
  return fromHex(hexOf(spec));
}

/** decode(bytes) equals `expected`, reports no unknown fields, and encode(expected) gives the same bytes. */
export function expectRoundTrip<T>(schema: Schema<T>, spec: string, expected: T): void {
  const bytes = bytesOf(spec);
  const { value, unknown } = decodeDetailed(schema, bytes);
  expect(value).toEqual(expected);
  expect(unknown).toEqual([]);
  expect(toHex(encode(schema, expected))).toBe(toHex(bytes));
  expect(toHex(encode(schema, value))).toBe(toHex(bytes));
}

/**
 * Builds TLV hex independently of the codec under test: `tlvHex('BF2F', '80 01 05', …)`.
 * Content parts use the `bytesOf` notation (hex with optional "quoted ASCII").
 */
export function tlvHex(tag: string, ...content: string[]): string {
  const body = content.map(hexOf).join('');
  const n = body.length / 2;
  const len = n < 0x80 ? n.toString(16).padStart(2, '0') : n < 0x100 ? `81${n.toString(16).padStart(2, '0')}` : `82${n.toString(16).padStart(4, '0')}`;
  return `${tag.replace(/\s/g, '').toLowerCase()}${len}${body}`;
}
