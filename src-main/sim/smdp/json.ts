/**
 * The ES9+/ES11 JSON binding (SGP22-DIGEST §4.1): request and response shapes, and readers that turn
 * request fields into bytes with the right status on failure. Shapes are type aliases (not interfaces)
 * so they stay assignable to plain JSON records. Binary fields are standard base64 of
 * whole DER TLVs (euiccChallenge: the raw 16 bytes); transactionId is a hex string.
 */
import { fromHex, toHex } from '../../../shared/hex.js';
import type { ResponseHeader } from './status.js';
import { es9Failure } from './status.js';

export type InitiateAuthenticationRequest = {
  euiccChallenge: string;
  euiccInfo1: string;
  /** ES9+; ES11 requests carry smdsAddress instead. */
  smdpAddress?: string;
  smdsAddress?: string;
};
export type InitiateAuthenticationResponse = {
  header: ResponseHeader;
  transactionId?: string;
  serverSigned1?: string;
  serverSignature1?: string;
  euiccCiPKIdToBeUsed?: string;
  serverCertificate?: string;
};
export type AuthenticateClientRequest = {
  transactionId: string;
  authenticateServerResponse: string;
};
export type AuthenticateClientResponse = {
  header: ResponseHeader;
  transactionId?: string;
  profileMetadata?: string;
  smdpSigned2?: string;
  smdpSignature2?: string;
  smdpCertificate?: string;
};
export type GetBoundProfilePackageRequest = {
  transactionId: string;
  prepareDownloadResponse: string;
};
export type GetBoundProfilePackageResponse = {
  header: ResponseHeader;
  transactionId?: string;
  boundProfilePackage?: string;
};
export type HandleNotificationRequest = {
  pendingNotification: string;
};
export type CancelSessionRequest = {
  transactionId: string;
  cancelSessionResponse: string;
};
export type HeaderOnlyResponse = {
  header: ResponseHeader;
};
export type EventEntry = {
  eventId: string;
  rspServerAddress: string;
};
export type AuthenticateClientEs11Response = {
  header: ResponseHeader;
  transactionId?: string;
  eventEntries?: EventEntry[];
};

export const toBase64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

/** Upper-case hex as osmo-smdpp sends transactionId. */
export const transactionIdToJson = (tid: Uint8Array): string => toHex(tid).toUpperCase();

function field(body: Record<string, unknown>, name: string): string {
  const v = body[name];
  if (v === undefined || v === null || v === '') throw es9Failure('missingElement', name);
  if (typeof v !== 'string') throw es9Failure('invalidRequest', `${name} must be a string`);
  return v;
}

/** A base64 field as bytes; whitespace is tolerated (lpac strips it too). */
export function base64Field(body: Record<string, unknown>, name: string): Uint8Array {
  const text = field(body, name).replace(/\s/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw es9Failure('invalidRequest', `${name} is not base64`);
  return new Uint8Array(Buffer.from(text, 'base64'));
}

/** transactionId as received (hex), normalised to upper case, and its bytes. */
export function transactionIdField(body: Record<string, unknown>): { hex: string; bytes: Uint8Array } {
  const text = field(body, 'transactionId');
  if (!/^([0-9A-Fa-f]{2}){1,16}$/.test(text)) throw es9Failure('invalidRequest', 'transactionId must be 1–16 bytes of hex');
  return { hex: text.toUpperCase(), bytes: fromHex(text) };
}
