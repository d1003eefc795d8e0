/**
 * The virtual QMI modem: CTL and UIM services over QMUX, backed by a ModemSimCard and a behaviour row
 * (modem-profiles.ts). Transport endpoints (pty, qmi-proxy socket, MBIM) feed it request frames through
 * sessions; it answers each and pushes indications to the sessions owning the registered client ids.
 *
 * Requests are handled one at a time, in arrival order, like a modem's single UIM task.
 */
import { toHex } from '../../../shared/hex.js';
import { buildQmiFrame, decodeQmiTlvs, qmiBytes, qmiNumber } from '../../transports/qmi/qmi-codec.js';
import type { QmiRecord } from '../../transports/qmi/qmi-fields.js';
import { QMI_MESSAGES, QMI_SERVICE, UIM, findQmiMessage } from '../../transports/qmi/qmi-messages.js';
import type { QmiMessageDef, QmiMessageKey } from '../../transports/qmi/qmi-messages.js';
import { QMI_CID_BROADCAST } from '../../transports/qmi/qmux.js';
import type { QmuxFrame } from '../../transports/qmi/qmux.js';
import { exchangeT0, probeCard } from './modem-card.js';
import type { CardProbe, ModemSimCard } from './modem-card.js';
import type { QmiModemProfile } from './modem-profiles.js';

/** An endpoint connection (one qmicli run, one proxy client, one MBIM session). */
export interface ModemSession {
  readonly id: number;
  /** Pushes an indication frame to this session's peer. */
  indicate(frame: QmuxFrame): void;
}

export type VirtualQmiModemEvent =
  | { readonly type: 'request'; readonly message: string; readonly clientId: number }
  | { readonly type: 'refused'; readonly message: string; readonly error: number }
  | { readonly type: 'cid-allocated' | 'cid-released'; readonly service: number; readonly clientId: number }
  | { readonly type: 'proxy-open'; readonly devicePath: string }
  | { readonly type: 'sap-connect' | 'sap-disconnect'; readonly slot: number }
  | { readonly type: 'card-apdu'; readonly via: 'sap' | 'channel'; readonly command: Uint8Array; readonly response: Uint8Array }
  | { readonly type: 'card-probed'; readonly usable: boolean };

/** QMI error codes the modem answers with (qmi-errors.ts). */
const ERR = {
  missingArgument: 17,
  noEffect: 26,
  clientIdsExhausted: 5,
  invalidClientId: 7,
  generalError: 46,
  invalidArgument: 48,
  invalidQmiCommand: 71,
  incompatibleState: 90,
  notSupported: 94,
} as const;

type HandlerResult = { readonly values?: QmiRecord } | { readonly error: number };
type Handler = (modem: VirtualQmiModem, request: { values: QmiRecord; session: ModemSession; clientId: number }) => Promise<HandlerResult>;

const fail = (error: number): HandlerResult => ({ error });
const done = (values: QmiRecord = {}): HandlerResult => ({ values });

/** CLA of an inter-industry command on logical channel `n` (ISO 7816-4 §5.4.1). */
function claForChannel(n: number): number {
  return n < 4 ? n : 0x40 | (n - 4);
}

export class VirtualQmiModem {
  readonly events: VirtualQmiModemEvent[] = [];
  private readonly listeners = new Set<(e: VirtualQmiModemEvent) => void>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly clients = new Map<string, { service: number; clientId: number; session: ModemSession; eventMask: number }>();
  private nextCid = 1;
  private probe: CardProbe | undefined;
  private powered = false;
  private sapSlot: number | undefined;
  private readonly channels = new Set<number>();
  private activePhysicalSlot = 1;

  constructor(
    readonly card: ModemSimCard,
    readonly profile: QmiModemProfile,
    private readonly onLog: (message: string) => void = () => {},
  ) {}

  /** Powers the card up and probes it, as the modem does at boot. */
  async start(): Promise<void> {
    await this.serialize(() => this.powerUp());
  }

