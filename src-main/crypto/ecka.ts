/**
 * One-time ECKA key pairs and the ECDH shared secret Z (digest §5.3). Keys are plain bytes so the
 * virtual eUICC can keep otSK.EUICC.ECKA in its session state and persist it if needed.
 */
import { createECDH } from 'node:crypto';
import { curveParams } from './curves.js';
import type { RspCurve } from './curves.js';
import { cryptoError } from './errors.js';
import { publicKeyFromPoint, publicPointFromScalar } from './keys.js';

export interface EckaKeyPair {
  readonly curve: RspCurve;
  /** Private scalar, 32 bytes big-endian. */
  readonly privateKey: Uint8Array;
  /** Uncompressed public point 04‖X‖Y, 65 bytes (as carried in `5F49 41`). */
  readonly publicPoint: Uint8Array;
}

/** A fresh random one-time key pair on `curve`. */
export function generateEckaKeyPair(curve: RspCurve): EckaKeyPair {
  const ecdh = createECDH(curveParams(curve).name);
  ecdh.generateKeys();
  return { curve, privateKey: new Uint8Array(ecdh.getPrivateKey()), publicPoint: new Uint8Array(ecdh.getPublicKey()) };
}

/** The key pair of a known private scalar (deterministic tests, persisted sessions). */
export function eckaKeyPairFromPrivate(curve: RspCurve, privateKey: Uint8Array): EckaKeyPair {
  const size = curveParams(curve).size;
  const d = new Uint8Array(size);
  d.set(privateKey.subarray(Math.max(0, privateKey.length - size)), Math.max(0, size - privateKey.length));
  return { curve, privateKey: d, publicPoint: publicPointFromScalar(curve, d) };
}

/** Checks that `point` is a valid uncompressed point on `curve`; throws CRYPTO_POINT_INVALID. */
export function validatePoint(curve: RspCurve, point: Uint8Array): void {
  publicKeyFromPoint(curve, point);
}

/** Splits 04‖X‖Y into its coordinates. */
export function pointCoordinates(point: Uint8Array): { x: Uint8Array; y: Uint8Array } {
  if (point.length !== 65 || point[0] !== 0x04) {
    throw cryptoError('CRYPTO_POINT_INVALID', `Expected a 65-byte uncompressed point, got ${point.length} bytes.`, { length: point.length });
  }
  return { x: point.slice(1, 33), y: point.slice(33) };
}

/** Joins coordinates into 04‖X‖Y (each left-padded to 32 bytes). */
export function pointFromCoordinates(x: Uint8Array, y: Uint8Array): Uint8Array {
  if (x.length > 32 || y.length > 32) throw cryptoError('CRYPTO_POINT_INVALID', 'Coordinates longer than 32 bytes.');
  const out = new Uint8Array(65);
  out[0] = 0x04;
  out.set(x, 33 - x.length);
  out.set(y, 65 - y.length);
  return out;
}

/** Shared secret Z = x-coordinate of otSK · peer otPK (32 bytes). The peer point is validated. */
export function ecdhSharedSecret(own: EckaKeyPair, peerPoint: Uint8Array): Uint8Array {
  validatePoint(own.curve, peerPoint);
  const ecdh = createECDH(own.curve);
  ecdh.setPrivateKey(Buffer.from(own.privateKey));
  try {
    return new Uint8Array(ecdh.computeSecret(Buffer.from(peerPoint)));
  } catch (err) {
    throw cryptoError('CRYPTO_POINT_INVALID', `The peer public key is not a valid ${own.curve} point.`, { curve: own.curve }, err);
  }
}
