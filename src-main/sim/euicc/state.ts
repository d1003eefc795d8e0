/**
 * Persistent state of one virtual eUICC, as plain JSON (bytes as hex, or base64 where noted). The card
 * platform reads the enabled profile's files from it; the ISD-R changes profiles and notifications in
 * it through StateStore.transaction. No profile enabled = the card is blank (answers like seed 000).
 */
import { WorkbenchError } from '../../../shared/errors.js';
import { toHex } from '../../../shared/hex.js';
import { DEFAULT_ATR_HEX } from '../card/atr.js';
import { encodeAd, encodeAdnRecord, encodeImsi, encodePl, encodeSpn, emptySmsRecord } from '../../codec/ef-coding.js';

export const EUICC_STATE_VERSION = 1;

export type CardProtocol = 'T=0' | 'T=1';

/** SGP.22 NotificationEvent bits: notificationInstall(0), Enable(1), Disable(2), Delete(3). */
export type NotificationEvent = 'install' | 'enable' | 'disable' | 'delete';

/** SGP.22 ProfileClass: test(0), provisioning(1), operational(2). */
export type ProfileClass = 'test' | 'provisioning' | 'operational';

/** SGP.22 PprIds: ppr1 = disabling not allowed, ppr2 = deletion not allowed. */
export type PprId = 'ppr1' | 'ppr2';

/** Where the eUICC's identity (CERT.EUICC.ECDSA + key, CERT.EUM) comes from: file paths or inline PEM. */
export interface EuiccIdentityRef {
  certificatePath?: string;
  privateKeyPath?: string;
  eumCertificatePath?: string;
  certificatePem?: string;
  privateKeyPem?: string;
  eumCertificatePem?: string;
}

export interface NotificationConfiguration {
  events: NotificationEvent[];
  /** FQDN of the SM-DP+ that wants these notifications. */
  address: string;
}

/** SGP.22 OperatorId; hex strings. */
export interface ProfileOwner {
  mccMnc: string;
  gid1?: string;
  gid2?: string;
}

export interface PinState {
  /** Digits. */
  value: string;
  /** PIN1 only: whether verification is required (ENABLE/DISABLE PIN). */
  enabled: boolean;
  retriesLeft: number;
  maxRetries: number;
}

/** Contents of the profile's classic files, as raw bytes (hex) so SAIP file images map 1:1. */
export interface ProfileFiles {
  /** AID of ADF.USIM (also written to EF.DIR). */
  usimAid: string;
  /** Label of the USIM in EF.DIR. */
  usimLabel: string;
  imsi: string;
  spn: string;
  ad: string;
  pl: string;
  adn: string[];
  sms: string[];
  pin1: PinState;
  puk1: PinState;
}

export interface ProfileRecord {
  /** ICCID digits as printed (EF.ICCID holds them nibble-swapped). */
  iccid: string;
  isdpAid: string;
  state: 'enabled' | 'disabled';
  nickname?: string;
  serviceProviderName: string;
  profileName: string;
  iconType?: 'jpg' | 'png';
  /** Icon bytes, base64. */
  icon?: string;
  profileClass: ProfileClass;
  pprs: PprId[];
  notificationConfigurationInfo: NotificationConfiguration[];
  profileOwner?: ProfileOwner;
  /** DpProprietaryData contents, hex. */
  dpProprietaryData?: string;
  files: ProfileFiles;
}

export interface PendingNotificationRecord {
  seqNumber: number;
  event: NotificationEvent;
  iccid?: string;
  notificationAddress: string;
  /** The signed notification exactly as ES10b.RetrieveNotificationsList returns it, base64. */
  signed: string;
}

/** SGP.22 BppCommandId names the virtual eUICC reports (storeMetadata2 is not used by v2 packages). */
export const BPP_COMMANDS = ['initialiseSecureChannel', 'configureISDP', 'storeMetadata', 'replaceSessionKeys', 'loadProfileElements'] as const;
export type BppCommand = (typeof BPP_COMMANDS)[number];

/**
 * A Bound Profile Package load that passed BF23 and has not returned its BF37 yet. Kept on "disk" so
 * that a reset, a removed card or a killed process still ends in an error PIR with reason
 * interruption (SGP.22 ErrorReason 11): without it the SM-DP+ order would never be closed.
 */
export interface LoadInProgressRecord {
  /** TransactionId of the RSP session, hex. */
  transactionId: string;
  /** SM-DP+ OID reported in the PIR (CERT.DPpb's). */
  smdpOid: string;
  /** SM-DP+ address of the session: where the PIR goes. */
  notificationAddress: string;
  /** The BPP command last started. */
  bppCommandId: BppCommand;
  /** Known once StoreMetadata was read. */
  iccid?: string;
}

