/**
 * ES9+/ES11 function execution status (SGP22-DIGEST §4.2) on the server side: every failure the test
 * SM-DP+ and SM-DS can answer is a keyed row of the SGP.22 status table (codec/sgp22/es9-status.ts).
 * Binding code throws `es9Failure` and the function boundary turns it into the JSON header.
 */
import { WorkbenchError } from '../../../shared/errors.js';
import { es9ServedStatusRows } from '../../codec/sgp22/es9-status.js';
import type { Es9StatusKey } from '../../codec/sgp22/es9-status.js';

export interface StatusCodeData {
  subjectCode: string;
  reasonCode: string;
  subjectIdentifier?: string;
  message?: string;
}

export type FunctionExecutionStatus =
  | { status: 'Executed-Success' }
  | { status: 'Executed-WithWarning'; statusCodeData: StatusCodeData }
  | { status: 'Failed' | 'Expired'; statusCodeData: StatusCodeData };

export interface ResponseHeader {
  functionExecutionStatus: FunctionExecutionStatus;
}

/** The statuses the test servers answer with, by name (rows of the SGP.22 table with a key). */
export const ES9_STATUS = Object.fromEntries(
  es9ServedStatusRows().map((r) => [r.key, { subjectCode: r.subject, reasonCode: r.reason, message: r.serverMessage }]),
) as Readonly<Record<Es9StatusKey, StatusCodeData & { message: string }>>;

export type Es9StatusName = Es9StatusKey;

/** A failed ES9+/ES11 function, carrying the status to answer with. */
export class Es9Failure extends WorkbenchError {
  readonly status: StatusCodeData;
  constructor(status: StatusCodeData, detail?: string, cause?: unknown) {
    const message = detail === undefined ? status.message ?? '' : `${status.message ?? ''}: ${detail}`;
    super('SMDP_FUNCTION_FAILED', `${status.subjectCode}/${status.reasonCode} ${message}`, 'See the status code in SGP22-DIGEST §4.2.', {
      details: { subjectCode: status.subjectCode, reasonCode: status.reasonCode },
      cause,
    });
    this.status = { subjectCode: status.subjectCode, reasonCode: status.reasonCode, message };
  }
}

export function es9Failure(name: Es9StatusName, detail?: string, cause?: unknown): Es9Failure {
  return new Es9Failure(ES9_STATUS[name], detail, cause);
}

export const SUCCESS_HEADER: ResponseHeader = { functionExecutionStatus: { status: 'Executed-Success' } };

export function failedHeader(status: StatusCodeData): ResponseHeader {
  return { functionExecutionStatus: { status: 'Failed', statusCodeData: status } };
}

/** Looks a status up by its codes (for fault injection with a known row); undefined when absent. */
export function findStatus(subjectCode: string, reasonCode: string): StatusCodeData | undefined {
  return Object.values(ES9_STATUS).find((s) => s.subjectCode === subjectCode && s.reasonCode === reasonCode);
}
