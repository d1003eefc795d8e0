/**
 * The RSP session of the ISD-R (digest §3.2–3.3, 3.7): GetEUICCChallenge starts it,
 * AuthenticateServer and PrepareDownload check the SM-DP+ with real crypto, CancelSession ends it.
 * The session lives in memory only: a reset, a removed card or a killed process simply loses it.
 */
import { isWorkbenchError } from '../../../shared/errors.js';
import { bytesEqual, concatBytes } from '../../../shared/hex.js';
import { encodeTlv, encodeTlvParts } from '../../codec/ber-tlv.js';
import { encode, withRawOf } from '../../codec/schema.js';
import { ES10, EUICCInfo2, EuiccCancelSessionSigned, EuiccSigned2 } from '../../codec/sgp22/index.js';
import type { AuthenticateServerResponseValue, PrepareDownloadResponseValue } from '../../codec/sgp22/index.js';
import { generateEckaKeyPair, parseCertificate, sgp22CodesOf, signPlain, verifyPlain, verifyServerCertificate, wrapSignature } from '../../crypto/index.js';
import type { EckaKeyPair, RspCertificate } from '../../crypto/index.js';
import type { BppLoad } from './bpp-loader.js';
import { euiccInfo2 } from './euicc-info.js';
import type { HandlerRow } from './isdr-context.js';
import { typedRow } from './isdr-context.js';

/** What AuthenticateServer established about the SM-DP+. */
export interface AuthenticatedServer {
  readonly transactionId: Uint8Array;
  readonly serverAddress: string;
  /** SM-DP+ OID of CERT.DPauth (CancelSession reports it; CERT.DPpb must carry the same). */
  readonly dpOid: string;
  /** The CI chosen by euiccCiPKIdToBeUsed. */
  readonly ci: RspCertificate;
  /** The eUICC's own euiccSignature1 (64 bytes): smdpSignature2 covers it. */
  readonly euiccSignature1: Uint8Array;
}

/** What PrepareDownload established: the binding key and the one-time key pair. */
export interface DownloadBinding {
  readonly dpPb: RspCertificate;
  readonly otKey: EckaKeyPair;
}

export class RspSession {
  challenge: Uint8Array | undefined;
  server: AuthenticatedServer | undefined;
  binding: DownloadBinding | undefined;
  /** A Bound Profile Package being loaded. */
  load: BppLoad | undefined;

  start(challenge: Uint8Array): void {
    this.clear();
    this.challenge = challenge;
  }

  /** Ends the session: challenge, keys (otSK) and any partial BPP are dropped. */
  clear(): void {
    this.challenge = undefined;
    this.server = undefined;
    this.binding = undefined;
    this.load = undefined;
  }
}

const getEuiccChallenge = typedRow(ES10.getEuiccChallenge, (_req, ctx) => {
  const challenge = ctx.randomBytes(16);
  ctx.rsp.start(challenge);
  return { euiccChallenge: challenge };
});

type AuthError = Extract<AuthenticateServerResponseValue, { kind: 'authenticateResponseError' }>['value']['authenticateErrorCode'];

const authenticateServer = typedRow(ES10.authenticateServer, (req, ctx): AuthenticateServerResponseValue => {
  const signed1 = req.serverSigned1;
  const transactionId = signed1.value.transactionId;
  const fail = (code: AuthError): AuthenticateServerResponseValue => {
    ctx.rsp.clear();
    return { kind: 'authenticateResponseError', value: { transactionId, authenticateErrorCode: code } };
  };
  const rsp = ctx.rsp;
  if (rsp.challenge === undefined) return { kind: 'authenticateResponseError', value: { transactionId, authenticateErrorCode: 'noSessionContext' } };
  const ci = ctx.identity.trustedCis.find((c) => bytesEqual(c.ski, req.euiccCiPKIdToBeUsed));
  if (ci === undefined) return fail('ciPKUnknown');
  let cert: RspCertificate;
  try {
    cert = parseCertificate(req.serverCertificate);
    verifyServerCertificate(cert, [ci.cert], { expectedRole: ['dp-auth', 'ds-auth'], ciPkId: ci.ski, checkValidity: false });
  } catch (err) {
    // The CI is one we trust (checked above): a certificate it did not issue is simply invalid.
    const code = isWorkbenchError(err, 'CERT_UNKNOWN_CI') ? 'invalidCertificate' : sgp22CodesOf(err)?.authenticateServer;
    return fail(code ?? 'undefinedError');
  }
  if (!verifyPlain(cert.publicKey, signed1.raw, req.serverSignature1)) return fail('invalidSignature');
  if (!bytesEqual(signed1.value.euiccChallenge, rsp.challenge)) return fail('euiccChallengeMismatch');
  if (cert.rspOid === undefined) return fail('invalidOid');

  const info2 = euiccInfo2(ctx.info, ctx.identity, ctx.store.state);
  // ctxParams1 is copied as received: the SM-DP+ checks the signature over exactly these bytes.
  const euiccSigned1 = encodeTlvParts(0x30, [
    encodeTlv(0x80, transactionId),
    encodeTlv(0x83, new TextEncoder().encode(signed1.value.serverAddress)),
    encodeTlv(0x84, signed1.value.serverChallenge),
    encode(EUICCInfo2, info2),
    req.ctxParams1.raw,
  ]);
  const euiccSignature1 = signPlain(ctx.identity.key, euiccSigned1);
  rsp.server = { transactionId, serverAddress: signed1.value.serverAddress, dpOid: cert.rspOid, ci: ci.cert, euiccSignature1 };
  rsp.binding = undefined;
  return {
    kind: 'authenticateResponseOk',
    value: {
      euiccSigned1: {
        raw: euiccSigned1,
        value: { transactionId, serverAddress: signed1.value.serverAddress, serverChallenge: signed1.value.serverChallenge, euiccInfo2: info2, ctxParams1: req.ctxParams1.value },
      },
      euiccSignature1,
      euiccCertificate: ctx.identity.certificate.der,
      eumCertificate: ctx.identity.eumCertificate.der,
    },
  };
});

