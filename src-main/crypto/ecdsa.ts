/**
 * ECDSA-SHA256 in the RSP "plain" format: r‖s, 32 bytes each (BSI TR-03111), carried as `5F37 40 ‖ sig`
 * (digest §5.2). X.509 signatures stay DER SEQUENCE{r, s}; converters for both directions are here.
 */
import { sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { concatBytes } from '../../shared/hex.js';
import { curveParams } from './curves.js';
import type { RspCurve } from './curves.js';
import { derChildren, derInteger, derSequence, DER_TAG, expectTag, integerContentToUnsigned, parseDer, readTlv } from './der.js';
import { cryptoError } from './errors.js';
import { curveOfKey } from './keys.js';

export const PLAIN_SIGNATURE_LENGTH = 64;
/** Tag of the signature data objects (euiccSignature1, serverSignature1, smdpSign, …). */
export const SIGNATURE_TAG = 0x5f37;

/** 64-byte r‖s signature over `data` (SHA-256 is applied here). */
export function signPlain(privateKey: KeyObject, data: Uint8Array): Uint8Array {
  curveOfKey(privateKey);
  return new Uint8Array(sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' }));
}

/** True when `signature` (64-byte r‖s) is valid for `data`; false for any other length. */
export function verifyPlain(publicKey: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== PLAIN_SIGNATURE_LENGTH) return false;
  curveOfKey(publicKey);
  return verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
}

/** `5F37 40 ‖ signature`. */
export function wrapSignature(signature: Uint8Array): Uint8Array {
  if (signature.length !== PLAIN_SIGNATURE_LENGTH) {
    throw cryptoError('CRYPTO_SIGNATURE_FORMAT', `A plain signature has 64 bytes, got ${signature.length}.`, { length: signature.length });
  }
  return concatBytes(Uint8Array.of(0x5f, 0x37, 0x40), signature);
}

/** The 64 signature bytes of a complete `5F37 40 …` TLV. */
export function unwrapSignature(tlv: Uint8Array): Uint8Array {
  let node;
  try {
    const read = readTlv(tlv, 0);
    if (read.next !== tlv.length) throw new Error('trailing bytes');
    node = read.node;
  } catch (err) {
    throw cryptoError('CRYPTO_SIGNATURE_FORMAT', 'The signature is not a single 5F37 TLV.', {}, err);
  }
  if (node.tag !== SIGNATURE_TAG || node.value.length !== PLAIN_SIGNATURE_LENGTH) {
    throw cryptoError('CRYPTO_SIGNATURE_FORMAT', `Expected 5F37 with 64 bytes, got tag ${node.tag.toString(16).toUpperCase()} with ${node.value.length} bytes.`, {
      tag: node.tag,
      length: node.value.length,
    });
  }
  return node.value.slice();
}

/** `5F37 40 ‖ r‖s` over `data`: the form RSP messages carry and concatenate. */
export function signToTlv(privateKey: KeyObject, data: Uint8Array): Uint8Array {
  return wrapSignature(signPlain(privateKey, data));
}

/** Verifies a `5F37 40 …` TLV over `data`; a malformed TLV counts as invalid. */
export function verifyTlv(publicKey: KeyObject, data: Uint8Array, signatureTlv: Uint8Array): boolean {
  let plain: Uint8Array;
  try {
    plain = unwrapSignature(signatureTlv);
  } catch {
    return false;
  }
  return verifyPlain(publicKey, data, plain);
}

/** DER SEQUENCE{INTEGER r, INTEGER s} → 64-byte r‖s (for the given curve's size). */
export function derToPlainSignature(der: Uint8Array, curve: RspCurve = 'prime256v1'): Uint8Array {
  const size = curveParams(curve).size;
  try {
    const [r, s] = derChildren(parseDer(der)).map((n) => integerContentToUnsigned(expectTag(n, DER_TAG.INTEGER, 'r/s').value));
    if (r === undefined || s === undefined || r.length > size || s.length > size) throw new Error('bad r/s');
    const out = new Uint8Array(2 * size);
    out.set(r, size - r.length);
    out.set(s, 2 * size - s.length);
    return out;
  } catch (err) {
    throw cryptoError('CRYPTO_SIGNATURE_FORMAT', 'Not a DER ECDSA signature.', {}, err);
  }
}

/** 64-byte r‖s → DER SEQUENCE{INTEGER r, INTEGER s}. */
export function plainToDerSignature(plain: Uint8Array): Uint8Array {
  if (plain.length % 2 !== 0 || plain.length === 0) {
    throw cryptoError('CRYPTO_SIGNATURE_FORMAT', `A plain signature has an even length, got ${plain.length}.`);
  }
  const half = plain.length / 2;
  return derSequence(derInteger(plain.subarray(0, half)), derInteger(plain.subarray(half)));
}

/** DER signature for an (r, s) pair, e.g. from the deterministic signer. */
export function derSignatureFromValues(r: bigint, s: bigint): Uint8Array {
  return derSequence(derInteger(r), derInteger(s));
}
