/**
 * CardSession: the one interface the euicc layer talks to, over either transport shape
 * (ARCHITECTURE.md §1). It does the T=0 procedure (61xx / 9Fxx → GET RESPONSE, 6Cxx → resend with
 * Le), logical channels, SELECT and STORE DATA chaining, and sends every exchange through the ApduLog.
 */
import { WorkbenchError, throwIfAborted } from '../../shared/errors.js';
import { concatBytes, fromHex, toHex } from '../../shared/hex.js';
import { encodeCommandApdu, parseResponseApdu, responseApdu } from './apdu.js';
import type { CommandApdu, ResponseApdu } from './apdu.js';
import type { ApduLog } from './apdu-log.js';
import { expectSuccess, mapTransportError, statusWordError } from './card-errors.js';
import { channelOfCla, claForChannel, claOnChannel, getResponseCommand, manageChannelClose, manageChannelOpen, openedChannelNumber } from './channels.js';
import { nameAid } from './files.js';
import { describeCommand } from './instructions.js';
import { isSuccessStatusWord } from './status-words.js';
import { buildStoreDataCommands, checkStoreDataSegmentSize, DEFAULT_STORE_DATA_SEGMENT } from './store-data.js';
import type { CardTransport, ChannelCardTransport, OpenedChannel, TransportInfo } from './transport.js';

export interface CardSessionOptions {
  /** STORE DATA block size, 6–255 (default 255; 120 is the compatibility setting). */
  readonly storeDataSegmentSize?: number;
  /** Name commands in the log (e.g. 'SELECT AID … (ISD-R)') when the caller gives no annotation. Default true. */
  readonly logAnnotations?: boolean;
}

export interface TransmitOptions {
  /** Shown in the APDU log, e.g. 'STORE DATA → ES10c.GetProfilesInfo'. */
  readonly annotation?: string;
  readonly signal?: AbortSignal;
  /** Permit extended-length encoding for data > 255 bytes (off by default). */
  readonly allowExtended?: boolean;
}

export interface StoreDataOptions {
  readonly annotation?: string;
  readonly signal?: AbortSignal;
}

/** What SELECT returns (P2): FCP template (04), FCI (00) or nothing (0C). */
export type SelectReturns = 'fcp' | 'fci' | 'none';

const SELECT_P2: Readonly<Record<SelectReturns, number>> = { fci: 0x00, fcp: 0x04, none: 0x0c };
const SELECT_BY_FID = 0x00;
const SELECT_BY_AID = 0x04;
const SELECT_BY_PATH_FROM_MF = 0x08;

export interface SelectOptions {
  readonly returns?: SelectReturns;
  /** Channel to select on; default 0 (basic). */
  readonly channel?: number;
  readonly annotation?: string;
  readonly signal?: AbortSignal;
}

export interface OpenChannelOptions {
  /** SELECT P2 on a raw transport; default 'fci' (P2=00), as SGP.22 expects for the ISD-R. */
  readonly returns?: SelectReturns;
  readonly annotation?: string;
  readonly signal?: AbortSignal;
}

/** A logical channel with an application selected on it. */
export interface LogicalChannel {
  readonly channel: number;
  readonly aid: Uint8Array;
  /** The SELECT answer (FCI and SW); undefined when a channel transport does not hand it over. */
  readonly selectResponse: ResponseApdu | undefined;
  readonly closed: boolean;
  /** Sends `cmd` on this channel (its CLA is moved onto the channel, keeping ISO/proprietary). */
  transmit(cmd: CommandApdu, opts?: TransmitOptions): Promise<ResponseApdu>;
  /**
   * Sends one complete request TLV with STORE DATA chaining and returns the response data of the
   * last block. Throws CARD_SW_ERROR unless intermediate blocks answer 9000 and the last 9000/91xx.
   */
  storeData(requestTlv: Uint8Array, opts?: StoreDataOptions): Promise<Uint8Array>;
  /**
   * {@link storeData} with the final status word: the last block's answer (its data with the GET
   * RESPONSE rounds concatenated, and 9000 or 91xx). 91xx matters after Enable/DisableProfile with
   * refresh: the eUICC has a proactive command (REFRESH) pending.
   */
  storeDataDetailed(requestTlv: Uint8Array, opts?: StoreDataOptions): Promise<ResponseApdu>;
  /**
   * Closes the channel. Idempotent. Status words are not errors here (after a REFRESH the card
   * may already have closed it; the log shows the answer); transport failures are thrown.
   */
  close(): Promise<void>;
}

