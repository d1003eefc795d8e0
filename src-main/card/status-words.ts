/**
 * Status words as data (ISO 7816-4, ETSI TS 102 221, GSM 11.11, GlobalPlatform). Code only matches
 * rows; adding a status word is adding a row.
 *
 * A row's `pattern` is four hex digits where `X` matches any nibble: '6A82' (exact), '61XX'
 * (SW1 with any SW2), '63CX' (low nibble free). The most specific matching row wins, so family rows
 * like '6AXX' act as fall-backs and row order does not matter.
 *
 * Meaning templates interpret the free part: `{len}` = SW2 as a length where 00 means 256 (T=0 Le),
 * `{n}` = the value of the free nibbles in decimal, `{hex}` = SW2 in hex.
 */
import { swToHex } from './apdu.js';

export type StatusWordCategory = 'ok' | 'warning' | 'error' | 'procedure';

export interface StatusWordInfo {
  /** The status word looked up, four upper-case hex digits, e.g. '6A82'. */
  sw: string;
  meaning: string;
  /** `procedure`: the terminal must act (GET RESPONSE, resend with Le) before the command is done. */
  category: StatusWordCategory;
  /** Where the meaning comes from, e.g. 'ISO 7816-4'. Empty for unknown status words. */
  source: string;
}

interface StatusWordRow {
  readonly pattern: string;
  readonly meaning: string;
  readonly category: StatusWordCategory;
  readonly source: string;
}

const ISO = 'ISO 7816-4';
const ETSI = 'ETSI TS 102 221';
const GSM = 'GSM 11.11';
const GP = 'GlobalPlatform Card Specification';

