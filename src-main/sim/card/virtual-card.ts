/**
 * The virtual card platform: power and ATR, the T=0/T=1 response framing (61xx, 6Cxx, GET RESPONSE),
 * logical channels 0–19 with their CLA forms, SELECT of applets by AID and of classic files, and the
 * dispatch of every other command to the selected applet or to the file system of the enabled profile.
 * With no profile enabled the card is blank and answers like the eUICC of seed 000.
 */
import { WorkbenchError, isWorkbenchError } from '../../../shared/errors.js';
import { fromHex } from '../../../shared/hex.js';
import { encodeResponseApdu, parseCommandApdu, type ParsedCommandApdu } from '../../card/apdu.js';
import { GSM_CLA, MAX_LOGICAL_CHANNEL, channelOfCla } from '../../card/channels.js';
import type { CardProtocol, EuiccState, LinkSpeedConfig, ProfileRecord } from '../euicc/state.js';
import { enabledProfile } from '../euicc/state.js';
import type { EuiccStateHolder } from '../euicc/state-store.js';
import { AppletRegistry, type AppletContext, type CardApplet, type CardReply } from './applet.js';
import { linkTimeMs, parseAtr } from './atr.js';
import { FaultInjector } from './faults.js';
import { binaryCommand, recordCommand, selectFile, statusResponse, type FileCursor, type FileEnv, type FileResult } from './file-commands.js';
import { treeFor, type FileTree } from './filesystem.js';
import { PIN_INS, pinCommand } from './pin.js';
import { SW, swResponseAvailable, swWrongLe, toGsmSw } from './sw.js';

const INS = {
  manageChannel: 0x70,
  select: 0xa4,
  getResponse: 0xc0,
  terminalCapability: 0xaa,
  terminalProfile: 0x10,
  status: 0xf2,
  readBinary: 0xb0,
  updateBinary: 0xd6,
  readRecord: 0xb2,
  updateRecord: 0xdc,
} as const;

export interface VirtualCardOptions {
  /** State of the eUICC (profiles, files, config). StateStore.open(file) or StateStore.inMemory(). */
  store: EuiccStateHolder;
  /** Applets to install, e.g. the ISD-R (Es10Applet) and the ECASD. */
  applets?: readonly CardApplet[];
  faults?: FaultInjector;
  /** Overrides of the state's config. */
  atr?: Uint8Array;
  protocol?: CardProtocol;
  linkSpeed?: LinkSpeedConfig;
  /** Timer used for latency and link-speed delays (tests may pass a fake). */
  sleep?: (ms: number) => Promise<void>;
}

interface PendingResponse {
  data: Uint8Array;
  sw: number;
}

interface ChannelState {
  cursor: FileCursor;
  applet?: CardApplet;
  /** FCI the selected applet answered, repeated by STATUS. */
  fci?: Uint8Array;
  pending?: PendingResponse;
}

function realSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function cardRemovedError(): WorkbenchError {
  return new WorkbenchError('CARD_REMOVED', 'The card was removed.', 'Insert the card again and reconnect; re-read the eUICC state before continuing.');
}

/** CLA forms the card accepts: first interindustry (0X), further (4X–7X), proprietary 8X and CX–FE, GSM A0. */
function claProblem(cla: number): number | undefined {
  if (cla === GSM_CLA) return undefined;
  const first = (cla & 0x40) === 0;
  if ((cla & 0xe0) === 0x20 || (cla >= 0x90 && cla <= 0xbf) || cla === 0xff) return SW.CLA_NOT_SUPPORTED;
  if ((cla & 0x10) !== 0) return SW.CHAINING_NOT_SUPPORTED;
  return first || (cla & 0x20) === 0 ? undefined : SW.CLA_NOT_SUPPORTED; // further form: b6 = secure messaging
}

export class VirtualCard {
  readonly applets = new AppletRegistry();
  readonly faults: FaultInjector;
  readonly #store: EuiccStateHolder;
  readonly #options: VirtualCardOptions;
  readonly #sleep: (ms: number) => Promise<void>;
  #present = true;
  #powered = false;
  #channels = new Map<number, ChannelState>();
  #pin1Verified = false;
  /** ICCID of the profile whose file system the channels point into ('' = blank). */
  #filesOf = '';
  #queue: Promise<unknown> = Promise.resolve();
  #abort = new AbortController();
  readonly #presenceListeners = new Set<(present: boolean) => void>();

  constructor(options: VirtualCardOptions) {
    this.#store = options.store;
    this.#options = options;
    this.#sleep = options.sleep ?? realSleep;
    this.faults = options.faults ?? new FaultInjector();
    for (const a of options.applets ?? []) this.applets.register(a);
  }

  get atr(): Uint8Array {
    return this.#options.atr ?? fromHex(this.#store.state.config.atr);
  }

