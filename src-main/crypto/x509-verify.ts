/**
 * Certificate and chain verification with SGP.22 semantics (digest §3.3, §3.4, §5.1):
 * CI → EUM → eUICC with the EUM's nameConstraints serialNumber read as an EID *prefix* (RFC 5280
 * exact matching, as `openssl verify` does, rejects valid eUICC certificates), and CI → DPauth /
 * DPpb / DP.TLS / DSauth / DS.TLS without intermediates (v2).
 */
import { verify } from 'node:crypto';
import { bytesEqual, toHex } from '../../shared/hex.js';
import { ALGORITHM_OID } from './curves.js';
import { isWorkbenchError } from '../../shared/errors.js';
import { CRYPTO_ERRORS, cryptoError } from './errors.js';
import type { CryptoErrorCode } from './errors.js';
import { attributeValuesEqual, CERT_ROLE_OIDS, KNOWN_EXTENSION_OIDS, NAME_ATTRIBUTE_OIDS, namesEqual } from './x509.js';
import type { CertRole, DistinguishedName, RspCertificate } from './x509.js';

export interface VerifyOptions {
  /** Point in time for the validity check; defaults to the current time. */
  readonly now?: Date;
  /** Set false where there is no trusted clock (an eUICC does not check validity). Default true. */
  readonly checkValidity?: boolean;
}

export interface VerifyCertificateOptions extends VerifyOptions {
  /** The certificate must carry (one of) these role policies. */
  readonly expectedRole?: CertRole | readonly CertRole[];
}

/** ES9+ subject codes per certificate position (digest §4.2). */
const ES9_SUBJECT = { eum: '8.1.2', euicc: '8.1.3', ci: '8.11.1' } as const;

function fail(code: CryptoErrorCode, cert: RspCertificate, message: string, extra: Record<string, unknown> = {}): never {
  throw cryptoError(code, `${message} (certificate "${cert.subject.text}")`, {
    subject: cert.subject.text,
    issuer: cert.issuer.text,
    serialNumber: cert.serialNumber,
    ...extra,
  });
}

/** True when `issuer` is the certificate named as issuer of `cert` (name, and AKI = SKI when both exist). */
export function isIssuedBy(cert: RspCertificate, issuer: RspCertificate): boolean {
  if (!namesEqual(cert.issuer, issuer.subject)) return false;
  if (cert.authorityKeyId !== undefined && issuer.subjectKeyId !== undefined) return bytesEqual(cert.authorityKeyId, issuer.subjectKeyId);
  return true;
}

/** Checks one link: `cert` signed by `issuer`, validity, CA flags, critical extensions, role. */
export function verifyCertificate(cert: RspCertificate, issuer: RspCertificate, options: VerifyCertificateOptions = {}): void {
  if (!isIssuedBy(cert, issuer)) {
    fail('CERT_WRONG_ISSUER', cert, `Issued by "${cert.issuer.text}", not by "${issuer.subject.text}"`, {
      expectedIssuer: issuer.subject.text,
      authorityKeyId: cert.authorityKeyId && toHex(cert.authorityKeyId).toUpperCase(),
      issuerKeyId: issuer.subjectKeyId && toHex(issuer.subjectKeyId).toUpperCase(),
    });
  }
  const issuerIsSelf = issuer === cert || bytesEqual(issuer.der, cert.der);
  if (issuer.basicConstraints?.ca !== true || (issuer.keyUsage !== undefined && !issuer.keyUsage.includes('keyCertSign'))) {
    fail('CERT_ISSUER_NOT_CA', cert, `Issuer "${issuer.subject.text}" is not a CA`);
  }
  // pathLength 0 on the issuer forbids further CAs below it (EUM: only end-entity eUICC certificates).
  if (!issuerIsSelf && issuer.basicConstraints.pathLength === 0 && cert.basicConstraints?.ca === true) {
    fail('CERT_ISSUER_NOT_CA', cert, `Issuer "${issuer.subject.text}" has pathLength 0 and cannot issue a CA certificate`);
  }
  if (cert.signatureAlgorithm !== ALGORITHM_OID.ecdsaWithSha256) {
    fail('CERT_SIGNATURE_ALGORITHM_UNSUPPORTED', cert, `Signature algorithm ${cert.signatureAlgorithm} is not ecdsa-with-SHA256`);
  }
  let valid = false;
  try {
    valid = verify('sha256', cert.tbs, { key: issuer.publicKey, dsaEncoding: 'der' }, cert.signature);
  } catch {
    valid = false;
  }
  if (!valid) fail('CERT_SIGNATURE_INVALID', cert, `Signature does not verify with the key of "${issuer.subject.text}"`);

  const unknownCritical = cert.extensions.filter((e) => e.critical && !KNOWN_EXTENSION_OIDS.has(e.oid));
  if (unknownCritical.length > 0) {
    fail('CERT_UNHANDLED_CRITICAL_EXTENSION', cert, `Unknown critical extension ${unknownCritical.map((e) => e.oid).join(', ')}`);
  }
  if (options.checkValidity !== false) checkValidity(cert, options.now ?? new Date());
  if (options.expectedRole !== undefined) checkRole(cert, options.expectedRole);
}

