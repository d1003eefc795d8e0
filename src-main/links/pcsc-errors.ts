/**
 * PC/SC failures as data: one row per SCARD_* code the workbench can meet, saying what it means to
 * a technician and what to do. `pcscError` turns whatever the binding threw ("SCardTransmit error:
 * Card was removed.(0x80100069)") into the row's WorkbenchError. Removal rows use the card layer's
 * CARD_REMOVED / CARD_ABSENT codes, so `mapTransportError` reports "card removed".
 */
import { WorkbenchError, isWorkbenchError } from '../../shared/errors.js';

export interface PcscErrorRow {
  /** pcsclite.h value, e.g. 0x80100069. */
  readonly value: number;
  readonly name: string;
  /** The WorkbenchError code it becomes. */
  readonly code: string;
  /** What happened, completing "<operation> on <reader>: …". */
  readonly what: string;
  readonly hint: string;
}

const START_PCSCD = 'Start the PC/SC daemon: `sudo systemctl start pcscd` (or `sudo systemctl enable --now pcscd.socket` so it starts on demand); install it with `sudo apt-get install pcscd` if it is missing.';
const REINSERT = 'Re-insert the card and reconnect; the eUICC state is read again, nothing is assumed about the interrupted command.';
const CHECK_CARD = 'Check that the card sits the right way round and fully in the reader (or its SIM adapter), then re-insert it. Some readers cannot power 1.8 V-only cards.';
const RECONNECT_READER = 'Plug the reader in again (or restart pcscd if it lost the driver), then reconnect.';

/** The SCARD codes with their meaning and hint. Order matters only for readability. */
export const PCSC_ERRORS: readonly PcscErrorRow[] = [
  { value: 0x8010001d, name: 'SCARD_E_NO_SERVICE', code: 'PCSC_UNAVAILABLE', what: 'the PC/SC daemon (pcscd) is not running', hint: START_PCSCD },
  { value: 0x8010001e, name: 'SCARD_E_SERVICE_STOPPED', code: 'PCSC_UNAVAILABLE', what: 'the PC/SC daemon (pcscd) has shut down', hint: START_PCSCD },
  { value: 0x80100013, name: 'SCARD_F_COMM_ERROR', code: 'PCSC_UNAVAILABLE', what: 'the connection to the PC/SC daemon broke (pcscd stopped or crashed)', hint: START_PCSCD },
  {
    value: 0x8010000b,
    name: 'SCARD_E_SHARING_VIOLATION',
    code: 'PCSC_READER_BUSY',
    what: 'the reader is busy: another program holds the card exclusively (or this program asked for exclusive access while another one is connected)',
    hint: 'Close the other program using the reader — e.g. GnuPG\'s scdaemon (`gpgconf --kill scdaemon`), a browser with a smart-card extension, another LPA or an OpenSC tool — or connect in shared mode, then retry.',
  },
  { value: 0x80100069, name: 'SCARD_W_REMOVED_CARD', code: 'CARD_REMOVED', what: 'the card was removed', hint: REINSERT },
  { value: 0x8010000c, name: 'SCARD_E_NO_SMARTCARD', code: 'CARD_ABSENT', what: 'no card is in the reader (card absent)', hint: 'Insert the card (chip facing the contacts) and try again.' },
  { value: 0x80100066, name: 'SCARD_W_UNRESPONSIVE_CARD', code: 'PCSC_CARD_UNRESPONSIVE', what: 'the card does not answer (no ATR after power-on)', hint: CHECK_CARD },
  { value: 0x80100067, name: 'SCARD_W_UNPOWERED_CARD', code: 'PCSC_CARD_UNRESPONSIVE', what: 'the card is not powered', hint: CHECK_CARD },
  { value: 0x8010000f, name: 'SCARD_E_PROTO_MISMATCH', code: 'PCSC_PROTOCOL_MISMATCH', what: 'the card does not offer the requested protocol (T=0/T=1)', hint: 'Let PC/SC negotiate the protocol (the default) instead of forcing T=0 or T=1.' },
  { value: 0x8010001c, name: 'SCARD_E_CARD_UNSUPPORTED', code: 'PCSC_CARD_UNSUPPORTED', what: 'the reader driver does not support this card', hint: CHECK_CARD },
  { value: 0x80100065, name: 'SCARD_W_UNSUPPORTED_CARD', code: 'PCSC_CARD_UNSUPPORTED', what: 'the card\'s ATR is not supported by the reader driver', hint: CHECK_CARD },
  {
    value: 0x80100068,
    name: 'SCARD_W_RESET_CARD',
    code: 'PCSC_CARD_RESET',
    what: 'another program reset the card, so its logical channels and selections are gone',
    hint: 'Reconnect and start the operation again; use exclusive access if another program keeps resetting the card.',
  },
  { value: 0x80100017, name: 'SCARD_E_READER_UNAVAILABLE', code: 'PCSC_READER_UNAVAILABLE', what: 'the reader is no longer available (unplugged, or its driver stopped)', hint: RECONNECT_READER },
  { value: 0x80100009, name: 'SCARD_E_UNKNOWN_READER', code: 'PCSC_READER_UNAVAILABLE', what: 'pcscd does not know this reader (it was unplugged or renamed)', hint: RECONNECT_READER },
  { value: 0x8010002e, name: 'SCARD_E_NO_READERS_AVAILABLE', code: 'PCSC_NO_READERS', what: 'no smart-card reader is connected', hint: 'Plug in a reader; if it is plugged in, check that pcscd has a driver for it (`pcsc_scan`, package libccid).' },
  { value: 0x8010000a, name: 'SCARD_E_TIMEOUT', code: 'PCSC_TIMEOUT', what: 'the reader or card did not answer in time', hint: 'Retry; if it keeps timing out, re-insert the card or plug the reader into another port.' },
  { value: 0x80100016, name: 'SCARD_E_NOT_TRANSACTED', code: 'PCSC_TRANSMIT_FAILED', what: 'the APDU could not be exchanged with the card', hint: 'Retry once; if it repeats, re-insert the card.' },
  { value: 0x8010002f, name: 'SCARD_E_COMM_DATA_LOST', code: 'PCSC_TRANSMIT_FAILED', what: 'data was lost between reader and card', hint: 'Retry once; if it repeats, re-insert the card.' },
  { value: 0x80100008, name: 'SCARD_E_INSUFFICIENT_BUFFER', code: 'PCSC_TRANSMIT_FAILED', what: 'the card answered more data than the receive buffer holds', hint: 'Report this with the APDU log: the response exceeded 64 KiB.' },
  { value: 0x80100003, name: 'SCARD_E_INVALID_HANDLE', code: 'PCSC_NOT_CONNECTED', what: 'the connection to the card is no longer valid', hint: 'Reconnect to the reader.' },
  { value: 0x80100002, name: 'SCARD_E_CANCELLED', code: 'PCSC_CANCELLED', what: 'the PC/SC call was cancelled', hint: 'Nothing to do; start it again when ready.' },
];

