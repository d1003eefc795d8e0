/**
 * Typed errors of the card layer: refused status words (CARD_SW_ERROR, explained with the status
 * word table) and transport failures mapped to CARD_REMOVED / CARD_IO_ERROR.
 */
import { WorkbenchError, abortError, isWorkbenchError } from '../../shared/errors.js';
import type { ResponseApdu } from './apdu.js';
import { describeStatusWord, isSuccessStatusWord } from './status-words.js';

const DEFAULT_SW_HINT = 'The APDU log shows the exchange; the status word says why the card refused the command.';

/** What to do about a refused command, by status word (exact SW or SW1 + 'XX'). */
const SW_HINTS: Readonly<Record<string, string>> = {
  '6A82': 'The card has no file or application with this identifier. For the ISD-R, check the configured AID: some removable eSIMs use a non-standard one.',
  '6A88': 'The card has no application with this AID (not an eUICC, or a non-standard ISD-R AID), or the referenced data no longer exists.',
  '6881': 'The logical channel is not available: it was closed (e.g. by a REFRESH after enabling a profile) or the card has no free channels. Reopen it.',
  '6E00': 'The card rejected the class byte. On channels 4–19 the CLA uses the 0x40/0xC0 form; some cards support channels 0–3 only.',
  '6D00': 'The card does not know this instruction, e.g. an ES10 command sent to an application that is not the ISD-R.',
  '6700': 'Wrong length. Try the compatibility STORE DATA segment size (120).',
  '6982': 'Access requires a PIN or authentication first.',
  '6983': 'The PIN is blocked; it needs the PUK.',
  '6985': 'The card is in the wrong state for this command (e.g. an ES10 call out of order).',
  '6A84': 'The card is out of memory: delete a profile or free space first.',
  '9300': 'The SIM toolkit is busy; retry the command later.',
  '66XX': 'Some modems answer this to long APDUs: try the compatibility STORE DATA segment size (120).',
  '6FXX': 'The card reported an internal error. Retry once; if it repeats, power-cycle the card.',
};

function hintFor(swHex: string): string {
  return SW_HINTS[swHex] ?? SW_HINTS[`${swHex.slice(0, 2)}XX`] ?? DEFAULT_SW_HINT;
}

/** The CARD_SW_ERROR for a response the card refused. `what` names the command, e.g. 'SELECT ISD-R'. */
export function statusWordError(what: string, response: Pick<ResponseApdu, 'sw1' | 'sw2'>, details: Record<string, unknown> = {}): WorkbenchError {
  const info = describeStatusWord(response.sw1, response.sw2);
  return new WorkbenchError('CARD_SW_ERROR', `${what} failed: the card answered ${info.sw} (${info.meaning}).`, hintFor(info.sw), {
    details: { ...details, sw: info.sw, sw1: response.sw1, sw2: response.sw2, meaning: info.meaning, category: info.category },
  });
}

/** Returns the response when its SW counts as success (ok or warning), else throws CARD_SW_ERROR. */
export function expectSuccess(what: string, response: ResponseApdu): ResponseApdu {
  if (!isSuccessStatusWord(response.sw1, response.sw2)) throw statusWordError(what, response);
  return response;
}

/**
 * How transports and OS stacks say "the card is gone". Transports should throw
 * WorkbenchError('CARD_REMOVED', …); these catch the rest (PC/SC codes, modem replies).
 */
const REMOVAL_PATTERNS: readonly RegExp[] = [
  /CARD_REMOVED|CARD_ABSENT/,
  /card (was |has been )?removed/i,
  /SCARD_W_REMOVED_CARD|0x80100069/i,
  /SCARD_E_NO_SMARTCARD|0x8010000C/i,
  /no smart ?card/i,
  /SIM (card )?not inserted/i,
  /card (is )?(absent|not present)/i,
  /\+CME ERROR: 10\b/,
];

/**
 * Maps a failure thrown by a transport to the card layer's errors: ABORTED stays ABORTED (also when
 * the transport failed because the signal fired), removal becomes CARD_REMOVED, anything else
 * CARD_IO_ERROR. The original is kept as `cause`.
 */
export function mapTransportError(err: unknown, transportId: string, signal: AbortSignal | undefined): WorkbenchError {
  if (isWorkbenchError(err, 'ABORTED')) return err;
  if (signal?.aborted) return abortError('Card exchange');
  const message = err instanceof Error ? err.message : String(err);
  const code = isWorkbenchError(err) ? err.code : undefined;
  const text = `${code ?? ''} ${message}`;
  const details = { transportId, transportCode: code, transportMessage: message };
  if (REMOVAL_PATTERNS.some((p) => p.test(text))) {
    return new WorkbenchError('CARD_REMOVED', `The card is no longer reachable on ${transportId}: ${message}`, 'Re-insert the card (or check that the modem still sees the SIM) and reconnect. The eUICC state will be read again; nothing is assumed about the interrupted command.', {
      cause: err,
      details,
    });
  }
  return new WorkbenchError('CARD_IO_ERROR', `Card I/O failed on ${transportId}: ${message}`, 'Check the reader or modem connection and retry; if it persists, reconnect the device.', {
    cause: err,
    details,
  });
}
