/**
 * QMI messages as data, in the spirit of libqmi's JSON message definitions: one row per message with
 * its service, id, name and the TLVs of request, response and indication, each TLV a typed field
 * layout. The codec (qmi-codec.ts) interprets these rows; adding a message is adding a row.
 *
 * Field names are flat per direction (a TLV's fields land directly in the message's value object), so
 * they must be unique within one direction of one message (a unit test checks this).
 * TLV types 0x01–0x0F are mandatory, 0x10 and up optional (QMI convention). Every response also
 * carries the result TLV 0x02, which the codec handles itself.
 * Sources: TRANSPORTS.md §1.3 (CTL), §2.1–2.3 (UIM incl. SAP).
 */
import type { QmiFieldDef } from './qmi-fields.js';

export const QMI_SERVICE = { ctl: 0x00, uim: 0x0b } as const;
export type QmiServiceName = keyof typeof QMI_SERVICE;

export interface QmiTlvDef {
  readonly type: number;
  /** What the TLV is, for logs ("AID", "Card status"). */
  readonly label: string;
  readonly fields: readonly QmiFieldDef[];
}

export interface QmiMessageDef {
  readonly service: QmiServiceName;
  readonly id: number;
  /** Human name as libqmi/Qualcomm call it, used in errors and logs. */
  readonly name: string;
  readonly request?: readonly QmiTlvDef[];
  readonly response?: readonly QmiTlvDef[];
  readonly indication?: readonly QmiTlvDef[];
}

const u8 = (name: string): QmiFieldDef => ({ name, type: 'u8' });
const u16 = (name: string): QmiFieldDef => ({ name, type: 'u16' });
const u32 = (name: string): QmiFieldDef => ({ name, type: 'u32' });
const bytes8 = (name: string): QmiFieldDef => ({ name, type: 'bytes8' });
const bytes16 = (name: string): QmiFieldDef => ({ name, type: 'bytes16' });
const tlv = (type: number, label: string, ...fields: QmiFieldDef[]): QmiTlvDef => ({ type, label, fields });

const slotTlv = tlv(0x01, 'Slot', u8('slot'));

/** Card status TLV body (Get Card Status response 0x10 and Card Status indication 0x10). */
const cardStatusTlvs: readonly QmiTlvDef[] = [
  tlv(
    0x10,
    'Card status',
    u16('gwPrimaryIndex'),
    u16('x1PrimaryIndex'),
    u16('gwSecondaryIndex'),
    u16('x1SecondaryIndex'),
    {
      name: 'cards',
      type: 'array8',
      of: [
        u8('cardState'),
        u8('upinState'),
        u8('upinRetries'),
        u8('upukRetries'),
        u8('errorCode'),
        {
          name: 'applications',
          type: 'array8',
          of: [
            u8('type'),
            u8('state'),
            u8('personalizationState'),
            u8('personalizationFeature'),
            u8('personalizationRetries'),
            u8('personalizationUnblockRetries'),
            bytes8('aid'),
            u8('upinReplacesPin1'),
            u8('pin1State'),
            u8('pin1Retries'),
            u8('puk1Retries'),
            u8('pin2State'),
            u8('pin2Retries'),
            u8('puk2Retries'),
          ],
        },
      ],
    },
  ),
  tlv(0x11, 'Hot swap', { name: 'hotSwap', type: 'array8', of: [u8('status')] }),
  tlv(0x12, 'Card status validity', { name: 'validity', type: 'array8', of: [u8('valid')] }),
];

const slotStatusTlvs: readonly QmiTlvDef[] = [
  tlv(0x10, 'Physical slot status', {
    name: 'physicalSlots',
    type: 'array8',
    of: [u32('physicalCardState'), u32('physicalSlotState'), u8('logicalSlot'), bytes8('iccid')],
  }),
  tlv(0x11, 'Physical slot information', {
    name: 'slotInformation',
    type: 'array8',
    of: [u32('cardProtocol'), u8('validApplications'), bytes8('atr'), u8('isEuicc')],
  }),
  tlv(0x12, 'Slot EID information', { name: 'eids', type: 'array8', of: [bytes8('eid')] }),
];

/** Response of Open Logical Channel (0x0042) and of the legacy Logical Channel message (0x003F). */
const logicalChannelResponse: readonly QmiTlvDef[] = [
  tlv(0x10, 'Channel id', u8('channelId')),
  tlv(0x11, 'Card result', u8('sw1'), u8('sw2')),
  tlv(0x12, 'Select response', bytes8('selectResponse')),
];

