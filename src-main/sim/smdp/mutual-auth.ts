/**
 * The mutual authentication both test servers run (SGP22-DIGEST §3.2 steps 3–10, §7): the server half
 * of initiateAuthentication and the checks of an AuthenticateServerResponse (BF38) in
 * authenticateClient. The SM-DP+ (binding.ts) and the SM-DS (smds.ts) add their own steps after it.
 */
import { randomBytes } from 'node:crypto';
import { isWorkbenchError } from '../../../shared/errors.js';
import { bytesEqual } from '../../../shared/hex.js';
import { decode, encode } from '../../codec/schema.js';
import { AuthenticateServerResponse, EUICCInfo1, ServerSigned1 } from '../../codec/sgp22/index.js';
import type { EuiccSigned1Value } from '../../codec/sgp22/index.js';
import { parseCertificate, sgp22CodesOf, signToTlv, verifyEuiccChain, verifyTlv, wrapSignature } from '../../crypto/index.js';
import type { PkiCi, PkiIdentity, RspCertificate, RspPki } from '../../crypto/index.js';
import type { InitiateAuthenticationResponse } from './json.js';
import { base64Field, toBase64, transactionIdToJson } from './json.js';
import { Es9Failure, es9Failure, SUCCESS_HEADER } from './status.js';
import type { Es9StatusName } from './status.js';

/** State the server keeps between initiateAuthentication and authenticateClient. */
export interface AuthSession {
  transactionId: Uint8Array;
  /** Upper-case hex, the JSON form and the session key. */
  tid: string;
  /** serverAddress as signed in serverSigned1 (the address the LPA used). */
  serverAddress: string;
  euiccChallenge: Uint8Array;
  serverChallenge: Uint8Array;
  ci: PkiCi;
  auth: PkiIdentity;
}

/** What a verified AuthenticateServerResponse yields. */
export interface AuthenticatedEuicc {
  euiccSigned1: EuiccSigned1Value;
  /** `5F37 40 …` as the eUICC sent it: smdpSignature2 covers it. */
  euiccSignature1: Uint8Array;
  euiccCertificate: RspCertificate;
  eumCertificate: RspCertificate;
  eid: string;
  matchingId?: string;
}

export interface ServerAddressRule {
  /** FQDN the server answers for (the TLS certificate's name). */
  host: string;
  /** Listening port: an address written `host:port` must name it. */
  port: number;
  /** Status for a wrong address (SM-DP+ 8.8.1, SM-DS 8.9.1). */
  wrongAddress: Es9StatusName;
}

/** Case-insensitive FQDN check; `host:port` is accepted when the port is ours (loopback test set-ups). */
export function addressMatches(address: string, rule: ServerAddressRule): boolean {
  const [host, port, ...rest] = address.trim().toLowerCase().replace(/\.$/, '').split(':');
  return rest.length === 0 && host === rule.host.toLowerCase() && (port === undefined || port === String(rule.port));
}

/** The CI + auth identity for the first CI PKID (eUICC order) that issued one of `identities`. */
export type IdentitySelector = (ciPkIds: readonly Uint8Array[]) => { ci: PkiCi; auth: PkiIdentity } | undefined;

