/**
 * The two RSP curves as data (SGP.22 v2: NIST P-256 and brainpoolP256r1, both with SHA-256).
 * Domain parameters: FIPS 186-4 D.1.2.3 and RFC 5639 §3.4. Names are OpenSSL's, which Node uses.
 */
import { cryptoError } from './errors.js';

export type RspCurve = 'prime256v1' | 'brainpoolP256r1';

export interface CurveParams {
  readonly name: RspCurve;
  /** Name used in the SGP.26 file names (`_NIST` / `_BRP`). */
  readonly fileTag: 'NIST' | 'BRP';
  readonly oid: string;
  readonly p: bigint;
  readonly a: bigint;
  readonly b: bigint;
  readonly gx: bigint;
  readonly gy: bigint;
  /** Group order. */
  readonly n: bigint;
  /** Coordinate / scalar size in bytes. */
  readonly size: number;
}

export const CURVES: Readonly<Record<RspCurve, CurveParams>> = {
  prime256v1: {
    name: 'prime256v1',
    fileTag: 'NIST',
    oid: '1.2.840.10045.3.1.7',
    p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
    a: 0xffffffff00000001000000000000000000000000fffffffffffffffffffffffcn,
    b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
    gx: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
    gy: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
    n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
    size: 32,
  },
  brainpoolP256r1: {
    name: 'brainpoolP256r1',
    fileTag: 'BRP',
    oid: '1.3.36.3.3.2.8.1.1.7',
    p: 0xa9fb57dba1eea9bc3e660a909d838d726e3bf623d52620282013481d1f6e5377n,
    a: 0x7d5a0975fc2c3057eef67530417affe7fb8055c126dc5c6ce94a4b44f330b5d9n,
    b: 0x26dc5c6ce94a4b44f330b5d9bbd77cbf958416295cf7e1ce6bccdc18ff8c07b6n,
    gx: 0x8bd2aeb9cb7e57cb2c4b482ffc81b7afb9de27e1e3bd23c23a4453bd9ace3262n,
    gy: 0x547ef835c3dac4fd97f8461a14611dc9c27745132ded8e545c1d54c72f046997n,
    n: 0xa9fb57dba1eea9bc3e660a909d838d718c397aa3b561a6f7901e0e82974856a7n,
    size: 32,
  },
};

/** Object identifiers the crypto layer needs besides the curves. */
export const ALGORITHM_OID = {
  ecPublicKey: '1.2.840.10045.2.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
} as const;

/** The curve with the given OpenSSL name or OID; CRYPTO_CURVE_UNSUPPORTED otherwise. */
export function curveParams(nameOrOid: string | undefined): CurveParams {
  const found = Object.values(CURVES).find((c) => c.name === nameOrOid || c.oid === nameOrOid);
  if (found === undefined) {
    throw cryptoError('CRYPTO_CURVE_UNSUPPORTED', `Curve ${nameOrOid ?? '(none)'} is not an RSP curve.`, { curve: nameOrOid });
  }
  return found;
}