export const QMI_MESSAGES = {
  // --- CTL (service 0x00) ---
  'ctl.getVersionInfo': {
    service: 'ctl',
    id: 0x0021,
    name: 'Get Version Info',
    request: [],
    response: [tlv(0x01, 'Service list', { name: 'services', type: 'array8', of: [u8('service'), u16('major'), u16('minor')] })],
  },
  'ctl.allocateCid': {
    service: 'ctl',
    id: 0x0022,
    name: 'Allocate CID',
    request: [tlv(0x01, 'Service', u8('service'))],
    response: [tlv(0x01, 'Allocation info', u8('service'), u8('clientId'))],
  },
  'ctl.releaseCid': {
    service: 'ctl',
    id: 0x0023,
    name: 'Release CID',
    request: [tlv(0x01, 'Release info', u8('service'), u8('clientId'))],
    response: [tlv(0x01, 'Release info', u8('service'), u8('clientId'))],
  },
  'ctl.sync': { service: 'ctl', id: 0x0027, name: 'Sync', request: [], response: [], indication: [] },
  /** libqmi-only: the first message a client sends to qmi-proxy, naming the device to open (§3). */
  'ctl.internalProxyOpen': {
    service: 'ctl',
    id: 0xff00,
    name: 'Internal Proxy Open',
    request: [tlv(0x01, 'Device path', { name: 'devicePath', type: 'string' })],
    response: [],
  },

  // --- UIM (service 0x0B) ---
  'uim.reset': { service: 'uim', id: 0x0000, name: 'Reset', request: [], response: [] },
  'uim.registerEvents': {
    service: 'uim',
    id: 0x002e,
    name: 'Register Events',
    request: [tlv(0x01, 'Event mask', u32('eventMask'))],
    response: [tlv(0x10, 'Event mask', u32('registeredMask'))],
  },
  'uim.getCardStatus': {
    service: 'uim',
    id: 0x002f,
    name: 'Get Card Status',
    request: [tlv(0x10, 'Extended card status', u8('extendedCardStatus'))],
    response: cardStatusTlvs,
  },
  'uim.powerOffSim': { service: 'uim', id: 0x0030, name: 'Power Off SIM', request: [slotTlv], response: [] },
  'uim.powerOnSim': {
    service: 'uim',
    id: 0x0031,
    name: 'Power On SIM',
    request: [slotTlv, tlv(0x10, 'Ignore hot swap switch', u8('ignoreHotswapSwitch'))],
    response: [],
  },
  'uim.cardStatusIndication': { service: 'uim', id: 0x0032, name: 'Card Status', indication: cardStatusTlvs },
  'uim.sendApdu': {
    service: 'uim',
    id: 0x003b,
    name: 'Send APDU',
    request: [slotTlv, tlv(0x02, 'APDU', bytes16('apdu')), tlv(0x10, 'Channel id', u8('channelId')), tlv(0x11, 'Procedure bytes', u8('procedureBytes'))],
    response: [tlv(0x10, 'Response APDU', bytes16('response')), tlv(0x11, 'Long response', u16('longResponseLength'), u32('longResponseToken'))],
    // Long responses arrive in chunks as indications with the same message id.
    indication: [tlv(0x01, 'Long response chunk', u32('token'), u16('totalLength'), u16('chunkOffset'), bytes16('chunk'))],
  },
  'uim.sapConnection': {
    service: 'uim',
    id: 0x003c,
    name: 'SAP Connection',
    request: [
      tlv(0x01, 'Connect', u8('operation'), u8('slot')),
      tlv(0x10, 'Disconnect mode', u8('disconnectMode')),
      tlv(0x11, 'Intermediate GET RESPONSE', u8('intermediateGetResponse')),
      tlv(0x12, 'Connection condition', u32('connectionCondition')),
    ],
    response: [tlv(0x10, 'SAP state', u8('sapState'))],
  },
  'uim.sapRequest': {
    service: 'uim',
    id: 0x003d,
    name: 'SAP Request',
    request: [tlv(0x01, 'Request', u8('request'), u8('slot')), tlv(0x10, 'APDU', bytes16('apdu'))],
    response: [tlv(0x10, 'ATR', bytes8('atr')), tlv(0x11, 'Response APDU', bytes16('response')), tlv(0x12, 'Card reader status', bytes8('cardReaderStatus'))],
  },
  'uim.sapConnectionIndication': {
    service: 'uim',
    id: 0x003e,
    name: 'SAP Connection',
    indication: [tlv(0x10, 'SAP connection event', u8('sapState'), u8('slot'))],
  },
  /** Legacy Logical Channel: used to close (TLV 0x11); it can also open (TLV 0x10). */
  'uim.logicalChannel': {
    service: 'uim',
    id: 0x003f,
    name: 'Logical Channel',
    request: [
      slotTlv,
      tlv(0x10, 'AID', bytes8('aid')),
      tlv(0x11, 'Channel id', u8('channelId')),
      tlv(0x12, 'FCI request', u8('fciRequest')),
      tlv(0x13, 'Terminate application', u8('terminateApplication')),
    ],
    response: logicalChannelResponse,
  },
  'uim.getAtr': { service: 'uim', id: 0x0041, name: 'Get ATR', request: [slotTlv], response: [tlv(0x10, 'ATR', bytes8('atr'))] },
  'uim.openLogicalChannel': {
    service: 'uim',
    id: 0x0042,
    name: 'Open Logical Channel',
    request: [slotTlv, tlv(0x10, 'AID', bytes8('aid')), tlv(0x11, 'FCI request', u8('fciRequest'))],
    response: logicalChannelResponse,
  },
  'uim.switchSlot': {
    service: 'uim',
    id: 0x0046,
    name: 'Switch Slot',
    request: [tlv(0x01, 'Logical slot', u8('logicalSlot')), tlv(0x02, 'Physical slot', u32('physicalSlot'))],
    response: [],
  },
  'uim.getSlotStatus': { service: 'uim', id: 0x0047, name: 'Get Slot Status', request: [], response: slotStatusTlvs },
  'uim.slotStatusIndication': { service: 'uim', id: 0x0048, name: 'Slot Status', indication: slotStatusTlvs },
} as const satisfies Record<string, QmiMessageDef>;

