/**
 * ES9+ / ES11 function execution status codes (SGP22-DIGEST §4.2) as ONE table, used by both ends:
 * the test SM-DP+ / SM-DS answers a failure by the row's `key` (sending `subject`, `reason` and
 * `serverMessage` in statusCodeData), and the LPA explains a received code with the row's `message`
 * and `hint`, falling back to the reason-code family. Adding a code is adding a row.
 */

interface Es9StatusRowBase {
  /** Subject code, e.g. '8.2.6'. */
  readonly subject: string;
  /** Reason code, e.g. '3.8'; '*' matches any reason of the subject (LPA lookup only). */
  readonly reason: string;
  /** What the code means, for the user of the LPA. */
  readonly message: string;
  /** What to do about it. */
  readonly hint: string;
}

/** A code only real servers send: the LPA explains it, the test servers never answer it. */
export interface Es9ExplainedStatusRow extends Es9StatusRowBase {
  readonly key?: undefined;
}

/** A code the test SM-DP+ / SM-DS answers with. */
export interface Es9ServedStatusRow extends Es9StatusRowBase {
  /** The name the test servers' code fails with, e.g. 'ccRefused'. */
  readonly key: string;
  /** The short text the test server puts in statusCodeData.message. */
  readonly serverMessage: string;
}

export type Es9StatusRow = Es9ExplainedStatusRow | Es9ServedStatusRow;

const CONTACT_OPERATOR = 'Contact the operator that issued the activation code.';

export const ES9_STATUS_CODES = [
  { key: 'euiccSignatureInvalid', subject: '8.1', reason: '6.1', serverMessage: 'eUICC signature invalid or serverChallenge mismatch', message: 'The SM-DP+ could not verify the eUICC signature (or the server challenge did not match).', hint: 'Retry the download; if it persists the card or the server is faulty.' },
  { key: 'insufficientMemory', subject: '8.1', reason: '4.8', serverMessage: 'The eUICC lacks space for the profile', message: 'The eUICC does not have enough free memory for this profile.', hint: 'Delete unused profiles and retry.' },
  { key: 'euiccReportedError', subject: '8.1', reason: '3.8', serverMessage: 'The eUICC answered with an error; the session is closed', message: 'The eUICC reported an error to the SM-DP+, which closed the download session.', hint: 'Retry the download; if it persists, look for the eUICC error in the APDU log.' },
  { key: 'eidMismatch', subject: '8.1.1', reason: '3.8', serverMessage: 'The download order is bound to another EID', message: 'This download order is bound to another eUICC (EID mismatch).', hint: 'Check that you are using the device the profile was ordered for; ask the operator to re-issue the order for this EID.' },
  { key: 'eidMissing', subject: '8.1.1', reason: '2.2', serverMessage: 'No download order for this EID', message: 'The SM-DP+ needs the EID for this order but has none.', hint: 'Use the activation code with its matching ID, or ask the operator to bind the order to this EID.' },
  { key: 'eumCertificateInvalid', subject: '8.1.2', reason: '6.1', serverMessage: 'EUM certificate invalid', message: 'The SM-DP+ rejected the card manufacturer (EUM) certificate.', hint: 'The card is not certified for this SM-DP+ (e.g. a test card against a production server).' },
  { key: 'eumCertificateExpired', subject: '8.1.2', reason: '6.3', serverMessage: 'EUM certificate expired', message: 'The card manufacturer (EUM) certificate has expired.', hint: 'Contact the card vendor.' },
  { key: 'euiccCertificateInvalid', subject: '8.1.3', reason: '6.1', serverMessage: 'eUICC certificate invalid', message: 'The SM-DP+ rejected the eUICC certificate.', hint: 'The card is not certified for this SM-DP+ (e.g. a test card against a production server).' },
  { key: 'euiccCertificateExpired', subject: '8.1.3', reason: '6.3', serverMessage: 'eUICC certificate expired', message: 'The eUICC certificate has expired.', hint: 'Contact the card vendor.' },
  { subject: '8.2', reason: '1.2', message: 'The profile is not released for download yet.', hint: `${CONTACT_OPERATOR} The order may still be in preparation.` },
  { subject: '8.2', reason: '3.7', message: 'The profile package is not available for a new binding.', hint: `${CONTACT_OPERATOR} The profile may already have been downloaded.` },
  { subject: '8.2.5', reason: '4.3', message: 'No profile of this order is eligible for this eUICC or device.', hint: 'The device or card does not meet the operator’s requirements; check with the operator.' },
  { key: 'matchingIdRefused', subject: '8.2.6', reason: '3.8', serverMessage: 'Matching ID unknown or already used', message: 'The SM-DP+ refused the matching ID: unknown or already used.', hint: 'Each activation code works once. Check that it was typed correctly or ask the operator for a new one.' },
  { subject: '8.2.6', reason: '3.3', message: 'The matching ID is already in use by another download.', hint: 'Wait for the other download to finish or ask the operator for a new code.' },
  { key: 'ccMissing', subject: '8.2.7', reason: '2.2', serverMessage: 'Confirmation code missing', message: 'The SM-DP+ needs a confirmation code but none was sent.', hint: 'Enter the confirmation code the operator gave you with the activation code.' },
  { key: 'ccRefused', subject: '8.2.7', reason: '3.8', serverMessage: 'Confirmation code refused', message: 'The confirmation code is wrong.', hint: 'Check the confirmation code and retry; the number of attempts is limited.' },
  { key: 'ccRetriesExceeded', subject: '8.2.7', reason: '6.4', serverMessage: 'Confirmation code retries exceeded', message: 'Too many wrong confirmation codes: the order is locked.', hint: `${CONTACT_OPERATOR} Ask for a new activation code.` },
  { key: 'smdpOidInvalid', subject: '8.8', reason: '3.1', serverMessage: 'SM-DP+ OID invalid', message: 'The SM-DP+ OID does not match this server.', hint: 'The session was signed for another SM-DP+; restart the download.' },
  { key: 'smdpAddressInvalid', subject: '8.8.1', reason: '3.8', serverMessage: 'Invalid SM-DP+ address', message: 'The SM-DP+ does not accept the address it was contacted with.', hint: 'Check the SM-DP+ address in the activation code.' },
  { key: 'ciPkIdUnsupported', subject: '8.8.2', reason: '3.1', serverMessage: 'None of the proposed CI public key identifiers is supported', message: 'The SM-DP+ supports none of the CI keys this eUICC trusts.', hint: 'Card and server belong to different PKIs (e.g. a test card against a production server, or the reverse).' },
  { key: 'svnUnsupported', subject: '8.8.3', reason: '3.1', serverMessage: 'SVN not supported', message: 'The SM-DP+ does not support the SGP.22 version of this eUICC.', hint: 'The card is too old or too new for this server; contact the operator.' },
  { subject: '8.8.4', reason: '3.7', message: 'The SM-DP+ has no certificate chaining to a CI this eUICC supports.', hint: 'Card and server belong to different PKIs; contact the operator.' },
  { subject: '8.8.5', reason: '4.1', message: 'The download order has expired.', hint: `${CONTACT_OPERATOR} Ask for a new activation code.` },
  { key: 'orderRetriesExceeded', subject: '8.8.5', reason: '6.4', serverMessage: 'Download order: maximum number of retries exceeded', message: 'The download order has reached its maximum number of attempts.', hint: `${CONTACT_OPERATOR} Ask for a new activation code.` },
  { key: 'smdsAddressInvalid', subject: '8.9.1', reason: '3.8', serverMessage: 'Invalid SM-DS address', message: 'The SM-DS does not accept the address it was contacted with.', hint: 'Check the SM-DS address.' },
  { subject: '8.9.5', reason: '3.9', message: 'The SM-DS does not know this event.', hint: 'The event may have been consumed or deleted; run discovery again.' },
  { subject: '8.9', reason: '*', message: 'The SM-DS refused the request.', hint: 'Run discovery again; if it persists contact the SM-DS operator.' },
  { key: 'unknownTransactionId', subject: '8.10.1', reason: '3.9', serverMessage: 'Unknown transaction ID', message: 'The server does not know this transaction (session expired or cancelled).', hint: 'Restart the download from the beginning.' },
  { key: 'unknownCi', subject: '8.11.1', reason: '3.9', serverMessage: 'Unknown CI public key (EUM not issued by a trusted CI)', message: 'The SM-DP+ does not know the CI that issued the card manufacturer certificate.', hint: 'Card and server belong to different PKIs (test vs. production).' },
  { key: 'badContentType', subject: '1.2.1', reason: '2.1', serverMessage: 'Content-Type must be application/json', message: 'The server rejected the request Content-Type.', hint: 'This is an interoperability problem between the LPA and the server; report it.' },
  { key: 'badAdminProtocol', subject: '1.2.2', reason: '2.1', serverMessage: 'X-Admin-Protocol must be gsma/rsp/v2.x.y', message: 'The server rejected the X-Admin-Protocol version.', hint: 'Set another ES9+ protocol version in the settings (e.g. gsma/rsp/v2.2.0).' },
  { key: 'invalidRequest', subject: '1.3.1', reason: '2.1', serverMessage: 'The request is not valid JSON or a field is malformed', message: 'The server says the request is not valid JSON or has a malformed field.', hint: 'This is an interoperability problem between the LPA and the server; report it with the HTTP log.' },
  { key: 'missingElement', subject: '1.3.1', reason: '2.2', serverMessage: 'A mandatory element is missing', message: 'The server says a mandatory element is missing in the request.', hint: 'This is an interoperability problem between the LPA and the server; report it with the HTTP log.' },
] as const satisfies readonly Es9StatusRow[];

