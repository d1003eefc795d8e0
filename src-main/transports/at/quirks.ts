/**
 * Modem quirk profiles as data (../shared/spec/TRANSPORTS.md §6.2). The host-side transports read
 * them to talk to a modem the way it needs, and the virtual AT modem reads the same rows to behave
 * like that modem. Adding a modem is adding a row.
 */
import { WorkbenchError } from '../../../shared/errors.js';
import { fromHex } from '../../../shared/hex.js';

export interface ModemIdentity {
  readonly manufacturer: string;
  readonly model: string;
  readonly revision: string;
  readonly imei: string;
  /** Full ATI answer lines (the seed modem prints several). */
  readonly ati: readonly string[];
}

export interface AtQuirkProfile {
  readonly id: string;
  readonly label: string;
  /** How to recognise it: USB ids `vid:pid` and a regex (source, case-insensitive) over +CGMM / ATI. */
  readonly match: { readonly usb?: readonly string[]; readonly model?: string };
  /** Which SIM-access commands the firmware implements. */
  readonly commands: { readonly csim: boolean; readonly ccho: boolean; readonly cgla: boolean; readonly cchc: boolean; readonly crsm: boolean; readonly cusat: boolean };
  /** `=?` test forms answer OK. EM7590 and Fibocom FG132 answer ERROR although the commands work. */
  readonly testCommands: boolean;
  /**
   * +CCHO answer: `prefixed` (`+CCHO: 1`), `bare` (Fibocom: a line `1`), `hex-handle`
   * (Sierra MC7455: `+CCHO: 000000000385a7cf`, a session handle rather than a channel number).
   */
  readonly cchoReply: 'prefixed' | 'bare' | 'hex-handle';
  /**
   * Who puts the channel number into CLA of +CGLA APDUs: `te` (the host, lpac-style) or `mt`
   * (the modem patches it; the host must leave the channel bits 0 — Sierra MC7455).
   */
  readonly cglaChannelBits: 'te' | 'mt';
  /** Longest command line accepted, `AT` included (Telit: 400). */
  readonly maxCommandLine: number;
  /**
   * Intermittent plain ERROR on long commands (Quectel +CGLA during BPP load): commands of at least
   * `minCommandLength` characters are retried up to `retries` times on plain ERROR (never on +CME).
   */
  readonly plainErrorOnLongCommand?: { readonly minCommandLength: number; readonly retries: number };
  /** The firmware refuses SIM access while the card has no usable SIM application (seed 000). */
  readonly refusesBlankCard: boolean;
  /** Preferred SIM access for an LPA. */
  readonly preferred: 'channel' | 'csim';
  /** Identity the virtual modem presents. */
  readonly identity: ModemIdentity;
  /** USAT MT default profile (+CUSATR: 2) the virtual modem reports and sends as TERMINAL PROFILE. */
  readonly terminalProfile: string;
  readonly source: string;
}

const ALL_COMMANDS = { csim: true, ccho: true, cgla: true, cchc: true, crsm: true, cusat: true } as const;
/** TERMINAL PROFILE sent by the seed EM7455 (logic-analyzer trace in seed 000, procedure byte removed). */
const EM7455_TERMINAL_PROFILE = '3709E8CE119C00079C00001FE2600000C3D0000700016000500000000008';
const GENERIC_TERMINAL_PROFILE = 'FFFFFFFF7F0000DFD7030A000000000600000000';

function identity(manufacturer: string, model: string, revision: string, imei: string): ModemIdentity {
  return { manufacturer, model, revision, imei, ati: [`Manufacturer: ${manufacturer}`, `Model: ${model}`, `Revision: ${revision}`, `IMEI: ${imei}`, '+GCAP: +CGSM'] };
}

const GENERIC: AtQuirkProfile = {
  id: 'generic',
  label: 'Generic 3GPP TS 27.007 modem',
  match: {},
  commands: ALL_COMMANDS,
  testCommands: true,
  cchoReply: 'prefixed',
  cglaChannelBits: 'te',
  maxCommandLine: 2048,
  refusesBlankCard: false,
  preferred: 'channel',
  identity: identity('eSIM Workbench', 'Virtual 27.007 modem', 'EWB-AT 1.0', '000000000000001'),
  terminalProfile: GENERIC_TERMINAL_PROFILE,
  source: '3GPP TS 27.007 §8.17, §8.18, §8.43, §8.45, §8.46',
};