const BY_VALUE: ReadonlyMap<number, PcscErrorRow> = new Map(PCSC_ERRORS.map((r) => [r.value, r]));
const BY_NAME: ReadonlyMap<string, PcscErrorRow> = new Map(PCSC_ERRORS.map((r) => [r.name, r]));

/** The binding's messages end with the code: "SCardConnect error: Sharing violation.(0x8010000b)". */
const BINDING_MESSAGE = /^(\w+) error: (.*?)\s*\(0x([0-9a-f]{8})\)\s*$/i;

export interface ParsedPcscFailure {
  /** PC/SC function that failed, e.g. 'SCardTransmit'. */
  readonly call?: string;
  readonly value?: number;
  /** pcsc_stringify_error text. */
  readonly text: string;
}

/** Splits a binding error message into call, code and text. */
export function parsePcscFailure(err: unknown): ParsedPcscFailure {
  const message = err instanceof Error ? err.message : String(err);
  const m = BINDING_MESSAGE.exec(message);
  if (!m) return { text: message };
  return { call: m[1], text: m[2] ?? '', value: Number.parseInt(m[3] ?? '0', 16) };
}

export function pcscErrorRow(value: number): PcscErrorRow | undefined {
  return BY_VALUE.get(value >>> 0);
}

export interface PcscErrorContext {
  /** What was being done, e.g. 'Connecting to the card', 'Sending the APDU'. */
  readonly operation: string;
  readonly reader?: string;
}

function where(ctx: PcscErrorContext): string {
  return ctx.reader === undefined ? '' : ` on "${ctx.reader}"`;
}

function rowError(row: PcscErrorRow, ctx: PcscErrorContext, cause: unknown, details: Record<string, unknown>): WorkbenchError {
  return new WorkbenchError(row.code, `${ctx.operation}${where(ctx)} failed: ${row.what}.`, row.hint, { cause, details: { ...details, scardName: row.name } });
}

/**
 * The WorkbenchError for a PC/SC failure. WorkbenchErrors pass through unchanged; unknown codes
 * become PCSC_ERROR with the daemon's own text.
 */
export function pcscError(err: unknown, ctx: PcscErrorContext): WorkbenchError {
  if (isWorkbenchError(err)) return err;
  const failure = parsePcscFailure(err);
  const row = failure.value === undefined ? undefined : pcscErrorRow(failure.value);
  const details = {
    ...(ctx.reader === undefined ? {} : { reader: ctx.reader }),
    ...(failure.call === undefined ? {} : { call: failure.call }),
    ...(failure.value === undefined ? {} : { scard: `0x${failure.value.toString(16).toUpperCase()}` }),
    pcscMessage: failure.text,
  };
  if (row !== undefined) return rowError(row, ctx, err, details);
  return new WorkbenchError('PCSC_ERROR', `${ctx.operation}${where(ctx)} failed: ${failure.text}`, 'Retry; if it persists, re-insert the card or restart pcscd (`sudo systemctl restart pcscd`).', { cause: err, details });
}

/** The error of the row named `name` (e.g. 'SCARD_W_REMOVED_CARD') for a failure the daemon did not report as such. */
export function pcscErrorNamed(name: string, ctx: PcscErrorContext, cause?: unknown): WorkbenchError {
  const row = BY_NAME.get(name);
  if (row === undefined) throw new RangeError(`no PC/SC error row named ${name}`);
  return rowError(row, ctx, cause, ctx.reader === undefined ? {} : { reader: ctx.reader });
}
