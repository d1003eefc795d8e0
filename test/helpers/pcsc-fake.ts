/**
 * A fake `pcsclite` binding with a scriptable daemon behind it, for unit tests of the PC/SC link and
 * transport. It mimics the package's observable behaviour: the factory throws when the daemon is
 * down, calls `start` on the next tick, announces readers with 'reader', reports each reader's state
 * with 'status' (card event counter in the high 16 bits), and fails calls with the binding's message
 * format "SCardX error: text(0x8010xxxx)".
 */
import { EventEmitter } from 'node:events';
import type { PcscLite, PcscLiteFactory, PcscLiteReader, PcscLiteStatus } from '../../src-main/links/pcsc-library.js';
import { SCARD } from '../../src-main/links/pcsc-library.js';
import type { VirtualCard } from '../../src-main/sim/card/virtual-card.js';

export interface FakeCard {
  readonly atr: Uint8Array;
  /** Protocols the card offers, in preference order. Default ['T=0', 'T=1']. */
  readonly protocols?: readonly ('T=0' | 'T=1')[];
  /** No ATR: the reader reports a mute card and connect fails. */
  readonly mute?: boolean;
  transmit(apdu: Uint8Array): Promise<Uint8Array>;
  /** Called on connect (power-on) and on a reset disposition. */
  reset?(): void;
}

export const SCARD_FAILURES = {
  noService: [0x8010001d, 'Service not available.'],
  sharingViolation: [0x8010000b, 'Sharing violation.'],
  removedCard: [0x80100069, 'Card was removed.'],
  noSmartcard: [0x8010000c, 'No smart card inserted.'],
  unresponsive: [0x80100066, 'Card is unresponsive.'],
  readerUnavailable: [0x80100017, 'Reader/s is unavailable.'],
  protoMismatch: [0x8010000f, 'Card protocol mismatch.'],
  invalidHandle: [0x80100003, 'Invalid handle.'],
} as const satisfies Record<string, readonly [number, string]>;

export function scardFailure(call: string, failure: readonly [number, string]): Error {
  return new Error(`${call} error: ${failure[1]}(0x${failure[0].toString(16).padStart(8, '0')})`);
}

interface Slot {
  card: FakeCard | undefined;
  events: number;
  /** Connections by owner: our handles and foreign programs. */
  handles: Set<FakeHandle>;
}

interface FakeHandle {
  readonly exclusive: boolean;
  /** The card event counter when connected: a later insertion/removal invalidates the handle. */
  readonly events: number;
  readonly foreign: boolean;
}

const PROTOCOL_VALUE = { 'T=0': SCARD.protocolT0, 'T=1': SCARD.protocolT1 } as const;

export class FakePcscDaemon {
  running = true;
  readonly slots = new Map<string, Slot>();
  /** Every APDU our handles sent, hex upper case, per reader. */
  readonly sent: { reader: string; apdu: string }[] = [];
  /** Calls the daemon received, e.g. 'connect shared T0|T1', 'disconnect 1'. */
  readonly calls: string[] = [];
  readonly #lites = new Set<FakeLite>();
  #hang = false;

  readonly factory: PcscLiteFactory = () => {
    if (!this.running) throw scardFailure('SCardEstablishContext', SCARD_FAILURES.noService);
    const lite = new FakeLite(this);
    this.#lites.add(lite);
    process.nextTick(() => lite.start?.((err, data) => lite.onReaderList(err, data)));
    return lite;
  };

  addReader(name: string): void {
    this.slots.set(name, { card: undefined, events: 0, handles: new Set() });
    this.#announce();
  }

  removeReader(name: string): void {
    this.slots.delete(name);
    this.#announce();
  }

  insertCard(reader: string, card: FakeCard): void {
    const slot = this.#slot(reader);
    slot.card = card;
    slot.events++;
    this.#report(reader);
  }

  removeCard(reader: string): void {
    const slot = this.#slot(reader);
    slot.card = undefined;
    slot.events++;
    for (const h of [...slot.handles]) if (h.foreign) slot.handles.delete(h);
    this.#report(reader);
  }

  /** Another program connects exclusively (returns its release function). */
  holdExclusively(reader: string): () => void {
    const slot = this.#slot(reader);
    const handle: FakeHandle = { exclusive: true, events: slot.events, foreign: true };
    slot.handles.add(handle);
    this.#report(reader);
    return () => {
      slot.handles.delete(handle);
      this.#report(reader);
    };
  }

