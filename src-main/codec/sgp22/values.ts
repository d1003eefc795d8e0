/**
 * SGP.22 value codings that are not plain ASN.1: ICCID (nibble-swapped BCD), EID (plain BCD), VersionType,
 * MCC/MNC (3GPP TS 24.008), extended card resources (ETSI TS 102 226), and the named bits of the
 * SGP.22 BIT STRINGs. Each coding has functions for direct use and a primitive codec for the schemas.
 */
import { fromHex, toHex } from '../../../shared/hex.js';
import { badValue, primitiveCodecs } from '../schema-primitives.js';
import type { PrimitiveCodec } from '../schema-primitives.js';
import { parseTlvSequence } from '../ber-tlv.js';

// ---------------------------------------------------------------------------------------------- ICCID

const ICCID_BYTES = 10;

/**
 * ICCID digits → EF.ICCID coding: pad with F to 20 nibbles and swap the nibbles of each byte.
 * '8944500101234567890' → 98 44 05 10 10 32 54 76 98 F0. Always 10 bytes.
 */
export function encodeIccid(iccid: string, path = 'iccid'): Uint8Array {
  const digits = iccid.replace(/\s/g, '');
  if (!/^[0-9A-Fa-f]{1,20}$/.test(digits)) {
    throw badValue(path, undefined, `'${iccid}' is not an ICCID (up to 20 digits).`);
  }
  const padded = digits.toUpperCase().padEnd(ICCID_BYTES * 2, 'F');
  return fromHex(padded.replace(/(.)(.)/g, '$2$1'));
}

/** EF.ICCID coding → digits; trailing F padding is removed. */
export function decodeIccid(bytes: Uint8Array): string {
  return toHex(bytes).toUpperCase().replace(/(.)(.)/g, '$2$1').replace(/F+$/, '');
}

export const iccidCodec: PrimitiveCodec<string> = {
  name: 'ICCID',
  universalTag: 0x04,
  decode: (content) => decodeIccid(content),
  encode: (value, path) => encodeIccid(value, path),
  render: (v) => v,
};

// ------------------------------------------------------------------------------------------------ EID

/** EID: 16 bytes, plain BCD (not nibble-swapped), handled as 32 upper-case hex digits. */
export const eidCodec: PrimitiveCodec<string> = {
  name: 'EID',
  universalTag: 0x04,
  decode(content, path, offset) {
    if (content.length !== 16) throw badValue(path, offset, `an EID has 16 bytes, got ${content.length}.`);
    return toHex(content).toUpperCase();
  },
  encode(value, path) {
    if (!/^[0-9A-Fa-f]{32}$/.test(value)) throw badValue(path, undefined, `'${value}' is not an EID (32 digits).`);
    return fromHex(value);
  },
  render: (v) => v,
};

// ---------------------------------------------------------------------------------------- VersionType

/** '2.2.2' → 02 02 02 (major, minor, revision; one byte each). */
export function encodeVersion(version: string, path = 'version'): Uint8Array {
  const parts = version.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    throw badValue(path, undefined, `'${version}' is not a version such as 2.2.2 (three numbers 0–255).`);
  }
  return Uint8Array.from(parts.map(Number));
}

/** 02 02 02 → '2.2.2'. Lenient about the length: every byte is one component. */
export function decodeVersion(bytes: Uint8Array): string {
  return Array.from(bytes).join('.');
}

export const versionCodec: PrimitiveCodec<string> = {
  name: 'VersionType',
  universalTag: 0x04,
  decode(content, path, offset) {
    if (content.length === 0) throw badValue(path, offset, 'empty VersionType.');
    return decodeVersion(content);
  },
  encode: (value, path) => encodeVersion(value, path),
  render: (v) => v,
};

// -------------------------------------------------------------------------------------------- MCC/MNC

/**
 * 3GPP TS 24.008 PLMN coding (3 bytes: MCC2 MCC1, MNC3 MCC3, MNC2 MNC1; MNC3 = F for 2-digit MNCs)
 * ↔ 'MCCMNC' digits, e.g. 62 F2 10 ↔ '26201', 13 00 14 ↔ '310410'.
 */
export function decodeMccMnc(bytes: Uint8Array): string {
  const n = toHex(bytes).toUpperCase();
  const at = (i: number): string => n[i] ?? '';
  // Byte i holds digits (low nibble first) at hex positions 2i+1, 2i.
  const mnc3 = at(2);
  return at(1) + at(0) + at(3) + at(5) + at(4) + (mnc3 === 'F' ? '' : mnc3);
}

