/**
 * ISO 7816-4 command and response APDUs: encoding (cases 1–4, short and extended length) and parsing.
 * Used by the card session, by the virtual card (which parses what the host sends) and by trace decoding.
 */
import { WorkbenchError } from '../../shared/errors.js';
import { toSpacedHex } from '../../shared/hex.js';

/**
 * A command APDU. `le` is Ne, the number of response bytes expected: 1–256 in short form (256 is sent
 * as Le=00), up to 65536 in extended form. Absent `le` means no response data expected (case 1 or 3).
 */
export interface CommandApdu {
  readonly cla: number;
  readonly ins: number;
  readonly p1: number;
  readonly p2: number;
  readonly data?: Uint8Array;
  readonly le?: number;
}

/** A response APDU split into data and status word; `sw` is SW1·256+SW2, e.g. 0x9000. */
export interface ResponseApdu {
  readonly data: Uint8Array;
  readonly sw1: number;
  readonly sw2: number;
  readonly sw: number;
}

export interface EncodeApduOptions {
  /**
   * Allows extended length fields when the data (> 255 bytes) or Le (> 256) does not fit the short
   * form. Off by default: many readers and most modems only carry short APDUs.
   */
  readonly allowExtended?: boolean;
}

const SHORT_MAX_DATA = 255;
const SHORT_MAX_LE = 256;
const EXTENDED_MAX_DATA = 65535;
const EXTENDED_MAX_LE = 65536;

function invalid(message: string, hint: string, details: Record<string, unknown>): WorkbenchError {
  return new WorkbenchError('APDU_INVALID', message, hint, { details });
}

function checkByte(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xff) {
    throw invalid(`${name} must be a byte (0–255), got ${value}.`, 'Fix the command header values.', { field: name, value });
  }
}

/** Encodes a command APDU in the shortest form ISO 7816-4 allows (see EncodeApduOptions). */
export function encodeCommandApdu(cmd: CommandApdu, options: EncodeApduOptions = {}): Uint8Array {
  checkByte('CLA', cmd.cla);
  checkByte('INS', cmd.ins);
  checkByte('P1', cmd.p1);
  checkByte('P2', cmd.p2);
  if (cmd.cla === 0xff) {
    throw invalid('CLA FF is reserved (it selects the PPS protocol).', 'Use a valid class byte, e.g. 00 or 80.', { cla: cmd.cla });
  }
  const data = cmd.data && cmd.data.length > 0 ? cmd.data : undefined;
  const le = cmd.le;
  if (le !== undefined && (!Number.isInteger(le) || le < 1 || le > EXTENDED_MAX_LE)) {
    throw invalid(`Le must be 1–65536 (256 is sent as 00), got ${le}.`, 'Give the number of response bytes expected, or leave Le out.', { le });
  }
  const needsExtended = (data !== undefined && data.length > SHORT_MAX_DATA) || (le !== undefined && le > SHORT_MAX_LE);
  if (needsExtended && !options.allowExtended) {
    throw new WorkbenchError(
      'APDU_TOO_LONG',
      `The command needs extended length (data ${data?.length ?? 0} bytes, Le ${le ?? 'none'}), which was not requested.`,
      'Split the data into several commands (e.g. STORE DATA blocks), or allow extended length if the reader and card support it.',
      { details: { dataLength: data?.length ?? 0, le } },
    );
  }
  if (data !== undefined && data.length > EXTENDED_MAX_DATA) {
    throw new WorkbenchError('APDU_TOO_LONG', `Command data of ${data.length} bytes exceeds 65535.`, 'Split the data into several commands.', {
      details: { dataLength: data.length },
    });
  }

  const header = [cmd.cla, cmd.ins, cmd.p1, cmd.p2];
  const parts: number[] = [...header];
  if (!needsExtended) {
    if (data !== undefined) parts.push(data.length);
    const body = data ?? new Uint8Array(0);
    const out = new Uint8Array(parts.length + body.length + (le !== undefined ? 1 : 0));
    out.set(parts, 0);
    out.set(body, parts.length);
    if (le !== undefined) out[out.length - 1] = le === SHORT_MAX_LE ? 0 : le;
    return out;
  }
  // Extended: a 00 marker, then two-byte Lc and/or Le (Le 65536 is sent as 00 00; in case 4E the
  // marker is carried by Lc so Le has no marker of its own).
  parts.push(0);
  if (data !== undefined) parts.push(data.length >> 8, data.length & 0xff);
  const body = data ?? new Uint8Array(0);
  const out = new Uint8Array(parts.length + body.length + (le !== undefined ? 2 : 0));
  out.set(parts, 0);
  out.set(body, parts.length);
  if (le !== undefined) {
    const field = le === EXTENDED_MAX_LE ? 0 : le;
    out[out.length - 2] = field >> 8;
    out[out.length - 1] = field & 0xff;
  }
  return out;
}

