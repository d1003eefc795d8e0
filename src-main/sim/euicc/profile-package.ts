/**
 * From a decrypted profile package (the SAIP ProfileElement stream of the 86 segments) to a profile
 * record of the state model. Parsing is pluggable (`ProfilePackageParser`); the default reads the
 * package with the SAIP codec's parseProfilePackage and keeps what the card's file system serves.
 */
import { fromHex, toHex } from '../../../shared/hex.js';
import { encodeTlv, parseTlv } from '../../codec/ber-tlv.js';
import { decode, encode } from '../../codec/schema.js';
import { parseProfilePackage } from '../../codec/saip/index.js';
import { DpProprietaryData } from '../../codec/sgp22/index.js';
import type { StoreMetadataRequestValue } from '../../codec/sgp22/index.js';
import { createProfile } from './state.js';
import type { NotificationEvent, PprId, ProfileFiles, ProfileRecord } from './state.js';
import { eventOfBit } from './notifications.js';

type PackageFiles = Pick<ProfileFiles, 'usimAid' | 'usimLabel' | 'imsi' | 'spn' | 'ad' | 'pl' | 'adn' | 'sms'>;

/** What the ISD-R needs from a profile package; absent files keep the defaults of a new profile. */
export interface ProfileContent {
  /** ICCID digits of the ProfileHeader. */
  iccid: string;
  files: Partial<PackageFiles>;
  /** PIN1 / PUK1 digits. */
  pin1?: string;
  puk1?: string;
}

/** Throws on a package it cannot process (the ISD-R answers peProcessingError). */
export type ProfilePackageParser = (profileElements: Uint8Array) => ProfileContent;

const hexOf = (b: Uint8Array): string => toHex(b);

/** Record files must keep one record length and at least one record (state model rule). */
function records(list: Uint8Array[] | undefined): string[] | undefined {
  if (list === undefined || list.length === 0 || list.some((r) => r.length !== list[0]?.length || r.length === 0)) return undefined;
  return list.map(hexOf);
}

/** The default parser: the SAIP codec's parseProfilePackage, reduced to the profile record's files. */
export const parseSaipProfile: ProfilePackageParser = (stream) => {
  const p = parseProfilePackage(stream);
  const f = p.files;
  const files: Partial<PackageFiles> = {};
  if (p.decoded.usimAid !== undefined) files.usimAid = p.decoded.usimAid.toUpperCase();
  if (p.decoded.usimLabel !== undefined) files.usimLabel = p.decoded.usimLabel;
  for (const key of ['imsi', 'spn', 'ad', 'pl'] as const) {
    const content = f[key];
    if (content !== undefined) files[key] = hexOf(content);
  }
  const adn = records(f.adn);
  const sms = records(f.sms);
  if (adn !== undefined) files.adn = adn;
  if (sms !== undefined) files.sms = sms;
  return {
    iccid: p.header.iccid,
    files,
    ...(p.pins.pin1?.value === undefined ? {} : { pin1: p.pins.pin1.value }),
    ...(p.pins.puk1?.value === undefined ? {} : { puk1: p.pins.puk1.value }),
  };
};

const PPR_OF_BIT: Readonly<Record<string, PprId>> = { ppr1: 'ppr1', ppr2: 'ppr2' };

/** The profile record an installed package becomes (disabled; metadata from StoreMetadata). */
export function buildProfileRecord(o: { content: ProfileContent; metadata: StoreMetadataRequestValue; isdpAid: Uint8Array; dpProprietaryData?: { dpOid: string } }): ProfileRecord {
  const { content, metadata } = o;
  const base = createProfile({ iccid: content.iccid, imsi: '001010000000000', state: 'disabled', serviceProviderName: metadata.serviceProviderName, profileName: metadata.profileName });
  const files: ProfileFiles = {
    ...base.files,
    // A package without EF.IMSI leaves it unset rather than inventing an identity.
    imsi: 'ff'.repeat(9),
    ...content.files,
    pin1: { ...base.files.pin1, ...(content.pin1 === undefined ? {} : { value: content.pin1 }) },
    puk1: { ...base.files.puk1, ...(content.puk1 === undefined ? {} : { value: content.puk1 }) },
  };
  const m = metadata;
  return {
    iccid: content.iccid,
    isdpAid: toHex(o.isdpAid).toUpperCase(),
    state: 'disabled',
    serviceProviderName: m.serviceProviderName,
    profileName: m.profileName,
    ...(m.iconType === undefined || typeof m.iconType === 'number' ? {} : { iconType: m.iconType }),
    ...(m.icon === undefined ? {} : { icon: Buffer.from(m.icon).toString('base64') }),
    profileClass: typeof m.profileClass === 'string' ? m.profileClass : 'operational',
    pprs: (m.profilePolicyRules ?? []).flatMap((b) => (typeof b === 'string' && PPR_OF_BIT[b] !== undefined ? [PPR_OF_BIT[b]] : [])),
    notificationConfigurationInfo: (m.notificationConfigurationInfo ?? []).map((n) => ({
      events: n.profileManagementOperation.map(eventOfBit).filter((e): e is NotificationEvent => e !== undefined),
      address: n.notificationAddress,
    })),
    ...(m.profileOwner === undefined
      ? {}
      : {
          profileOwner: {
            mccMnc: m.profileOwner.mccMnc,
            ...(m.profileOwner.gid1 === undefined ? {} : { gid1: toHex(m.profileOwner.gid1) }),
            ...(m.profileOwner.gid2 === undefined ? {} : { gid2: toHex(m.profileOwner.gid2) }),
          },
        }),
    ...(o.dpProprietaryData === undefined ? {} : { dpProprietaryData: toHex(parseTlv(encode(DpProprietaryData, o.dpProprietaryData)).value) }),
    files,
  };
}

/** Container overhead of an ISD-P with its file system, on top of the file contents. */
const ISDP_BASE_FOOTPRINT = 16 * 1024;

/**
 * Non-volatile memory a profile takes. Derived from the record alone (not from nickname, which can
 * change) so that deleting a profile gives back exactly what installing it took.
 */
export function profileFootprint(p: ProfileRecord): number {
  const f = p.files;
  const hexBytes = (h: string): number => h.length / 2;
  const files = [f.usimAid, f.imsi, f.spn, f.ad, f.pl, ...f.adn, ...f.sms].reduce((n, h) => n + hexBytes(h), 0);
  return ISDP_BASE_FOOTPRINT + files + (p.icon === undefined ? 0 : Buffer.from(p.icon, 'base64').length);
}

/** DpProprietaryData stored as content hex → the value ProfileInfo carries. */
export function dpProprietaryValue(hex: string): { dpOid: string } {
  return decode(DpProprietaryData, encodeTlv(0x30, fromHex(hex)));
}
