/**
 * Connects a VirtualCard to vsmartcard's vpcd reader driver in pcscd, so PC/SC applications (pcsc_scan,
 * scriptor, the workbench's own pcsc transport) see it in a real reader. The driver listens and the
 * card connects; while connected, the card is "present" in the reader. The client reconnects with
 * backoff when pcscd restarts, and disconnects while the card is pulled (fault injection).
 */
import { Socket } from 'node:net';
import { isWorkbenchError } from '../../../shared/errors.js';
import { encodeResponseApdu } from '../../card/apdu.js';
import { SW } from '../card/sw.js';
import type { VirtualCard } from '../card/virtual-card.js';
import { VPCD_CONTROL, VPCD_DEFAULT_PORT, VpcdFrameDecoder, encodeVpcdFrame } from './vpcd-protocol.js';

export interface VpcdClientOptions {
  card: VirtualCard;
  /** Default 127.0.0.1 (the driver's reader.conf uses /dev/null:PORT, i.e. listen locally). */
  host?: string;
  /** Default 35963 (0x8C7B), the first vpcd reader. One card per port. */
  port?: number;
  /** First reconnect delay (ms), doubled up to maxDelayMs. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Diagnostic messages (connects, disconnects, errors). */
  log?: (message: string) => void;
}

export type VpcdClientStatus = 'stopped' | 'connecting' | 'connected' | 'waiting';

export class VpcdClient {
  readonly #card: VirtualCard;
  readonly #host: string;
  readonly #port: number;
  readonly #initialDelay: number;
  readonly #maxDelay: number;
  readonly #log: (message: string) => void;
  #socket: Socket | undefined;
  #status: VpcdClientStatus = 'stopped';
  #delay: number;
  #timer: NodeJS.Timeout | undefined;
  #work: Promise<void> = Promise.resolve();
  #unsubscribe: (() => void) | undefined;
  readonly #statusListeners = new Set<(status: VpcdClientStatus) => void>();

  constructor(o: VpcdClientOptions) {
    this.#card = o.card;
    this.#host = o.host ?? '127.0.0.1';
    this.#port = o.port ?? VPCD_DEFAULT_PORT;
    this.#initialDelay = o.initialDelayMs ?? 200;
    this.#maxDelay = o.maxDelayMs ?? 5000;
    this.#delay = this.#initialDelay;
    this.#log = o.log ?? (() => undefined);
  }

  get status(): VpcdClientStatus {
    return this.#status;
  }

  get port(): number {
    return this.#port;
  }

  /** Starts connecting (and keeps reconnecting) until stop(). */
  start(): void {
    if (this.#status !== 'stopped') return;
    this.#unsubscribe = this.#card.onPresenceChange((present) => {
      if (!present) this.#socket?.destroy();
      else if (this.#status === 'waiting') this.#connectSoon(0);
    });
    this.#connect();
  }

  /** Resolves once connected (or rejects when `signal` aborts). */
  whenConnected(signal?: AbortSignal): Promise<void> {
    if (this.#status === 'connected') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const off = this.#onStatus((s) => {
        if (s === 'connected') {
          off();
          resolve();
        }
      });
      signal?.addEventListener('abort', () => {
        off();
        reject(signal.reason);
      });
    });
  }

  /** Disconnects and stops reconnecting. The card is powered off, as when a card leaves the reader. */
  async stop(): Promise<void> {
    this.#setStatus('stopped');
    this.#unsubscribe?.();
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket !== undefined && !socket.destroyed) {
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.end();
        setTimeout(() => socket.destroy(), 500).unref();
      });
    }
    await this.#work;
    if (this.#card.powered) this.#card.powerOff();
  }

  #onStatus(listener: (status: VpcdClientStatus) => void): () => void {
    this.#statusListeners.add(listener);
    return () => this.#statusListeners.delete(listener);
  }

  #setStatus(status: VpcdClientStatus): void {
    this.#status = status;
    for (const l of [...this.#statusListeners]) l(status);
  }

  #connectSoon(ms: number): void {
    if (this.#status === 'stopped') return;
    this.#setStatus('waiting');
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#connect(), ms);
  }

  #connect(): void {
    this.#timer = undefined;
    if (!this.#card.present) {
      this.#setStatus('waiting'); // reconnect when the card is inserted again
      return;
    }
    this.#setStatus('connecting');
    const socket = new Socket();
    const decoder = new VpcdFrameDecoder();
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on('connect', () => {
      this.#delay = this.#initialDelay;
      this.#log(`connected to vpcd at ${this.#host}:${this.#port}`);
      this.#setStatus('connected');
    });
    socket.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(new Uint8Array(chunk))) {
        this.#work = this.#work.then(() => this.#handle(socket, frame));
      }
    });
    socket.on('error', (err) => this.#log(`vpcd ${this.#host}:${this.#port}: ${err.message}`));
    socket.on('close', () => {
      if (this.#socket === socket) this.#socket = undefined;
      if (this.#card.powered) this.#card.powerOff();
      if (this.#status === 'stopped') return;
      const wait = this.#delay;
      this.#delay = Math.min(this.#delay * 2, this.#maxDelay);
      this.#connectSoon(wait);
    });
    socket.connect(this.#port, this.#host);
  }

  async #handle(socket: Socket, frame: Uint8Array): Promise<void> {
    if (socket.destroyed) return;
    if (frame.length === 1) {
      this.#control(socket, frame[0] ?? 0xff);
      return;
    }
    if (frame.length === 0) return;
    let response: Uint8Array;
    try {
      if (!this.#card.powered) this.#card.powerOn();
      response = await this.#card.transmit(frame);
    } catch (err) {
      if (isWorkbenchError(err, 'CARD_REMOVED')) {
        socket.destroy(); // the reader sees the card leave
        return;
      }
      this.#log(`card error: ${err instanceof Error ? err.message : String(err)}`);
      response = encodeResponseApdu(new Uint8Array(0), SW.TECHNICAL_PROBLEM);
    }
    if (!socket.destroyed) socket.write(encodeVpcdFrame(response));
  }

  #control(socket: Socket, code: number): void {
    try {
      switch (code) {
        case VPCD_CONTROL.powerOff:
          this.#card.powerOff();
          return;
        case VPCD_CONTROL.powerOn:
          this.#card.powerOn();
          return;
        case VPCD_CONTROL.reset:
          this.#card.reset();
          return;
        case VPCD_CONTROL.getAtr:
          socket.write(encodeVpcdFrame(this.#card.atr));
          return;
        default:
          this.#log(`unknown vpcd control byte ${code}`);
      }
    } catch (err) {
      this.#log(`control ${code} failed: ${err instanceof Error ? err.message : String(err)}`);
      socket.destroy();
    }
  }
}
