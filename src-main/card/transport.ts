/**
 * The two transport shapes of ARCHITECTURE.md §1. Transports implement one of them; the card layer
 * (`CardSession`) adapts both to one interface, so ES10 code never knows which it runs on.
 * A transport moves bytes only: it never interprets ES10, never retries on status words and never logs
 * APDUs (the card layer's log tap is the one place that does).
 */

/** Static facts about a transport, shown in the UI and used to pick defaults. */
export interface TransportInfo {
  /** Stable id, e.g. `pcsc:ACS ACR39U 00 00`, `virtual:default`, `qmi:/dev/cdc-wdm0`. */
  readonly id: string;
  /** What the user sees, e.g. "ACS ACR39U (PC/SC)". */
  readonly label: string;
  /** `pcsc` | `at` | `qmi` | `qmicli` | `virtual` | … */
  readonly kind: string;
  /**
   * Largest command data field the link carries in one APDU (bytes). AT+CSIM and some modems cap it;
   * the card layer uses it to choose the STORE DATA segment size.
   */
  readonly maxCommandData?: number;
}

/**
 * Raw card: any command APDU, including MANAGE CHANNEL, goes to the card as is
 * (PC/SC, AT+CSIM, QMI UIM SAP, the in-process virtual card). The card layer manages channels and the
 * T=0 61xx/6Cxx procedure itself; a transport whose stack already does GET RESPONSE simply returns
 * the full data with 90 00.
 */
export interface RawCardTransport {
  readonly shape: 'raw';
  readonly info: TransportInfo;
  /** Answer To Reset of the card as last seen (after power-on or reset). */
  getAtr(signal?: AbortSignal): Promise<Uint8Array>;
  /** Sends one command APDU and returns the response APDU (data ‖ SW1 SW2). */
  transmit(command: Uint8Array, signal?: AbortSignal): Promise<Uint8Array>;
  /** Warm reset where the link supports it; returns the new ATR. */
  reset?(signal?: AbortSignal): Promise<Uint8Array>;
  /** Releases the link (disconnect, SAP disconnect, close port). Idempotent. */
  close(): Promise<void>;
}

/** Response of a channel transport's open call. */
export interface OpenedChannel {
  /** Logical channel number assigned by the card/modem (1–19). */
  readonly channel: number;
  /** The SELECT response (FCI ‖ SW) when the modem returns it, else undefined. */
  readonly selectResponse?: Uint8Array;
}

/**
 * Channel card: the modem opens a logical channel by AID and returns its number; APDUs go on that
 * channel (AT+CCHO/+CGLA/+CCHC, QMI Open Logical Channel + Send APDU, qmicli ≥ 1.36).
 */
export interface ChannelCardTransport {
  readonly shape: 'channel';
  readonly info: TransportInfo;
  getAtr?(signal?: AbortSignal): Promise<Uint8Array>;
  openLogicalChannel(aid: Uint8Array, signal?: AbortSignal): Promise<OpenedChannel>;
  /** Sends one APDU on `channel`; the CLA already carries the channel number. */
  transmit(channel: number, command: Uint8Array, signal?: AbortSignal): Promise<Uint8Array>;
  closeLogicalChannel(channel: number, signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

export type CardTransport = RawCardTransport | ChannelCardTransport;