const STATUS_WORDS: readonly StatusWordRow[] = [
  // Normal processing
  { pattern: '9000', meaning: 'Normal ending of the command', category: 'ok', source: ISO },
  { pattern: '91XX', meaning: 'Normal ending; proactive command pending ({n} bytes, fetch with FETCH)', category: 'ok', source: `${ETSI} / ${GSM}` },
  { pattern: '920X', meaning: 'Command successful after {n} internal update retries', category: 'warning', source: GSM },
  { pattern: '9240', meaning: 'Memory problem', category: 'error', source: GSM },
  { pattern: '92XX', meaning: 'Normal ending with extra information concerning an ongoing data transfer session (SW2 {hex})', category: 'ok', source: ETSI },
  { pattern: '9300', meaning: 'SIM Application Toolkit busy; the command cannot be executed now, retry later', category: 'error', source: GSM },
  { pattern: '61XX', meaning: '{len} response bytes available (fetch with GET RESPONSE)', category: 'procedure', source: ISO },
  { pattern: '9FXX', meaning: '{len} response bytes available (GSM; fetch with GET RESPONSE)', category: 'procedure', source: GSM },
  { pattern: '9EXX', meaning: '{len} response bytes available after a SIM data download error (fetch with GET RESPONSE)', category: 'procedure', source: GSM },

  // Warnings
  { pattern: '62XX', meaning: 'Warning: state of non-volatile memory unchanged (SW2 {hex})', category: 'warning', source: ISO },
  { pattern: '6200', meaning: 'Warning: no information given, state of non-volatile memory unchanged', category: 'warning', source: ISO },
  { pattern: '6281', meaning: 'Warning: part of the returned data may be corrupted', category: 'warning', source: ISO },
  { pattern: '6282', meaning: 'Warning: end of file or record reached before reading Le bytes', category: 'warning', source: ISO },
  { pattern: '6283', meaning: 'Warning: selected file invalidated (deactivated)', category: 'warning', source: ISO },
  { pattern: '6284', meaning: 'Warning: file control information not formatted according to ISO 7816-4', category: 'warning', source: ISO },
  { pattern: '6285', meaning: 'Warning: selected file in termination state', category: 'warning', source: ISO },
  { pattern: '6286', meaning: 'Warning: no input data available from a sensor on the card', category: 'warning', source: ISO },
  { pattern: '62F1', meaning: 'Warning: more data available', category: 'warning', source: ETSI },
  { pattern: '62F2', meaning: 'Warning: more data available and proactive command pending', category: 'warning', source: ETSI },
  { pattern: '62F3', meaning: 'Warning: response data available', category: 'warning', source: ETSI },
  { pattern: '63XX', meaning: 'Warning: state of non-volatile memory changed (SW2 {hex})', category: 'warning', source: ISO },
  { pattern: '6300', meaning: 'Warning: no information given (verification failed)', category: 'warning', source: ISO },
  { pattern: '6310', meaning: 'More data available (GET STATUS: send the next occurrence)', category: 'warning', source: GP },
  { pattern: '6381', meaning: 'Warning: file filled up by the last write', category: 'warning', source: ISO },
  { pattern: '63CX', meaning: 'Verification failed or counter: {n} retries left', category: 'warning', source: `${ISO} / ${ETSI}` },
  { pattern: '63F1', meaning: 'Warning: more data expected', category: 'warning', source: ETSI },
  { pattern: '63F2', meaning: 'Warning: more data expected and proactive command pending', category: 'warning', source: ETSI },

  // Execution errors
  { pattern: '64XX', meaning: 'Execution error, state of non-volatile memory unchanged (SW2 {hex})', category: 'error', source: ISO },
  { pattern: '6400', meaning: 'Execution error: no information given, state of non-volatile memory unchanged', category: 'error', source: ISO },
  { pattern: '6401', meaning: 'Execution error: immediate response required by the card', category: 'error', source: ISO },
  { pattern: '65XX', meaning: 'Execution error, state of non-volatile memory changed (SW2 {hex})', category: 'error', source: ISO },
  { pattern: '6500', meaning: 'Execution error: no information given, state of non-volatile memory changed', category: 'error', source: ISO },
  { pattern: '6581', meaning: 'Memory problem', category: 'error', source: ISO },
  { pattern: '66XX', meaning: 'Security-related issue (SW2 {hex}); seen from some modems on over-long APDUs', category: 'error', source: ISO },

  // Checking errors
  { pattern: '6700', meaning: 'Wrong length (Lc or Le)', category: 'error', source: ISO },
  { pattern: '67XX', meaning: 'Incorrect parameter P3 (length)', category: 'error', source: GSM },
  { pattern: '68XX', meaning: 'Function in CLA not supported (SW2 {hex})', category: 'error', source: ISO },
  { pattern: '6800', meaning: 'Function in CLA not supported', category: 'error', source: ISO },
  { pattern: '6881', meaning: 'Logical channel not supported (or closed, e.g. after a REFRESH)', category: 'error', source: ISO },
  { pattern: '6882', meaning: 'Secure messaging not supported', category: 'error', source: ISO },
  { pattern: '6883', meaning: 'Last command of the chain expected', category: 'error', source: ISO },
  { pattern: '6884', meaning: 'Command chaining not supported', category: 'error', source: ISO },
  { pattern: '69XX', meaning: 'Command not allowed (SW2 {hex})', category: 'error', source: ISO },
  { pattern: '6900', meaning: 'Command not allowed: no information given', category: 'error', source: ISO },
  { pattern: '6981', meaning: 'Command incompatible with the file structure', category: 'error', source: ISO },
  { pattern: '6982', meaning: 'Security status not satisfied (PIN or authentication needed)', category: 'error', source: ISO },
  { pattern: '6983', meaning: 'Authentication method blocked (PIN blocked)', category: 'error', source: ISO },
  { pattern: '6984', meaning: 'Referenced data invalidated (e.g. PIN not initialised)', category: 'error', source: ISO },
  { pattern: '6985', meaning: 'Conditions of use not satisfied (wrong state for this command)', category: 'error', source: ISO },
  { pattern: '6986', meaning: 'Command not allowed (no current EF)', category: 'error', source: ISO },
  { pattern: '6987', meaning: 'Expected secure messaging data objects missing', category: 'error', source: ISO },
  { pattern: '6988', meaning: 'Incorrect secure messaging data objects', category: 'error', source: ISO },
  { pattern: '6989', meaning: 'Command not allowed: secure channel security not satisfied', category: 'error', source: ETSI },
  { pattern: '6AXX', meaning: 'Wrong parameters (SW2 {hex})', category: 'error', source: ISO },
  { pattern: '6A80', meaning: 'Incorrect parameters in the data field', category: 'error', source: ISO },
  { pattern: '6A81', meaning: 'Function not supported', category: 'error', source: ISO },
  { pattern: '6A82', meaning: 'File or application not found', category: 'error', source: ISO },
  { pattern: '6A83', meaning: 'Record not found', category: 'error', source: ISO },
  { pattern: '6A84', meaning: 'Not enough memory space in the file or card', category: 'error', source: ISO },
  { pattern: '6A85', meaning: 'Lc inconsistent with the TLV structure', category: 'error', source: ISO },
  { pattern: '6A86', meaning: 'Incorrect parameters P1-P2', category: 'error', source: ISO },
  { pattern: '6A87', meaning: 'Lc inconsistent with P1-P2', category: 'error', source: ISO },
  { pattern: '6A88', meaning: 'Referenced data or application not found', category: 'error', source: ISO },
  { pattern: '6A89', meaning: 'File already exists', category: 'error', source: ISO },
  { pattern: '6A8A', meaning: 'DF name already exists', category: 'error', source: ISO },
  { pattern: '6B00', meaning: 'Wrong parameters P1-P2', category: 'error', source: ISO },
  { pattern: '6BXX', meaning: 'Incorrect parameter P1 or P2', category: 'error', source: GSM },
  { pattern: '6CXX', meaning: 'Wrong Le: resend with Le = {len}', category: 'procedure', source: ISO },
  { pattern: '6D00', meaning: 'Instruction code not supported or invalid', category: 'error', source: ISO },
  { pattern: '6DXX', meaning: 'Unknown instruction code', category: 'error', source: GSM },
  { pattern: '6E00', meaning: 'Class not supported (check the CLA byte for the logical channel)', category: 'error', source: ISO },
  { pattern: '6EXX', meaning: 'Wrong instruction class', category: 'error', source: GSM },
  { pattern: '6F00', meaning: 'Technical problem, no precise diagnosis', category: 'error', source: ISO },
  { pattern: '6FXX', meaning: 'Technical problem, no precise diagnosis (SW2 {hex})', category: 'error', source: `${ISO} / ${GSM}` },

  // GSM 11.11 memory, referencing and security statuses
  { pattern: '9400', meaning: 'No EF selected', category: 'error', source: GSM },
  { pattern: '9402', meaning: 'Out of range (invalid address)', category: 'error', source: GSM },
  { pattern: '9404', meaning: 'File ID not found, or pattern not found', category: 'error', source: GSM },
  { pattern: '9408', meaning: 'File is inconsistent with the command', category: 'error', source: GSM },
  { pattern: '98XX', meaning: 'Security status error (SW2 {hex})', category: 'error', source: GSM },
  { pattern: '9802', meaning: 'No CHV initialised', category: 'error', source: GSM },
  { pattern: '9804', meaning: 'Access condition not fulfilled, or CHV/UNBLOCK CHV verification failed (at least one attempt left), or authentication failed', category: 'error', source: GSM },
  { pattern: '9808', meaning: 'In contradiction with CHV status', category: 'error', source: GSM },
  { pattern: '9810', meaning: 'In contradiction with invalidation status', category: 'error', source: GSM },
  { pattern: '9840', meaning: 'CHV or UNBLOCK CHV blocked (verification failed, no attempt left)', category: 'error', source: GSM },
  { pattern: '9850', meaning: 'INCREASE cannot be performed: maximum value reached', category: 'error', source: `${GSM} / ${ETSI}` },
  { pattern: '9862', meaning: 'Authentication error, application specific', category: 'error', source: ETSI },
  { pattern: '9863', meaning: 'Security session or association expired', category: 'error', source: ETSI },
  { pattern: '9864', meaning: 'Minimum UICC suspension time is too long', category: 'error', source: ETSI },
];

