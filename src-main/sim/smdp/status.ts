/**
 * ES9+/ES11 function execution status (SGP22-DIGEST §4.2) as data: every failure the test SM-DP+ and
 * SM-DS can answer is a row (subject code, reason code, message). Binding code throws `es9Failure`
 * and the function boundary turns it into the JSON header.
 */
import { WorkbenchError } from '../../../shared/errors.js';

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

export const ES9_STATUS = {
  badContentType: { subjectCode: '1.2.1', reasonCode: '2.1', message: 'Content-Type must be application/json' },
  badAdminProtocol: { subjectCode: '1.2.2', reasonCode: '2.1', message: 'X-Admin-Protocol must be gsma/rsp/v2.x.y' },
  invalidRequest: { subjectCode: '1.3.1', reasonCode: '2.1', message: 'The request is not valid JSON or a field is malformed' },
  missingElement: { subjectCode: '1.3.1', reasonCode: '2.2', message: 'A mandatory element is missing' },
  euiccSignatureInvalid: { subjectCode: '8.1', reasonCode: '6.1', message: 'eUICC signature invalid or serverChallenge mismatch' },
  euiccReportedError: { subjectCode: '8.1', reasonCode: '3.8', message: 'The eUICC answered with an error; the session is closed' },
  insufficientMemory: { subjectCode: '8.1', reasonCode: '4.8', message: 'The eUICC lacks space for the profile' },
  eidMismatch: { subjectCode: '8.1.1', reasonCode: '3.8', message: 'The download order is bound to another EID' },
  eidMissing: { subjectCode: '8.1.1', reasonCode: '2.2', message: 'No download order for this EID' },
  eumCertificateInvalid: { subjectCode: '8.1.2', reasonCode: '6.1', message: 'EUM certificate invalid' },
  eumCertificateExpired: { subjectCode: '8.1.2', reasonCode: '6.3', message: 'EUM certificate expired' },
  euiccCertificateInvalid: { subjectCode: '8.1.3', reasonCode: '6.1', message: 'eUICC certificate invalid' },
  euiccCertificateExpired: { subjectCode: '8.1.3', reasonCode: '6.3', message: 'eUICC certificate expired' },
  matchingIdRefused: { subjectCode: '8.2.6', reasonCode: '3.8', message: 'Matching ID unknown or already used' },
  ccMissing: { subjectCode: '8.2.7', reasonCode: '2.2', message: 'Confirmation code missing' },
  ccRefused: { subjectCode: '8.2.7', reasonCode: '3.8', message: 'Confirmation code refused' },
  ccRetriesExceeded: { subjectCode: '8.2.7', reasonCode: '6.4', message: 'Confirmation code retries exceeded' },
  smdpOidInvalid: { subjectCode: '8.8', reasonCode: '3.1', message: 'SM-DP+ OID invalid' },
  smdpAddressInvalid: { subjectCode: '8.8.1', reasonCode: '3.8', message: 'Invalid SM-DP+ address' },
  ciPkIdUnsupported: { subjectCode: '8.8.2', reasonCode: '3.1', message: 'None of the proposed CI public key identifiers is supported' },
  svnUnsupported: { subjectCode: '8.8.3', reasonCode: '3.1', message: 'SVN not supported' },
  orderRetriesExceeded: { subjectCode: '8.8.5', reasonCode: '6.4', message: 'Download order: maximum number of retries exceeded' },
  smdsAddressInvalid: { subjectCode: '8.9.1', reasonCode: '3.8', message: 'Invalid SM-DS address' },
  unknownTransactionId: { subjectCode: '8.10.1', reasonCode: '3.9', message: 'Unknown transaction ID' },
  unknownCi: { subjectCode: '8.11.1', reasonCode: '3.9', message: 'Unknown CI public key (EUM not issued by a trusted CI)' },
} as const satisfies Record<string, StatusCodeData>;

export type Es9StatusName = keyof typeof ES9_STATUS;

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
