/**
 * The virtual card as a raw card transport, in the same process (demo mode, integration tests).
 * Like a PC/SC reader it powers the card on when opened; removal surfaces as CARD_REMOVED.
 */
import { throwIfAborted } from '../../../shared/errors.js';
import type { RawCardTransport, TransportInfo } from '../../card/transport.js';
import type { VirtualCard } from './virtual-card.js';

export class VirtualCardTransport implements RawCardTransport {
  readonly shape = 'raw' as const;
  readonly info: TransportInfo;
  readonly #card: VirtualCard;
  #atr: Uint8Array | undefined;

  constructor(card: VirtualCard, options: { id?: string; label?: string; maxCommandData?: number } = {}) {
    this.#card = card;
    const id = options.id ?? 'default';
    this.info = {
      id: `virtual:${id}`,
      label: options.label ?? `Virtual eUICC (${id})`,
      kind: 'virtual',
      ...(options.maxCommandData === undefined ? {} : { maxCommandData: options.maxCommandData }),
    };
  }

  async getAtr(signal?: AbortSignal): Promise<Uint8Array> {
    throwIfAborted(signal, 'Reading the ATR');
    if (this.#atr === undefined || !this.#card.powered) this.#atr = this.#card.powerOn();
    return this.#atr;
  }

  async transmit(command: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    throwIfAborted(signal, 'Sending the APDU');
    if (!this.#card.powered && this.#card.present && this.#atr === undefined) this.#atr = this.#card.powerOn();
    return this.#card.transmit(command);
  }

  async reset(signal?: AbortSignal): Promise<Uint8Array> {
    throwIfAborted(signal, 'Resetting the card');
    this.#atr = this.#card.reset();
    return this.#atr;
  }

  async close(): Promise<void> {
    if (this.#card.powered) this.#card.powerOff();
    this.#atr = undefined;
  }
}
