import { describe, expect, it } from 'vitest';
import { aesCmac } from '../../../src-main/crypto/aes-cmac.js';
import { fromHex, toHex } from '../../../shared/hex.js';

// RFC 4493 §4 test vectors (AES-128).
const KEY = fromHex('2b7e151628aed2a6abf7158809cf4f3c');
const M = fromHex(
  '6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51 30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710',
);

describe('AES-CMAC (RFC 4493)', () => {
  it.each([
    [0, 'bb1d6929e95937287fa37d129b756746'],
    [16, '070a16b46b4d4144f79bdd9dd04a287c'],
    [40, 'dfa66747de9ae63030ca32611497c827'],
    [64, '51f0bebf7e3b9d92fc49741779363cfe'],
  ])('message length %i', (len, mac) => {
    expect(toHex(aesCmac(KEY, M.subarray(0, len)))).toBe(mac);
  });

  it('rejects a key of the wrong size', () => {
    expect(() => aesCmac(new Uint8Array(15), M)).toThrow(/16, 24 or 32/);
  });
});
