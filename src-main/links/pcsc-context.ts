/**
 * The link to the PC/SC daemon: loads the binding lazily, watches readers and cards (hotplug as
 * events), and hands out one connection per reader. When pcscd is missing or goes away the context
 * reports PCSC_UNAVAILABLE with the reason instead of failing; the next call tries again.
 */
import { WorkbenchError, abortError, isWorkbenchError, throwIfAborted } from '../../shared/errors.js';
import { pcscError, pcscErrorNamed } from './pcsc-errors.js';
import type { PcscLibraryLoader, PcscLite, PcscLiteFactory, PcscLiteReader, PcscLiteStatus } from './pcsc-library.js';
import { SCARD, loadPcscLibrary } from './pcsc-library.js';

/** What one reader reports. */
export interface PcscReaderState {
  readonly name: string;
  readonly cardPresent: boolean;
  /** ATR of the card in the reader (empty when there is none, or while it is mute). */
  readonly atr: Uint8Array;
  /** A card is there but gave no ATR (inserted wrongly, unsupported voltage). */
  readonly mute: boolean;
  /** Another program holds the card exclusively. */
  readonly exclusive: boolean;
  readonly inUse: boolean;
  /** The daemon cannot use the reader (driver problem). */
  readonly unavailable: boolean;
  /** pcscd's card event counter for this reader: it changes with every insertion and removal. */
  readonly cardEvents: number;
}

export type PcscEvent =
  | { readonly type: 'reader-added'; readonly reader: PcscReaderState }
  | { readonly type: 'reader-removed'; readonly reader: string }
  | { readonly type: 'card-inserted'; readonly reader: string; readonly atr: Uint8Array; readonly mute: boolean }
  | { readonly type: 'card-removed'; readonly reader: string }
  /** The daemon went away (or could not be reached when watching started). */
  | { readonly type: 'unavailable'; readonly error: WorkbenchError };

export type PcscShareMode = 'shared' | 'exclusive';
/** What to ask for; 'any' lets PC/SC negotiate (the default). */
export type PcscProtocolChoice = 'T=0' | 'T=1' | 'any';
export type PcscProtocol = 'T=0' | 'T=1' | 'raw';

export type PcscAvailability = { readonly state: 'not-started' } | { readonly state: 'available' } | { readonly state: 'unavailable'; readonly error: WorkbenchError };

export interface PcscConnectOptions {
  readonly shareMode?: PcscShareMode;
  readonly protocol?: PcscProtocolChoice;
  readonly signal?: AbortSignal;
}

export interface PcscContextOptions {
  /** How to load the binding; tests pass a fake. Default: `pcsclite` from node_modules. */
  readonly loadLibrary?: PcscLibraryLoader;
}

const PROTOCOL_REQUEST: Readonly<Record<PcscProtocolChoice, number>> = {
  'T=0': SCARD.protocolT0,
  'T=1': SCARD.protocolT1,
  any: SCARD.protocolT0 | SCARD.protocolT1,
};

/** Largest response: 64 KiB of data (extended length) plus SW1 SW2. */
const MAX_RESPONSE = 65536 + 2;

/**
 * How long to wait for the daemon to report a removal after a failed or empty exchange. Some drivers
 * (vpcd) answer a card pulled mid-command with an empty response before the reader state changes.
 */
const CARD_LEFT_WAIT_MS = 1500;

/** Failures that may really be a pulled card: checked against the reader state. */
const MAYBE_REMOVED: ReadonlySet<string> = new Set(['PCSC_TRANSMIT_FAILED', 'PCSC_CARD_UNRESPONSIVE', 'PCSC_ERROR', 'PCSC_NOT_CONNECTED']);

function protocolName(value: number | undefined): PcscProtocol {
  if (value === SCARD.protocolT0) return 'T=0';
  if (value === SCARD.protocolT1) return 'T=1';
  return 'raw';
}

/** Decodes a binding status event into a reader state. */
export function readerStateOf(name: string, status: PcscLiteStatus): PcscReaderState {
  const flags = status.state & 0xffff;
  const has = (bit: number): boolean => (flags & bit) !== 0;
  const cardPresent = has(SCARD.statePresent);
  return {
    name,
    cardPresent,
    atr: cardPresent && status.atr !== undefined ? Uint8Array.from(status.atr) : new Uint8Array(0),
    mute: cardPresent && has(SCARD.stateMute),
    exclusive: has(SCARD.stateExclusive),
    inUse: has(SCARD.stateInUse),
    unavailable: has(SCARD.stateUnavailable),
    cardEvents: (status.state >>> 16) & 0xffff,
  };
}

