/**
 * Error codes of the crypto/PKI layer as data: one row per code with the hint a technician sees and
 * the SGP.22 codes the virtual eUICC and the test SM-DP+ answer with (digest §2.3 and §4.2).
 * `es9Reason` is the ES9+ reason code; the subject code depends on which certificate failed and is
 * put into the error details by the chain verifier (`details.es9SubjectCode`).
 */
import { WorkbenchError } from '../../shared/errors.js';

export interface Sgp22ErrorMapping {
  /** AuthenticateErrorCode of ES10b.AuthenticateServer. */
  readonly authenticateServer?: number;
  /** DownloadErrorCode of ES10b.PrepareDownload. */
  readonly prepareDownload?: number;
  /** ES9+ reason code (6.1 verification failed, 6.3 expired, 3.9 unknown, …). */
  readonly es9Reason?: string;
  /** ProfileInstallationResult errorReason (BF37). */
  readonly installErrorReason?: number;
}

interface CryptoErrorRow {
  readonly hint: string;
  readonly sgp22: Sgp22ErrorMapping;
}

export const CRYPTO_ERRORS = {
  CERT_MALFORMED: {
    hint: 'The certificate could not be parsed as X.509 DER; check it was transferred completely (PEM or DER).',
    sgp22: { authenticateServer: 1, prepareDownload: 1, es9Reason: '6.1' },
  },
  CERT_SIGNATURE_INVALID: {
    hint: 'The certificate was not signed by the key of the given issuer, or it was altered.',
    sgp22: { authenticateServer: 1, prepareDownload: 1, es9Reason: '6.1' },
  },
  CERT_SIGNATURE_ALGORITHM_UNSUPPORTED: {
    hint: 'RSP certificates are signed with ecdsa-with-SHA256.',
    sgp22: { authenticateServer: 1, prepareDownload: 1, es9Reason: '6.1' },
  },
  CERT_UNSUPPORTED_CURVE: {
    hint: 'RSP keys are on NIST P-256 or brainpoolP256r1.',
    sgp22: { authenticateServer: 3, prepareDownload: 3, es9Reason: '6.1' },
  },
  CERT_EXPIRED: {
    hint: 'The certificate is past its notAfter date; reissue it or check the system clock.',
    sgp22: { authenticateServer: 1, prepareDownload: 1, es9Reason: '6.3' },
  },
  CERT_NOT_YET_VALID: {
    hint: 'The certificate is before its notBefore date; check the system clock.',
    sgp22: { authenticateServer: 1, prepareDownload: 1, es9Reason: '6.1' },
  },
  CERT_WRONG_ROLE: {
    hint: 'The certificatePolicies role OID (2.23.146.1.2.1.x) does not fit where the certificate is used, e.g. a DPpb certificate sent as serverCertificate.',
    sgp22: { authenticateServer: 5, prepareDownload: 1, es9Reason: '6.1' },
  },
  CERT_WRONG_ISSUER: {
    hint: 'The issuer name or authorityKeyIdentifier does not match the issuing certificate that was given.',
    sgp22: { authenticateServer: 1, prepareDownload: 1, es9Reason: '6.1' },
  },
  CERT_ISSUER_NOT_CA: {
    hint: 'The issuing certificate is not a CA (basicConstraints CA:TRUE and keyUsage keyCertSign are needed).',
    sgp22: { authenticateServer: 1, prepareDownload: 1, es9Reason: '6.1' },
  },
  CERT_UNKNOWN_CI: {
    hint: 'No trusted CI certificate issued this chain; add the CI root (its SKI is the CI PKID) to the trusted list.',
    sgp22: { authenticateServer: 7, prepareDownload: 1, es9Reason: '3.9' },
  },
  CERT_EID_MISSING: {
    hint: 'An eUICC certificate carries the EID in its subject serialNumber attribute.',
    sgp22: { es9Reason: '6.1' },
  },
  CERT_EID_OUTSIDE_EUM_RANGE: {
    hint: 'The EID (eUICC subject serialNumber) does not start with a prefix the EUM certificate permits (nameConstraints).',
    sgp22: { es9Reason: '6.1' },
  },
  CERT_NAME_CONSTRAINTS_VIOLATED: {
    hint: 'The eUICC subject (e.g. organisation) is outside the permitted subtrees of the EUM certificate.',
    sgp22: { es9Reason: '6.1' },
  },
  CERT_UNHANDLED_CRITICAL_EXTENSION: {
    hint: 'The certificate has a critical extension this verifier does not know, so it must be rejected (RFC 5280 §4.2).',
    sgp22: { authenticateServer: 1, prepareDownload: 1, es9Reason: '6.1' },
  },
  SCP03T_MAC_INVALID: {
    hint: 'A protected segment failed its MAC check: wrong session keys, wrong order of segments or altered data.',
    sgp22: { installErrorReason: 8 },
  },
  SCP03T_STRUCTURE_ERROR: {
    hint: 'A protected segment has a bad tag, length or padding.',
    sgp22: { installErrorReason: 7 },
  },
  SCP03T_SEGMENT_TOO_LARGE: {
    hint: 'SCP03t segments are at most 1020 bytes (1007 plaintext bytes when encrypted); split the data first.',
    sgp22: {},
  },
  CRYPTO_DER_INVALID: {
    hint: 'The data is not valid DER; check that the whole structure was received and not re-encoded.',
    sgp22: {},
  },
  CRYPTO_CURVE_UNSUPPORTED: {
    hint: 'SGP.22 v2 uses NIST P-256 (prime256v1) or brainpoolP256r1 only.',
    sgp22: { authenticateServer: 3, prepareDownload: 3 },
  },
  CRYPTO_KEY_INVALID: {
    hint: 'Provide an EC private key as PEM/DER (SEC1 "EC PRIVATE KEY" or PKCS#8) or a public key as SPKI/certificate.',
    sgp22: {},
  },
  CRYPTO_POINT_INVALID: {
    hint: 'EC public keys travel as 65-byte uncompressed points 04‖X‖Y on the agreed curve.',
    sgp22: { installErrorReason: 1 },
  },
  CRYPTO_SIGNATURE_FORMAT: {
    hint: 'RSP signatures are 5F37 40 followed by 64 bytes r‖s.',
    sgp22: { authenticateServer: 2, prepareDownload: 2, es9Reason: '6.1', installErrorReason: 2 },
  },
  PKI_OPTIONS_INVALID: {
    hint: 'generateTestPki needs a non-empty seed and a 32-digit EID.',
    sgp22: {},
  },
  PKI_DIR_INCOMPLETE: {
    hint: 'A PKI directory needs CertificateIssuer/, EUM/, eUICC/, DPauth/, DPpb/ and DPtls/ with the SGP.26 file names.',
    sgp22: {},
  },
} as const satisfies Record<string, CryptoErrorRow>;

export type CryptoErrorCode = keyof typeof CRYPTO_ERRORS;

/** A WorkbenchError for `code` with the table's hint and SGP.22 mapping in `details.sgp22`. */
export function cryptoError(code: CryptoErrorCode, message: string, details: Record<string, unknown> = {}, cause?: unknown): WorkbenchError {
  const row: CryptoErrorRow = CRYPTO_ERRORS[code];
  return new WorkbenchError(code, message, row.hint, { details: { ...details, sgp22: row.sgp22 }, cause });
}

/** The SGP.22 codes for an error raised by this layer, or undefined for foreign errors. */
export function sgp22CodesOf(err: unknown): Sgp22ErrorMapping | undefined {
  if (!(err instanceof WorkbenchError) || !(err.code in CRYPTO_ERRORS)) return undefined;
  return CRYPTO_ERRORS[err.code as CryptoErrorCode].sgp22;
}
