/**
 * ANSI X9.63 KDF with SHA-256 and the SCP03t session key derivation of SGP.22 (digest §5.3).
 */
import { createHash } from 'node:crypto';
import { concatBytes, fromHex } from '../../shared/hex.js';
import { cryptoError } from './errors.js';

/** K = SHA-256(Z ‖ counter(4, BE, from 1) ‖ sharedInfo) ‖ … truncated to `length` bytes. */
export function x963Kdf(z: Uint8Array, sharedInfo: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  const counter = new Uint8Array(4);
  for (let i = 1, off = 0; off < length; i++, off += 32) {
    new DataView(counter.buffer).setUint32(0, i);
    const block = createHash('sha256').update(z).update(counter).update(sharedInfo).digest();
    out.set(block.subarray(0, Math.min(32, length - off)), off);
  }
  return out;
}

export interface Scp03tSessionKeys {
  /** Initial MAC chaining value (16 bytes). */
  readonly initialMcv: Uint8Array;
  /** S-ENC (AES-128). */
  readonly sEnc: Uint8Array;
  /** S-MAC (AES-128). */
  readonly sMac: Uint8Array;
}

/** keyType AES (0x88) and key length 16, the only CRT values SGP.22 v2 uses (BF23 A6). */
export const SCP03T_KEY_TYPE = 0x88;
export const SCP03T_KEY_LENGTH = 0x10;

/** The EID as 16 bytes from 32 hex digits or bytes. */
export function eidBytes(eid: string | Uint8Array): Uint8Array {
  const bytes = typeof eid === 'string' ? fromHex(eid) : eid;
  if (bytes.length !== 16) throw cryptoError('CRYPTO_KEY_INVALID', `An EID has 16 bytes (32 digits), got ${bytes.length} bytes.`, { length: bytes.length });
  return bytes;
}

/** SharedInfo = keyType ‖ keyLength ‖ len(hostId) ‖ hostId ‖ len(EID) ‖ EID. */
export function scp03tSharedInfo(hostId: Uint8Array, eid: string | Uint8Array): Uint8Array {
  if (hostId.length < 1 || hostId.length > 16) {
    throw cryptoError('CRYPTO_KEY_INVALID', `hostId must be 1..16 bytes, got ${hostId.length}.`, { length: hostId.length });
  }
  const e = eidBytes(eid);
  return concatBytes(Uint8Array.of(SCP03T_KEY_TYPE, SCP03T_KEY_LENGTH, hostId.length), hostId, Uint8Array.of(e.length), e);
}

/** Session keys from the ECDH secret Z: 48 KDF bytes split MCV | S-ENC | S-MAC. */
export function deriveScp03tKeys(z: Uint8Array, hostId: Uint8Array, eid: string | Uint8Array): Scp03tSessionKeys {
  const k = x963Kdf(z, scp03tSharedInfo(hostId, eid), 48);
  return { initialMcv: k.slice(0, 16), sEnc: k.slice(16, 32), sMac: k.slice(32, 48) };
}