/** Card events implied by a reader's state change (a swap between two polls shows as removed + inserted). */
export function cardEventsBetween(before: PcscReaderState, after: PcscReaderState): PcscEvent[] {
  const swapped = before.cardPresent && after.cardPresent && before.cardEvents !== after.cardEvents;
  const events: PcscEvent[] = [];
  if (before.cardPresent && (!after.cardPresent || swapped)) events.push({ type: 'card-removed', reader: after.name });
  if (after.cardPresent && (!before.cardPresent || swapped)) events.push({ type: 'card-inserted', reader: after.name, atr: after.atr, mute: after.mute });
  return events;
}

interface ReaderEntry {
  readonly reader: PcscLiteReader;
  state: PcscReaderState | undefined;
  /** Resolves at the first status (or when the reader ends first). */
  readonly firstStatus: Promise<void>;
  readonly settleFirst: () => void;
  connection: PcscConnection | undefined;
}

interface Session {
  readonly lib: PcscLite;
  readonly readers: Map<string, ReaderEntry>;
  ended: boolean;
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

function connectNative(native: PcscLiteReader, shareMode: PcscShareMode, protocol: PcscProtocolChoice): Promise<PcscProtocol> {
  return new Promise((resolve, reject) => {
    native.connect({ share_mode: shareMode === 'exclusive' ? SCARD.shareExclusive : SCARD.shareShared, protocol: PROTOCOL_REQUEST[protocol] }, (err, value) => (err ? reject(err) : resolve(protocolName(value))));
  });
}

function disconnectNative(native: PcscLiteReader, disposition: number): Promise<void> {
  return new Promise((resolve, reject) => native.disconnect(disposition, (err) => (err ? reject(err) : resolve())));
}

function unavailable(err: unknown): WorkbenchError {
  const mapped = pcscError(err, { operation: 'Connecting to the PC/SC daemon' });
  if (mapped.code === 'PCSC_UNAVAILABLE') return mapped;
  return new WorkbenchError('PCSC_UNAVAILABLE', `PC/SC is unavailable: ${mapped.message}`, mapped.hint, { cause: err, details: mapped.details });
}

/** Resolves with `work`, or rejects with ABORTED when `signal` fires first (the work still runs to its end). */
function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined, what: string): Promise<T> {
  if (signal === undefined) return work;
  throwIfAborted(signal, what);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError(what));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

export class PcscContext {
  readonly #loadLibrary: PcscLibraryLoader;
  #factory: PcscLiteFactory | undefined;
  #session: Session | undefined;
  #starting: Promise<Session> | undefined;
  #availability: PcscAvailability = { state: 'not-started' };
  #closed = false;
  readonly #listeners = new Set<(event: PcscEvent) => void>();
  /** Internal: called after every reader change (for waitForReader). */
  readonly #changeWaiters = new Set<() => void>();

  constructor(options: PcscContextOptions = {}) {
    this.#loadLibrary = options.loadLibrary ?? loadPcscLibrary;
  }

  get availability(): PcscAvailability {
    return this.#availability;
  }

