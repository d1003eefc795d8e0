/**
 * How ES10 outcomes reach callers. Two rules, by what the caller does with a failure:
 *
 * - **Management calls** (Enable/Disable/DeleteProfile, SetNickname, eUICCMemoryReset,
 *   SetDefaultDpAddress, RemoveNotificationFromList, LpaeActivation) return an {@link Es10Result}:
 *   a refusal such as `profileNotInDisabledState` is an answer the user acts on, not a crash.
 * - **Data and download-flow calls** (GetProfilesInfo, ListNotification, RetrieveNotificationsList,
 *   AuthenticateServer, PrepareDownload, CancelSession, LoadCRL) have nothing to return on an error
 *   code, so they throw `ES10_<FUNCTION>_FAILED` with `details.resultCode` / `details.resultName`
 *   (and `details.responseHex` where the response must still be forwarded to the SM-DP+).
 *
 * LoadBoundProfilePackage is neither: its error is a signed ProfileInstallationResult the SM-DP+
 * must receive, so it is returned (ok: false), never thrown.
 *
 * Every message and hint comes from the codec's result tables (codec/sgp22/results.ts).
 */
import { WorkbenchError } from '../../shared/errors.js';
import { toHex } from '../../shared/hex.js';
import type { Es10Function, ResultTable } from '../codec/sgp22/index.js';
import { ES10 } from '../codec/sgp22/index.js';

/** A named ES10 result code with what it means and what to do (shape of shared/api.ts ProfileOpResult). */
export interface Es10Result<N extends string = string> {
  readonly ok: boolean;
  /** Result name from SGP.22, e.g. 'ok', 'profileNotInDisabledState'; the number as text when unknown. */
  readonly result: N;
  readonly code: number;
  readonly message: string;
  /** '' when there is nothing to do. */
  readonly hint: string;
}

const OK_CODE = 0;

/** The Es10Result for a decoded result value (name, or number for codes the table does not know). */
export function resultOf<N extends string>(table: ResultTable<N>, value: N | number): Es10Result<N> {
  const row = table.lookup(value);
  return { ok: row.code === OK_CODE, result: row.name as N, code: row.code, message: row.message, hint: row.hint };
}

const FUNCTION_KEYS: ReadonlyMap<Es10Function, string> = new Map(Object.entries(ES10).map(([key, fn]) => [fn as Es10Function, key]));

/** 'ES10_AUTHENTICATE_SERVER_FAILED' for the AuthenticateServer row (from its table key, camelCase → SNAKE). */
export function es10FailureCode(fn: Es10Function): string {
  const key = FUNCTION_KEYS.get(fn) ?? fn.name.replace(/^ES10[abc]\./, '');
  return `ES10_${key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}_FAILED`;
}

const FALLBACK_HINT = 'The APDU log shows the exchange; retry, and if it persists read the card state again.';

/** The thrown form of an error code returned by a data or download-flow call. */
export function functionFailed(fn: Es10Function, table: ResultTable, value: string | number, details: Record<string, unknown> = {}): WorkbenchError {
  const row = table.lookup(value);
  return new WorkbenchError(es10FailureCode(fn), `${fn.name} failed: ${row.message}`, row.hint || FALLBACK_HINT, {
    details: { function: fn.name, resultCode: row.code, resultName: row.name, ...details },
  });
}

/** ES10_BAD_RESPONSE: the card's answer is not the response this function defines. */
export function badResponse(fn: Es10Function, response: Uint8Array, problem: string, cause?: unknown): WorkbenchError {
  return new WorkbenchError(
    'ES10_BAD_RESPONSE',
    `${fn.name}: the eUICC's response is not usable (${problem}).`,
    'The card does not answer as SGP.22 defines. Paste the response hex into `ewb decode` to see what it sent; a non-standard eSIM adapter may need another ISD-R AID.',
    { cause, details: { function: fn.name, responseHex: toHex(response).toUpperCase(), ...(cause instanceof WorkbenchError ? { causeCode: cause.code } : {}) } },
  );
}
