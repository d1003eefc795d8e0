/**
 * EC key handling on the RSP curves: loading PEM/DER keys, building keys from raw scalars and
 * uncompressed points, and reading them back. Keys are Node KeyObjects throughout.
 * JWK cannot be used: Node rejects brainpoolP256r1 in JWK, so raw forms go through SEC1/SPKI DER.
 */
import { createECDH, createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { ALGORITHM_OID, curveParams } from './curves.js';
import type { RspCurve } from './curves.js';
import { derBitString, derChildren, derInteger, derOctetString, derOid, derSequence, derTlv, DER_TAG, expectTag, parseDer } from './der.js';
import { cryptoError } from './errors.js';

/** The RSP curve of an EC key (private or public). */
export function curveOfKey(key: KeyObject): RspCurve {
  if (key.asymmetricKeyType !== 'ec') {
    throw cryptoError('CRYPTO_KEY_INVALID', `Expected an EC key, got ${key.asymmetricKeyType ?? key.type}.`);
  }
  return curveParams(key.asymmetricKeyDetails?.namedCurve).name;
}

function asText(input: string | Uint8Array): string | undefined {
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('latin1');
  return text.includes('-----BEGIN') ? text : undefined;
}

/**
 * An EC private key from PEM (SEC1 "EC PRIVATE KEY", optionally after an "EC PARAMETERS" block as
 * in the SGP.26 files, or PKCS#8 "PRIVATE KEY") or from DER (PKCS#8 or SEC1).
 */
export function loadPrivateKey(input: string | Uint8Array): KeyObject {
  const pem = asText(input);
  let key: KeyObject | undefined;
  let lastError: unknown;
  const attempts: Array<() => KeyObject> =
    pem !== undefined
      ? [() => createPrivateKey(pem)]
      : [
          () => createPrivateKey({ key: Buffer.from(input as Uint8Array), format: 'der', type: 'pkcs8' }),
          () => createPrivateKey({ key: Buffer.from(input as Uint8Array), format: 'der', type: 'sec1' }),
        ];
  for (const attempt of attempts) {
    try {
      key = attempt();
      break;
    } catch (err) {
      lastError = err;
    }
  }
  if (key === undefined) throw cryptoError('CRYPTO_KEY_INVALID', 'Could not read the EC private key.', {}, lastError);
  curveOfKey(key);
  return key;
}

/** An EC public key from PEM/DER SPKI, a PEM/DER certificate, or a private key (its public half). */
export function loadPublicKey(input: string | Uint8Array | KeyObject): KeyObject {
  if (typeof input !== 'string' && !(input instanceof Uint8Array)) {
    const pub = input.type === 'private' ? createPublicKey(input) : input;
    curveOfKey(pub);
    return pub;
  }
  const pem = asText(input);
  let key: KeyObject;
  try {
    if (pem?.includes('CERTIFICATE') === true || (pem === undefined && looksLikeCertificate(input as Uint8Array))) {
      key = new X509Certificate(typeof input === 'string' ? input : Buffer.from(input)).publicKey;
    } else {
      key = pem !== undefined ? createPublicKey(pem) : createPublicKey({ key: Buffer.from(input as Uint8Array), format: 'der', type: 'spki' });
    }
  } catch (err) {
    throw cryptoError('CRYPTO_KEY_INVALID', 'Could not read the EC public key.', {}, err);
  }
  curveOfKey(key);
  return key;
}

/** A certificate is SEQUENCE { SEQUENCE tbs, … }; an SPKI is SEQUENCE { SEQUENCE algorithm, BIT STRING }. */
function looksLikeCertificate(der: Uint8Array): boolean {
  try {
    const kids = derChildren(parseDer(der));
    return kids.length === 3 && kids[1]?.tag === DER_TAG.SEQUENCE;
  } catch {
    return false;
  }
}

/** Checks an uncompressed point's framing (the curve check happens when Node imports it). */
function checkPointFormat(point: Uint8Array): void {
  if (point.length !== 65 || point[0] !== 0x04) {
    throw cryptoError('CRYPTO_POINT_INVALID', `Expected a 65-byte uncompressed point 04‖X‖Y, got ${point.length} bytes starting ${point[0]?.toString(16) ?? '-'}.`, {
      length: point.length,
    });
  }
}

/** SubjectPublicKeyInfo DER for an uncompressed point (also used when building certificates). */
export function spkiFromPoint(curve: RspCurve, point: Uint8Array): Uint8Array {
  checkPointFormat(point);
  return derSequence(derSequence(derOid(ALGORITHM_OID.ecPublicKey), derOid(curveParams(curve).oid)), derBitString(point));
}

/** A public KeyObject from an uncompressed point; CRYPTO_POINT_INVALID when not on the curve. */
export function publicKeyFromPoint(curve: RspCurve, point: Uint8Array): KeyObject {
  const spki = spkiFromPoint(curve, point);
  try {
    return createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  } catch (err) {
    throw cryptoError('CRYPTO_POINT_INVALID', `The point is not on ${curve}.`, { curve }, err);
  }
}

/** The uncompressed public point 04‖X‖Y of an EC key (private or public). */
export function publicPointOf(key: KeyObject): Uint8Array {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const spki = parseDer(new Uint8Array(pub.export({ format: 'der', type: 'spki' })));
  const bits = expectTag(derChildren(spki)[1], DER_TAG.BIT_STRING, 'subjectPublicKey');
  return bits.value.slice(1);
}

/** The 32-byte private scalar of an EC private key. */
export function privateScalarOf(key: KeyObject): Uint8Array {
  const sec1 = parseDer(new Uint8Array(key.export({ format: 'der', type: 'sec1' })));
  return expectTag(derChildren(sec1)[1], DER_TAG.OCTET_STRING, 'privateKey').value.slice();
}

/** Public point d·G for a raw private scalar, computed by Node's EC implementation. */
export function publicPointFromScalar(curve: RspCurve, d: Uint8Array): Uint8Array {
  const ecdh = createECDH(curve);
  try {
    ecdh.setPrivateKey(Buffer.from(d));
  } catch (err) {
    throw cryptoError('CRYPTO_KEY_INVALID', `Not a valid ${curve} private scalar.`, { curve }, err);
  }
  return new Uint8Array(ecdh.getPublicKey());
}

/** A private KeyObject from a raw 32-byte scalar (via SEC1 DER, which Node accepts for both curves). */
export function privateKeyFromScalar(curve: RspCurve, d: Uint8Array): KeyObject {
  const params = curveParams(curve);
  const point = publicPointFromScalar(curve, d);
  const scalar = new Uint8Array(params.size);
  scalar.set(d.subarray(Math.max(0, d.length - params.size)), Math.max(0, params.size - d.length));
  const sec1 = derSequence(derInteger(1n), derOctetString(scalar), derTlv(0xa0, derOid(params.oid)), derTlv(0xa1, derBitString(point)));
  return createPrivateKey({ key: Buffer.from(sec1), format: 'der', type: 'sec1' });
}

/** SEC1 "EC PRIVATE KEY" PEM, the form the SGP.26 files use. */
export function privateKeyToPem(key: KeyObject): string {
  return key.export({ format: 'pem', type: 'sec1' }).toString();
}
