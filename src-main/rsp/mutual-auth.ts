/**
 * The common start of a download (ES9+) and a discovery (ES11), SGP22-DIGEST §3.2 steps 1–8 and §7:
 * the eUICC's challenge and EUICCInfo1, the server's signed answer checked by the LPA (challenge,
 * address, optionally the SM-DP+ OID of the activation code), then ES10b.AuthenticateServer.
 */
import { WorkbenchError } from '../../shared/errors.js';
import { bytesEqual, toHex } from '../../shared/hex.js';
import { decode } from '../codec/schema.js';
import { ServerSigned1 } from '../codec/sgp22/index.js';
import type { CtxParams1Value, EUICCInfo1Value } from '../codec/sgp22/index.js';
import { parseCertificate } from '../crypto/x509.js';
import type { Es10Client, Es10Response } from '../euicc/es10-client.js';
import type { InitiateAuthenticationResult } from './es9-client.js';

export type AuthCard = Pick<Es10Client, 'getEuiccChallenge' | 'getEuiccInfo1' | 'authenticateServer'>;

export interface CardAuthData {
  readonly euiccChallenge: Uint8Array;
  readonly euiccInfo1: Es10Response<EUICCInfo1Value>;
}

/** Steps 1–2: GetEUICCChallenge, GetEUICCInfo1. */
export async function readCardForAuth(card: AuthCard, signal: AbortSignal | undefined): Promise<CardAuthData> {
  const euiccChallenge = await card.getEuiccChallenge({ signal });
  const euiccInfo1 = await card.getEuiccInfo1({ signal });
  return { euiccChallenge, euiccInfo1 };
}

function hostOf(address: string): string {
  return address.toLowerCase().replace(/:\d+$/, '');
}

function refuse(code: string, message: string, hint: string, details: Record<string, unknown>): WorkbenchError {
  return new WorkbenchError(code, message, hint, { details });
}

/**
 * Step 6: what the LPA checks in the server's answer before the card sees it. The eUICC checks the
 * signature and the challenge again; the LPA's own check gives a clear error and keeps the card's
 * session untouched.
 */
export function checkServerAnswer(answer: InitiateAuthenticationResult, address: string, euiccChallenge: Uint8Array, expectedOid: string | undefined): void {
  let signed;
  try {
    signed = decode(ServerSigned1, answer.serverSigned1);
  } catch (err) {
    throw new WorkbenchError('DOWNLOAD_SERVER_ANSWER_INVALID', `The server's serverSigned1 is malformed (${err instanceof Error ? err.message : String(err)}).`, 'The server is not a conforming SM-DP+/SM-DS; check the address.', { cause: err });
  }
  if (!bytesEqual(signed.euiccChallenge, euiccChallenge)) {
    throw refuse('DOWNLOAD_SERVER_CHALLENGE_MISMATCH', 'The server answered another eUICC challenge than the one this card issued.', 'Another session or a replayed answer interfered; start again.', {
      expected: toHex(euiccChallenge).toUpperCase(),
      received: toHex(signed.euiccChallenge).toUpperCase(),
    });
  }
  if (hostOf(signed.serverAddress) !== hostOf(address)) {
    throw refuse('DOWNLOAD_SERVER_ADDRESS_MISMATCH', `The server signed for address "${signed.serverAddress}", not "${address}".`, 'The activation code may point to the wrong server; check it with the operator.', {
      expected: address,
      received: signed.serverAddress,
    });
  }
  if (toHex(signed.transactionId).toUpperCase() !== answer.transactionId.toUpperCase()) {
    throw refuse('DOWNLOAD_SERVER_ANSWER_INVALID', 'The transactionId in the JSON does not match the signed one.', 'The server is not a conforming SM-DP+; report it to the operator.', {
      json: answer.transactionId,
      signed: toHex(signed.transactionId).toUpperCase(),
    });
  }
  if (expectedOid !== undefined) {
    const oid = parseCertificate(answer.serverCertificate).rspOid;
    if (oid !== expectedOid) {
      throw refuse('DOWNLOAD_SMDP_OID_MISMATCH', `The SM-DP+ identifies as ${oid ?? '(no OID)'}, but the activation code names ${expectedOid}.`, 'The activation code belongs to another SM-DP+; check it with the operator.', {
        expected: expectedOid,
        received: oid,
      });
    }
  }
}

/** Step 7: AuthenticateServer with the server's fields verbatim; returns the BF38 to forward. */
export async function authenticateServerOnCard(card: AuthCard, answer: InitiateAuthenticationResult, ctxParams1: CtxParams1Value, signal: AbortSignal | undefined): Promise<Uint8Array> {
  const response = await card.authenticateServer(
    {
      serverSigned1: answer.serverSigned1,
      serverSignature1: answer.serverSignature1,
      euiccCiPKIdToBeUsed: answer.euiccCiPKIdToBeUsed,
      serverCertificate: answer.serverCertificate,
      ctxParams1,
    },
    { signal },
  );
  return response.raw;
}
