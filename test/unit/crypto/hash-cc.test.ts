import { webcrypto } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { computeHashCc } from '../../../src-main/crypto/hash-cc.js';
import { fromHex, toHex } from '../../../shared/hex.js';

describe('hashCc', () => {
  const transactionId = fromHex('0102030405060708090a0b0c0d0e0f10');

  it('matches a value computed with openssl: sha256(sha256("12345678") ‖ transactionId)', () => {
    expect(toHex(computeHashCc('12345678', transactionId))).toBe('87b0215c5d8f952804b1c92d5f2ae9966568b47cd659519536d862e7a9470d2d');
  });

  it('matches WebCrypto for a non-ASCII code (UTF-8 bytes)', async () => {
    const cc = 'Zürich-42';
    const inner = new Uint8Array(await webcrypto.subtle.digest('SHA-256', new TextEncoder().encode(cc)));
    const outer = new Uint8Array(await webcrypto.subtle.digest('SHA-256', new Uint8Array([...inner, ...transactionId])));
    expect(toHex(computeHashCc(cc, transactionId))).toBe(toHex(outer));
  });

  it('depends on the transactionId', () => {
    expect(toHex(computeHashCc('12345678', fromHex('01')))).not.toBe(toHex(computeHashCc('12345678', fromHex('02'))));
  });
});