export interface LinkSpeedConfig {
  /** Delay responses by the modelled transfer time. Off by default. */
  enabled: boolean;
  /** Card clock; 3.57 MHz is the usual 3.5712 MHz of phones and readers. */
  clockHz: number;
  /** 'atr': use TA1's Fi/Di (speed after PPS); 'default': F=372, D=1 (9600 baud at 3.57 MHz). */
  fiDi: 'atr' | 'default';
}

export interface CardConfig {
  /** ATR, hex. */
  atr: string;
  protocol: CardProtocol;
  linkSpeed: LinkSpeedConfig;
}

export interface EuiccState {
  version: typeof EUICC_STATE_VERSION;
  /** 32 hex digits. */
  eid: string;
  identity: EuiccIdentityRef;
  profiles: ProfileRecord[];
  notifications: { nextSeqNumber: number; pending: PendingNotificationRecord[] };
  /** Present only while a BPP is being loaded. */
  loadInProgress?: LoadInProgressRecord;
  /** '' = none set. */
  defaultDpAddress: string;
  rootDsAddress: string;
  /** Free memory in bytes (EUICCInfo2 extCardResource; also the MF FCP's available-memory DO). */
  freeMemory: { nonVolatile: number; volatile: number };
  config: CardConfig;
}

/** The enabled profile, or undefined when the card is blank. */
export function enabledProfile(state: EuiccState): ProfileRecord | undefined {
  return state.profiles.find((p) => p.state === 'enabled');
}

/** Default card configuration: the default ATR, T=0, no link-speed model. */
export function defaultCardConfig(): CardConfig {
  return { atr: DEFAULT_ATR_HEX, protocol: 'T=0', linkSpeed: { enabled: false, clockHz: 3_571_200, fiDi: 'atr' } };
}

/**
 * A profile-less eUICC. The free memory default (0x0C27BA bytes) is what the card of seed 000 reports
 * in its MF FCP, so a blank card reproduces that FCP byte for byte.
 */
export function createBlankState(options: { eid?: string; identity?: EuiccIdentityRef; config?: Partial<CardConfig> } = {}): EuiccState {
  return {
    version: EUICC_STATE_VERSION,
    eid: options.eid ?? '89049032123451234512345678901235',
    identity: options.identity ?? {},
    profiles: [],
    notifications: { nextSeqNumber: 1, pending: [] },
    defaultDpAddress: '',
    rootDsAddress: 'lpa.ds.gsma.com',
    freeMemory: { nonVolatile: 0x0c27ba, volatile: 0x4000 },
    config: { ...defaultCardConfig(), ...options.config },
  };
}

export interface TestProfileOptions {
  iccid: string;
  imsi: string;
  /** 2 or 3; default 2. */
  mncLength?: 2 | 3;
  serviceProviderName?: string;
  profileName?: string;
  nickname?: string;
  isdpAid?: string;
  state?: 'enabled' | 'disabled';
  profileClass?: ProfileClass;
  pin1?: string;
  pin1Enabled?: boolean;
  puk1?: string;
  /** Phonebook entries; the file gets `adnRecords` records in all. */
  contacts?: { name: string; number: string }[];
  adnRecords?: number;
  smsRecords?: number;
}

/** A profile with plausible file contents, for demos and tests (an installed BPP fills the same shape). */
export function createProfile(o: TestProfileOptions): ProfileRecord {
  const spn = o.serviceProviderName ?? 'Workbench Mobile';
  const adnCount = Math.max(o.adnRecords ?? 10, o.contacts?.length ?? 0);
  const adn = Array.from({ length: adnCount }, (_, i) => {
    const c = o.contacts?.[i];
    return toHex(encodeAdnRecord(c?.name ?? '', c?.number ?? ''));
  });
  return {
    iccid: o.iccid,
    isdpAid: o.isdpAid ?? 'A0000005591010FFFFFFFF8900001000',
    state: o.state ?? 'enabled',
    ...(o.nickname === undefined ? {} : { nickname: o.nickname }),
    serviceProviderName: spn,
    profileName: o.profileName ?? `${spn} profile`,
    profileClass: o.profileClass ?? 'operational',
    pprs: [],
    notificationConfigurationInfo: [],
    files: {
      usimAid: 'A0000000871002FFFFFFFF8907090000',
      usimLabel: 'USIM',
      imsi: toHex(encodeImsi(o.imsi)),
      spn: toHex(encodeSpn(spn)),
      ad: toHex(encodeAd(o.mncLength ?? 2)),
      pl: toHex(encodePl(['en'])),
      adn,
      sms: Array.from({ length: o.smsRecords ?? 10 }, () => toHex(emptySmsRecord())),
      pin1: { value: o.pin1 ?? '0000', enabled: o.pin1Enabled ?? false, retriesLeft: 3, maxRetries: 3 },
      puk1: { value: o.puk1 ?? '12345678', enabled: true, retriesLeft: 10, maxRetries: 10 },
    },
  };
}

