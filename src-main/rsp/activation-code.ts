import { WorkbenchError } from '../../shared/errors.js';

/** A parsed SGP.22 §4.1 Activation Code (`LPA:1$address$matchingId$oid$ccRequired`). */
export interface ActivationCode {
  /** SM-DP+ address: an FQDN, optionally with `:port` (lab setups). Lower-cased. */
  readonly smdpAddress: string;
  /** AC_Token, sent as ctxParams1.matchingId. Undefined when the field is empty or absent. */
  readonly matchingId?: string;
  /** SM-DP+ OID, compared with the OID in CERT.DPauth when present. */
  readonly smdpOid?: string;
  /** True when the operator requires a confirmation code. */
  readonly confirmationCodeRequired: boolean;
}

const EXAMPLE = 'LPA:1$smdp.example.com$ABCD-1234';

function invalid(code: string, message: string, hint: string, details: Record<string, unknown> = {}): WorkbenchError {
  return new WorkbenchError(code, message, hint, { details });
}

/**
 * Parses an activation code as scanned or typed. Tolerates what users and QR scanners add
 * (surrounding whitespace, a lower-case `lpa:` prefix, no prefix at all) and rejects what would
 * fail later with an obscure server error (wrong format version, bad host name, a URL instead of
 * a host name, a malformed OID or CC flag). The matching ID is passed on as given: operators use
 * more characters than `[A-Za-z0-9-]`.
 */
export function parseActivationCode(input: string): ActivationCode {
  const text = input.trim();
  if (text.length === 0) throw invalid('AC_EMPTY', 'The activation code is empty.', `Scan the QR code again or type the code, e.g. ${EXAMPLE}`);
  if (/[\r\n]/.test(text)) {
    throw invalid('AC_MALFORMED', 'The activation code spans several lines.', 'Paste only the one line that starts with LPA:1$.');
  }
  const body = /^lpa:/i.test(text) ? text.slice(4) : text;
  const fields = body.split('$');
  if (fields.length > 5) {
    throw invalid('AC_MALFORMED', `The activation code has ${fields.length} fields separated by $, at most 5 are allowed.`, `Expected LPA:1$<SM-DP+ address>$<matching ID>[$<OID>[$1]], e.g. ${EXAMPLE}`, { fields: fields.length });
  }
  const [format, address = '', matchingId = '', oid = '', ccFlag = ''] = fields;
  if (format !== '1') {
    throw invalid('AC_UNSUPPORTED_FORMAT', `The activation code format is "${format ?? ''}"; only format 1 exists.`, `A valid code starts with LPA:1$, e.g. ${EXAMPLE}. Check that the whole QR code was read.`, { format });
  }
  const smdpAddress = parseSmdpAddress(address);
  if (oid !== '' && !/^[0-2](\.(0|[1-9][0-9]*))+$/.test(oid)) {
    throw invalid('AC_BAD_OID', `The SM-DP+ OID "${oid}" is not a dotted object identifier.`, 'The 4th field must look like 1.3.6.1.4.1.… or be empty; ask the operator for a corrected code.', { oid });
  }
  if (ccFlag !== '' && ccFlag !== '0' && ccFlag !== '1') {
    throw invalid('AC_BAD_CC_FLAG', `The confirmation-code flag is "${ccFlag}"; it must be 1, 0 or empty.`, 'Ask the operator for a corrected code.', { flag: ccFlag });
  }
  if (matchingId !== matchingId.trim() || [...matchingId].some((ch) => ch.charCodeAt(0) < 0x20)) {
    throw invalid('AC_BAD_MATCHING_ID', 'The matching ID contains spaces or control characters at its ends.', 'Re-type the code exactly as printed, without spaces around the $ separators.');
  }
  return {
    smdpAddress,
    ...(matchingId === '' ? {} : { matchingId }),
    ...(oid === '' ? {} : { smdpOid: oid }),
    confirmationCodeRequired: ccFlag === '1',
  };
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Validates an SM-DP+/SM-DS address: FQDN (or loopback literal) with an optional port. */
export function parseSmdpAddress(raw: string): string {
  const address = raw.trim().toLowerCase();
  if (address === '') {
    throw invalid('AC_MISSING_ADDRESS', 'The activation code has no SM-DP+ address.', `The second field must be the server name, e.g. ${EXAMPLE}`);
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//.test(address)) {
    throw invalid('AC_BAD_ADDRESS', `"${raw}" is a URL; the SM-DP+ address must be a plain host name.`, `Remove the scheme and path, e.g. smdp.example.com instead of https://smdp.example.com/.`, { address: raw });
  }
  const match = /^([^:]+)(?::(\d{1,5}))?$/.exec(address);
  const host = match?.[1] ?? '';
  const port = match?.[2] === undefined ? undefined : Number(match[2]);
  const isIpv4 = /^\d{1,3}(\.\d{1,3}){3}$/.test(host) && host.split('.').every((o) => Number(o) <= 255);
  const labels = host.split('.');
  const isFqdn = host.length <= 253 && labels.length >= 2 && labels.every((l) => LABEL.test(l)) && !/^\d+$/.test(labels[labels.length - 1] ?? '');
  if (!match || (!isFqdn && !isIpv4 && host !== 'localhost') || (port !== undefined && (port < 1 || port > 65535))) {
    throw invalid('AC_BAD_ADDRESS', `"${raw}" is not a valid SM-DP+ host name.`, 'Use a fully qualified domain name such as smdp.example.com (letters, digits, hyphens and dots; optional :port).', { address: raw });
  }
  return address;
}

/** Formats an activation code back (for display and QR generation). */
export function formatActivationCode(ac: ActivationCode): string {
  const fields = ['1', ac.smdpAddress, ac.matchingId ?? ''];
  if (ac.smdpOid !== undefined || ac.confirmationCodeRequired) fields.push(ac.smdpOid ?? '');
  if (ac.confirmationCodeRequired) fields.push('1');
  return `LPA:${fields.join('$')}`;
}