function nibbles(pattern: string): string[] {
  return [...pattern.toUpperCase()];
}

function matches(pattern: string, swHex: string): boolean {
  return nibbles(pattern).every((p, i) => p === 'X' || p === swHex[i]);
}

function specificity(pattern: string): number {
  return nibbles(pattern).filter((p) => p !== 'X').length;
}

/** Value of the wildcard nibbles of `pattern` in `swHex`, read as one number. */
function freeValue(pattern: string, swHex: string): number {
  const digits = nibbles(pattern)
    .map((p, i) => (p === 'X' ? swHex[i] : ''))
    .join('');
  return digits === '' ? 0 : parseInt(digits, 16);
}

/** Describes a status word; unknown ones come back as category 'error', 'Unknown status word'. */
export function describeStatusWord(sw1: number, sw2: number): StatusWordInfo {
  const sw = swToHex(sw1, sw2);
  let best: StatusWordRow | undefined;
  for (const row of STATUS_WORDS) {
    if (matches(row.pattern, sw) && (best === undefined || specificity(row.pattern) > specificity(best.pattern))) best = row;
  }
  if (best === undefined) return { sw, meaning: 'Unknown status word', category: 'error', source: '' };
  const n = freeValue(best.pattern, sw);
  const meaning = best.meaning
    .replace('{len}', String(sw2 === 0 ? 256 : sw2))
    .replace('{n}', String(n))
    .replace('{hex}', sw.slice(2));
  return { sw, meaning, category: best.category, source: best.source };
}

/** True for status words after which a command counts as executed (categories ok and warning). */
export function isSuccessStatusWord(sw1: number, sw2: number): boolean {
  const { category } = describeStatusWord(sw1, sw2);
  return category === 'ok' || category === 'warning';
}