/** A misbehaving card must not hang the session: at most this many GET RESPONSE per command (64 KiB). */
const MAX_GET_RESPONSE = 256;
/** 6Cxx resends per command; a sane card needs one. */
const MAX_LE_RESENDS = 2;

/** SW1 values after which the response is fetched with GET RESPONSE (ISO 61xx, GSM 11.11 9Fxx). */
const GET_RESPONSE_SW1: ReadonlySet<number> = new Set([0x61, 0x9f]);
const WRONG_LE_SW1 = 0x6c;
/** 91xx: done, and the card has a proactive command waiting (e.g. REFRESH after a profile switch). */
const PROACTIVE_COMMAND_PENDING_SW1 = 0x91;

function asBytes(value: string | Uint8Array): Uint8Array {
  return typeof value === 'string' ? fromHex(value) : value;
}

function lengthFromSw2(sw2: number): number {
  return sw2 === 0 ? 256 : sw2;
}

export class CardSession {
  readonly transport: CardTransport;
  readonly log: ApduLog;
  /** STORE DATA block size in use: the option, capped by the transport's maxCommandData. */
  readonly storeDataSegmentSize: number;
  private readonly logAnnotations: boolean;
  private readonly openChannels = new Set<SessionChannel>();
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(transport: CardTransport, log: ApduLog, options: CardSessionOptions = {}) {
    const requested = options.storeDataSegmentSize ?? DEFAULT_STORE_DATA_SEGMENT;
    checkStoreDataSegmentSize(requested);
    this.transport = transport;
    this.log = log;
    const cap = transport.info.maxCommandData;
    this.storeDataSegmentSize = cap !== undefined && cap >= 1 ? Math.min(requested, cap) : requested;
    this.logAnnotations = options.logAnnotations ?? true;
  }

  get info(): TransportInfo {
    return this.transport.info;
  }

  /**
   * Sends one command and completes the T=0 procedure: the response returned is the final one, with
   * the data of all GET RESPONSE rounds concatenated. Other status words are returned, not thrown.
   * The channel is the one in the CLA.
   */
  transmit(cmd: CommandApdu, opts: TransmitOptions = {}): Promise<ResponseApdu> {
    return this.serialized(() => this.exchange(cmd, opts));
  }

  /** SELECT by AID (P1=04). Throws CARD_SW_ERROR on a refusal. */
  selectAid(aid: string | Uint8Array, opts: SelectOptions = {}): Promise<ResponseApdu> {
    return this.select(SELECT_BY_AID, asBytes(aid), opts);
  }

  /** SELECT by file identifier (P1=00), e.g. '2FE2'. Throws CARD_SW_ERROR on a refusal. */
  selectFid(fid: string | Uint8Array, opts: SelectOptions = {}): Promise<ResponseApdu> {
    return this.select(SELECT_BY_FID, asBytes(fid), opts);
  }

