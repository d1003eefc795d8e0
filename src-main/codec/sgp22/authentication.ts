/**
 * Mutual authentication and download preparation (§5.7.5, 5.7.13, 5.7.14; ES9+ payloads; ES11 result).
 * Every signed part is `withRaw`: its exact received bytes are kept for signature checks (DIGEST §5.2)
 * and re-emitted unchanged when a message is forwarded.
 */
import { boolean, choice, enumerated, explicit, field, oid, optional, sequence, sequenceOf, utf8String, withRaw } from '../schema.js';
import type { Infer } from '../schema.js';
import { Certificate, Octet16, Octet32, OneTimePublicKey, Signature, SubjectKeyIdentifier, TransactionId } from './common.js';
import { CtxParams1, EUICCInfo2 } from './euicc-info.js';
import { AuthenticateClientEs11Error, AuthenticateErrorCode, CancelSessionError, CancelSessionReason, DownloadErrorCode } from './results.js';

export const ServerSigned1 = sequence({
  transactionId: field(0x80, TransactionId),
  euiccChallenge: field(0x81, Octet16),
  serverAddress: field(0x83, utf8String()),
  serverChallenge: field(0x84, Octet16),
}).named('ServerSigned1');

export const AuthenticateServerRequest = sequence({
  serverSigned1: field(withRaw(ServerSigned1)),
  serverSignature1: field(Signature),
  euiccCiPKIdToBeUsed: field(SubjectKeyIdentifier),
  serverCertificate: field(Certificate),
  /** Raw kept: the eUICC copies these bytes verbatim into euiccSigned1. */
  ctxParams1: field(withRaw(CtxParams1)),
})
  .withTag(0xbf38)
  .named('AuthenticateServerRequest');

export const EuiccSigned1 = sequence({
  transactionId: field(0x80, TransactionId),
  serverAddress: field(0x83, utf8String()),
  serverChallenge: field(0x84, Octet16),
  euiccInfo2: field(EUICCInfo2), // BF22
  ctxParams1: field(CtxParams1), // A0
}).named('EuiccSigned1');

export const AuthenticateResponseOk = sequence({
  euiccSigned1: field(withRaw(EuiccSigned1)),
  euiccSignature1: field(Signature),
  euiccCertificate: field(Certificate),
  eumCertificate: field(Certificate),
}).named('AuthenticateResponseOk');

export const AuthenticateResponseError = sequence({
  transactionId: field(0x80, TransactionId),
  authenticateErrorCode: field(enumerated(AuthenticateErrorCode.codes)), // universal 02
}).named('AuthenticateResponseError');

export const AuthenticateServerResponse = explicit(
  0xbf38,
  choice({
    authenticateResponseOk: AuthenticateResponseOk.withTag(0xa0),
    authenticateResponseError: AuthenticateResponseError.withTag(0xa1),
  }),
).named('AuthenticateServerResponse');

export const SmdpSigned2 = sequence({
  transactionId: field(0x80, TransactionId),
  ccRequiredFlag: field(boolean()), // universal 01
  bppEuiccOtpk: optional(OneTimePublicKey),
}).named('SmdpSigned2');

export const PrepareDownloadRequest = sequence({
  smdpSigned2: field(withRaw(SmdpSigned2)),
  smdpSignature2: field(Signature),
  hashCc: optional(Octet32), // universal 04
  smdpCertificate: field(Certificate),
})
  .withTag(0xbf21)
  .named('PrepareDownloadRequest');

export const EuiccSigned2 = sequence({
  transactionId: field(0x80, TransactionId),
  euiccOtpk: field(OneTimePublicKey),
  hashCc: optional(Octet32),
}).named('EUICCSigned2');

export const PrepareDownloadResponseOk = sequence({
  euiccSigned2: field(withRaw(EuiccSigned2)),
  euiccSignature2: field(Signature),
}).named('PrepareDownloadResponseOk');

export const PrepareDownloadResponseError = sequence({
  transactionId: field(0x80, TransactionId),
  downloadErrorCode: field(enumerated(DownloadErrorCode.codes)), // universal 02
}).named('PrepareDownloadResponseError');

export const PrepareDownloadResponse = explicit(
  0xbf21,
  choice({
    downloadResponseOk: PrepareDownloadResponseOk.withTag(0xa0),
    downloadResponseError: PrepareDownloadResponseError.withTag(0xa1),
  }),
).named('PrepareDownloadResponse');

const CancelSessionReasonSchema = enumerated(CancelSessionReason.codes).named('CancelSessionReason');

export const CancelSessionRequest = sequence({
  transactionId: field(0x80, TransactionId),
  reason: field(0x81, CancelSessionReasonSchema),
})
  .withTag(0xbf41)
  .named('CancelSessionRequest');

export const EuiccCancelSessionSigned = sequence({
  transactionId: field(0x80, TransactionId),
  smdpOid: field(0x81, oid()),
  reason: field(0x82, CancelSessionReasonSchema),
}).named('EuiccCancelSessionSigned');

export const CancelSessionResponseOk = sequence({
  euiccCancelSessionSigned: field(withRaw(EuiccCancelSessionSigned)),
  euiccCancelSessionSignature: field(Signature),
}).named('CancelSessionResponseOk');

export const CancelSessionResponse = explicit(
  0xbf41,
  choice({
    cancelSessionResponseOk: CancelSessionResponseOk.withTag(0xa0),
    cancelSessionResponseError: enumerated(CancelSessionError.codes).withTag(0x81),
  }),
).named('CancelSessionResponse');

/** ES11 (SM-DS) authenticateClient result: where to fetch pending profiles. */
export const EventEntries = sequence({
  eventId: field(0x80, utf8String()),
  rspServerAddress: field(0x81, utf8String()),
}).named('EventEntries');

export const AuthenticateClientOkEs11 = sequence({
  transactionId: field(0x80, TransactionId),
  eventEntries: field(0xa1, sequenceOf(EventEntries)),
}).named('AuthenticateClientOkEs11');

export const AuthenticateClientResponseEs11 = explicit(
  0xbf40,
  choice({
    authenticateClientOk: AuthenticateClientOkEs11.withTag(0xa0),
    authenticateClientError: enumerated(AuthenticateClientEs11Error.codes).withTag(0x81),
  }),
).named('AuthenticateClientResponseEs11');

export type ServerSigned1Value = Infer<typeof ServerSigned1>;
export type EuiccSigned1Value = Infer<typeof EuiccSigned1>;
export type AuthenticateServerRequestValue = Infer<typeof AuthenticateServerRequest>;
export type AuthenticateServerResponseValue = Infer<typeof AuthenticateServerResponse>;
export type PrepareDownloadRequestValue = Infer<typeof PrepareDownloadRequest>;
export type PrepareDownloadResponseValue = Infer<typeof PrepareDownloadResponse>;
export type CancelSessionResponseValue = Infer<typeof CancelSessionResponse>;
