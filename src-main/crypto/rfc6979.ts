/**
 * Deterministic ECDSA (RFC 6979) with SHA-256, for signing test-PKI certificates so that the same
 * seed gives byte-identical certificates. Node's crypto signs with random nonces, hence this.
 */
import { createHash, createHmac } from 'node:crypto';
import { bigintToBytes, bytesToBigint } from './der.js';
import type { CurveParams } from './curves.js';
import { mod, modInverse, multiply } from './ec-math.js';
import { concatBytes } from '../../shared/hex.js';

export interface EcdsaSignatureValue {
  readonly r: bigint;
  readonly s: bigint;
}

function bitLength(n: bigint): number {
  return n.toString(2).length;
}

/** RFC 6979 §2.3.2: leftmost qlen bits of `bytes` as an integer. */
function bits2int(bytes: Uint8Array, qlen: number): bigint {
  const v = bytesToBigint(bytes);
  const blen = bytes.length * 8;
  return blen > qlen ? v >> BigInt(blen - qlen) : v;
}

/** Generator of candidate nonces k for private key `d` and message hash `h1` (RFC 6979 §3.2). */
function* nonces(curve: CurveParams, d: bigint, h1: Uint8Array): Generator<bigint> {
  const q = curve.n;
  const qlen = bitLength(q);
  const rlen = Math.ceil(qlen / 8);
  const hmac = (key: Uint8Array, ...data: Uint8Array[]): Uint8Array => {
    const h = createHmac('sha256', key);
    for (const part of data) h.update(part);
    return new Uint8Array(h.digest());
  };
  const x = bigintToBytes(d, rlen);
  const h = bigintToBytes(mod(bits2int(h1, qlen), q), rlen);
  let v: Uint8Array = new Uint8Array(32).fill(0x01);
  let k: Uint8Array = new Uint8Array(32);
  k = hmac(k, v, Uint8Array.of(0x00), x, h);
  v = hmac(k, v);
  k = hmac(k, v, Uint8Array.of(0x01), x, h);
  v = hmac(k, v);
  for (;;) {
    let t: Uint8Array = new Uint8Array(0);
    while (t.length < rlen) {
      v = hmac(k, v);
      t = concatBytes(t, v);
    }
    const candidate = bits2int(t, qlen);
    if (candidate >= 1n && candidate < q) yield candidate;
    k = hmac(k, v, Uint8Array.of(0x00));
    v = hmac(k, v);
  }
}

/** The RFC 6979 nonce for SHA-256 (exported for the known-answer test). */
export function rfc6979Nonce(curve: CurveParams, d: bigint, message: Uint8Array): bigint {
  const first = nonces(curve, d, sha256(message)).next();
  if (first.done === true) throw new Error('nonce generator ended');
  return first.value;
}

function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

/** ECDSA-SHA256 signature of `message` with private scalar `d`, nonce per RFC 6979. */
export function signDeterministic(curve: CurveParams, d: bigint, message: Uint8Array): EcdsaSignatureValue {
  const n = curve.n;
  const h1 = sha256(message);
  const e = mod(bits2int(h1, bitLength(n)), n);
  for (const k of nonces(curve, d, h1)) {
    const kG = multiply(curve, k);
    if (kG === null) continue;
    const r = mod(kG.x, n);
    if (r === 0n) continue;
    const s = mod(modInverse(k, n) * (e + r * d), n);
    if (s === 0n) continue;
    return { r, s };
  }
  throw new Error('unreachable: nonce generator is infinite');
}