  get protocol(): CardProtocol {
    return this.#options.protocol ?? this.#store.state.config.protocol;
  }

  get present(): boolean {
    return this.#present;
  }

  get powered(): boolean {
    return this.#powered;
  }

  /** Blank = no enabled profile: only the MF and the applets (ISD-R, ECASD) are there. */
  get isBlank(): boolean {
    return enabledProfile(this.#store.state) === undefined;
  }

  /** Cold reset: returns the ATR; all volatile state (channels, PIN verification, applet sessions) starts over. */
  powerOn(): Uint8Array {
    if (!this.#present) throw cardRemovedError();
    parseAtr(this.atr);
    this.#clearSession();
    this.#powered = true;
    return this.atr;
  }

  powerOff(): void {
    this.#clearSession();
    this.#powered = false;
  }

  /** Warm reset: same effect as power cycling for this card. */
  reset(): Uint8Array {
    return this.powerOn();
  }

  /** Pulls the card: transmit throws CARD_REMOVED until insert() and powerOn(). */
  remove(): void {
    if (!this.#present) return;
    this.powerOff();
    this.#present = false;
    for (const l of this.#presenceListeners) l(false);
  }

  /** Puts the card back (unpowered). */
  insert(): void {
    if (this.#present) return;
    this.#present = true;
    for (const l of this.#presenceListeners) l(true);
  }

  /** Calls `listener` on removal/insertion; returns the unsubscribe function. */
  onPresenceChange(listener: (present: boolean) => void): () => void {
    this.#presenceListeners.add(listener);
    return () => this.#presenceListeners.delete(listener);
  }

  /** Sends one command APDU; returns data ‖ SW1 SW2. Commands are processed one at a time. */
  transmit(apdu: Uint8Array): Promise<Uint8Array> {
    const run = (): Promise<Uint8Array> => this.#transmitNow(apdu);
    const next = this.#queue.then(run, run);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  #clearSession(): void {
    this.#abort.abort();
    this.#abort = new AbortController();
    for (const a of this.applets.all) a.reset?.();
    this.#pin1Verified = false;
    this.#filesOf = enabledProfile(this.#store.state)?.iccid ?? '';
    this.#channels = new Map([[0, { cursor: { df: this.#tree().mf } }]]);
  }

  #tree(): FileTree {
    return treeFor(enabledProfile(this.#store.state));
  }

  async #transmitNow(apdu: Uint8Array): Promise<Uint8Array> {
    if (!this.#present) throw cardRemovedError();
    if (!this.#powered) {
      throw new WorkbenchError('CARD_UNPOWERED', 'The card is not powered.', 'Power the card on (reset or reconnect the reader) before sending commands.');
    }
    const fault = this.faults.next(apdu);
    if (fault.latencyMs > 0) await this.#sleep(fault.latencyMs);
    if (fault.removeBefore) {
      this.remove();
      throw cardRemovedError();
    }
    const response = fault.replaceSw !== undefined ? encodeResponseApdu(new Uint8Array(0), fault.replaceSw) : await this.#process(apdu);
    if (fault.removeAfter || !this.#present) {
      this.remove();
      throw cardRemovedError();
    }
    await this.#linkDelay(apdu.length + response.length);
    return response;
  }

  async #linkDelay(bytes: number): Promise<void> {
    const speed = this.#options.linkSpeed ?? this.#store.state.config.linkSpeed;
    if (!speed.enabled) return;
    const { fi, di } = speed.fiDi === 'atr' ? parseAtr(this.atr) : { fi: 372, di: 1 };
    // T=0 adds one procedure byte per exchange.
    const ms = linkTimeMs(bytes + (this.protocol === 'T=0' ? 1 : 0), { fi, di, clockHz: speed.clockHz, protocol: this.protocol });
    await this.#sleep(ms);
  }

  async #process(apdu: Uint8Array): Promise<Uint8Array> {
    let cmd: ParsedCommandApdu;
    try {
      cmd = parseCommandApdu(apdu);
    } catch {
      return encodeResponseApdu(new Uint8Array(0), SW.WRONG_LENGTH);
    }
    const claSw = claProblem(cmd.cla);
    if (claSw !== undefined) return encodeResponseApdu(new Uint8Array(0), claSw);
    const gsm = cmd.cla === GSM_CLA;
    const channelNo = channelOfCla(cmd.cla);
    const channel = this.#channels.get(channelNo);
    if (channel === undefined) return encodeResponseApdu(new Uint8Array(0), SW.CHANNEL_NOT_SUPPORTED);
    this.#followProfileSwitch();

    if (cmd.ins === INS.getResponse) return this.#getResponse(cmd, channel, gsm);
    channel.pending = undefined;
    let reply: CardReply;
    try {
      reply = await this.#dispatch(cmd, channelNo, channel, gsm);
    } catch (err) {
      if (isWorkbenchError(err, 'CARD_REMOVED')) throw err;
      reply = { sw: SW.TECHNICAL_PROBLEM };
    }
    return this.#frame(cmd, channel, reply, gsm);
  }

  /** The ISD-R may have enabled/disabled a profile: the channels' files belong to the old tree. */
  #followProfileSwitch(): void {
    const current = enabledProfile(this.#store.state)?.iccid ?? '';
    if (current === this.#filesOf) return;
    this.#filesOf = current;
    this.#pin1Verified = false;
    const mf = this.#tree().mf;
    for (const ch of this.#channels.values()) ch.cursor = { df: mf };
  }

  #fileEnv(gsm: boolean): FileEnv {
    const state: EuiccState = this.#store.state;
    const profile = enabledProfile(state);
    return {
      state,
      profile,
      tree: treeFor(profile),
      gsm,
      pin1Verified: this.#pin1Verified,
      updateProfile: (mutator: (p: ProfileRecord) => void) =>
        this.#store.transaction((draft) => {
          const p = enabledProfile(draft);
          if (p === undefined) throw new WorkbenchError('SIM_NO_PROFILE', 'No profile is enabled.', 'Enable a profile first.');
          mutator(p);
        }),
    };
  }

  async #dispatch(cmd: ParsedCommandApdu, channelNo: number, channel: ChannelState, gsm: boolean): Promise<CardReply> {
    const iso = !gsm && (cmd.cla & 0x80) === 0;
    const proprietary = !gsm && !iso;
    const ctx: AppletContext = { channel: channelNo, signal: this.#abort.signal };
    switch (cmd.ins) {
      case INS.manageChannel:
        return iso ? this.#manageChannel(cmd, channelNo) : { sw: gsm ? SW.INS_NOT_SUPPORTED : SW.CLA_NOT_SUPPORTED };
      case INS.select:
        return proprietary ? { sw: SW.CLA_NOT_SUPPORTED } : this.#select(cmd, channel, ctx, gsm);
      case INS.terminalCapability:
        if (proprietary) return { sw: SW.OK };
        break;
      case INS.terminalProfile:
        if (proprietary || gsm) return { sw: SW.OK };
        break;
      case INS.status:
        if ((proprietary || gsm) && cmd.p1 <= 0x02) return this.#status(cmd, channel, gsm);
        break;
    }
    if (channel.applet !== undefined) return channel.applet.process(cmd, ctx);
    if (proprietary) return { sw: SW.INS_NOT_SUPPORTED };
    const env = this.#fileEnv(gsm);
    let result: FileResult;
    switch (cmd.ins) {
      case INS.readBinary:
      case INS.updateBinary:
        result = await binaryCommand(cmd, channel.cursor, env);
        break;
      case INS.readRecord:
      case INS.updateRecord:
        result = await recordCommand(cmd, channel.cursor, env);
        break;
      case PIN_INS.verify:
      case PIN_INS.change:
      case PIN_INS.disable:
      case PIN_INS.enable:
      case PIN_INS.unblock: {
        const pin = await pinCommand(cmd, env);
        if (pin.pin1Verified !== undefined) this.#pin1Verified = pin.pin1Verified;
        return pin.reply;
      }
      default:
        return { sw: SW.INS_NOT_SUPPORTED };
    }
    if (result.cursor !== undefined) channel.cursor = result.cursor;
    return result.reply;
  }

  #select(cmd: ParsedCommandApdu, channel: ChannelState, ctx: AppletContext, gsm: boolean): CardReply {
    if (!gsm && cmd.p1 === 0x04 && (cmd.p2 & 0x03) === 0) {
      const applet = this.applets.find(cmd.data ?? new Uint8Array(0));
      if (applet !== undefined) {
        if (channel.applet !== applet) channel.applet?.deselect?.(ctx);
        channel.applet = applet;
        const fci = applet.select(ctx);
        channel.fci = fci;
        return (cmd.p2 & 0x0c) === 0x0c ? { sw: SW.OK } : { data: fci, sw: SW.OK };
      }
    }
    const result = selectFile(cmd, channel.cursor, this.#fileEnv(gsm));
    if (result.cursor !== undefined) {
      channel.cursor = result.cursor;
      channel.applet?.deselect?.(ctx);
      channel.applet = undefined;
    }
    return result.reply;
  }

  #status(cmd: ParsedCommandApdu, channel: ChannelState, gsm: boolean): CardReply {
    const option = gsm ? 0x00 : cmd.p2;
    if (option === 0x0c) return { sw: SW.OK };
    if (option !== 0x00 && option !== 0x01) return { sw: SW.WRONG_P1P2 };
    const env = this.#fileEnv(gsm);
    if (option === 0x01) {
      const aid = channel.applet?.aid ?? (channel.cursor.df.structure === 'adf' && env.profile !== undefined ? fromHex(env.profile.files.usimAid) : undefined);
      return aid === undefined ? { sw: SW.OK } : { data: Uint8Array.of(0x84, aid.length, ...aid), sw: SW.OK };
    }
    if (channel.applet !== undefined) return { data: channel.fci ?? new Uint8Array(0), sw: SW.OK };
    return { data: statusResponse(channel.cursor, env), sw: SW.OK };
  }

  #manageChannel(cmd: ParsedCommandApdu, origin: number): CardReply {
    if (cmd.p1 === 0x80) {
      const target = cmd.p2 === 0 ? origin : cmd.p2;
      if (target === 0) return { sw: SW.WRONG_P1P2 };
      const ch = this.#channels.get(target);
      if (ch === undefined) return { sw: SW.CHANNEL_NOT_SUPPORTED };
      ch.applet?.deselect?.({ channel: target });
      this.#channels.delete(target);
      return { sw: SW.OK };
    }
    if (cmd.p1 !== 0x00) return { sw: SW.WRONG_P1P2 };
    let target = cmd.p2;
    if (target === 0) {
      target = 1;
      while (target <= MAX_LOGICAL_CHANNEL && this.#channels.has(target)) target++;
      if (target > MAX_LOGICAL_CHANNEL) return { sw: SW.FUNCTION_NOT_SUPPORTED };
    } else if (target > MAX_LOGICAL_CHANNEL) {
      return { sw: SW.CHANNEL_NOT_SUPPORTED };
    } else if (this.#channels.has(target)) {
      return { sw: SW.WRONG_P1P2 };
    }
    // Opened from the basic channel: MF selected; from another channel: that channel's current DF.
    const from = this.#channels.get(origin);
    const cursor: FileCursor = origin === 0 || from === undefined ? { df: this.#tree().mf } : { df: from.cursor.df };
    this.#channels.set(target, { cursor });
    return cmd.p2 === 0 ? { data: Uint8Array.of(target), sw: SW.OK } : { sw: SW.OK };
  }

  /**
   * Frames a reply for the protocol. T=0: a case-2 command gets its data when Le matches (else 6Cxx);
   * otherwise data waits behind 61xx for GET RESPONSE. T=1: data comes back directly up to Le.
   * Class A0 follows GSM 11.11: 9Fxx and 67xx instead of 61xx and 6Cxx.
   */
  #frame(cmd: ParsedCommandApdu, channel: ChannelState, reply: CardReply, gsm: boolean): Uint8Array {
    const sw = gsm ? toGsmSw(reply.sw) : reply.sw;
    const data = reply.data ?? new Uint8Array(0);
    if (data.length === 0) return encodeResponseApdu(data, sw);
    const ne = cmd.le;
    const t0 = gsm || this.protocol === 'T=0';
    if (ne === undefined || (t0 && cmd.case !== 2)) {
      channel.pending = { data, sw };
      return encodeResponseApdu(new Uint8Array(0), swResponseAvailable(data.length, gsm));
    }
    // T=0 case 2 with P3 ≠ the length on offer: 6C xx / 67 xx tells the terminal the right P3.
    if (t0 && data.length !== ne && data.length <= 256) return encodeResponseApdu(new Uint8Array(0), swWrongLe(data.length, gsm));
    return this.#deliver(channel, data, sw, ne, gsm);
  }

  /** Returns up to `ne` bytes; the rest waits behind 61xx (GSM: the rest is dropped, as 11.11 has no chaining). */
  #deliver(channel: ChannelState, data: Uint8Array, sw: number, ne: number, gsm: boolean): Uint8Array {
    if (data.length <= ne) return encodeResponseApdu(data, sw);
    if (gsm) return encodeResponseApdu(data.subarray(0, ne), SW.OK);
    channel.pending = { data: data.subarray(ne), sw };
    return encodeResponseApdu(data.subarray(0, ne), swResponseAvailable(data.length - ne, false));
  }

  #getResponse(cmd: ParsedCommandApdu, channel: ChannelState, gsm: boolean): Uint8Array {
    const pending = channel.pending;
    channel.pending = undefined;
    const fail = (sw: number): Uint8Array => encodeResponseApdu(new Uint8Array(0), gsm ? toGsmSw(sw) : sw);
    if (cmd.p1 !== 0 || cmd.p2 !== 0) return fail(SW.WRONG_P1P2);
    if (pending === undefined) return fail(SW.CONDITIONS_NOT_SATISFIED);
    const ne = cmd.le ?? 256;
    if (ne > pending.data.length && (gsm || this.protocol === 'T=0')) {
      channel.pending = pending;
      return encodeResponseApdu(new Uint8Array(0), swWrongLe(pending.data.length, gsm));
    }
    return this.#deliver(channel, pending.data, pending.sw, ne, gsm);
  }
}
