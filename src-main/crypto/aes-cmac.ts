/**
 * AES-CMAC (RFC 4493 / NIST SP 800-38B) built from AES-ECB: Node has no CMAC API.
 */
import { createCipheriv } from 'node:crypto';
import { cryptoError } from './errors.js';

const BLOCK = 16;

function aesEcbBlock(key: Uint8Array, block: Uint8Array): Uint8Array {
  const cipher = createCipheriv(`aes-${key.length * 8}-ecb`, key, null);
  cipher.setAutoPadding(false);
  return new Uint8Array(Buffer.concat([cipher.update(block), cipher.final()]));
}

/** Left shift by one bit; XOR with Rb (0x87) when the top bit fell out (RFC 4493 §2.3). */
function deriveSubkey(input: Uint8Array): Uint8Array {
  const out = new Uint8Array(BLOCK);
  for (let i = 0; i < BLOCK; i++) out[i] = (((input[i] ?? 0) << 1) | ((input[i + 1] ?? 0) >> 7)) & 0xff;
  if (((input[0] ?? 0) & 0x80) !== 0) out[BLOCK - 1] = (out[BLOCK - 1] ?? 0) ^ 0x87;
  return out;
}

/** The full 16-byte AES-CMAC of `message` under an AES-128/192/256 `key`. */
export function aesCmac(key: Uint8Array, message: Uint8Array): Uint8Array {
  if (![16, 24, 32].includes(key.length)) throw cryptoError('CRYPTO_KEY_INVALID', `AES keys have 16, 24 or 32 bytes, got ${key.length}.`);
  const k1 = deriveSubkey(aesEcbBlock(key, new Uint8Array(BLOCK)));
  const k2 = deriveSubkey(k1);
  const blocks = Math.max(1, Math.ceil(message.length / BLOCK));
  const complete = message.length > 0 && message.length % BLOCK === 0;
  const last = new Uint8Array(BLOCK);
  const tail = message.subarray((blocks - 1) * BLOCK);
  last.set(tail);
  if (!complete) last[tail.length] = 0x80;
  const subkey = complete ? k1 : k2;
  for (let i = 0; i < BLOCK; i++) last[i] = (last[i] ?? 0) ^ (subkey[i] ?? 0);

  // CBC-MAC over all blocks with zero IV: one CBC pass, keep the final block.
  const cipher = createCipheriv(`aes-${key.length * 8}-cbc`, key, new Uint8Array(BLOCK));
  cipher.setAutoPadding(false);
  cipher.update(message.subarray(0, (blocks - 1) * BLOCK));
  const out = cipher.update(last);
  cipher.final();
  return new Uint8Array(out.subarray(out.length - BLOCK));
}
