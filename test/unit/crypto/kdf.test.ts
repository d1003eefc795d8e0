import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deriveScp03tKeys, scp03tSharedInfo, x963Kdf } from '../../../src-main/crypto/kdf.js';
import { fromHex, toHex } from '../../../shared/hex.js';

describe('X9.63 KDF and SCP03t session keys', () => {
  it('derives the digest §5.3 vector', () => {
    const keys = deriveScp03tKeys(
      fromHex('c9a993dd4879a8f7161f2085410edd4f9652f1df37be097ba96ba2ca6be528fe'),
      fromHex('8080808080808080'),
      '89049032123451234512345678901235',
    );
    expect(toHex(keys.initialMcv)).toBe('406d507b448a699e7a36a38494debbde');
    expect(toHex(keys.sEnc)).toBe('472f5bfadd97f21d34f3ce9b51b92751');
    expect(toHex(keys.sMac)).toBe('9ec07f5b36a13e12a991d66e294e6242');
  });

  it('builds SharedInfo as 88 10 len hostId 10 EID', () => {
    expect(toHex(scp03tSharedInfo(fromHex('0102'), fromHex('89049032123451234512345678901235')))).toBe('8810020102' + '10' + '89049032123451234512345678901235');
  });

  it('concatenates SHA-256(Z ‖ counter ‖ info) blocks from counter 1 and truncates', () => {
    const z = fromHex('00112233');
    const info = fromHex('aabb');
    const block = (i: number): string => createHash('sha256').update(Buffer.concat([Buffer.from(z), Buffer.from([0, 0, 0, i]), Buffer.from(info)])).digest('hex');
    expect(toHex(x963Kdf(z, info, 48))).toBe((block(1) + block(2)).slice(0, 96));
  });

  it('rejects an EID that is not 16 bytes and an empty hostId', () => {
    expect(() => deriveScp03tKeys(new Uint8Array(32), fromHex('01'), '8904')).toThrow(/16 bytes/);
    expect(() => scp03tSharedInfo(new Uint8Array(0), '89049032123451234512345678901235')).toThrow(/hostId/);
  });
});