/** Server side of initiateAuthentication: checks, fresh transactionId/serverChallenge, serverSigned1. */
export function startAuthentication(
  body: Record<string, unknown>,
  rule: ServerAddressRule,
  pki: RspPki,
  select: IdentitySelector,
): { session: AuthSession; response: InitiateAuthenticationResponse } {
  const euiccChallenge = base64Field(body, 'euiccChallenge');
  if (euiccChallenge.length !== 16) throw es9Failure('invalidRequest', `euiccChallenge has ${euiccChallenge.length} bytes, expected 16`);
  const info1Bytes = base64Field(body, 'euiccInfo1');
  const addressField = typeof body.smdpAddress === 'string' ? 'smdpAddress' : 'smdsAddress';
  const address = body[addressField];
  if (typeof address !== 'string' || address === '') throw es9Failure('missingElement', 'smdpAddress');
  let info1;
  try {
    info1 = decode(EUICCInfo1, info1Bytes);
  } catch (err) {
    throw es9Failure('invalidRequest', 'euiccInfo1 is not a valid EUICCInfo1 (BF20)', err);
  }
  if (!addressMatches(address, rule)) throw es9Failure(rule.wrongAddress, `'${address}' is not ${rule.host}`);
  if (!info1.svn.startsWith('2.')) throw es9Failure('svnUnsupported', `SVN ${info1.svn}`);
  const chosen = select(info1.euiccCiPKIdListForVerification);
  if (chosen === undefined) throw es9Failure('ciPkIdUnsupported');
  if (!info1.euiccCiPKIdListForSigning.some((id) => pki.ci.some((ci) => bytesEqual(ci.ski, id)))) {
    throw es9Failure('ciPkIdUnsupported', 'no CI of euiccCiPKIdListForSigning is trusted for the eUICC chain');
  }

  const transactionId = new Uint8Array(randomBytes(16));
  const serverChallenge = new Uint8Array(randomBytes(16));
  const serverSigned1 = encode(ServerSigned1, { transactionId, euiccChallenge, serverAddress: address, serverChallenge });
  const session: AuthSession = {
    transactionId,
    tid: transactionIdToJson(transactionId),
    serverAddress: address,
    euiccChallenge,
    serverChallenge,
    ...chosen,
  };
  return {
    session,
    response: {
      header: SUCCESS_HEADER,
      transactionId: session.tid,
      serverSigned1: toBase64(serverSigned1),
      serverSignature1: toBase64(signToTlv(chosen.auth.key, serverSigned1)),
      euiccCiPKIdToBeUsed: toBase64(Uint8Array.of(0x04, chosen.ci.ski.length, ...chosen.ci.ski)),
      serverCertificate: toBase64(chosen.auth.cert.der),
    },
  };
}

/** A chain error of the crypto layer → the ES9+ status it maps to (subject from the failing position). */
function chainFailure(err: unknown): never {
  if (isWorkbenchError(err)) {
    if (err.code === 'CERT_UNKNOWN_CI') throw es9Failure('unknownCi', err.message, err);
    const subjectCode = err.details.es9SubjectCode;
    const reasonCode = sgp22CodesOf(err)?.es9Reason;
    if (typeof subjectCode === 'string' && reasonCode !== undefined) throw new Es9Failure({ subjectCode, reasonCode, message: err.message }, undefined, err);
  }
  throw err;
}

function certificate(der: Uint8Array, failure: Es9StatusName): RspCertificate {
  try {
    return parseCertificate(der);
  } catch (err) {
    throw es9Failure(failure, 'not a parsable X.509 certificate', err);
  }
}

/** authenticateClient checks (§3.4): transactionId, chain CI→EUM→eUICC, EID range, euiccSignature1, serverChallenge. */
export function verifyAuthenticateServerResponse(session: AuthSession, bytes: Uint8Array, trustedCis: readonly RspCertificate[]): AuthenticatedEuicc {
  let response;
  try {
    response = decode(AuthenticateServerResponse, bytes);
  } catch (err) {
    throw es9Failure('invalidRequest', 'authenticateServerResponse is not a valid BF38', err);
  }
  if (response.kind === 'authenticateResponseError') {
    throw es9Failure('euiccReportedError', `authenticateErrorCode ${String(response.value.authenticateErrorCode)}`);
  }
  const ok = response.value;
  const signed = ok.euiccSigned1.value;
  if (!bytesEqual(signed.transactionId, session.transactionId)) throw es9Failure('unknownTransactionId', 'euiccSigned1 carries another transactionId');
  const euiccCertificate = certificate(ok.euiccCertificate, 'euiccCertificateInvalid');
  const eumCertificate = certificate(ok.eumCertificate, 'eumCertificateInvalid');
  let eid: string;
  try {
    ({ eid } = verifyEuiccChain(euiccCertificate, eumCertificate, trustedCis));
  } catch (err) {
    return chainFailure(err);
  }
  if (ok.euiccSignature1.length !== 64) throw es9Failure('euiccSignatureInvalid', `euiccSignature1 has ${ok.euiccSignature1.length} bytes, expected 64`);
  const euiccSignature1 = wrapSignature(ok.euiccSignature1);
  if (!verifyTlv(euiccCertificate.publicKey, ok.euiccSigned1.raw, euiccSignature1)) throw es9Failure('euiccSignatureInvalid', 'euiccSignature1 does not verify');
  if (!bytesEqual(signed.serverChallenge, session.serverChallenge)) throw es9Failure('euiccSignatureInvalid', 'serverChallenge mismatch');
  const matchingId = signed.ctxParams1.value.matchingId;
  return { euiccSigned1: signed, euiccSignature1, euiccCertificate, eumCertificate, eid, ...(matchingId !== undefined ? { matchingId } : {}) };
}