/** The names the test servers answer failures by. */
export type Es9StatusKey = Extract<(typeof ES9_STATUS_CODES)[number], { key: string }>['key'];

/** Reason-code families (digest §4.2), for codes no row lists. */
export const ES9_REASON_FAMILIES: readonly { readonly prefix: string; readonly message: string; readonly hint: string }[] = [
  { prefix: '1.', message: 'The server refused access or authentication.', hint: 'Check the server address and the LPA settings.' },
  { prefix: '2.', message: 'The server found the request malformed or incomplete.', hint: 'Report it with the HTTP log; it is an interoperability problem.' },
  { prefix: '3.', message: 'The server refused the request in its current conditions.', hint: CONTACT_OPERATOR },
  { prefix: '4.', message: 'The server could not execute the request.', hint: 'Retry later; if it persists contact the operator.' },
  { prefix: '5.', message: 'The server reported a transport problem.', hint: 'Check the network and retry.' },
  { prefix: '6.', message: 'A security check failed at the server.', hint: 'Retry; if it persists card and server may belong to different PKIs.' },
];

/** Text for a code neither a row nor a family covers. */
export const ES9_UNKNOWN_STATUS = { message: 'The server reported a failure.', hint: CONTACT_OPERATOR } as const;

/** The rows the test servers answer with. */
export function es9ServedStatusRows(): Es9ServedStatusRow[] {
  return (ES9_STATUS_CODES as readonly Es9StatusRow[]).filter((r): r is Es9ServedStatusRow => r.key !== undefined);
}
