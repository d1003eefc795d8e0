/**
 * Short-Weierstrass point arithmetic with BigInt, Jacobian coordinates, general `a` (brainpool has
 * a ≠ -3). Used only to sign test-PKI certificates deterministically (RFC 6979); it is not
 * constant-time and must never handle production secrets — Node's crypto does all other EC work.
 */
import type { CurveParams } from './curves.js';

export interface AffinePoint {
  readonly x: bigint;
  readonly y: bigint;
}

interface JacobianPoint {
  readonly x: bigint;
  readonly y: bigint;
  readonly z: bigint; // z = 0 ⇒ point at infinity
}

const INFINITY: JacobianPoint = { x: 1n, y: 1n, z: 0n };

export function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

/** Modular inverse by the extended Euclidean algorithm; `m` must be prime and `a` non-zero mod m. */
export function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [mod(a, m), m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  if (oldR !== 1n) throw new RangeError('not invertible');
  return mod(oldS, m);
}

function double(c: CurveParams, pt: JacobianPoint): JacobianPoint {
  const { p } = c;
  if (pt.z === 0n || pt.y === 0n) return INFINITY;
  const yy = mod(pt.y * pt.y, p);
  const s = mod(4n * pt.x * yy, p);
  const zz = mod(pt.z * pt.z, p);
  const m = mod(3n * pt.x * pt.x + c.a * zz * zz, p);
  const x = mod(m * m - 2n * s, p);
  const y = mod(m * (s - x) - 8n * yy * yy, p);
  const z = mod(2n * pt.y * pt.z, p);
  return { x, y, z };
}

function add(c: CurveParams, a: JacobianPoint, b: JacobianPoint): JacobianPoint {
  const { p } = c;
  if (a.z === 0n) return b;
  if (b.z === 0n) return a;
  const az2 = mod(a.z * a.z, p);
  const bz2 = mod(b.z * b.z, p);
  const u1 = mod(a.x * bz2, p);
  const u2 = mod(b.x * az2, p);
  const s1 = mod(a.y * bz2 * b.z, p);
  const s2 = mod(b.y * az2 * a.z, p);
  if (u1 === u2) return s1 === s2 ? double(c, a) : INFINITY;
  const h = mod(u2 - u1, p);
  const r = mod(s2 - s1, p);
  const h2 = mod(h * h, p);
  const h3 = mod(h2 * h, p);
  const x = mod(r * r - h3 - 2n * u1 * h2, p);
  const y = mod(r * (u1 * h2 - x) - s1 * h3, p);
  const z = mod(h * a.z * b.z, p);
  return { x, y, z };
}

function toAffine(c: CurveParams, pt: JacobianPoint): AffinePoint | null {
  if (pt.z === 0n) return null;
  const zi = modInverse(pt.z, c.p);
  const zi2 = mod(zi * zi, c.p);
  return { x: mod(pt.x * zi2, c.p), y: mod(pt.y * zi2 * zi, c.p) };
}

/** k·P (double-and-add); `null` is the point at infinity. P defaults to the generator. */
export function multiply(c: CurveParams, k: bigint, point: AffinePoint = { x: c.gx, y: c.gy }): AffinePoint | null {
  let result = INFINITY;
  let addend: JacobianPoint = { x: point.x, y: point.y, z: 1n };
  for (let e = mod(k, c.n); e > 0n; e >>= 1n) {
    if (e & 1n) result = add(c, result, addend);
    addend = double(c, addend);
  }
  return toAffine(c, result);
}

/** True when (x, y) satisfies y² = x³ + ax + b over the curve's field. */
export function isOnCurve(c: CurveParams, pt: AffinePoint): boolean {
  return mod(pt.y * pt.y - (pt.x * pt.x * pt.x + c.a * pt.x + c.b), c.p) === 0n;
}