  /** The next transmits never get an answer (a hung card or driver). */
  hangTransmits(): void {
    this.#hang = true;
  }

  /** pcscd stops: watchers fail, later calls fail with "Service not available". */
  stop(): void {
    this.running = false;
    for (const lite of [...this.#lites]) lite.fail(scardFailure('SCardGetStatusChange', SCARD_FAILURES.noService));
    this.#lites.clear();
  }

  start(): void {
    this.running = true;
  }

  stateOf(reader: string): PcscLiteStatus {
    const slot = this.#slot(reader);
    let flags: number = SCARD.stateEmpty;
    if (slot.card !== undefined) flags = SCARD.statePresent | (slot.card.mute ? SCARD.stateMute : 0);
    if (slot.handles.size > 0) flags |= SCARD.stateInUse;
    if ([...slot.handles].some((h) => h.exclusive)) flags |= SCARD.stateExclusive;
    return { state: ((slot.events << 16) | flags) >>> 0, atr: slot.card !== undefined && !slot.card.mute ? Buffer.from(slot.card.atr) : Buffer.alloc(0) };
  }

  readerNames(): string[] {
    return [...this.slots.keys()];
  }

  connect(reader: string, exclusive: boolean, protocols: number): { handle: FakeHandle; protocol: number } {
    this.calls.push(`connect ${exclusive ? 'exclusive' : 'shared'} ${protocols}`);
    if (!this.running) throw scardFailure('SCardConnect', SCARD_FAILURES.noService);
    const slot = this.slots.get(reader);
    if (slot === undefined) throw scardFailure('SCardConnect', SCARD_FAILURES.readerUnavailable);
    const card = slot.card;
    if (card === undefined) throw scardFailure('SCardConnect', SCARD_FAILURES.noSmartcard);
    if (card.mute) throw scardFailure('SCardConnect', SCARD_FAILURES.unresponsive);
    const others = [...slot.handles].filter((h) => h.events === slot.events);
    if (others.some((h) => h.exclusive) || (exclusive && others.length > 0)) throw scardFailure('SCardConnect', SCARD_FAILURES.sharingViolation);
    const chosen = (card.protocols ?? ['T=0', 'T=1']).map((p) => PROTOCOL_VALUE[p]).find((v) => (v & protocols) !== 0);
    if (chosen === undefined) throw scardFailure('SCardConnect', SCARD_FAILURES.protoMismatch);
    if (others.length === 0) card.reset?.();
    const handle: FakeHandle = { exclusive, events: slot.events, foreign: false };
    slot.handles.add(handle);
    return { handle, protocol: chosen };
  }

  disconnect(reader: string, handle: FakeHandle, disposition: number): void {
    this.calls.push(`disconnect ${disposition}`);
    const slot = this.slots.get(reader);
    slot?.handles.delete(handle);
    if (slot !== undefined && handle.events === slot.events && disposition === SCARD.resetCard) slot.card?.reset?.();
  }

  async transmit(reader: string, handle: FakeHandle, apdu: Uint8Array): Promise<Uint8Array> {
    if (!this.running) throw scardFailure('SCardTransmit', SCARD_FAILURES.noService);
    const slot = this.slots.get(reader);
    if (slot === undefined) throw scardFailure('SCardTransmit', SCARD_FAILURES.readerUnavailable);
    if (!slot.handles.has(handle)) throw scardFailure('SCardTransmit', SCARD_FAILURES.invalidHandle);
    if (slot.card === undefined || handle.events !== slot.events) throw scardFailure('SCardTransmit', SCARD_FAILURES.removedCard);
    this.sent.push({ reader, apdu: Buffer.from(apdu).toString('hex').toUpperCase() });
    if (this.#hang) return new Promise(() => undefined);
    return slot.card.transmit(apdu);
  }

  #slot(reader: string): Slot {
    const slot = this.slots.get(reader);
    if (slot === undefined) throw new Error(`fake pcscd: no reader ${reader}`);
    return slot;
  }

  #announce(): void {
    for (const lite of this.#lites) lite.announce();
  }

  #report(reader: string): void {
    for (const lite of this.#lites) lite.report(reader);
  }

  forget(lite: FakeLite): void {
    this.#lites.delete(lite);
  }
}

class FakeLite extends EventEmitter implements PcscLite {
  readonly readers = new Map<string, FakeReader>();
  #listCallback: ((err: Error | null | undefined, data?: Buffer) => void) | undefined;
  #closed = false;

  constructor(private readonly daemon: FakePcscDaemon) {
    super();
  }

  /** The native start: reports the reader list now and on every change. */
  start(callback: (err: Error | null | undefined, data?: Buffer) => void): void {
    this.#listCallback = callback;
    this.announce();
  }

  announce(): void {
    if (this.#closed || this.#listCallback === undefined) return;
    const names = this.daemon.readerNames();
    this.#listCallback(undefined, Buffer.from(names.map((n) => `${n}\0`).join('') + '\0'));
  }

  /** What the package's factory callback does with a reader list. */
  onReaderList(err: Error | null | undefined, data: Buffer | undefined): void {
    if (err) {
      this.emit('error', err);
      return;
    }
    const names = (data?.toString() ?? '').split('\0').filter((n) => n.length > 0);
    for (const name of names) {
      if (this.readers.has(name)) continue;
      const reader = new FakeReader(name, this.daemon);
      this.readers.set(name, reader);
      this.emit('reader', reader);
      setImmediate(() => reader.report());
    }
    for (const [name, reader] of [...this.readers]) {
      if (names.includes(name)) continue;
      this.readers.delete(name);
      reader.end();
    }
  }

  report(name: string): void {
    if (!this.#closed) setImmediate(() => this.readers.get(name)?.report());
  }

  fail(err: Error): void {
    if (this.#closed) return;
    this.emit('error', err);
    for (const reader of this.readers.values()) {
      reader.emit('error', err);
      reader.end();
    }
  }

  close(): void {
    this.#closed = true;
    this.daemon.forget(this);
    for (const reader of this.readers.values()) reader.close();
  }
}

class FakeReader extends EventEmitter implements PcscLiteReader {
  connected = false;
  #handle: FakeHandle | undefined;
  #closed = false;

  constructor(
    readonly name: string,
    private readonly daemon: FakePcscDaemon,
  ) {
    super();
  }

  report(): void {
    if (!this.#closed && this.daemon.slots.has(this.name)) this.emit('status', this.daemon.stateOf(this.name));
  }

  end(): void {
    this.#closed = true;
    this.emit('end');
  }

  connect(options: { share_mode: number; protocol: number }, callback: (err: Error | null | undefined, value?: number) => void): void {
    if (this.connected) {
      setImmediate(() => callback(undefined)); // what the package does when already connected
      return;
    }
    setImmediate(() => {
      try {
        const { handle, protocol } = this.daemon.connect(this.name, options.share_mode === SCARD.shareExclusive, options.protocol);
        this.#handle = handle;
        this.connected = true;
        callback(null, protocol);
      } catch (err) {
        callback(err as Error);
      }
    });
  }

  disconnect(disposition: number, callback: (err: Error | null | undefined) => void): void {
    setImmediate(() => {
      if (this.#handle !== undefined) this.daemon.disconnect(this.name, this.#handle, disposition);
      this.#handle = undefined;
      this.connected = false;
      callback(null);
    });
  }

  transmit(data: Buffer, _max: number, _protocol: number, callback: (err: Error | null | undefined, value?: Buffer) => void): void {
    const handle = this.#handle;
    if (handle === undefined) {
      setImmediate(() => callback(new Error('Card Reader not connected')));
      return;
    }
    this.daemon.transmit(this.name, handle, Uint8Array.from(data)).then(
      (r) => callback(null, Buffer.from(r)),
      (e: unknown) => callback(e as Error),
    );
  }

  close(): void {
    this.#closed = true;
  }
}

/** A virtual card (src-main/sim/card) as a fake reader's card: powered on by connect and reset. */
export function fakeCardOf(card: VirtualCard, protocols?: readonly ('T=0' | 'T=1')[]): FakeCard {
  return {
    atr: card.atr,
    ...(protocols === undefined ? {} : { protocols }),
    transmit: (apdu) => card.transmit(apdu),
    reset: () => void card.reset(),
  };
}
