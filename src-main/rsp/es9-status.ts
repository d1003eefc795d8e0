/**
 * ES9+ / ES11 function execution status codes (SGP22-DIGEST §4.2) as data: what a `Failed` header
 * means for the user and what to do. Lookup goes from the most specific row to the reason-code
 * family, so an unlisted code still gets a useful message; adding a meaning is adding a row.
 */

export interface Es9StatusRow {
  /** Subject code, e.g. '8.2.6'. */
  readonly subject: string;
  /** Reason code, e.g. '3.8'; '*' matches any reason of the subject. */
  readonly reason: string;
  readonly message: string;
  readonly hint: string;
}

const CONTACT_OPERATOR = 'Contact the operator that issued the activation code.';

export const ES9_STATUS_CODES: readonly Es9StatusRow[] = [
  { subject: '8.1', reason: '6.1', message: 'The SM-DP+ could not verify the eUICC signature (or the server challenge did not match).', hint: 'Retry the download; if it persists the card or the server is faulty.' },
  { subject: '8.1', reason: '4.8', message: 'The eUICC does not have enough free memory for this profile.', hint: 'Delete unused profiles and retry.' },
  { subject: '8.1.1', reason: '3.8', message: 'This download order is bound to another eUICC (EID mismatch).', hint: 'Check that you are using the device the profile was ordered for; ask the operator to re-issue the order for this EID.' },
  { subject: '8.1.1', reason: '2.2', message: 'The SM-DP+ needs the EID for this order but has none.', hint: 'Use the activation code with its matching ID, or ask the operator to bind the order to this EID.' },
  { subject: '8.1.2', reason: '6.1', message: 'The SM-DP+ rejected the card manufacturer (EUM) certificate.', hint: 'The card is not certified for this SM-DP+ (e.g. a test card against a production server).' },
  { subject: '8.1.2', reason: '6.3', message: 'The card manufacturer (EUM) certificate has expired.', hint: 'Contact the card vendor.' },
  { subject: '8.1.3', reason: '6.1', message: 'The SM-DP+ rejected the eUICC certificate.', hint: 'The card is not certified for this SM-DP+ (e.g. a test card against a production server).' },
  { subject: '8.1.3', reason: '6.3', message: 'The eUICC certificate has expired.', hint: 'Contact the card vendor.' },
  { subject: '8.2', reason: '1.2', message: 'The profile is not released for download yet.', hint: `${CONTACT_OPERATOR} The order may still be in preparation.` },
  { subject: '8.2', reason: '3.7', message: 'The profile package is not available for a new binding.', hint: `${CONTACT_OPERATOR} The profile may already have been downloaded.` },
  { subject: '8.2.5', reason: '4.3', message: 'No profile of this order is eligible for this eUICC or device.', hint: 'The device or card does not meet the operator’s requirements; check with the operator.' },
  { subject: '8.2.6', reason: '3.8', message: 'The SM-DP+ refused the matching ID: unknown or already used.', hint: 'Each activation code works once. Check that it was typed correctly or ask the operator for a new one.' },
  { subject: '8.2.6', reason: '3.3', message: 'The matching ID is already in use by another download.', hint: 'Wait for the other download to finish or ask the operator for a new code.' },
  { subject: '8.2.7', reason: '2.2', message: 'The SM-DP+ needs a confirmation code but none was sent.', hint: 'Enter the confirmation code the operator gave you with the activation code.' },
  { subject: '8.2.7', reason: '3.8', message: 'The confirmation code is wrong.', hint: 'Check the confirmation code and retry; the number of attempts is limited.' },
  { subject: '8.2.7', reason: '6.4', message: 'Too many wrong confirmation codes: the order is locked.', hint: `${CONTACT_OPERATOR} Ask for a new activation code.` },
  { subject: '8.8', reason: '3.1', message: 'The SM-DP+ OID does not match this server.', hint: 'The session was signed for another SM-DP+; restart the download.' },
  { subject: '8.8.1', reason: '3.8', message: 'The SM-DP+ does not accept the address it was contacted with.', hint: 'Check the SM-DP+ address in the activation code.' },
  { subject: '8.8.2', reason: '3.1', message: 'The SM-DP+ supports none of the CI keys this eUICC trusts.', hint: 'Card and server belong to different PKIs (e.g. a test card against a production server, or the reverse).' },
  { subject: '8.8.3', reason: '3.1', message: 'The SM-DP+ does not support the SGP.22 version of this eUICC.', hint: 'The card is too old or too new for this server; contact the operator.' },
  { subject: '8.8.4', reason: '3.7', message: 'The SM-DP+ has no certificate chaining to a CI this eUICC supports.', hint: 'Card and server belong to different PKIs; contact the operator.' },
  { subject: '8.8.5', reason: '4.1', message: 'The download order has expired.', hint: `${CONTACT_OPERATOR} Ask for a new activation code.` },
  { subject: '8.8.5', reason: '6.4', message: 'The download order has reached its maximum number of attempts.', hint: `${CONTACT_OPERATOR} Ask for a new activation code.` },
  { subject: '8.9.1', reason: '3.8', message: 'The SM-DS does not accept the address it was contacted with.', hint: 'Check the SM-DS address.' },
  { subject: '8.9.5', reason: '3.9', message: 'The SM-DS does not know this event.', hint: 'The event may have been consumed or deleted; run discovery again.' },
  { subject: '8.9', reason: '*', message: 'The SM-DS refused the request.', hint: 'Run discovery again; if it persists contact the SM-DS operator.' },
  { subject: '8.10.1', reason: '3.9', message: 'The server does not know this transaction (session expired or cancelled).', hint: 'Restart the download from the beginning.' },
  { subject: '8.11.1', reason: '3.9', message: 'The SM-DP+ does not know the CI that issued the card manufacturer certificate.', hint: 'Card and server belong to different PKIs (test vs. production).' },
  { subject: '1.2.1', reason: '2.1', message: 'The server rejected the request Content-Type.', hint: 'This is an interoperability problem between the LPA and the server; report it.' },
  { subject: '1.2.2', reason: '2.1', message: 'The server rejected the X-Admin-Protocol version.', hint: 'Set another ES9+ protocol version in the settings (e.g. gsma/rsp/v2.2.0).' },
  { subject: '1.3.1', reason: '2.2', message: 'The server says a mandatory element is missing in the request.', hint: 'This is an interoperability problem between the LPA and the server; report it with the HTTP log.' },
];