export type QmiMessageKey = keyof typeof QMI_MESSAGES;

const BY_ID = new Map<string, QmiMessageKey>();
for (const key of Object.keys(QMI_MESSAGES) as QmiMessageKey[]) {
  const def: QmiMessageDef = QMI_MESSAGES[key];
  const kind = 'indication' in def && !('request' in def) ? 'ind' : 'msg';
  BY_ID.set(`${def.service}:${def.id}:${kind}`, key);
}

/**
 * Finds the row for a message seen on the wire. Indication-only rows (Card Status 0x0032, SAP
 * Connection 0x003E, …) are keyed apart; an indication without its own row falls back to the request
 * row that declares indications (Send APDU long-response chunks).
 */
export function findQmiMessage(service: number, id: number, isIndication: boolean): { key: QmiMessageKey; def: QmiMessageDef } | undefined {
  const name = (Object.keys(QMI_SERVICE) as QmiServiceName[]).find((s) => QMI_SERVICE[s] === service);
  if (name === undefined) return undefined;
  const key = (isIndication ? BY_ID.get(`${name}:${id}:ind`) : undefined) ?? BY_ID.get(`${name}:${id}:msg`);
  return key === undefined ? undefined : { key, def: QMI_MESSAGES[key] };
}

/** QMI service number of a row. */
export function qmiServiceNumber(def: QmiMessageDef): number {
  return QMI_SERVICE[def.service];
}

/** UIM value tables (TRANSPORTS.md §2.2/§2.3). */
export const UIM = {
  cardState: { absent: 0, present: 1, error: 2 },
  cardError: { unknown: 0, powerDown: 1, pollError: 2, noAtr: 3, voltMismatch: 4, parity: 5, possiblyRemoved: 6, technicalProblems: 7, nullBytes: 8, sapConnected: 9 },
  appType: { unknown: 0, sim: 1, usim: 2, ruim: 3, csim: 4, isim: 5 },
  /** Application state; 7 = ready (libqmi `QmiUimCardApplicationState`). */
  appState: { unknown: 0, detected: 1, pin1OrUpinPinRequired: 2, puk1OrUpinPukRequired: 3, checkPersonalizationState: 4, pin1Blocked: 5, illegal: 6, ready: 7 },
  sapOperation: { disconnect: 0, connect: 1, checkStatus: 2 },
  sapDisconnectMode: { immediate: 0, graceful: 1 },
  sapCondition: { blockVoiceOrData: 0, blockData: 1, blockVoice: 2, allowAlways: 3 },
  sapRequest: { getAtr: 0, sendApdu: 1, powerSimOff: 2, powerSimOn: 3, resetSim: 4, cardReaderStatus: 5 },
  sapState: { notEnabled: 0, connecting: 1, connected: 2, connectionError: 3, disconnecting: 4, disconnected: 5 },
  /** Register Events mask bits. */
  eventBit: { cardStatus: 1 << 0, sapConnection: 1 << 1, extendedCardStatus: 1 << 2, physicalSlotStatus: 1 << 4 },
  physicalCardState: { unknown: 0, absent: 1, present: 2 },
  physicalSlotState: { inactive: 0, active: 1 },
} as const;