export function encodeMccMnc(mccMnc: string, path = 'mccMnc'): Uint8Array {
  if (!/^\d{5,6}$/.test(mccMnc)) throw badValue(path, undefined, `'${mccMnc}' is not an MCC+MNC (5 or 6 digits).`);
  const d = (i: number): string => mccMnc[i] ?? 'F';
  return fromHex(d(1) + d(0) + d(5) + d(2) + d(4) + d(3));
}

export const mccMncCodec: PrimitiveCodec<string> = {
  name: 'MccMnc',
  universalTag: 0x04,
  decode(content, path, offset) {
    if (content.length !== 3) throw badValue(path, offset, `MCC/MNC has 3 bytes, got ${content.length}.`);
    return decodeMccMnc(content);
  },
  encode: (value, path) => encodeMccMnc(value, path),
  render: (v) => `${v.slice(0, 3)}-${v.slice(3)}`,
};

// ---------------------------------------------------------------------------- extended card resources

export interface ExtCardResource {
  installedApplications?: number;
  freeNonVolatileMemory?: number;
  freeVolatileMemory?: number;
}

const EXT_CARD_RESOURCE_TAGS: Readonly<Record<number, keyof ExtCardResource>> = {
  0x81: 'installedApplications',
  0x82: 'freeNonVolatileMemory',
  0x83: 'freeVolatileMemory',
};

/** ETSI TS 102 226 extended card resource TLVs (EUICCInfo2 tag 84) → numbers; other tags ignored. */
export function parseExtCardResource(bytes: Uint8Array): ExtCardResource {
  const out: ExtCardResource = {};
  for (const tlv of parseTlvSequence(bytes)) {
    const key = EXT_CARD_RESOURCE_TAGS[tlv.tag];
    if (key) out[key] = tlv.value.reduce((n, b) => n * 256 + b, 0);
  }
  return out;
}

/** Stays raw bytes in the schema (unknown inner tags must survive); rendered readably. */
export const extCardResourceCodec: PrimitiveCodec<Uint8Array> = {
  ...primitiveCodecs.octetString(),
  name: 'ExtCardResource',
  render(v) {
    try {
      const r = parseExtCardResource(v);
      return `installed apps ${r.installedApplications ?? '?'}, free NVM ${r.freeNonVolatileMemory ?? '?'} B, free RAM ${r.freeVolatileMemory ?? '?'} B`;
    } catch {
      return toHex(v).toUpperCase();
    }
  },
};

// ----------------------------------------------------------------------------------------- named bits

/** NotificationEvent: install 0 (80), enable 1 (40), disable 2 (20), delete 3 (10). */
export const NOTIFICATION_EVENT_BITS = ['notificationInstall', 'notificationEnable', 'notificationDisable', 'notificationDelete'] as const;
/** PprIds: pprUpdateControl 0, ppr1 (no disable) 1, ppr2 (no delete) 2. */
export const PPR_BITS = ['pprUpdateControl', 'ppr1', 'ppr2'] as const;
/** eUICCMemoryReset resetOptions. */
export const RESET_OPTION_BITS = ['deleteOperationalProfiles', 'deleteFieldLoadedTestProfiles', 'resetDefaultSmdpAddress'] as const;
export const RSP_CAPABILITY_BITS = [
  'additionalProfile',
  'crlSupport',
  'rpmSupport',
  'testProfileSupport',
  'deviceInfoExtensibilitySupport',
  'serviceSpecificDataSupport',
] as const;
/** SAIP UICCCapability (PEDefinitions v3.3). */
export const UICC_CAPABILITY_BITS = [
  'contactlessSupport',
  'usimSupport',
  'isimSupport',
  'csimSupport',
  'akaMilenage',
  'akaCave',
  'akaTuak128',
  'akaTuak256',
  'usimTestAlgorithm',
  'rfu2',
  'gbaAuthenUsim',
  'gbaAuthenISim',
  'mbmsAuthenUsim',
  'eapClient',
  'javacard',
  'multos',
  'multipleUsimSupport',
  'multipleIsimSupport',
  'multipleCsimSupport',
  'berTlvFileSupport',
  'dfLinkSupport',
  'catTp',
  'getIdentity',
  'profile-a-x25519',
  'profile-b-p256',
  'suciCalculatorApi',
  'dns-resolution',
  'scp11ac',
  'scp11c-authorization-mechanism',
  's16mode',
  'eaka',
  'iotminimal',
] as const;
export const TRE_PROPERTY_BITS = ['isDiscrete', 'isIntegrated', 'usesRemoteMemory'] as const;
export const PPR_FLAG_BITS = ['consentRequired'] as const;
export const LPAE_OPTION_BITS = ['activateCatBasedLpae', 'activateScwsBasedLpae'] as const;
export const LPAE_SUPPORT_BITS = ['lpaeUsingCat', 'lpaeUsingScws'] as const;