/** Reason-code families (digest §4.2), used when no row matches the exact code. */
const REASON_FAMILIES: readonly { prefix: string; message: string; hint: string }[] = [
  { prefix: '1.', message: 'The server refused access or authentication.', hint: 'Check the server address and the LPA settings.' },
  { prefix: '2.', message: 'The server found the request malformed or incomplete.', hint: 'Report it with the HTTP log; it is an interoperability problem.' },
  { prefix: '3.', message: 'The server refused the request in its current conditions.', hint: CONTACT_OPERATOR },
  { prefix: '4.', message: 'The server could not execute the request.', hint: 'Retry later; if it persists contact the operator.' },
  { prefix: '5.', message: 'The server reported a transport problem.', hint: 'Check the network and retry.' },
  { prefix: '6.', message: 'A security check failed at the server.', hint: 'Retry; if it persists card and server may belong to different PKIs.' },
];

/** Message and hint for a Failed status; never throws, unknown codes get a family or generic text. */
export function describeEs9Status(subjectCode: string, reasonCode: string): { message: string; hint: string } {
  const row =
    ES9_STATUS_CODES.find((r) => r.subject === subjectCode && r.reason === reasonCode) ??
    ES9_STATUS_CODES.find((r) => r.reason === '*' && (subjectCode === r.subject || subjectCode.startsWith(`${r.subject}.`)));
  if (row) return { message: row.message, hint: row.hint };
  const family = REASON_FAMILIES.find((f) => reasonCode.startsWith(f.prefix));
  return {
    message: family?.message ?? 'The server reported a failure.',
    hint: family?.hint ?? CONTACT_OPERATOR,
  };
}