export function checkValidity(cert: RspCertificate, now: Date): void {
  const window = { notBefore: cert.notBefore.toISOString(), notAfter: cert.notAfter.toISOString(), now: now.toISOString() };
  if (now.getTime() > cert.notAfter.getTime()) fail('CERT_EXPIRED', cert, `Expired on ${window.notAfter}`, window);
  if (now.getTime() < cert.notBefore.getTime()) fail('CERT_NOT_YET_VALID', cert, `Not valid before ${window.notBefore}`, window);
}

export function checkRole(cert: RspCertificate, expected: CertRole | readonly CertRole[]): void {
  const wanted: readonly CertRole[] = typeof expected === 'string' ? [expected] : expected;
  if (!wanted.some((role) => cert.roles.includes(role))) {
    fail('CERT_WRONG_ROLE', cert, `Role ${cert.roles.join('/') || 'none'} where ${wanted.join(' or ')} is required`, {
      roles: cert.roles,
      expectedRoles: wanted,
      expectedPolicyOids: wanted.map((r) => CERT_ROLE_OIDS[r]),
    });
  }
}

/**
 * The trusted CI that issued `cert`, matched by AKI = CI SKI (CI PKID) and issuer name.
 * With `ciPkId` only that CI is considered (eUICC: euiccCiPKIdToBeUsed).
 */
export function findIssuingCi(cert: RspCertificate, ciCerts: readonly RspCertificate[], ciPkId?: Uint8Array): RspCertificate | undefined {
  return ciCerts.find((ci) => (ciPkId === undefined || (ci.subjectKeyId !== undefined && bytesEqual(ci.subjectKeyId, ciPkId))) && isIssuedBy(cert, ci));
}

function unknownCi(cert: RspCertificate, ciCerts: readonly RspCertificate[], es9SubjectCode?: string): never {
  fail('CERT_UNKNOWN_CI', cert, `No trusted CI issued it (AKI ${cert.authorityKeyId ? toHex(cert.authorityKeyId).toUpperCase() : 'absent'})`, {
    authorityKeyId: cert.authorityKeyId && toHex(cert.authorityKeyId).toUpperCase(),
    trustedCiPkIds: ciCerts.map((c) => (c.subjectKeyId ? toHex(c.subjectKeyId).toUpperCase() : '')),
    ...(es9SubjectCode !== undefined ? { es9SubjectCode } : {}),
  });
}

export interface ServerChainOptions extends VerifyOptions {
  readonly expectedRole: CertRole | readonly CertRole[];
  /** Restrict to the CI with this SKI (CI PKID). */
  readonly ciPkId?: Uint8Array;
}