function invalidState(what: string, source: string): WorkbenchError {
  return new WorkbenchError('SIM_STATE_INVALID', `The eUICC state in ${source} is not valid: ${what}.`, 'Restore the file from a backup or delete it to start with a blank card.', {
    details: { source, problem: what },
  });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const HEX = /^([0-9a-fA-F]{2})*$/;

function checkProfile(p: unknown, i: number, source: string): void {
  const at = `profiles[${i}]`;
  if (!isRecord(p)) throw invalidState(`${at} is not an object`, source);
  if (typeof p.iccid !== 'string' || !/^[0-9]{18,20}$/.test(p.iccid)) throw invalidState(`${at}.iccid is not 18–20 digits`, source);
  if (typeof p.isdpAid !== 'string' || !HEX.test(p.isdpAid)) throw invalidState(`${at}.isdpAid is not hex`, source);
  if (p.state !== 'enabled' && p.state !== 'disabled') throw invalidState(`${at}.state must be enabled or disabled`, source);
  const f = p.files;
  if (!isRecord(f)) throw invalidState(`${at}.files is missing`, source);
  for (const k of ['usimAid', 'imsi', 'spn', 'ad', 'pl'] as const) {
    if (typeof f[k] !== 'string' || !HEX.test(f[k])) throw invalidState(`${at}.files.${k} is not hex`, source);
  }
  for (const k of ['adn', 'sms'] as const) {
    const records = f[k];
    if (!Array.isArray(records) || records.length === 0 || !records.every((r) => typeof r === 'string' && HEX.test(r) && r.length === (records[0] as string).length && r.length > 0)) {
      throw invalidState(`${at}.files.${k} must be non-empty hex records of one length`, source);
    }
  }
  for (const k of ['pin1', 'puk1'] as const) {
    const pin = f[k];
    if (!isRecord(pin) || typeof pin.value !== 'string' || typeof pin.retriesLeft !== 'number' || typeof pin.maxRetries !== 'number' || typeof pin.enabled !== 'boolean') {
      throw invalidState(`${at}.files.${k} is incomplete`, source);
    }
  }
}

function isLoadInProgress(v: unknown): boolean {
  if (!isRecord(v)) return false;
  const { transactionId, smdpOid, notificationAddress, bppCommandId, iccid } = v;
  return (
    typeof transactionId === 'string' &&
    transactionId.length > 0 &&
    HEX.test(transactionId) &&
    typeof smdpOid === 'string' &&
    typeof notificationAddress === 'string' &&
    BPP_COMMANDS.some((c) => c === bppCommandId) &&
    (iccid === undefined || (typeof iccid === 'string' && /^[0-9]{18,20}$/.test(iccid)))
  );
}

/** Checks the shape of parsed JSON and returns it typed; `source` names the file in errors. */
export function validateState(value: unknown, source: string): EuiccState {
  if (!isRecord(value)) throw invalidState('not a JSON object', source);
  if (value.version !== EUICC_STATE_VERSION) throw invalidState(`unsupported version ${String(value.version)}`, source);
  if (typeof value.eid !== 'string' || !/^[0-9a-fA-F]{32}$/.test(value.eid)) throw invalidState('eid is not 32 hex digits', source);
  if (!Array.isArray(value.profiles)) throw invalidState('profiles is not a list', source);
  value.profiles.forEach((p, i) => checkProfile(p, i, source));
  if (value.profiles.filter((p) => isRecord(p) && p.state === 'enabled').length > 1) throw invalidState('more than one profile is enabled', source);
  const n = value.notifications;
  if (!isRecord(n) || typeof n.nextSeqNumber !== 'number' || !Array.isArray(n.pending)) throw invalidState('notifications is incomplete', source);
  const c = value.config;
  if (!isRecord(c) || typeof c.atr !== 'string' || !HEX.test(c.atr) || (c.protocol !== 'T=0' && c.protocol !== 'T=1') || !isRecord(c.linkSpeed)) {
    throw invalidState('config is incomplete', source);
  }
  if (value.loadInProgress !== undefined && !isLoadInProgress(value.loadInProgress)) throw invalidState('loadInProgress is incomplete', source);
  if (!isRecord(value.freeMemory) || typeof value.freeMemory.nonVolatile !== 'number') throw invalidState('freeMemory is incomplete', source);
  if (typeof value.defaultDpAddress !== 'string' || typeof value.rootDsAddress !== 'string' || !isRecord(value.identity)) {
    throw invalidState('addresses or identity missing', source);
  }
  return value as unknown as EuiccState;
}