const SIERRA_MC7455: AtQuirkProfile = {
  ...GENERIC,
  id: 'sierra-mc7455',
  label: 'Sierra Wireless MC7455 / EM7455 (SWI9X30C)',
  match: { usb: ['1199:9071'], model: 'MC7455|EM7455' },
  cchoReply: 'hex-handle',
  cglaChannelBits: 'mt',
  identity: identity('Sierra Wireless, Incorporated', 'MC7455', 'SWI9X30C_02.33.03.00', '359820000000011'),
  terminalProfile: EM7455_TERMINAL_PROFILE,
  source: 'lpac #138, PR #139: +CCHO returns a 64-bit handle; TE leaves CLA channel bits 0',
};

/** Identity as printed by ATI in seed 000 (forum thread "EM7455 with OC1120 - AT+CSIM error"). */
const SEED_EM7455_IDENTITY: ModemIdentity = {
  manufacturer: 'Sierra Wireless, Incorporated',
  model: 'EM7455',
  revision: 'SWI9X30C_02.38.00.00 rE3F3E55C03AE94 jenkins 2022/01/13 05:16:00',
  imei: '359820321351163',
  ati: [
    'Manufacturer: Sierra Wireless, Incorporated',
    'Model: EM7455',
    'Revision: SWI9X30C_02.38.00.00 rE3F3E55C03AE94 jenkins 2022/01/13 05:16:00',
    'MEID: 35982032135116',
    'IMEI: 359820321351163',
    'IMEI SV: 22',
    'FSN: LF235106220210',
    '+GCAP: +CGSM',
  ],
};

export const AT_QUIRK_PROFILES: readonly AtQuirkProfile[] = [
  GENERIC,
  SIERRA_MC7455,
  {
    ...SIERRA_MC7455,
    id: 'seed-em7455',
    label: 'Sierra Wireless EM7455 as in seed 000 (refuses a blank eUICC)',
    match: { usb: ['1199:9071'], model: '^EM7455$' },
    refusesBlankCard: true,
    identity: SEED_EM7455_IDENTITY,
    source: 'forum.sierrawireless.com t/29138 (seed 000): every AT+CSIM → ERROR with a profile-less eUICC',
  },
  {
    ...GENERIC,
    id: 'sierra-em7590',
    label: 'Sierra Wireless EM7590 / EM7565',
    match: { usb: ['1199:9091'], model: 'EM7590|EM7565' },
    testCommands: false,
    identity: identity('Sierra Wireless, Incorporated', 'EM7590', 'SWIX55C_03.09.06.00', '359820000000029'),
    source: 'lpac PR #139: AT+CGLA= works, AT+CGLA=? fails',
  },
  {
    ...GENERIC,
    id: 'sierra-em9191',
    label: 'Sierra Wireless EM9191',
    match: { usb: ['1199:90d3'], model: 'EM9191' },
    commands: { ...ALL_COMMANDS, cchc: false },
    identity: identity('Sierra Wireless, Incorporated', 'EM9191', 'SWIX55C_03.10.07.00', '359820000000037'),
    source: 'lpac #187: CCHO/CGLA documented, CCHC not',
  },
  {
    ...GENERIC,
    id: 'fibocom-fm350',
    label: 'Fibocom FM350-GL',
    match: { usb: ['2cb7:01a2', '0e8d:7127'], model: 'FM350' },
    cchoReply: 'bare',
    identity: identity('Fibocom Wireless Inc.', 'FM350-GL', '81600.0000.00.29.21.00', '860000000000044'),
    source: 'lpac #179, #209, PR #445: +CCHO answered with a bare channel number line',
  },
  {
    ...GENERIC,
    id: 'telit',
    label: 'Telit LE910 / ME310 family',
    match: { usb: ['1bc7:*'], model: 'LE910|ME310|LN9' },
    maxCommandLine: 400,
    identity: identity('Telit', 'LE910C4-WWXD', 'M0F.660006', '350000000000052'),
    source: 'Telit ME310G1 / LE910 AT manuals: command line buffer 400 characters',
  },
  {
    ...GENERIC,
    id: 'quectel',
    label: 'Quectel EC2x / EG2x / RM5xx',
    match: { usb: ['2c7c:*'], model: '^E[CGM]\\d|^RM5|^BG9' },
    plainErrorOnLongCommand: { minCommandLength: 200, retries: 3 },
    identity: identity('Quectel', 'EG25', 'EG25GGBR07A08M2G', '860000000000060'),
    source: 'lpac #186: intermittent plain ERROR on long AT+CGLA during BPP load',
  },
  {
    ...GENERIC,
    id: 'dell-dw5821e',
    label: 'Dell DW5821e-eSIM (+CSIM only)',
    match: { usb: ['413c:81e0'], model: 'DW5821e' },
    commands: { ...ALL_COMMANDS, ccho: false, cgla: false, cchc: false },
    preferred: 'csim',
    identity: identity('Dell Inc.', 'DW5821e Snapdragon X20 LTE', 'T77W968.F1.0.0.4.2.GC.009', '350000000000078'),
    source: 'lpac #164: no CCHO/CCHC/CGLA; logical channels via MANAGE CHANNEL in +CSIM',
  },
];