  onEvent(listener: (e: VirtualQmiModemEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: VirtualQmiModemEvent): void {
    this.events.push(e);
    for (const l of this.listeners) l(e);
  }

  private serialize<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Answers one request frame (undefined for frames that get no answer). */
  handle(session: ModemSession, frame: QmuxFrame): Promise<QmuxFrame | undefined> {
    return this.serialize(() => this.answer(session, frame));
  }

  /** A session went away: its client ids stay allocated, like a killed qmicli's on a real modem. */
  detach(session: ModemSession): void {
    for (const c of this.clients.values()) if (c.session === session) this.onLog(`session ${session.id} left client ${c.clientId} allocated`);
  }

  private async answer(session: ModemSession, frame: QmuxFrame): Promise<QmuxFrame | undefined> {
    if (frame.kind !== 'request') return undefined;
    const found = findQmiMessage(frame.service, frame.messageId, false);
    const header = { clientId: frame.clientId, transactionId: frame.transactionId };
    const raw = (error: number): QmuxFrame => ({
      service: frame.service,
      clientId: frame.clientId,
      kind: 'response',
      transactionId: frame.transactionId,
      messageId: frame.messageId,
      tlvs: [{ type: 0x02, value: Uint8Array.of(1, 0, error & 0xff, error >> 8) }],
    });
    if (found === undefined || !('request' in found.def)) {
      this.onLog(`unsupported message 0x${frame.messageId.toString(16)} on service 0x${frame.service.toString(16)}`);
      return raw(ERR.invalidQmiCommand);
    }
    const handler = HANDLERS[found.key];
    if (handler === undefined) return raw(ERR.invalidQmiCommand);
    if (frame.service !== QMI_SERVICE.ctl && !this.clients.has(`${frame.service}:${frame.clientId}`)) return raw(ERR.invalidClientId);
    let values: QmiRecord;
    try {
      values = decodeQmiTlvs(found.def, 'request', frame.tlvs).values;
    } catch (err) {
      this.onLog(`malformed ${found.def.name}: ${(err as Error).message}`);
      return raw(ERR.missingArgument);
    }
    this.emit({ type: 'request', message: found.key, clientId: frame.clientId });
    let result: HandlerResult;
    try {
      result = await handler(this, { values, session, clientId: frame.clientId });
    } catch (err) {
      this.onLog(`${found.def.name} failed inside the modem: ${(err as Error).message}`);
      result = fail(ERR.generalError);
    }
    if ('error' in result) {
      this.emit({ type: 'refused', message: found.key, error: result.error });
      return buildQmiFrame(found.key, 'response', header, {}, result.error);
    }
    return buildQmiFrame(found.key, 'response', header, result.values ?? {});
  }

  // --- state used by the handlers ---

  private async powerUp(): Promise<void> {
    this.channels.clear();
    try {
      this.probe = await probeCard(this.card);
      this.powered = true;
    } catch (err) {
      this.onLog(`card probe failed: ${(err as Error).message}`);
      this.probe = undefined;
      this.powered = false;
    }
    this.emit({ type: 'card-probed', usable: this.usable });
  }

  private get cardInSlot(): boolean {
    return this.activePhysicalSlot === 1;
  }

  /** A card the modem accepted: it found EF.ICCID and at least one application in EF.DIR. */
  get usable(): boolean {
    return this.powered && this.cardInSlot && this.sapSlot === undefined && (this.probe?.applications.length ?? 0) > 0;
  }

  private refusesCard(opening: boolean): number | undefined {
    if (!this.cardInSlot || !this.powered) return ERR.incompatibleState;
    if (this.sapSlot !== undefined) return ERR.incompatibleState;
    if (opening && this.profile.logicalChannelRefusal !== undefined) return this.profile.logicalChannelRefusal;
    return this.usable ? undefined : this.profile.blankCardRefusal;
  }

  private cardStatusValues(): QmiRecord {
    const apps = this.usable ? (this.probe?.applications ?? []) : [];
    const usim = apps.findIndex((a) => a.type === UIM.appType.usim);
    const state = !this.cardInSlot ? UIM.cardState.absent : this.sapSlot !== undefined || !this.powered ? UIM.cardState.error : UIM.cardState.present;
    const errorCode = this.sapSlot !== undefined ? UIM.cardError.sapConnected : !this.powered ? UIM.cardError.powerDown : UIM.cardError.unknown;
    return {
      gwPrimaryIndex: usim >= 0 ? usim : 0xffff,
      x1PrimaryIndex: 0xffff,
      gwSecondaryIndex: 0xffff,
      x1SecondaryIndex: 0xffff,
      cards: [
        {
          cardState: state,
          upinState: 0,
          upinRetries: 0,
          upukRetries: 0,
          errorCode,
          applications: apps.map((a) => ({
            type: a.type,
            state: UIM.appState.ready,
            personalizationState: 2,
            personalizationFeature: 0,
            personalizationRetries: 0,
            personalizationUnblockRetries: 0,
            aid: a.aid,
            upinReplacesPin1: 0,
            pin1State: 3,
            pin1Retries: 3,
            puk1Retries: 10,
            pin2State: 1,
            pin2Retries: 3,
            puk2Retries: 10,
          })),
        },
      ],
    };
  }

  private slotStatusValues(): QmiRecord {
    const slots = Array.from({ length: this.profile.physicalSlots }, (_, i) => i + 1);
    return {
      physicalSlots: slots.map((s) => ({
        physicalCardState: s === 1 ? UIM.physicalCardState.present : UIM.physicalCardState.absent,
        physicalSlotState: s === this.activePhysicalSlot ? UIM.physicalSlotState.active : UIM.physicalSlotState.inactive,
        logicalSlot: s === this.activePhysicalSlot ? 1 : 0,
        iccid: s === 1 ? (this.probe?.iccid ?? new Uint8Array()) : new Uint8Array(),
      })),
      slotInformation: slots.map((s) => ({ cardProtocol: s === 1 ? 2 : 0, validApplications: s === 1 ? (this.probe?.applications.length ?? 0) : 0, atr: s === 1 ? (this.probe?.atr ?? new Uint8Array()) : new Uint8Array(), isEuicc: s === 1 ? 1 : 0 })),
    };
  }

  private indicate(key: QmiMessageKey, bit: number, values: QmiRecord): void {
    const def: QmiMessageDef = QMI_MESSAGES[key];
    for (const c of this.clients.values()) {
      if (c.service !== QMI_SERVICE.uim || (c.eventMask & bit) === 0) continue;
      c.session.indicate(buildQmiFrame(key, 'indication', { clientId: c.clientId, transactionId: 0 }, values));
      this.onLog(`indication ${def.name} → client ${c.clientId}`);
    }
  }

  private async toCard(via: 'sap' | 'channel', command: Uint8Array, t0: boolean): Promise<Uint8Array> {
    const response = t0 ? await exchangeT0(this.card, command) : await this.card.transmit(command);
    this.emit({ type: 'card-apdu', via, command, response });
    return response;
  }

  // Handlers reach private state through these narrow methods.
  /** @internal */ allocateCid(service: number, session: ModemSession): number | undefined {
    for (let i = 0; i < 254; i++) {
      const cid = ((this.nextCid - 1 + i) % 254) + 1;
      if (this.clients.has(`${service}:${cid}`)) continue;
      this.nextCid = (cid % 254) + 1;
      this.clients.set(`${service}:${cid}`, { service, clientId: cid, session, eventMask: 0 });
      this.emit({ type: 'cid-allocated', service, clientId: cid });
      return cid;
    }
    return undefined;
  }
  /** @internal */ releaseCid(service: number, cid: number): boolean {
    const had = this.clients.delete(`${service}:${cid}`);
    if (had) this.emit({ type: 'cid-released', service, clientId: cid });
    return had;
  }
  /** @internal */ syncCids(): void {
    this.clients.clear();
  }
  /** @internal */ proxyOpened(devicePath: string): void {
    this.emit({ type: 'proxy-open', devicePath });
  }
  /** @internal */ setEventMask(cid: number, mask: number): number {
    const c = this.clients.get(`${QMI_SERVICE.uim}:${cid}`);
    const supported = UIM.eventBit.cardStatus | UIM.eventBit.sapConnection | UIM.eventBit.physicalSlotStatus;
    if (c) c.eventMask = mask & supported;
    return mask & supported;
  }

  /** @internal */ readonly ops = {
    cardStatus: (): QmiRecord => this.cardStatusValues(),
    slotStatus: (): QmiRecord => this.slotStatusValues(),
    refusal: (opening: boolean): number | undefined => this.refusesCard(opening),
    atr: (): Uint8Array | undefined => (this.cardInSlot && this.powered ? this.probe?.atr : undefined),
    powerOff: (): void => {
      this.powered = false;
      this.channels.clear();
      this.indicate('uim.cardStatusIndication', UIM.eventBit.cardStatus, this.cardStatusValues());
    },
    powerOn: async (): Promise<void> => {
      await this.powerUp();
      this.indicate('uim.cardStatusIndication', UIM.eventBit.cardStatus, this.cardStatusValues());
    },
    switchSlot: async (physical: number): Promise<boolean> => {
      if (physical < 1 || physical > this.profile.physicalSlots) return false;
      if (physical === this.activePhysicalSlot) return true;
      this.activePhysicalSlot = physical;
      if (physical === 1) await this.powerUp();
      this.indicate('uim.slotStatusIndication', UIM.eventBit.physicalSlotStatus, this.slotStatusValues());
      return true;
    },
    openChannel: async (aid: Uint8Array, fciRequest: number): Promise<HandlerResult> => {
      const manage = await this.toCard('channel', Uint8Array.of(0x00, 0x70, 0x00, 0x00, 0x01), false);
      if (manage.length !== 3 || manage[1] !== 0x90) return fail(ERR.generalError);
      const channel = manage[0] ?? 0;
      // P2 as the FCI request asks: 0x00 FCI (default), 0x04 FCP, 0x0C no data.
      const p2 = fciRequest === 1 ? 0x04 : fciRequest === 0 ? 0x0c : 0x00;
      const select = await this.toCard('channel', Uint8Array.of(claForChannel(channel), 0xa4, 0x04, p2, aid.length, ...aid, 0x00), true);
      const sw1 = select[select.length - 2] ?? 0;
      const sw2 = select[select.length - 1] ?? 0;
      if (sw1 !== 0x90) {
        await this.toCard('channel', Uint8Array.of(0x00, 0x70, 0x80, channel, 0x00), false);
        // Qualcomm firmware answers a failed SELECT with a plain failure, no channel.
        return fail(ERR.generalError);
      }
      this.channels.add(channel);
      return done({ channelId: channel, sw1, sw2, selectResponse: select.slice(0, -2) });
    },
    closeChannel: async (channel: number): Promise<HandlerResult> => {
      if (!this.channels.delete(channel)) return fail(ERR.invalidArgument);
      await this.toCard('channel', Uint8Array.of(0x00, 0x70, 0x80, channel, 0x00), false);
      return done();
    },
    channelApdu: async (channel: number, apdu: Uint8Array): Promise<HandlerResult> => {
      if (channel !== 0 && !this.channels.has(channel)) return fail(ERR.invalidArgument);
      return done({ response: await this.toCard('channel', apdu, false) });
    },
    sapConnect: (slot: number): HandlerResult => {
      if (!this.profile.sap) return fail(ERR.notSupported);
      if (!this.cardInSlot) return fail(ERR.incompatibleState);
      if (this.sapSlot !== undefined) return fail(ERR.noEffect);
      this.sapSlot = slot;
      this.channels.clear();
      this.emit({ type: 'sap-connect', slot });
      this.indicate('uim.sapConnectionIndication', UIM.eventBit.sapConnection, { sapState: UIM.sapState.connected, slot });
      this.indicate('uim.cardStatusIndication', UIM.eventBit.cardStatus, this.cardStatusValues());
      return done();
    },
    sapDisconnect: async (slot: number): Promise<HandlerResult> => {
      if (this.sapSlot === undefined) return fail(ERR.noEffect);
      this.sapSlot = undefined;
      this.emit({ type: 'sap-disconnect', slot });
      // The modem takes the card back and probes it again: a freshly provisioned eUICC is now usable.
      await this.powerUp();
      this.indicate('uim.sapConnectionIndication', UIM.eventBit.sapConnection, { sapState: UIM.sapState.disconnected, slot });
      this.indicate('uim.cardStatusIndication', UIM.eventBit.cardStatus, this.cardStatusValues());
      return done();
    },
    sapState: (): number => (this.sapSlot === undefined ? UIM.sapState.disconnected : UIM.sapState.connected),
    sapRequest: async (request: number, apdu: Uint8Array | undefined): Promise<HandlerResult> => {
      if (this.sapSlot === undefined) return fail(ERR.incompatibleState);
      switch (request) {
        case UIM.sapRequest.getAtr:
          return this.probe ? done({ atr: this.probe.atr }) : fail(ERR.incompatibleState);
        case UIM.sapRequest.sendApdu:
          if (apdu === undefined) return fail(ERR.missingArgument);
          return done({ response: await this.toCard('sap', apdu, false) });
        case UIM.sapRequest.powerSimOff:
          this.powered = false;
          return done();
        case UIM.sapRequest.powerSimOn:
        case UIM.sapRequest.resetSim:
          this.probe = { ...(this.probe ?? { applications: [] }), atr: await this.card.powerOn() };
          this.powered = true;
          return done();
        case UIM.sapRequest.cardReaderStatus:
          return done({ cardReaderStatus: Uint8Array.of(this.powered ? 0xd0 : 0x50) });
        default:
          return fail(ERR.invalidArgument);
      }
    },
  };
}

const HANDLERS: Partial<Record<QmiMessageKey, Handler>> = {
  'ctl.getVersionInfo': async (m) => done({ services: m.profile.versions.map((v) => ({ ...v })) }),
  'ctl.allocateCid': async (m, { values, session }) => {
    const service = qmiNumber(values, 'service');
    if (service !== QMI_SERVICE.uim) return fail(ERR.invalidArgument);
    const cid = m.allocateCid(service, session);
    return cid === undefined ? fail(ERR.clientIdsExhausted) : done({ service, clientId: cid });
  },
  'ctl.releaseCid': async (m, { values }) => {
    const service = qmiNumber(values, 'service');
    const clientId = qmiNumber(values, 'clientId');
    return m.releaseCid(service, clientId) ? done({ service, clientId }) : fail(ERR.invalidClientId);
  },
  'ctl.sync': async (m) => {
    m.syncCids();
    return done();
  },
  'ctl.internalProxyOpen': async (m, { values }) => {
    m.proxyOpened(typeof values.devicePath === 'string' ? values.devicePath : '');
    return done();
  },
  'uim.reset': async () => done(),
  'uim.registerEvents': async (m, { values, clientId }) => done({ registeredMask: m.setEventMask(clientId, qmiNumber(values, 'eventMask')) }),
  'uim.getCardStatus': async (m) => done(m.ops.cardStatus()),
  'uim.getSlotStatus': async (m) => done(m.ops.slotStatus()),
  'uim.powerOffSim': async (m) => {
    m.ops.powerOff();
    return done();
  },
  'uim.powerOnSim': async (m) => {
    await m.ops.powerOn();
    return done();
  },
  'uim.switchSlot': async (m, { values }) => ((await m.ops.switchSlot(qmiNumber(values, 'physicalSlot'))) ? done() : fail(ERR.invalidArgument)),
  'uim.getAtr': async (m) => {
    const atr = m.ops.atr();
    return atr ? done({ atr }) : fail(ERR.incompatibleState);
  },
  'uim.openLogicalChannel': async (m, { values }) => {
    const refusal = m.ops.refusal(true);
    if (refusal !== undefined) return fail(refusal);
    if (values.aid === undefined) return fail(ERR.missingArgument);
    return m.ops.openChannel(qmiBytes(values, 'aid'), typeof values.fciRequest === 'number' ? values.fciRequest : 2);
  },
  'uim.logicalChannel': async (m, { values }) => {
    const refusal = m.ops.refusal(values.channelId === undefined);
    if (refusal !== undefined) return fail(refusal);
    if (typeof values.channelId === 'number') return m.ops.closeChannel(values.channelId);
    if (values.aid instanceof Uint8Array) return m.ops.openChannel(values.aid, typeof values.fciRequest === 'number' ? values.fciRequest : 2);
    return fail(ERR.missingArgument);
  },
  'uim.sendApdu': async (m, { values }) => {
    const refusal = m.ops.refusal(false);
    if (refusal !== undefined) return fail(refusal);
    return m.ops.channelApdu(typeof values.channelId === 'number' ? values.channelId : 0, qmiBytes(values, 'apdu'));
  },
  'uim.sapConnection': async (m, { values }) => {
    const slot = qmiNumber(values, 'slot');
    if (slot !== 1) return fail(ERR.invalidArgument);
    switch (qmiNumber(values, 'operation')) {
      case UIM.sapOperation.connect:
        return m.ops.sapConnect(slot);
      case UIM.sapOperation.disconnect:
        return m.ops.sapDisconnect(slot);
      case UIM.sapOperation.checkStatus:
        return done({ sapState: m.ops.sapState() });
      default:
        return fail(ERR.invalidArgument);
    }
  },
  'uim.sapRequest': async (m, { values }) => {
    if (qmiNumber(values, 'slot') !== 1) return fail(ERR.invalidArgument);
    return m.ops.sapRequest(qmiNumber(values, 'request'), values.apdu instanceof Uint8Array ? values.apdu : undefined);
  },
};

/** For logs: a frame in one line. */
export function describeFrame(frame: QmuxFrame): string {
  const found = findQmiMessage(frame.service, frame.messageId, frame.kind === 'indication');
  const name = found?.def.name ?? `0x${frame.messageId.toString(16)}`;
  return `${frame.kind} ${name} cid=${frame.clientId === QMI_CID_BROADCAST ? 'broadcast' : frame.clientId} txn=${frame.transactionId} ${frame.tlvs.map((t) => `${t.type.toString(16)}:${toHex(t.value)}`).join(' ')}`;
}
