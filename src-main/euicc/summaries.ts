/**
 * Decoded ES10 data → the plain shapes of shared/api.ts (CardInfo, ProfileSummary,
 * NotificationSummary). Binary values become upper-case hex; named bits become their names.
 */
import { WorkbenchError } from '../../shared/errors.js';
import { toHex } from '../../shared/hex.js';
import type { CardInfo, NotificationSummary, ProfileSummary } from '../../shared/api.js';
import type { EUICCInfo2Value, NotificationMetadataValue, ProfileInfoValue } from '../codec/sgp22/index.js';
import { parseExtCardResource } from '../codec/sgp22/index.js';
import type { ProfileInfoField } from './es10-client.js';

function hexUpper(bytes: Uint8Array): string {
  return toHex(bytes).toUpperCase();
}

/** The ProfileInfo fields a ProfileSummary shows: ask GetProfilesInfo for these. */
export const PROFILE_SUMMARY_FIELDS: readonly ProfileInfoField[] = [
  'iccid',
  'isdpAid',
  'profileState',
  'profileNickname',
  'serviceProviderName',
  'profileName',
  'iconType',
  'icon',
  'profileClass',
  'profileOwner',
  'profilePolicyRules',
];

export interface CardInfoSources {
  readonly deviceId: string;
  readonly eid: string;
  readonly euiccInfo2: EUICCInfo2Value;
  readonly addresses?: { readonly defaultDpAddress?: string; readonly rootDsAddress: string };
  readonly atr?: Uint8Array;
}

/** EUICCInfo2 + EID + configured addresses → CardInfo. */
export function toCardInfo(src: CardInfoSources): CardInfo {
  const info = src.euiccInfo2;
  const resources = parseExtCardResource(info.extCardResource);
  return {
    deviceId: src.deviceId,
    eid: src.eid,
    ...(src.atr === undefined ? {} : { atr: hexUpper(src.atr) }),
    svn: info.svn,
    profileVersion: info.profileVersion,
    firmwareVersion: info.euiccFirmwareVer,
    ...(resources.freeNonVolatileMemory === undefined ? {} : { freeNvMemory: resources.freeNonVolatileMemory }),
    ...(resources.freeVolatileMemory === undefined ? {} : { freeVolatileMemory: resources.freeVolatileMemory }),
    ...(resources.installedApplications === undefined ? {} : { installedApplications: resources.installedApplications }),
    ciPkIdsForVerification: info.euiccCiPKIdListForVerification.map(hexUpper),
    ciPkIdsForSigning: info.euiccCiPKIdListForSigning.map(hexUpper),
    rspCapabilities: info.rspCapability.map(String),
    uiccCapabilities: info.uiccCapability.map(String),
    ...(info.euiccCategory === undefined ? {} : { euiccCategory: String(info.euiccCategory) }),
    ...(src.addresses?.defaultDpAddress ? { defaultDpAddress: src.addresses.defaultDpAddress } : {}),
    ...(src.addresses === undefined ? {} : { rootDsAddress: src.addresses.rootDsAddress }),
  };
}

/** MIME type by ProfileInfo iconType. */
const ICON_MIME: Readonly<Record<string, string>> = { jpg: 'image/jpeg', png: 'image/png' };

/** Leading bytes of the image formats SGP.22 allows, for icons without an iconType. */
const ICON_MAGIC: readonly (readonly [mime: string, magic: readonly number[]])[] = [
  ['image/png', [0x89, 0x50, 0x4e, 0x47]],
  ['image/jpeg', [0xff, 0xd8, 0xff]],
];

function iconMime(info: ProfileInfoValue, icon: Uint8Array): string | undefined {
  const declared = info.iconType === undefined ? undefined : ICON_MIME[String(info.iconType)];
  return declared ?? ICON_MAGIC.find(([, magic]) => magic.every((b, i) => icon[i] === b))?.[0];
}

/** The icon as a data: URL, when there is one of a known type. */
export function iconDataUrl(info: ProfileInfoValue): string | undefined {
  if (info.icon === undefined || info.icon.length === 0) return undefined;
  const mime = iconMime(info, info.icon);
  return mime === undefined ? undefined : `data:${mime};base64,${Buffer.from(info.icon).toString('base64')}`;
}

/** ProfileInfo → ProfileSummary. Needs iccid and profileState (see {@link PROFILE_SUMMARY_FIELDS}). */
export function toProfileSummary(info: ProfileInfoValue): ProfileSummary {
  if (info.iccid === undefined || (info.profileState !== 'enabled' && info.profileState !== 'disabled')) {
    throw new WorkbenchError('EUICC_PROFILE_INCOMPLETE', `The eUICC listed a profile without ${info.iccid === undefined ? 'an ICCID' : `a known state (${String(info.profileState)})`}.`, 'Request the profile list with the iccid and profileState fields (PROFILE_SUMMARY_FIELDS).', {
      details: { iccid: info.iccid, profileState: info.profileState },
    });
  }
  const icon = iconDataUrl(info);
  const owner = info.profileOwner;
  return {
    iccid: info.iccid,
    ...(info.isdpAid === undefined ? {} : { isdpAid: hexUpper(info.isdpAid) }),
    state: info.profileState,
    ...(info.profileNickname === undefined ? {} : { nickname: info.profileNickname }),
    ...(info.serviceProviderName === undefined ? {} : { serviceProviderName: info.serviceProviderName }),
    ...(info.profileName === undefined ? {} : { profileName: info.profileName }),
    ...(typeof info.profileClass === 'string' ? { profileClass: info.profileClass } : {}),
    ...(icon === undefined ? {} : { icon }),
    policyRules: (info.profilePolicyRules ?? []).map(String),
    ...(owner === undefined
      ? {}
      : {
          owner: {
            mccMnc: owner.mccMnc,
            ...(owner.gid1 === undefined ? {} : { gid1: hexUpper(owner.gid1) }),
            ...(owner.gid2 === undefined ? {} : { gid2: hexUpper(owner.gid2) }),
          },
        }),
  };
}

/** NotificationEvent bit name → the short event name of NotificationSummary. */
const EVENT_NAMES: Readonly<Record<string, string>> = {
  notificationInstall: 'install',
  notificationEnable: 'enable',
  notificationDisable: 'disable',
  notificationDelete: 'delete',
};

/** NotificationMetadata (as ListNotification returns it) → NotificationSummary. */
export function toNotificationSummary(meta: NotificationMetadataValue, where: NotificationSummary['where'] = 'card'): NotificationSummary {
  const event = meta.profileManagementOperation.map((bit) => EVENT_NAMES[String(bit)] ?? `bit ${String(bit)}`).join('+') || 'none';
  return {
    seqNumber: meta.seqNumber,
    event,
    address: meta.notificationAddress,
    ...(meta.iccid === undefined ? {} : { iccid: meta.iccid }),
    where,
  };
}
