/**
 * A card in a PC/SC reader as a raw card transport: every APDU goes to the card as is; the card
 * layer does T=0 GET RESPONSE and logical channels. Shared access by default, so other programs
 * may use the reader too; the protocol is whatever PC/SC negotiated (recorded in `protocol`).
 */
import { WorkbenchError, abortError, throwIfAborted } from '../../../shared/errors.js';
import type { RawCardTransport, TransportInfo } from '../../card/transport.js';
import type { PcscConnection, PcscContext, PcscProtocol, PcscProtocolChoice, PcscShareMode } from '../../links/pcsc-context.js';

export interface PcscCardTransportOptions {
  /** Default 'shared'. */
  readonly shareMode?: PcscShareMode;
  /** Default 'any': PC/SC negotiates T=0 or T=1 from the ATR. */
  readonly protocol?: PcscProtocolChoice;
  /**
   * Longest wait for one answer, ms (default 60 000). A card that never answers must not hang the
   * app; ES10 commands on real cards take seconds at most.
   */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

const DEFAULT_TIMEOUT_MS = 60_000;

/** Transport id of a reader: `pcsc:<reader name>`. */
export function pcscTransportId(reader: string): string {
  return `pcsc:${reader}`;
}

export class PcscCardTransport implements RawCardTransport {
  readonly shape = 'raw' as const;
  readonly info: TransportInfo;
  readonly #connection: PcscConnection;
  readonly #timeoutMs: number;
  /** The daemon's calls, one after the other (the last one, settled or not). */
  #queue: Promise<unknown> = Promise.resolve();
  /** A call outlived its timeout and has not come back from the daemon yet. */
  #stuck = false;
  #closed = false;

  private constructor(connection: PcscConnection, timeoutMs: number) {
    this.#connection = connection;
    this.#timeoutMs = timeoutMs;
    // Short APDUs: STORE DATA segments stay ≤ 255 bytes, which every reader carries.
    this.info = { id: pcscTransportId(connection.reader), label: `${connection.reader} (PC/SC)`, kind: 'pcsc', maxCommandData: 255 };
  }

  /** Connects to the card in `reader`. Throws the mapped PC/SC error (CARD_ABSENT, PCSC_READER_BUSY, …). */
  static async open(context: PcscContext, reader: string, options: PcscCardTransportOptions = {}): Promise<PcscCardTransport> {
    const connection = await context.connect(reader, { shareMode: options.shareMode, protocol: options.protocol, signal: options.signal });
    return new PcscCardTransport(connection, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  }

  get reader(): string {
    return this.#connection.reader;
  }

  /** The protocol PC/SC established: 'T=0', 'T=1' (or 'raw'). Changes only on reset. */
  get protocol(): PcscProtocol {
    return this.#connection.protocol;
  }

  get shareMode(): PcscShareMode {
    return this.#connection.shareMode;
  }

  async getAtr(signal?: AbortSignal): Promise<Uint8Array> {
    throwIfAborted(signal, 'Reading the ATR');
    this.#assertOpen();
    return this.#connection.atr;
  }

  async transmit(command: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    return this.#call('Sending the APDU', () => this.#connection.transmit(command), signal);
  }

  /** Warm reset (the card is reset and connected again); returns the ATR. Logical channels are gone. */
  async reset(signal?: AbortSignal): Promise<Uint8Array> {
    return this.#call('Resetting the card', () => this.#connection.reset(), signal);
  }

  /** Disconnects, leaving the card powered for other programs. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const done = this.#queue.then(() => this.#connection.close());
    // A call the daemon never answered would block the disconnect too: do not wait for it.
    if (this.#stuck) done.catch(() => undefined);
    else await done;
  }

  /** Runs `fn` after the previous call, bounded by the timeout and the caller's signal. */
  #call<T>(what: string, fn: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    throwIfAborted(signal, what);
    this.#assertOpen();
    const run = this.#queue.then(() => {
      this.#assertOpen();
      return fn();
    });
    this.#queue = run.then(
      () => (this.#stuck = false),
      () => (this.#stuck = false),
    );
    return new Promise<T>((resolve, reject) => {
      const finish = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = (): void => {
        finish();
        reject(abortError(what));
      };
      const timer = setTimeout(() => {
        finish();
        this.#stuck = true;
        reject(this.#timeoutError(what));
      }, this.#timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      run.then(
        (v) => {
          finish();
          resolve(v);
        },
        (e: unknown) => {
          finish();
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }

  #timeoutError(what: string): WorkbenchError {
    return new WorkbenchError('PCSC_TIMEOUT', `${what} on "${this.reader}" failed: no answer within ${Math.round(this.#timeoutMs / 1000)} s.`, 'The card or reader stopped answering: re-insert the card (or replug the reader) and reconnect.', {
      details: { reader: this.reader, timeoutMs: this.#timeoutMs },
    });
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new WorkbenchError('PCSC_NOT_CONNECTED', `The connection to "${this.reader}" is closed.`, 'Reconnect to the reader.', { details: { reader: this.reader } });
    }
  }
}