export function findAtQuirkProfile(id: string): AtQuirkProfile | undefined {
  return AT_QUIRK_PROFILES.find((p) => p.id === id);
}

export interface QuirkSelectionInput {
  /** User override: a profile id. Wins over everything. */
  readonly override?: string;
  /** `vid:pid`, lower-case hex. */
  readonly usbId?: string;
  /** +CGMM answer, or the `Model:` line of ATI. */
  readonly model?: string;
}

export interface QuirkSelection {
  readonly profile: AtQuirkProfile;
  readonly reason: string;
}

function usbMatches(pattern: string, usbId: string): boolean {
  const [pv, pp] = pattern.split(':');
  const [v, p] = usbId.toLowerCase().split(':');
  return pv === v && (pp === '*' || pp === p);
}

/**
 * Picks a profile: user override, then the model name (most specific: a model regex anchored with
 * `^…$` beats an alternation), then the USB id, then generic.
 */
export function selectAtQuirkProfile(input: QuirkSelectionInput): QuirkSelection {
  if (input.override !== undefined) {
    const profile = findAtQuirkProfile(input.override);
    if (profile === undefined) {
      throw new WorkbenchError('AT_QUIRK_PROFILE_UNKNOWN', `There is no modem profile called '${input.override}'.`, `Pick one of: ${AT_QUIRK_PROFILES.map((p) => p.id).join(', ')}.`, {
        details: { profile: input.override },
      });
    }
    return { profile, reason: `chosen by the user (${profile.id})` };
  }
  const model = input.model?.trim();
  if (model) {
    const hits = AT_QUIRK_PROFILES.filter((p) => p.match.model !== undefined && new RegExp(p.match.model, 'i').test(model));
    const best = hits.find((p) => p.match.model?.startsWith('^') && p.match.model.endsWith('$')) ?? hits[0];
    if (best) return { profile: best, reason: `model '${model}' matches ${best.id}` };
  }
  if (input.usbId) {
    const usbId = input.usbId;
    const exact = AT_QUIRK_PROFILES.find((p) => p.match.usb?.some((u) => !u.endsWith('*') && usbMatches(u, usbId)));
    const any = exact ?? AT_QUIRK_PROFILES.find((p) => p.match.usb?.some((u) => usbMatches(u, usbId)));
    if (any) return { profile: any, reason: `USB id ${usbId} matches ${any.id}` };
  }
  return { profile: GENERIC, reason: 'no model or USB id matched; using plain 27.007' };
}

/** The terminal profile bytes of a quirk profile. */
export function terminalProfileBytes(profile: AtQuirkProfile): Uint8Array {
  return fromHex(profile.terminalProfile);
}
