import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { aesCmac } from '../../../src-main/crypto/aes-cmac.js';
import { deriveScp03tKeys } from '../../../src-main/crypto/kdf.js';
import type { Scp03tSessionKeys } from '../../../src-main/crypto/kdf.js';
import { maxPlaintextPerSegment, Scp03tContext, SCP03T_MAX_SEGMENT_LENGTH } from '../../../src-main/crypto/scp03t.js';
import { concatBytes, fromHex, toHex } from '../../../shared/hex.js';
import { expectCode } from '../../helpers/pki-fixtures.js';

// Session keys of digest §5.3.
const KEYS: Scp03tSessionKeys = deriveScp03tKeys(
  fromHex('c9a993dd4879a8f7161f2085410edd4f9652f1df37be097ba96ba2ca6be528fe'),
  fromHex('8080808080808080'),
  '89049032123451234512345678901235',
);

/** Independent AES helpers for cross-checks (no code shared with scp03t.ts). */
function ecb(key: Uint8Array, block: Uint8Array): Uint8Array {
  const c = createCipheriv('aes-128-ecb', key, null).setAutoPadding(false);
  return new Uint8Array(Buffer.concat([c.update(block), c.final()]));
}
function cbc(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const c = createCipheriv('aes-128-cbc', key, iv).setAutoPadding(false);
  return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
}
const counterBlock = (n: number): Uint8Array => {
  const b = new Uint8Array(16);
  b[15] = n;
  return b;
};

