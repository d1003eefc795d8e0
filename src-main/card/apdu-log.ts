/**
 * THE APDU log tap (ARCHITECTURE.md §1, §6): every exchange the card layer makes is recorded here,
 * annotated, with PIN/PUK values masked before anything is stored or handed to a listener.
 * A bounded ring buffer; front ends subscribe with `onEntry`.
 */
import { toSpacedHex } from '../../shared/hex.js';
import { parseCommandApdu } from './apdu.js';
import { hasSecretData } from './instructions.js';
import { describeStatusWord } from './status-words.js';

export interface ApduLogEntry {
  /** Sequence number, increasing for the life of the log (not reset by clear()). */
  readonly seq: number;
  /** When the command was sent, ISO 8601. */
  readonly time: string;
  readonly durationMs: number;
  readonly transportId: string;
  readonly channel: number;
  /** Command as spaced upper-case hex, secrets masked. */
  readonly command: string;
  /** Response (data ‖ SW) as spaced hex; empty when the exchange failed. */
  readonly response: string;
  /** Status word, e.g. '9000'; empty when there was no valid response. */
  readonly sw: string;
  readonly swMeaning: string;
  /** What the exchange was for, e.g. 'STORE DATA → ES10c.GetProfilesInfo'. */
  readonly annotation?: string;
  /** True when part of the command was masked. */
  readonly redacted: boolean;
  /** Why the exchange failed (transport error), when it did. */
  readonly error?: string;
}

/** What the card session reports for one exchange. */
export interface ApduExchangeRecord {
  readonly startedAt: Date;
  readonly durationMs: number;
  readonly transportId: string;
  readonly channel: number;
  readonly command: Uint8Array;
  /** Raw response; absent when the transport failed. */
  readonly response?: Uint8Array;
  readonly annotation?: string;
  readonly error?: string;
}

export type ApduLogListener = (entry: ApduLogEntry) => void;

export interface ApduLogOptions {
  /** Entries kept; the oldest are dropped first. Default 5000. */
  readonly capacity?: number;
}

/** Shown instead of each secret byte; not a hex digit, so it cannot be mistaken for data. */
const MASK_BYTE = '**';

/**
 * Command hex with the data field of PIN-carrying commands (VERIFY, CHANGE REFERENCE DATA,
 * ENABLE/DISABLE VERIFICATION, RESET RETRY COUNTER) replaced by a mask of the same length.
 */
export function redactCommand(command: Uint8Array): { hex: string; redacted: boolean } {
  const ins = command[1];
  if (ins === undefined || !hasSecretData(ins) || command.length <= 5) return { hex: toSpacedHex(command), redacted: false };
  let dataStart: number;
  let dataLength: number;
  try {
    const parsed = parseCommandApdu(command);
    const n = parsed.data?.length ?? 0;
    if (n === 0) return { hex: toSpacedHex(command), redacted: false };
    dataStart = parsed.extended ? 7 : 5;
    dataLength = n;
  } catch {
    // Malformed: mask everything after the header and P3, since it may still hold the PIN.
    dataStart = 5;
    dataLength = command.length - 5;
  }
  const hex = [
    toSpacedHex(command.subarray(0, dataStart)),
    Array.from({ length: dataLength }, () => MASK_BYTE).join(' '),
    toSpacedHex(command.subarray(dataStart + dataLength)),
  ]
    .filter((part) => part !== '')
    .join(' ');
  return { hex, redacted: true };
}

export class ApduLog {
  readonly capacity: number;
  private readonly ring: (ApduLogEntry | undefined)[];
  private start = 0;
  private size = 0;
  private nextSeq = 1;
  private readonly listeners = new Set<ApduLogListener>();

  constructor(options: ApduLogOptions = {}) {
    const capacity = options.capacity ?? 5000;
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ApduLog capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.ring = new Array<ApduLogEntry | undefined>(capacity);
  }

  /** Records one exchange: redacts, describes the SW, stores, notifies listeners. */
  record(exchange: ApduExchangeRecord): ApduLogEntry {
    const { hex, redacted } = redactCommand(exchange.command);
    const response = exchange.response;
    const hasSw = response !== undefined && response.length >= 2;
    const sw1 = hasSw ? (response[response.length - 2] ?? 0) : 0;
    const sw2 = hasSw ? (response[response.length - 1] ?? 0) : 0;
    const info = hasSw ? describeStatusWord(sw1, sw2) : undefined;
    const entry: ApduLogEntry = {
      seq: this.nextSeq++,
      time: exchange.startedAt.toISOString(),
      durationMs: Math.round(exchange.durationMs * 10) / 10,
      transportId: exchange.transportId,
      channel: exchange.channel,
      command: hex,
      response: response === undefined ? '' : toSpacedHex(response),
      sw: info?.sw ?? '',
      swMeaning: info?.meaning ?? (response === undefined ? '' : 'Response shorter than a status word'),
      ...(exchange.annotation === undefined ? {} : { annotation: exchange.annotation }),
      redacted,
      ...(exchange.error === undefined ? {} : { error: exchange.error }),
    };
    this.push(entry);
    for (const listener of this.listeners) {
      try {
        listener(entry);
      } catch (err) {
        // A faulty viewer must not break card traffic; say so instead of failing the exchange.
        console.warn('APDU log listener failed:', err);
      }
    }
    return entry;
  }

  private push(entry: ApduLogEntry): void {
    const index = (this.start + this.size) % this.capacity;
    this.ring[index] = entry;
    if (this.size < this.capacity) this.size++;
    else this.start = (this.start + 1) % this.capacity;
  }

  /** Subscribes to new entries; returns the unsubscribe function. */
  onEntry(listener: ApduLogListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Entries held, oldest first. */
  entries(): ApduLogEntry[] {
    const out: ApduLogEntry[] = [];
    for (let i = 0; i < this.size; i++) {
      const entry = this.ring[(this.start + i) % this.capacity];
      if (entry !== undefined) out.push(entry);
    }
    return out;
  }

  clear(): void {
    this.ring.fill(undefined);
    this.start = 0;
    this.size = 0;
  }

  /** The held entries as text, one line each (for "save log" and bug reports). */
  toTextLines(): string[] {
    return this.entries().map(formatApduLogEntry);
  }
}

/** One entry as a text line: `#seq time chN transport duration > command < response [SW meaning] annotation`. */
export function formatApduLogEntry(entry: ApduLogEntry): string {
  const outcome = entry.error !== undefined ? `!! ${entry.error}` : `< ${entry.response} [${entry.sw} ${entry.swMeaning}]`;
  const note = entry.annotation === undefined ? '' : ` ${entry.annotation}`;
  return `#${entry.seq} ${entry.time} ch${entry.channel} ${entry.transportId} ${entry.durationMs}ms > ${entry.command} ${outcome}${note}`;
}
