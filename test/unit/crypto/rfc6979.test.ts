import { randomBytes, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CURVES } from '../../../src-main/crypto/curves.js';
import { bigintToBytes, bytesToBigint } from '../../../src-main/crypto/der.js';
import { isOnCurve, multiply } from '../../../src-main/crypto/ec-math.js';
import { derSignatureFromValues } from '../../../src-main/crypto/ecdsa.js';
import { publicKeyFromPoint, publicPointFromScalar } from '../../../src-main/crypto/keys.js';
import { rfc6979Nonce, signDeterministic } from '../../../src-main/crypto/rfc6979.js';
import { toHex } from '../../../shared/hex.js';

const P256 = CURVES.prime256v1;

describe('RFC 6979 deterministic ECDSA', () => {
  // RFC 6979 A.2.5, ECDSA P-256 with SHA-256, message "sample".
  const x = 0xc9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721n;
  const sample = new TextEncoder().encode('sample');

  it('reproduces the A.2.5 nonce and signature', () => {
    expect(rfc6979Nonce(P256, x, sample).toString(16)).toBe('a6e3c57dd01abe90086538398355dd4c3b17aa873382b0f24d6129493d8aad60');
    const { r, s } = signDeterministic(P256, x, sample);
    expect(r.toString(16)).toBe('efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716');
    expect(s.toString(16)).toBe('f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8');
  });

  it('derives the A.2.5 public key', () => {
    const q = multiply(P256, x);
    expect(q?.x.toString(16)).toBe('60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6');
    expect(q?.y.toString(16)).toBe('7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299');
  });

  it.each(Object.values(CURVES))('signatures on $name verify with Node and repeat exactly', (curve) => {
    const d = (bytesToBigint(randomBytes(32)) % (curve.n - 1n)) + 1n;
    const msg = randomBytes(100);
    const sig = signDeterministic(curve, d, msg);
    expect(signDeterministic(curve, d, msg)).toEqual(sig);
    const pub = publicKeyFromPoint(curve.name, publicPointFromScalar(curve.name, bigintToBytes(d, 32)));
    expect(verify('sha256', msg, { key: pub, dsaEncoding: 'der' }, derSignatureFromValues(sig.r, sig.s))).toBe(true);
  });
});

describe.each(Object.values(CURVES))('BigInt curve arithmetic on $name', (curve) => {
  it('has its generator on the curve and n·G at infinity', () => {
    expect(isOnCurve(curve, { x: curve.gx, y: curve.gy })).toBe(true);
    expect(multiply(curve, curve.n)).toBeNull();
  });

  it('k·G matches Node for random scalars', () => {
    for (let i = 0; i < 4; i++) {
      const k = (bytesToBigint(randomBytes(32)) % (curve.n - 1n)) + 1n;
      const q = multiply(curve, k);
      expect(q).not.toBeNull();
      const ours = '04' + toHex(bigintToBytes(q?.x ?? 0n, 32)) + toHex(bigintToBytes(q?.y ?? 0n, 32));
      expect(ours).toBe(toHex(publicPointFromScalar(curve.name, bigintToBytes(k, 32))));
    }
  });
});