  /** Subscribes to reader and card events; returns the unsubscribe function. */
  on(listener: (event: PcscEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Loads the binding, connects to pcscd and waits for the first reader scan. Idempotent; after a
   * failure (or after the daemon went away) the next call tries again. Throws PCSC_UNAVAILABLE.
   */
  async start(signal?: AbortSignal): Promise<void> {
    await this.#ensureSession(signal);
  }

  /** The readers with their current state (starts the context when needed). */
  async readers(signal?: AbortSignal): Promise<PcscReaderState[]> {
    const session = await this.#ensureSession(signal);
    return [...session.readers.values()].flatMap((e) => (e.state === undefined ? [] : [e.state]));
  }

  /** The current state of `name`, without starting anything. */
  reader(name: string): PcscReaderState | undefined {
    return this.#session?.readers.get(name)?.state;
  }

  /** True while this context has a connection open to the card in `name`. */
  connectedHere(name: string): boolean {
    return this.#session?.readers.get(name)?.connection !== undefined;
  }

  /**
   * Resolves with the state of `name` (undefined: no such reader) as soon as `predicate` holds,
   * checking now and after every change.
   */
  async waitForReader(name: string, predicate: (state: PcscReaderState | undefined) => boolean, signal?: AbortSignal): Promise<PcscReaderState | undefined> {
    await this.#ensureSession(signal);
    const current = (): PcscReaderState | undefined => this.reader(name);
    if (predicate(current())) return current();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!predicate(current())) return;
        done();
        resolve(current());
      };
      const onAbort = (): void => {
        done();
        reject(abortError(`Waiting for reader "${name}"`));
      };
      const done = (): void => {
        this.#changeWaiters.delete(check);
        signal?.removeEventListener('abort', onAbort);
      };
      this.#changeWaiters.add(check);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Connects to the card in `reader` (shared by default, protocol negotiated by PC/SC). One
   * connection per reader at a time in this context.
   */
  async connect(reader: string, options: PcscConnectOptions = {}): Promise<PcscConnection> {
    const session = await this.#ensureSession(options.signal);
    const entry = session.readers.get(reader);
    if (entry === undefined) {
      throw new WorkbenchError('PCSC_READER_NOT_FOUND', `There is no PC/SC reader named "${reader}".`, 'List the readers (`ewb device list`) and pick one of those shown; it may have been unplugged.', {
        details: { reader, readers: [...session.readers.keys()] },
      });
    }
    if (entry.connection !== undefined) {
      throw new WorkbenchError('PCSC_READER_IN_USE', `"${reader}" is already in use by another operation of this program.`, 'Wait for the other operation to finish (or cancel it), then retry.', { details: { reader } });
    }
    const shareMode = options.shareMode ?? 'shared';
    const requested = options.protocol ?? 'any';
    const native = entry.reader;
    // A handle left over from a failed disconnect would make the binding skip the connect call.
    if (native.connected) await disconnectNative(native, SCARD.leaveCard).catch(() => (native.connected = false));
    const protocol = await abortable(
      connectNative(native, shareMode, requested).catch((err: unknown) => {
        throw pcscError(err, { operation: 'Connecting to the card', reader });
      }),
      options.signal,
      'Connecting to the card',
    ).catch(async (err: unknown) => {
      // An abort can arrive while the connect completes: do not leave a handle behind.
      if (isWorkbenchError(err, 'ABORTED')) await disconnectNative(native, SCARD.leaveCard).catch(() => undefined);
      throw err;
    });
    const connection = new PcscConnection({
      reader,
      shareMode,
      protocol,
      atr: entry.state?.atr ?? new Uint8Array(0),
      cardEvents: entry.state?.cardEvents ?? 0,
      native,
      reconnect: async () => ({ protocol: await connectNative(native, shareMode, requested), atr: entry.state?.atr ?? new Uint8Array(0), cardEvents: entry.state?.cardEvents ?? 0 }),
      cardLeft: async (since) => {
        const left = (s: PcscReaderState | undefined): boolean => s === undefined || !s.cardPresent || s.cardEvents !== since;
        return this.waitForReader(reader, left, AbortSignal.timeout(CARD_LEFT_WAIT_MS)).then(
          () => true,
          () => false,
        );
      },
      released: () => {
        if (entry.connection === connection) entry.connection = undefined;
      },
    });
    entry.connection = connection;
    return connection;
  }

  /** Disconnects everything and stops watching. The context can be started again afterwards. */
  async close(): Promise<void> {
    this.#closed = true;
    const session = this.#session ?? (await this.#starting?.catch(() => undefined));
    if (session !== undefined) await this.#endSession(session, undefined);
    this.#closed = false;
  }

  #emit(event: PcscEvent): void {
    for (const l of [...this.#listeners]) l(event);
  }

  #changed(): void {
    for (const w of [...this.#changeWaiters]) w();
  }

  async #ensureSession(signal?: AbortSignal): Promise<Session> {
    throwIfAborted(signal, 'Starting PC/SC');
    if (this.#session !== undefined && !this.#session.ended) return this.#session;
    this.#starting ??= this.#establish().finally(() => (this.#starting = undefined));
    return abortable(this.#starting, signal, 'Starting PC/SC');
  }

  async #establish(): Promise<Session> {
    let lib: PcscLite;
    try {
      this.#factory ??= await this.#loadLibrary();
      lib = this.#factory();
    } catch (err) {
      const error = isWorkbenchError(err, 'PCSC_UNAVAILABLE') ? err : unavailable(err);
      this.#availability = { state: 'unavailable', error };
      throw error;
    }
    const session: Session = { lib, readers: new Map(), ended: false };
    const firstScan = new Promise<void>((resolve, reject) => {
      const nativeStart = lib.start;
      if (nativeStart === undefined) {
        setImmediate(resolve);
        return;
      }
      lib.start = (callback) =>
        nativeStart.call(lib, (err, data) => {
          callback(err, data);
          if (err) reject(err);
          else resolve();
        });
    });
    lib.on('reader', (reader) => this.#addReader(session, reader));
    lib.on('error', (err) => void this.#lose(session, err));
    try {
      await firstScan;
      await Promise.all([...session.readers.values()].map((e) => e.firstStatus));
    } catch (err) {
      const error = unavailable(err);
      await this.#endSession(session, error);
      throw error;
    }
    this.#session = session;
    this.#availability = { state: 'available' };
    return session;
  }

  #addReader(session: Session, reader: PcscLiteReader): void {
    const first = deferred();
    const entry: ReaderEntry = { reader, state: undefined, firstStatus: first.promise, settleFirst: first.resolve, connection: undefined };
    session.readers.set(reader.name, entry);
    reader.on('error', () => entry.settleFirst()); // the watcher stops; 'end' follows
    reader.on('status', (status) => {
      if (session.ended) return;
      const before = entry.state;
      const after = readerStateOf(reader.name, status);
      entry.state = after;
      entry.settleFirst();
      if (before === undefined) this.#emit({ type: 'reader-added', reader: after });
      else for (const event of cardEventsBetween(before, after)) this.#emit(event);
      this.#changed();
    });
    reader.on('end', () => {
      entry.settleFirst();
      if (session.ended || session.readers.get(reader.name) !== entry) return;
      session.readers.delete(reader.name);
      if (entry.state?.cardPresent) this.#emit({ type: 'card-removed', reader: reader.name });
      if (entry.state !== undefined) this.#emit({ type: 'reader-removed', reader: reader.name });
      this.#changed();
    });
  }

  /** The daemon went away: forget the readers, tell listeners, let the next call reconnect. */
  async #lose(session: Session, err: unknown): Promise<void> {
    if (session.ended || this.#closed) return;
    const error = unavailable(err);
    if (this.#session === session) this.#availability = { state: 'unavailable', error };
    await this.#endSession(session, error);
  }

  async #endSession(session: Session, error: WorkbenchError | undefined): Promise<void> {
    if (session.ended) return;
    session.ended = true;
    if (this.#session === session) this.#session = undefined;
    for (const entry of session.readers.values()) {
      if (error === undefined) await entry.connection?.close().catch(() => undefined);
      else entry.connection?.abandon(error);
      entry.reader.close();
      if (error !== undefined) {
        if (entry.state?.cardPresent) this.#emit({ type: 'card-removed', reader: entry.reader.name });
        if (entry.state !== undefined) this.#emit({ type: 'reader-removed', reader: entry.reader.name });
      }
    }
    session.readers.clear();
    session.lib.close();
    if (error !== undefined) this.#emit({ type: 'unavailable', error });
    this.#changed();
  }
}

export type PcscDisposition = 'leave' | 'reset' | 'unpower';

const DISPOSITION: Readonly<Record<PcscDisposition, number>> = { leave: SCARD.leaveCard, reset: SCARD.resetCard, unpower: SCARD.unpowerCard };

interface ConnectionParts {
  readonly reader: string;
  readonly shareMode: PcscShareMode;
  readonly protocol: PcscProtocol;
  readonly atr: Uint8Array;
  /** The reader's card event counter when connected: another value means another insertion. */
  readonly cardEvents: number;
  readonly native: PcscLiteReader;
  reconnect(): Promise<{ protocol: PcscProtocol; atr: Uint8Array; cardEvents: number }>;
  /** Whether the card connected at `since` left the reader (waits briefly for the daemon to notice). */
  cardLeft(since: number): Promise<boolean>;
  /** Frees the reader for the next connection. */
  released(): void;
}

/**
 * One PC/SC card handle. Calls are passed to the daemon as they come; callers serialise them
 * (the binding blocks a second call on its handle until the first returns anyway).
 */
export class PcscConnection {
  readonly reader: string;
  readonly shareMode: PcscShareMode;
  #protocol: PcscProtocol;
  #atr: Uint8Array;
  #cardEvents: number;
  #closed = false;
  /** Why the connection ended without close() (the daemon went away). */
  #lostBecause: WorkbenchError | undefined;
  readonly #parts: ConnectionParts;

  constructor(parts: ConnectionParts) {
    this.#parts = parts;
    this.reader = parts.reader;
    this.shareMode = parts.shareMode;
    this.#protocol = parts.protocol;
    this.#atr = parts.atr;
    this.#cardEvents = parts.cardEvents;
  }

  /** The protocol PC/SC established with the card. */
  get protocol(): PcscProtocol {
    return this.#protocol;
  }

  get atr(): Uint8Array {
    return this.#atr;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * One command APDU to the card; returns data ‖ SW1 SW2. Throws the mapped PC/SC error; a failure or
   * an empty answer from a card that has left the reader is CARD_REMOVED.
   */
  async transmit(command: Uint8Array): Promise<Uint8Array> {
    this.#assertOpen();
    const ctx = { operation: 'Sending the APDU', reader: this.reader };
    const protocol = this.#protocol === 'T=0' ? SCARD.protocolT0 : this.#protocol === 'T=1' ? SCARD.protocolT1 : SCARD.protocolRaw;
    let response: Uint8Array;
    try {
      const data = await new Promise<Buffer | undefined>((resolve, reject) => {
        this.#parts.native.transmit(Buffer.from(command), MAX_RESPONSE, protocol, (err, value) => (err ? reject(err) : resolve(value)));
      });
      response = Uint8Array.from(data ?? []);
    } catch (err) {
      const mapped = pcscError(err, ctx);
      if (MAYBE_REMOVED.has(mapped.code) && (await this.#parts.cardLeft(this.#cardEvents))) throw pcscErrorNamed('SCARD_W_REMOVED_CARD', ctx, mapped);
      throw mapped;
    }
    if (response.length >= 2) return response;
    if (await this.#parts.cardLeft(this.#cardEvents)) throw pcscErrorNamed('SCARD_W_REMOVED_CARD', ctx);
    throw new WorkbenchError('PCSC_TRANSMIT_FAILED', `Sending the APDU on "${this.reader}" failed: the reader returned ${response.length} byte(s), no status word.`, 'Retry once; if it repeats, re-insert the card.', {
      details: { reader: this.reader, response: Buffer.from(response).toString('hex') },
    });
  }

  /** Warm reset: the card is reset on disconnect and connected again; returns the ATR. */
  async reset(): Promise<Uint8Array> {
    this.#assertOpen();
    try {
      await disconnectNative(this.#parts.native, SCARD.resetCard);
      const again = await this.#parts.reconnect();
      this.#protocol = again.protocol;
      this.#atr = again.atr;
      this.#cardEvents = again.cardEvents;
      return this.#atr;
    } catch (err) {
      // Half-way through, the handle may be gone: this connection is over.
      this.#closed = true;
      this.#parts.native.connected = false;
      this.#parts.released();
      throw pcscError(err, { operation: 'Resetting the card', reader: this.reader });
    }
  }

  /** Ends the connection (default: leave the card as it is, other programs may be using it). Idempotent. */
  async close(disposition: PcscDisposition = 'leave'): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await disconnectNative(this.#parts.native, DISPOSITION[disposition]);
    } catch {
      // A removed card or a vanished reader leaves nothing to disconnect; the binding must still
      // consider the reader free, or its next connect would be skipped.
      this.#parts.native.connected = false;
    } finally {
      this.#parts.released();
    }
  }

  /** Marks the connection as lost (no daemon left to disconnect from); later calls throw `reason`. */
  abandon(reason: WorkbenchError): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#lostBecause = reason;
    this.#parts.native.connected = false;
    this.#parts.released();
  }

  #assertOpen(): void {
    if (this.#lostBecause !== undefined) throw this.#lostBecause;
    if (this.#closed) {
      throw new WorkbenchError('PCSC_NOT_CONNECTED', `The connection to "${this.reader}" is closed.`, 'Reconnect to the reader.', { details: { reader: this.reader } });
    }
  }
}