/** CI → DPauth / DPpb / DP.TLS / DSauth / DS.TLS (v2: no intermediate CAs). Returns the CI used. */
export function verifyServerCertificate(cert: RspCertificate, ciCerts: readonly RspCertificate[], options: ServerChainOptions): { ci: RspCertificate } {
  const ci = findIssuingCi(cert, ciCerts, options.ciPkId);
  if (ci === undefined) return unknownCi(cert, ciCerts);
  verifyCertificate(cert, ci, options);
  return { ci };
}

/** Re-throws a chain error with the ES9+ subject code of the certificate position that failed. */
function withEs9Subject<T>(subjectCode: string, position: string, run: () => T): T {
  try {
    return run();
  } catch (err) {
    if (isWorkbenchError(err) && err.code in CRYPTO_ERRORS) {
      throw cryptoError(err.code as CryptoErrorCode, err.message, { ...err.details, certificate: position, es9SubjectCode: subjectCode }, err.cause);
    }
    throw err;
  }
}

/**
 * The SGP.22 reading of an EUM's nameConstraints: a subtree permits the eUICC subject when every
 * non-serialNumber attribute matches and the eUICC serialNumber (EID) starts with the subtree's
 * serialNumber. No subtrees ⇒ no restriction.
 */
export function checkEidPermitted(euicc: RspCertificate, eum: RspCertificate): void {
  const subtrees = eum.permittedSubtrees;
  if (subtrees.length === 0) return;
  const eid = euicc.eid ?? '';
  const otherAttributesMatch = (subtree: DistinguishedName): boolean =>
    subtree.attributes
      .filter((a) => a.oid !== NAME_ATTRIBUTE_OIDS.serialNumber)
      .every((a) => euicc.subject.attributes.some((b) => b.oid === a.oid && attributeValuesEqual(a.value, b.value)));
  const prefixMatches = (subtree: DistinguishedName): boolean =>
    subtree.attributes.filter((a) => a.oid === NAME_ATTRIBUTE_OIDS.serialNumber).every((a) => eid.startsWith(a.value.trim()));
  if (subtrees.some((t) => otherAttributesMatch(t) && prefixMatches(t))) return;
  const prefixes = subtrees.flatMap((t) => t.attributes.filter((a) => a.oid === NAME_ATTRIBUTE_OIDS.serialNumber).map((a) => a.value));
  const details = { eid, permittedEidPrefixes: prefixes, permittedSubtrees: subtrees.map((t) => t.text) };
  if (subtrees.some(otherAttributesMatch)) fail('CERT_EID_OUTSIDE_EUM_RANGE', euicc, `EID ${eid} does not start with a permitted prefix (${prefixes.join(', ')})`, details);
  fail('CERT_NAME_CONSTRAINTS_VIOLATED', euicc, `Subject is outside the EUM's permitted subtrees (${details.permittedSubtrees.join(' | ')})`, details);
}

/**
 * CI → EUM → eUICC as the SM-DP+ checks it in authenticateClient. Errors carry
 * `details.certificate` ('eum' | 'euicc') and `details.es9SubjectCode` (8.1.2 / 8.1.3 / 8.11.1).
 */
export function verifyEuiccChain(
  euiccCert: RspCertificate,
  eumCert: RspCertificate,
  ciCerts: readonly RspCertificate[],
  options: VerifyOptions = {},
): { ci: RspCertificate; eid: string } {
  const ci = findIssuingCi(eumCert, ciCerts);
  if (ci === undefined) return unknownCi(eumCert, ciCerts, ES9_SUBJECT.ci);
  withEs9Subject(ES9_SUBJECT.eum, 'eum', () => verifyCertificate(eumCert, ci, { ...options, expectedRole: 'eum' }));
  return withEs9Subject(ES9_SUBJECT.euicc, 'euicc', () => {
    verifyCertificate(euiccCert, eumCert, { ...options, expectedRole: 'euicc' });
    if (euiccCert.eid === undefined || !/^\d{32}$/.test(euiccCert.eid)) {
      fail('CERT_EID_MISSING', euiccCert, `No 32-digit EID in the subject serialNumber (found ${euiccCert.eid ?? 'none'})`);
    }
    checkEidPermitted(euiccCert, eumCert);
    return { ci, eid: euiccCert.eid };
  });
}
