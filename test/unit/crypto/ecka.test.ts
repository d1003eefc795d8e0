import { createECDH, createPrivateKey, diffieHellman } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { RspCurve } from '../../../src-main/crypto/curves.js';
import { ecdhSharedSecret, eckaKeyPairFromPrivate, generateEckaKeyPair, pointCoordinates, pointFromCoordinates, validatePoint } from '../../../src-main/crypto/ecka.js';
import { privateKeyFromScalar, publicKeyFromPoint, publicPointOf } from '../../../src-main/crypto/keys.js';
import { fromHex, toHex } from '../../../shared/hex.js';
import { expectCode } from '../../helpers/pki-fixtures.js';

describe.each<RspCurve>(['prime256v1', 'brainpoolP256r1'])('ECKA on %s', (curve) => {
  it('both sides derive the same 32-byte Z', () => {
    const euicc = generateEckaKeyPair(curve);
    const dp = generateEckaKeyPair(curve);
    expect(euicc.publicPoint).toHaveLength(65);
    expect(euicc.publicPoint[0]).toBe(0x04);
    const z1 = ecdhSharedSecret(euicc, dp.publicPoint);
    expect(z1).toHaveLength(32);
    expect(toHex(ecdhSharedSecret(dp, euicc.publicPoint))).toBe(toHex(z1));
  });

  it('Z is the x-coordinate of otSK·otPK, as Node diffieHellman computes it', () => {
    const a = eckaKeyPairFromPrivate(curve, fromHex('11'.repeat(32)));
    const b = eckaKeyPairFromPrivate(curve, fromHex('22'.repeat(32)));
    const expected = diffieHellman({ privateKey: privateKeyFromScalar(curve, a.privateKey), publicKey: publicKeyFromPoint(curve, b.publicPoint) });
    expect(toHex(ecdhSharedSecret(a, b.publicPoint))).toBe(expected.toString('hex'));
    // Cross-check the point import/export against a KeyObject built independently.
    const ecdh = createECDH(curve);
    ecdh.setPrivateKey(Buffer.from(b.privateKey));
    expect(toHex(b.publicPoint)).toBe(ecdh.getPublicKey('hex'));
    expect(toHex(publicPointOf(createPrivateKey({ key: privateKeyFromScalar(curve, b.privateKey).export({ format: 'pem', type: 'pkcs8' }) })))).toBe(toHex(b.publicPoint));
  });

  it('splits and joins 04‖X‖Y', () => {
    const kp = generateEckaKeyPair(curve);
    const { x, y } = pointCoordinates(kp.publicPoint);
    expect(toHex(pointFromCoordinates(x, y))).toBe(toHex(kp.publicPoint));
  });

  it('rejects off-curve, compressed and short points', () => {
    const kp = generateEckaKeyPair(curve);
    const bad = kp.publicPoint.slice();
    bad[64] = (bad[64] ?? 0) ^ 1;
    expectCode(() => ecdhSharedSecret(kp, bad), 'CRYPTO_POINT_INVALID');
    expectCode(() => validatePoint(curve, kp.publicPoint.subarray(0, 33)), 'CRYPTO_POINT_INVALID');
    expectCode(() => pointCoordinates(new Uint8Array(64)), 'CRYPTO_POINT_INVALID');
  });
});
