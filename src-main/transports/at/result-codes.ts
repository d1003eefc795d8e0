/**
 * AT final result codes and error tables as data (ITU-T V.250 §5.7, 3GPP TS 27.007 §9.2,
 * 3GPP TS 27.005 §3.2.5). The engine looks lines up here; adding a code is adding a row.
 */

export type AtOutcome = 'ok' | 'connect' | 'no-carrier' | 'error' | 'no-dialtone' | 'busy' | 'no-answer' | 'cme' | 'cms';

export interface FinalResultCode {
  /** Verbose (ATV1) form, or its prefix when `prefix` is set. */
  readonly text: string;
  /** Numeric (ATV0) form. */
  readonly numeric?: number;
  readonly outcome: AtOutcome;
  /** The verbose form starts with `text` and carries more (CONNECT 115200, +CME ERROR: 10). */
  readonly prefix?: boolean;
}

export const FINAL_RESULT_CODES: readonly FinalResultCode[] = [
  { text: 'OK', numeric: 0, outcome: 'ok' },
  { text: 'CONNECT', numeric: 1, outcome: 'connect', prefix: true },
  { text: 'NO CARRIER', numeric: 3, outcome: 'no-carrier' },
  { text: 'ERROR', numeric: 4, outcome: 'error' },
  { text: 'NO DIALTONE', numeric: 6, outcome: 'no-dialtone' },
  { text: 'BUSY', numeric: 7, outcome: 'busy' },
  { text: 'NO ANSWER', numeric: 8, outcome: 'no-answer' },
  { text: '+CME ERROR:', outcome: 'cme', prefix: true },
  { text: '+CMS ERROR:', outcome: 'cms', prefix: true },
];

export interface AtErrorMeaning {
  readonly code: number;
  readonly meaning: string;
  /** Other verbose spellings seen from firmwares. */
  readonly aliases?: readonly string[];
}

/** +CME ERROR values, 3GPP TS 27.007 §9.2.1 (general and SIM related). */
export const CME_ERRORS: readonly AtErrorMeaning[] = [
  { code: 0, meaning: 'phone failure' },
  { code: 1, meaning: 'no connection to phone' },
  { code: 2, meaning: 'phone-adaptor link reserved' },
  { code: 3, meaning: 'operation not allowed' },
  { code: 4, meaning: 'operation not supported' },
  { code: 5, meaning: 'PH-SIM PIN required' },
  { code: 6, meaning: 'PH-FSIM PIN required' },
  { code: 7, meaning: 'PH-FSIM PUK required' },
  { code: 10, meaning: 'SIM not inserted', aliases: ['SIM not present'] },
  { code: 11, meaning: 'SIM PIN required' },
  { code: 12, meaning: 'SIM PUK required' },
  { code: 13, meaning: 'SIM failure' },
  { code: 14, meaning: 'SIM busy' },
  { code: 15, meaning: 'SIM wrong' },
  { code: 16, meaning: 'incorrect password' },
  { code: 17, meaning: 'SIM PIN2 required' },
  { code: 18, meaning: 'SIM PUK2 required' },
  { code: 20, meaning: 'memory full' },
  { code: 21, meaning: 'invalid index' },
  { code: 22, meaning: 'not found' },
  { code: 23, meaning: 'memory failure' },
  { code: 24, meaning: 'text string too long' },
  { code: 25, meaning: 'invalid characters in text string' },
  { code: 26, meaning: 'dial string too long' },
  { code: 27, meaning: 'invalid characters in dial string' },
  { code: 30, meaning: 'no network service' },
  { code: 31, meaning: 'network timeout' },
  { code: 32, meaning: 'network not allowed - emergency calls only' },
  { code: 40, meaning: 'network personalization PIN required' },
  { code: 41, meaning: 'network personalization PUK required' },
  { code: 42, meaning: 'network subset personalization PIN required' },
  { code: 43, meaning: 'network subset personalization PUK required' },
  { code: 44, meaning: 'service provider personalization PIN required' },
  { code: 45, meaning: 'service provider personalization PUK required' },
  { code: 46, meaning: 'corporate personalization PIN required' },
  { code: 47, meaning: 'corporate personalization PUK required' },
  // 50 is in later releases of 27.007; firmwares print it as "Incorrect parameters" or "Parameters error".
  { code: 50, meaning: 'incorrect parameters', aliases: ['Parameters error'] },
  { code: 100, meaning: 'unknown' },
];

