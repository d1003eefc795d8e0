import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { RspCurve } from '../../../src-main/crypto/curves.js';
import {
  derToPlainSignature,
  plainToDerSignature,
  signPlain,
  signToTlv,
  unwrapSignature,
  verifyPlain,
  verifyTlv,
  wrapSignature,
} from '../../../src-main/crypto/ecdsa.js';
import { curveOfKey, loadPrivateKey, loadPublicKey, privateKeyFromScalar, privateScalarOf, publicPointFromScalar, publicPointOf } from '../../../src-main/crypto/keys.js';
import { fromHex, toHex } from '../../../shared/hex.js';
import { expectCode, readSgp26 } from '../../helpers/pki-fixtures.js';

const CURVES: RspCurve[] = ['prime256v1', 'brainpoolP256r1'];
const DATA = fromHex('30 0C 80 04 01 02 03 04 83 04 74 65 73 74');

describe.each(CURVES)('ECDSA r‖s on %s', (curve) => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });

  it('signs 64 bytes that verify here and with Node ieee-p1363', () => {
    const sig = signPlain(privateKey, DATA);
    expect(sig).toHaveLength(64);
    expect(verifyPlain(publicKey, DATA, sig)).toBe(true);
    expect(verify('sha256', DATA, { key: publicKey, dsaEncoding: 'ieee-p1363' }, sig)).toBe(true);
  });

  it('rejects tampered data, tampered signatures and wrong lengths', () => {
    const sig = signPlain(privateKey, DATA);
    const data2 = DATA.slice();
    data2[5] = (data2[5] ?? 0) ^ 0x01;
    expect(verifyPlain(publicKey, data2, sig)).toBe(false);
    const sig2 = sig.slice();
    sig2[63] = (sig2[63] ?? 0) ^ 0x01;
    expect(verifyPlain(publicKey, DATA, sig2)).toBe(false);
    expect(verifyPlain(publicKey, DATA, sig.subarray(0, 63))).toBe(false);
  });

  it('accepts signatures made by Node from DER converted to r‖s, and back', () => {
    const der = new Uint8Array(sign('sha256', DATA, { key: privateKey, dsaEncoding: 'der' }));
    const plain = derToPlainSignature(der, curve);
    expect(verifyPlain(publicKey, DATA, plain)).toBe(true);
    expect(toHex(plainToDerSignature(plain))).toBe(toHex(der));
  });

  it('wraps as 5F37 40 ‖ sig and verifies the TLV', () => {
    const tlv = signToTlv(privateKey, DATA);
    expect(toHex(tlv.subarray(0, 3))).toBe('5f3740');
    expect(tlv).toHaveLength(67);
    expect(verifyTlv(publicKey, DATA, tlv)).toBe(true);
    expect(verifyTlv(publicKey, DATA, tlv.subarray(0, 66))).toBe(false);
    expect(toHex(unwrapSignature(wrapSignature(tlv.subarray(3))))).toBe(toHex(tlv.subarray(3)));
  });

  it('rebuilds the key from its raw scalar and point', () => {
    const d = privateScalarOf(privateKey);
    const rebuilt = privateKeyFromScalar(curve, d);
    expect(toHex(publicPointOf(rebuilt))).toBe(toHex(publicPointOf(publicKey)));
    expect(toHex(publicPointFromScalar(curve, d))).toBe(toHex(publicPointOf(publicKey)));
    expect(curveOfKey(rebuilt)).toBe(curve);
    expect(verifyPlain(publicKey, DATA, signPlain(rebuilt, DATA))).toBe(true);
  });
});

describe('key loading', () => {
  it('loads SGP.26 SEC1 keys with an EC PARAMETERS block and matches them to their certificates', () => {
    for (const [key, cert, curve] of [
      ['DPauth/SK_S_SM_DPauth_ECDSA_NIST.pem', 'DPauth/CERT_S_SM_DPauth_ECDSA_NIST.der', 'prime256v1'],
      ['DPpb/SK_S_SM_DPpb_ECDSA_BRP.pem', 'DPpb/CERT_S_SM_DPpb_ECDSA_BRP.der', 'brainpoolP256r1'],
      ['eUICC/SK_EUICC_ECDSA_NIST.pem', 'eUICC/CERT_EUICC_ECDSA_NIST.pem', 'prime256v1'],
    ] as const) {
      const sk = loadPrivateKey(readSgp26(key));
      const pk = loadPublicKey(readSgp26(cert));
      expect(curveOfKey(sk)).toBe(curve);
      expect(verifyPlain(pk, DATA, signPlain(sk, DATA))).toBe(true);
    }
  });

  it('loads PKCS#8 DER, SEC1 DER, SPKI PEM and public halves of private keys', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'brainpoolP256r1' });
    const pkcs8 = new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' }));
    const sec1 = new Uint8Array(privateKey.export({ format: 'der', type: 'sec1' }));
    const spkiPem = createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }).toString();
    const point = toHex(publicPointOf(privateKey));
    expect(toHex(publicPointOf(loadPrivateKey(pkcs8)))).toBe(point);
    expect(toHex(publicPointOf(loadPrivateKey(sec1)))).toBe(point);
    expect(toHex(publicPointOf(loadPublicKey(spkiPem)))).toBe(point);
    expect(toHex(publicPointOf(loadPublicKey(privateKey)))).toBe(point);
  });

  it('rejects garbage and keys on other curves', () => {
    expectCode(() => loadPrivateKey(fromHex('300102')), 'CRYPTO_KEY_INVALID');
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    expectCode(() => loadPrivateKey(privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()), 'CRYPTO_CURVE_UNSUPPORTED');
  });

  it('rejects malformed signature TLVs', () => {
    expectCode(() => unwrapSignature(fromHex('5F3702 0102')), 'CRYPTO_SIGNATURE_FORMAT');
    expectCode(() => unwrapSignature(Uint8Array.from([0x5f, 0x38, 0x40, ...new Uint8Array(64)])), 'CRYPTO_SIGNATURE_FORMAT');
    expectCode(() => wrapSignature(new Uint8Array(63)), 'CRYPTO_SIGNATURE_FORMAT');
  });
});