type DownloadError = Extract<PrepareDownloadResponseValue, { kind: 'downloadResponseError' }>['value']['downloadErrorCode'];

const prepareDownload = typedRow(ES10.prepareDownload, (req, ctx): PrepareDownloadResponseValue => {
  const signed2 = req.smdpSigned2;
  const transactionId = signed2.value.transactionId;
  const error = (code: DownloadError): PrepareDownloadResponseValue => ({ kind: 'downloadResponseError', value: { transactionId, downloadErrorCode: code } });
  const fail = (code: DownloadError): PrepareDownloadResponseValue => {
    ctx.rsp.clear();
    return error(code);
  };
  const server = ctx.rsp.server;
  if (server === undefined) return error('noSessionContext');
  // Another transaction's message must not end this one.
  if (!bytesEqual(transactionId, server.transactionId)) return error('invalidTransactionId');
  let dpPb: RspCertificate;
  try {
    dpPb = parseCertificate(req.smdpCertificate);
    verifyServerCertificate(dpPb, [server.ci], { expectedRole: 'dp-pb', checkValidity: false });
  } catch (err) {
    return fail(sgp22CodesOf(err)?.prepareDownload ?? 'undefinedError');
  }
  if (dpPb.rspOid !== server.dpOid) return fail('invalidCertificate');
  if (!verifyPlain(dpPb.publicKey, concatBytes(signed2.raw, wrapSignature(server.euiccSignature1)), req.smdpSignature2)) return fail('invalidSignature');
  // The eUICC cannot check the confirmation code itself; it passes hashCc on for the SM-DP+ to verify.
  if (signed2.value.ccRequiredFlag && req.hashCc === undefined) return fail('undefinedError');

  const previous = ctx.rsp.binding?.otKey;
  const requested = signed2.value.bppEuiccOtpk;
  const otKey = previous !== undefined && requested !== undefined && bytesEqual(previous.publicPoint, requested) ? previous : generateEckaKeyPair(dpPb.curve);
  ctx.rsp.binding = { dpPb, otKey };

  const euiccSigned2 = withRawOf(EuiccSigned2, { transactionId, euiccOtpk: otKey.publicPoint, ...(req.hashCc === undefined ? {} : { hashCc: req.hashCc }) });
  const euiccSignature2 = signPlain(ctx.identity.key, concatBytes(euiccSigned2.raw, wrapSignature(req.smdpSignature2)));
  return { kind: 'downloadResponseOk', value: { euiccSigned2, euiccSignature2 } };
});

const cancelSession = typedRow(ES10.cancelSession, (req, ctx) => {
  const server = ctx.rsp.server;
  if (server === undefined || !bytesEqual(server.transactionId, req.transactionId)) return { kind: 'cancelSessionResponseError' as const, value: 'invalidTransactionId' as const };
  const signed = withRawOf(EuiccCancelSessionSigned, { transactionId: req.transactionId, smdpOid: server.dpOid, reason: req.reason });
  ctx.rsp.clear();
  return { kind: 'cancelSessionResponseOk' as const, value: { euiccCancelSessionSigned: signed, euiccCancelSessionSignature: signPlain(ctx.identity.key, signed.raw) } };
});

export const RSP_SESSION_HANDLERS: readonly HandlerRow[] = [getEuiccChallenge, authenticateServer, prepareDownload, cancelSession];