  /**
   * SELECT by path from the MF (P1=08), e.g. '7FFF/6F07' or '3F00/2FE2' (a leading 3F00 is dropped:
   * the path from MF excludes the MF's own identifier). Throws CARD_SW_ERROR on a refusal.
   */
  selectPath(path: string | Uint8Array, opts: SelectOptions = {}): Promise<ResponseApdu> {
    let bytes = typeof path === 'string' ? fromHex(path.replace(/\//g, '')) : path;
    if (bytes[0] === 0x3f && bytes[1] === 0x00) bytes = bytes.subarray(2);
    if (bytes.length === 0 || bytes.length % 2 !== 0) {
      throw new WorkbenchError('APDU_INVALID', 'A SELECT path is a sequence of two-byte file identifiers below the MF.', "Give it like '7FFF/6F07'.", {
        details: { path: typeof path === 'string' ? path : Buffer.from(path).toString('hex') },
      });
    }
    return this.select(SELECT_BY_PATH_FROM_MF, bytes, opts);
  }

  private async select(p1: number, target: Uint8Array, opts: SelectOptions): Promise<ResponseApdu> {
    const cmd: CommandApdu = { cla: claForChannel(opts.channel ?? 0, 'iso'), ins: 0xa4, p1, p2: SELECT_P2[opts.returns ?? 'fcp'], data: target };
    const what = describeCommand(cmd);
    const response = await this.transmit(cmd, { annotation: opts.annotation ?? what, signal: opts.signal });
    return expectSuccess(what, response);
  }

  /**
   * Opens a logical channel and selects `aid` on it. Raw transports: MANAGE CHANNEL open on the basic
   * channel, then SELECT by AID on the new channel (P2=00/FCI by default); if the SELECT is refused the
   * channel is closed again before CARD_SW_ERROR is thrown. Channel transports: the modem does both.
   */
  async openLogicalChannel(aid: string | Uint8Array, opts: OpenChannelOptions = {}): Promise<LogicalChannel> {
    this.assertOpen();
    const aidBytes = asBytes(aid);
    const transport = this.transport;
    const opened = transport.shape === 'raw' ? await this.openRawChannel(aidBytes, opts) : await this.openModemChannel(transport, aidBytes, opts);
    const channel: SessionChannel = new SessionChannel(opened.channel, aidBytes, opened.selectResponse, {
      transmit: (cmd, o) => this.transmit(cmd, o),
      storeData: (request, o) => this.storeDataOn(opened.channel, request, o),
      close: (): Promise<void> => this.closeChannel(channel),
    });
    this.openChannels.add(channel);
    return channel;
  }

  private async openRawChannel(aid: Uint8Array, opts: OpenChannelOptions): Promise<OpenedSelection> {
    const open = await this.transmit(manageChannelOpen(), { signal: opts.signal });
    const number = openedChannelNumber(expectSuccess('MANAGE CHANNEL open', open));
    const select: CommandApdu = { cla: claForChannel(number, 'iso'), ins: 0xa4, p1: SELECT_BY_AID, p2: SELECT_P2[opts.returns ?? 'fci'], data: aid };
    const what = describeCommand(select);
    let selected: ResponseApdu;
    try {
      selected = expectSuccess(what, await this.transmit(select, { annotation: opts.annotation ?? what, signal: opts.signal }));
    } catch (err) {
      await this.closeRawChannel(number).catch(() => undefined); // the SELECT failure is the error worth reporting
      throw err;
    }
    return { channel: number, selectResponse: selected };
  }

  private async openModemChannel(transport: ChannelCardTransport, aid: Uint8Array, opts: OpenChannelOptions): Promise<OpenedSelection> {
    throwIfAborted(opts.signal, 'Opening a logical channel');
    let opened: OpenedChannel;
    try {
      opened = await transport.openLogicalChannel(aid, opts.signal);
    } catch (err) {
      throw mapTransportError(err, transport.info.id, opts.signal);
    }
    // Until it is handed out, the channel is ours to close: on a refusal, a malformed answer, a failed fetch or an abort.
    try {
      let selectResponse = opened.selectResponse === undefined ? undefined : parseResponseApdu(opened.selectResponse);
      if (selectResponse !== undefined && GET_RESPONSE_SW1.has(selectResponse.sw1)) {
        // The modem passed on a T=0 "response available": fetch the FCI on the new channel.
        const rest = await this.transmit(getResponseCommand(claForChannel(opened.channel, 'iso'), lengthFromSw2(selectResponse.sw2)), { signal: opts.signal });
        selectResponse = responseApdu(concatBytes(selectResponse.data, rest.data), rest.sw1, rest.sw2);
      }
      if (selectResponse !== undefined && !isSuccessStatusWord(selectResponse.sw1, selectResponse.sw2)) {
        throw statusWordError(`SELECT AID ${toHex(aid).toUpperCase()}`, selectResponse, { channel: opened.channel });
      }
      return { channel: opened.channel, selectResponse };
    } catch (err) {
      await transport.closeLogicalChannel(opened.channel).catch(() => undefined); // the first failure is the error worth reporting
      throw err;
    }
  }

  /** Runs `fn` with a channel to `aid` and always closes the channel: on return, on error, on abort. */
  async withLogicalChannel<T>(aid: string | Uint8Array, fn: (channel: LogicalChannel) => Promise<T>, opts: OpenChannelOptions = {}): Promise<T> {
    const channel = await this.openLogicalChannel(aid, opts);
    let result: T;
    try {
      result = await fn(channel);
    } catch (err) {
      await channel.close().catch(() => undefined); // the first failure is the one to report
      throw err;
    }
    await channel.close();
    return result;
  }

  /** Answer To Reset as the transport last saw it. */
  async getAtr(signal?: AbortSignal): Promise<Uint8Array> {
    this.assertOpen();
    const transport = this.transport;
    if (transport.getAtr === undefined) {
      throw new WorkbenchError('CARD_ATR_UNAVAILABLE', `${transport.info.label} does not report the card's ATR.`, 'Use a PC/SC reader or a transport with raw card access to read the ATR.');
    }
    try {
      return await transport.getAtr(signal);
    } catch (err) {
      throw mapTransportError(err, transport.info.id, signal);
    }
  }

  /** Closes the channels this session opened (best effort), then the transport. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    for (const channel of [...this.openChannels]) await channel.close().catch(() => undefined);
    this.closed = true;
    await this.transport.close();
  }

  /** The answer to the last block; buildStoreDataCommands never yields an empty series. */
  private async storeDataOn(channel: number, request: Uint8Array, opts: StoreDataOptions): Promise<ResponseApdu> {
    const commands = buildStoreDataCommands(request, channel, this.storeDataSegmentSize);
    const label = opts.annotation ?? 'STORE DATA';
    let last = responseApdu(new Uint8Array(0), 0x90, 0x00);
    for (const [i, cmd] of commands.entries()) {
      const annotation = commands.length === 1 ? label : `${label} [block ${i + 1}/${commands.length}]`;
      const response = await this.transmit(cmd, { annotation, signal: opts.signal });
      const isLast = i === commands.length - 1;
      const accepted = isLast ? response.sw === 0x9000 || response.sw1 === PROACTIVE_COMMAND_PENDING_SW1 : response.sw === 0x9000;
      if (!accepted) throw statusWordError(label, response, { block: i, blocks: commands.length, channel });
      last = response;
    }
    return last;
  }

  private async closeChannel(channel: SessionChannel): Promise<void> {
    this.openChannels.delete(channel);
    if (this.transport.shape === 'raw') {
      await this.closeRawChannel(channel.channel);
      return;
    }
    try {
      await this.transport.closeLogicalChannel(channel.channel);
    } catch (err) {
      throw mapTransportError(err, this.transport.info.id, undefined);
    }
  }

  /** MANAGE CHANNEL close without a signal: closing must still happen after an abort. */
  private async closeRawChannel(channel: number): Promise<void> {
    await this.transmit(manageChannelClose(channel));
  }

  private assertOpen(): void {
    if (this.closed) {
      throw new WorkbenchError('CARD_SESSION_CLOSED', 'The card session is closed.', 'Reconnect to the card.', { details: { transportId: this.transport.info.id } });
    }
  }

  /** One command with its GET RESPONSE / resend rounds, never interleaved with another command. */
  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async exchange(cmd: CommandApdu, opts: TransmitOptions): Promise<ResponseApdu> {
    this.assertOpen();
    const base = opts.annotation ?? (this.logAnnotations ? describeCommand(cmd) : undefined);
    const chunks: Uint8Array[] = [];
    let current = cmd;
    let annotation = base;
    let fetches = 0;
    let resends = 0;
    for (;;) {
      const response = await this.sendOne(current, annotation, opts);
      if (response.sw1 === WRONG_LE_SW1) {
        if (++resends > MAX_LE_RESENDS) throw this.runaway(cmd, `kept answering 6Cxx after ${MAX_LE_RESENDS} resends`);
        const le = lengthFromSw2(response.sw2);
        current = { ...current, le };
        annotation = this.followUp(base, `resent with Le=${le}`);
        continue;
      }
      chunks.push(response.data);
      if (GET_RESPONSE_SW1.has(response.sw1)) {
        if (++fetches > MAX_GET_RESPONSE) throw this.runaway(cmd, `kept answering ${response.sw1.toString(16).toUpperCase()}xx after ${MAX_GET_RESPONSE} GET RESPONSE commands`);
        current = getResponseCommand(cmd.cla, lengthFromSw2(response.sw2));
        annotation = this.followUp(base, 'GET RESPONSE');
        continue;
      }
      return responseApdu(concatBytes(...chunks), response.sw1, response.sw2);
    }
  }

  private followUp(base: string | undefined, step: string): string | undefined {
    if (base !== undefined) return `${base} · ${step}`;
    return this.logAnnotations ? step : undefined;
  }

  private runaway(cmd: CommandApdu, why: string): WorkbenchError {
    return new WorkbenchError('CARD_PROTOCOL_ERROR', `The card ${why} for ${describeCommand(cmd)}.`, 'The card or reader is misbehaving; power-cycle the card and retry.', {
      details: { transportId: this.transport.info.id },
    });
  }

  /** One APDU on the wire, logged whatever happens. */
  private async sendOne(cmd: CommandApdu, annotation: string | undefined, opts: TransmitOptions): Promise<ResponseApdu> {
    throwIfAborted(opts.signal, 'Card exchange');
    const transport = this.transport;
    const channel = channelOfCla(cmd.cla);
    if (transport.shape === 'channel' && channel === 0) {
      throw new WorkbenchError('CARD_NO_BASIC_CHANNEL', `${transport.info.label} only reaches logical channels opened by the modem; this command was for the basic channel.`, 'Open a logical channel to the application first, or use a transport with raw card access (PC/SC, AT+CSIM, QMI SAP).', {
        details: { transportId: transport.info.id },
      });
    }
    const bytes = encodeCommandApdu(cmd, { allowExtended: opts.allowExtended ?? false });
    const startedAt = new Date();
    const t0 = performance.now();
    const record = { startedAt, transportId: transport.info.id, channel, command: bytes, ...(annotation === undefined ? {} : { annotation }) };
    let raw: Uint8Array;
    try {
      raw = transport.shape === 'raw' ? await transport.transmit(bytes, opts.signal) : await transport.transmit(channel, bytes, opts.signal);
    } catch (err) {
      const mapped = mapTransportError(err, transport.info.id, opts.signal);
      this.log.record({ ...record, durationMs: performance.now() - t0, error: `${mapped.code}: ${mapped.message}` });
      throw mapped;
    }
    this.log.record({ ...record, durationMs: performance.now() - t0, response: raw });
    return parseResponseApdu(raw);
  }
}

/** A channel number with the answer to the SELECT that opened it. */
interface OpenedSelection {
  readonly channel: number;
  readonly selectResponse: ResponseApdu | undefined;
}

/** What a SessionChannel needs from its session (closures, so the session keeps its internals private). */
interface ChannelOperations {
  transmit(cmd: CommandApdu, opts: TransmitOptions): Promise<ResponseApdu>;
  storeData(request: Uint8Array, opts: StoreDataOptions): Promise<ResponseApdu>;
  close(): Promise<void>;
}

class SessionChannel implements LogicalChannel {
  private isClosed = false;

  constructor(
    readonly channel: number,
    readonly aid: Uint8Array,
    readonly selectResponse: ResponseApdu | undefined,
    private readonly operations: ChannelOperations,
  ) {}

  get closed(): boolean {
    return this.isClosed;
  }

  async transmit(cmd: CommandApdu, opts: TransmitOptions = {}): Promise<ResponseApdu> {
    this.assertOpen();
    return this.operations.transmit({ ...cmd, cla: claOnChannel(cmd.cla, this.channel) }, opts);
  }

  async storeData(requestTlv: Uint8Array, opts: StoreDataOptions = {}): Promise<Uint8Array> {
    return (await this.storeDataDetailed(requestTlv, opts)).data;
  }

  async storeDataDetailed(requestTlv: Uint8Array, opts: StoreDataOptions = {}): Promise<ResponseApdu> {
    this.assertOpen();
    return this.operations.storeData(requestTlv, opts);
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    await this.operations.close();
  }

  private assertOpen(): void {
    if (this.isClosed) {
      const name = nameAid(Buffer.from(this.aid).toString('hex')) ?? 'the application';
      throw new WorkbenchError('CHANNEL_CLOSED', `Logical channel ${this.channel} to ${name} is closed.`, 'Open a new channel.', { details: { channel: this.channel } });
    }
  }
}