/** ISO 7816-4 case number of a command (1–4), and whether it uses extended length. */
export interface ParsedCommandApdu extends CommandApdu {
  readonly case: 1 | 2 | 3 | 4;
  readonly extended: boolean;
}

function lengthMismatch(bytes: Uint8Array, why: string): WorkbenchError {
  return new WorkbenchError('APDU_LENGTH_MISMATCH', `Command APDU length ${bytes.length} does not match its length fields: ${why}.`, 'The command is malformed; check Lc/Le against the data actually sent.', {
    details: { apdu: toSpacedHex(bytes) },
  });
}

/** Parses a command APDU (the virtual card's side, and trace decoding). */
export function parseCommandApdu(bytes: Uint8Array): ParsedCommandApdu {
  if (bytes.length < 4) {
    throw new WorkbenchError('APDU_TOO_SHORT', `A command APDU needs at least 4 header bytes, got ${bytes.length}.`, 'The command is truncated; resend the full CLA INS P1 P2 header.', {
      details: { apdu: toSpacedHex(bytes) },
    });
  }
  const [cla, ins, p1, p2] = [bytes[0] ?? 0, bytes[1] ?? 0, bytes[2] ?? 0, bytes[3] ?? 0];
  const head = { cla, ins, p1, p2 };
  if (bytes.length === 4) return { ...head, case: 1, extended: false };
  const b4 = bytes[4] ?? 0;
  if (bytes.length === 5) return { ...head, le: b4 === 0 ? SHORT_MAX_LE : b4, case: 2, extended: false };
  if (b4 !== 0) {
    const data = bytes.slice(5, 5 + b4);
    if (bytes.length === 5 + b4) return { ...head, data, case: 3, extended: false };
    if (bytes.length === 6 + b4) {
      const le = bytes[5 + b4] ?? 0;
      return { ...head, data, le: le === 0 ? SHORT_MAX_LE : le, case: 4, extended: false };
    }
    throw lengthMismatch(bytes, `short Lc ${b4}`);
  }
  // b4 = 00 with more bytes following: extended length.
  if (bytes.length < 7) throw lengthMismatch(bytes, 'extended length field truncated');
  const n = ((bytes[5] ?? 0) << 8) | (bytes[6] ?? 0);
  if (bytes.length === 7) return { ...head, le: n === 0 ? EXTENDED_MAX_LE : n, case: 2, extended: true };
  if (n === 0) throw lengthMismatch(bytes, 'extended Lc of 0');
  const data = bytes.slice(7, 7 + n);
  if (bytes.length === 7 + n) return { ...head, data, case: 3, extended: true };
  if (bytes.length === 9 + n) {
    const le = ((bytes[7 + n] ?? 0) << 8) | (bytes[8 + n] ?? 0);
    return { ...head, data, le: le === 0 ? EXTENDED_MAX_LE : le, case: 4, extended: true };
  }
  throw lengthMismatch(bytes, `extended Lc ${n}`);
}

/** Splits a response APDU into data and SW1 SW2. */
export function parseResponseApdu(bytes: Uint8Array): ResponseApdu {
  if (bytes.length < 2) {
    throw new WorkbenchError('APDU_RESPONSE_TOO_SHORT', `A response APDU needs at least the two status bytes, got ${bytes.length}.`, 'The card or transport returned a truncated answer; retry, and check the link if it repeats.', {
      details: { response: toSpacedHex(bytes) },
    });
  }
  const sw1 = bytes[bytes.length - 2] ?? 0;
  const sw2 = bytes[bytes.length - 1] ?? 0;
  return { data: bytes.slice(0, bytes.length - 2), sw1, sw2, sw: (sw1 << 8) | sw2 };
}

/** Builds a response APDU (data ‖ SW1 SW2); the virtual card's side. */
export function encodeResponseApdu(data: Uint8Array, sw: number): Uint8Array {
  const out = new Uint8Array(data.length + 2);
  out.set(data, 0);
  out[data.length] = (sw >> 8) & 0xff;
  out[data.length + 1] = sw & 0xff;
  return out;
}

/** A ResponseApdu from its parts. */
export function responseApdu(data: Uint8Array, sw1: number, sw2: number): ResponseApdu {
  return { data, sw1, sw2, sw: (sw1 << 8) | sw2 };
}

/** Status word as four upper-case hex digits, e.g. '6A82'. */
export function swToHex(sw1: number, sw2: number): string {
  return ((sw1 << 8) | sw2).toString(16).toUpperCase().padStart(4, '0');
}