describe('SCP03t segment protection', () => {
  it('protects ConfigureISDP BF2400 as in digest §5.4 (counter 1)', () => {
    const ctx = new Scp03tContext(KEYS);
    expect(toHex(ctx.protect(0x87, fromHex('BF2400')))).toBe('8718f6fe031e4b9cfe87c8e1e62f3fde85c49412d7722a6a2d89');
    expect(ctx.counter).toBe(2);
  });

  it('eUICC side recovers BF2400 from the §5.4 vector and rejects it when replayed', () => {
    const euicc = new Scp03tContext(KEYS);
    const segment = fromHex('8718f6fe031e4b9cfe87c8e1e62f3fde85c49412d7722a6a2d89');
    expect(toHex(euicc.unprotect(segment, 0x87))).toBe('bf2400');
    expect(expectCode(() => euicc.unprotect(segment), 'SCP03T_MAC_INVALID').details).toMatchObject({ counter: 2 });
  });

  it('88 segments are MAC-only and chain the full 16-byte CMAC as the next MCV', () => {
    const ctx = new Scp03tContext(KEYS);
    const first = ctx.protect(0x87, fromHex('BF2400'));
    const mcvAfterFirst = ctx.macChainingValue;
    const metadata = fromHex('BF25 0C 5A 0A 98 10 32 54 76 98 10 32 54 76');
    const seg88 = ctx.protect(0x88, metadata);
    // Independent: MAC = CMAC(S-MAC, MCV ‖ 88 ‖ len ‖ payload)[0..8], payload in clear.
    const len = metadata.length + 8;
    const mac = aesCmac(KEYS.sMac, concatBytes(mcvAfterFirst, Uint8Array.of(0x88, len), metadata));
    expect(toHex(seg88)).toBe(toHex(concatBytes(Uint8Array.of(0x88, len), metadata, mac.subarray(0, 8))));
    expect(toHex(ctx.macChainingValue)).toBe(toHex(mac));
    expect(first[0]).toBe(0x87);
  });

  it('the counter advances on 88 segments too: the next 87 uses ICV of counter 3', () => {
    const ctx = new Scp03tContext(KEYS);
    ctx.protect(0x87, fromHex('BF2400'));
    ctx.protect(0x88, fromHex('BF2503800101'));
    const rsk = fromHex('BF26 0C 80 01 00 81 01 01 82 01 02 83 01 03');
    const seg = ctx.protect(0x87, rsk);
    const padded = new Uint8Array(16);
    padded.set(rsk);
    padded[rsk.length] = 0x80;
    const expected = cbc(KEYS.sEnc, ecb(KEYS.sEnc, counterBlock(3)), padded);
    expect(toHex(seg.subarray(2, 18))).toBe(toHex(expected));
  });

  it('always pads with 80, so 16 aligned bytes become 32 bytes of ciphertext', () => {
    const seg = new Scp03tContext(KEYS).protect(0x86, new Uint8Array(16).fill(0xaa));
    expect(toHex(seg.subarray(0, 2))).toBe('8628'); // 32 + 8
    expect(seg.length).toBe(42);
  });

  it('round-trips a whole BPP sequence including ReplaceSessionKeys', () => {
    const dp = new Scp03tContext(KEYS);
    const euicc = new Scp03tContext(KEYS);
    const metadata = new Uint8Array(2500).map((_, i) => i & 0xff);
    const ppk = { enc: fromHex('00112233445566778899aabbccddeeff'), mac: fromHex('ffeeddccbbaa99887766554433221100'), mcv: new Uint8Array(16).fill(7) };
    const profile = new Uint8Array(5000).map((_, i) => (i * 7) & 0xff);

    const s87 = dp.protect(0x87, fromHex('BF2400'));
    const s88 = dp.protectSplit(0x88, metadata);
    const sRsk = dp.protect(0x87, fromHex('BF2603800101'));
    dp.replaceKeys(ppk.enc, ppk.mac, ppk.mcv);
    const s86 = dp.protectSplit(0x86, profile);

    expect(s88).toHaveLength(3);
    expect(s86).toHaveLength(5);
    expect(toHex(euicc.unprotect(s87))).toBe('bf2400');
    expect(toHex(concatBytes(...s88.map((s) => euicc.unprotect(s, 0x88))))).toBe(toHex(metadata));
    expect(toHex(euicc.unprotect(sRsk))).toBe('bf2603800101');
    euicc.replaceKeys(ppk.enc, ppk.mac, ppk.mcv);
    expect(euicc.counter).toBe(1);
    expect(toHex(concatBytes(...s86.map((s) => euicc.unprotect(s, 0x86))))).toBe(toHex(profile));
  });

  it('rejects segments out of order, with a flipped bit, or with the wrong tag', () => {
    const dp = new Scp03tContext(KEYS);
    const a = dp.protect(0x86, fromHex('01'));
    const b = dp.protect(0x86, fromHex('02'));
    const euicc = new Scp03tContext(KEYS);
    expectCode(() => euicc.unprotect(b), 'SCP03T_MAC_INVALID');
    const flipped = a.slice();
    flipped[3] = (flipped[3] ?? 0) ^ 1;
    expectCode(() => euicc.unprotect(flipped), 'SCP03T_MAC_INVALID');
    expectCode(() => euicc.unprotect(a, 0x87), 'SCP03T_STRUCTURE_ERROR');
    // Failures do not advance the state: the genuine sequence still verifies.
    expect(toHex(euicc.unprotect(a))).toBe('01');
    expect(toHex(euicc.unprotect(b))).toBe('02');
  });

  it('reports bad padding behind a valid MAC as a structure error', () => {
    // Ciphertext of a block without the 80 marker, correctly MACed.
    const ct = cbc(KEYS.sEnc, ecb(KEYS.sEnc, counterBlock(1)), new Uint8Array(16).fill(0x11));
    const mac = aesCmac(KEYS.sMac, concatBytes(KEYS.initialMcv, Uint8Array.of(0x86, 24), ct));
    const segment = concatBytes(Uint8Array.of(0x86, 24), ct, mac.subarray(0, 8));
    expectCode(() => new Scp03tContext(KEYS).unprotect(segment), 'SCP03T_STRUCTURE_ERROR');
  });

  it('reports truncated TLVs, foreign tags and ciphertext that is not block-aligned as structure errors', () => {
    const ctx = new Scp03tContext(KEYS);
    expectCode(() => ctx.unprotect(fromHex('8710 0102')), 'SCP03T_STRUCTURE_ERROR');
    expectCode(() => ctx.unprotect(fromHex('8502 0102')), 'SCP03T_STRUCTURE_ERROR');
    const odd = fromHex('0102030405');
    const mac = aesCmac(KEYS.sMac, concatBytes(KEYS.initialMcv, Uint8Array.of(0x87, 13), odd));
    expectCode(() => ctx.unprotect(concatBytes(Uint8Array.of(0x87, 13), odd, mac.subarray(0, 8))), 'SCP03T_STRUCTURE_ERROR');
  });

  it('enforces 1020-byte segments: 1007 plaintext bytes for 86/87, 1008 for 88', () => {
    expect(maxPlaintextPerSegment(0x86)).toBe(1007);
    expect(maxPlaintextPerSegment(0x88)).toBe(1008);
    const ctx = new Scp03tContext(KEYS);
    const full = ctx.protect(0x86, new Uint8Array(1007));
    expect(full.length).toBe(SCP03T_MAX_SEGMENT_LENGTH);
    expect(toHex(full.subarray(0, 4))).toBe('868203f8');
    expect(ctx.protect(0x88, new Uint8Array(1008)).length).toBe(1020);
    expectCode(() => ctx.protect(0x86, new Uint8Array(1008)), 'SCP03T_SEGMENT_TOO_LARGE');
    expectCode(() => new Scp03tContext(KEYS).unprotect(concatBytes(fromHex('868203fd'), new Uint8Array(1021))), 'SCP03T_STRUCTURE_ERROR');
  });
});