/** +CMS ERROR values, 3GPP TS 27.005 §3.2.5 (the ME/TA range). */
export const CMS_ERRORS: readonly AtErrorMeaning[] = [
  { code: 300, meaning: 'ME failure' },
  { code: 301, meaning: 'SMS service of ME reserved' },
  { code: 302, meaning: 'operation not allowed' },
  { code: 303, meaning: 'operation not supported' },
  { code: 304, meaning: 'invalid PDU mode parameter' },
  { code: 305, meaning: 'invalid text mode parameter' },
  { code: 310, meaning: 'SIM not inserted' },
  { code: 311, meaning: 'SIM PIN required' },
  { code: 312, meaning: 'PH-SIM PIN required' },
  { code: 313, meaning: 'SIM failure' },
  { code: 314, meaning: 'SIM busy' },
  { code: 315, meaning: 'SIM wrong' },
  { code: 316, meaning: 'SIM PUK required' },
  { code: 317, meaning: 'SIM PIN2 required' },
  { code: 318, meaning: 'SIM PUK2 required' },
  { code: 320, meaning: 'memory failure' },
  { code: 321, meaning: 'invalid memory index' },
  { code: 322, meaning: 'memory full' },
  { code: 330, meaning: 'SMSC address unknown' },
  { code: 331, meaning: 'no network service' },
  { code: 332, meaning: 'network timeout' },
  { code: 340, meaning: 'no +CNMA acknowledgement expected' },
  { code: 500, meaning: 'unknown error' },
];

/** A parsed final result code. */
export interface AtFinal {
  readonly outcome: AtOutcome;
  /** The line as received. */
  readonly raw: string;
  /** +CME/+CMS error number: given numerically, or found from the verbose text in the table. */
  readonly code?: number;
  /** Meaning from the tables, or the modem's own verbose text when the table has no row for it. */
  readonly meaning?: string;
}

function errorFromTable(table: readonly AtErrorMeaning[], value: string): { code?: number; meaning: string } {
  const v = value.trim().replace(/^"|"$/g, '');
  if (/^\d+$/.test(v)) {
    const code = Number(v);
    return { code, meaning: table.find((e) => e.code === code)?.meaning ?? `error ${code}` };
  }
  const lower = v.toLowerCase();
  const row = table.find((e) => e.meaning.toLowerCase() === lower || e.aliases?.some((a) => a.toLowerCase() === lower));
  return row === undefined ? { meaning: v } : { code: row.code, meaning: row.meaning };
}

/**
 * Parses `line` as a final result code. Numeric (V0) finals are only recognised when `numeric` is
 * set: a bare `1` is CONNECT in V0 but a channel number in a Fibocom +CCHO answer in V1.
 */
export function parseFinalResult(line: string, numeric: boolean): AtFinal | undefined {
  if (numeric && /^\d+$/.test(line)) {
    const row = FINAL_RESULT_CODES.find((r) => r.numeric === Number(line));
    return row === undefined ? undefined : { outcome: row.outcome, raw: line };
  }
  for (const row of FINAL_RESULT_CODES) {
    if (row.outcome === 'cme' || row.outcome === 'cms') {
      if (line.toUpperCase().startsWith(row.text)) {
        return { outcome: row.outcome, raw: line, ...errorFromTable(row.outcome === 'cme' ? CME_ERRORS : CMS_ERRORS, line.slice(row.text.length)) };
      }
    } else if (row.prefix ? line === row.text || line.startsWith(`${row.text} `) : line === row.text) {
      return { outcome: row.outcome, raw: line };
    }
  }
  return undefined;
}

/** One-line description of a final result for messages, e.g. `+CME ERROR: 10 (SIM not inserted)`. */
export function describeFinal(final: AtFinal): string {
  if (final.outcome === 'cme' || final.outcome === 'cms') return `${final.outcome === 'cme' ? '+CME' : '+CMS'} ERROR${final.code === undefined ? '' : ` ${final.code}`} (${final.meaning ?? 'no details'})`;
  return final.raw;
}
