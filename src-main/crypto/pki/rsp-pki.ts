/**
 * The typed set of RSP certificates and keys a virtual eUICC and a test SM-DP+/SM-DS run with,
 * whether generated (generate.ts) or loaded from an SGP.26-style directory (pki-dir.ts).
 */
import type { KeyObject } from 'node:crypto';
import { bytesEqual } from '../../../shared/hex.js';
import type { RspCurve } from '../curves.js';
import type { RspCertificate } from '../x509.js';
import { findIssuingCi } from '../x509-verify.js';

export interface PkiIdentity {
  readonly cert: RspCertificate;
  readonly key: KeyObject;
}

export interface PkiCi {
  readonly cert: RspCertificate;
  /** Absent for roots whose private key is not published (SGP.26 brainpool CI). */
  readonly key?: KeyObject;
  /** CI PKID = subjectKeyIdentifier (20 bytes). */
  readonly ski: Uint8Array;
  readonly curve: RspCurve;
}

export interface RspPki {
  /** Trusted CI roots; the NIST one first. */
  readonly ci: readonly PkiCi[];
  readonly eum: { readonly cert: RspCertificate; readonly key?: KeyObject };
  readonly euicc: PkiIdentity & { readonly eid: string };
  /** SM-DP+ identities on the NIST curve. */
  readonly dpAuth: PkiIdentity;
  readonly dpPb: PkiIdentity;
  readonly dpTls: PkiIdentity & { readonly host: string };
  /** SM-DP+ identities under the brainpool CI, when present. */
  readonly dpBrainpool?: { readonly auth: PkiIdentity; readonly pb: PkiIdentity };
  readonly ds?: { readonly auth: PkiIdentity; readonly tls: PkiIdentity & { readonly host: string } };
}

/**
 * The SM-DP+ identities to use for an eUICC that lists `ciPkIds` (in its preference order):
 * the first listed CI that issued one of our DPauth certificates (digest §3.2 step 4).
 */
export function selectDpIdentities(pki: RspPki, ciPkIds: readonly Uint8Array[]): { ci: PkiCi; auth: PkiIdentity; pb: PkiIdentity } | undefined {
  const pairs = [{ auth: pki.dpAuth, pb: pki.dpPb }, ...(pki.dpBrainpool ? [pki.dpBrainpool] : [])];
  for (const pkid of ciPkIds) {
    const ci = pki.ci.find((c) => bytesEqual(c.ski, pkid));
    if (ci === undefined) continue;
    const pair = pairs.find((p) => findIssuingCi(p.auth.cert, [ci.cert]) !== undefined);
    if (pair !== undefined) return { ci, ...pair };
  }
  return undefined;
}
