/** ES10c profile management (§5.7.15–5.7.21) and profile metadata (ProfileInfo, StoreMetadata BF25). */
import { bitString, boolean, choice, enumerated, explicit, field, octetString, optional, rawBytes, sequence, sequenceOf, utf8String } from '../schema.js';
import type { Infer } from '../schema.js';
import {
  DpProprietaryData,
  Eid,
  Iccid,
  IconType,
  IsdpAid,
  NotificationConfigurationInformation,
  OperatorId,
  PprIds,
  ProfileClass,
  ProfileState,
  VendorSpecificExtension,
} from './common.js';
import { DeleteProfileResult, DisableProfileResult, EnableProfileResult, EuiccMemoryResetResult, ProfileInfoListError, SetNicknameResult } from './results.js';
import { RESET_OPTION_BITS } from './values.js';

/** E3 ProfileInfo. Every field is optional: the eUICC returns what the tag list asked for. */
export const ProfileInfo = sequence({
  iccid: optional(Iccid), // 5A
  isdpAid: optional(IsdpAid), // 4F
  profileState: optional(0x9f70, ProfileState),
  profileNickname: optional(0x90, utf8String()),
  serviceProviderName: optional(0x91, utf8String()),
  profileName: optional(0x92, utf8String()),
  iconType: optional(0x93, IconType),
  icon: optional(0x94, octetString()),
  profileClass: optional(0x95, ProfileClass),
  notificationConfigurationInfo: optional(0xb6, sequenceOf(NotificationConfigurationInformation)),
  profileOwner: optional(0xb7, OperatorId),
  dpProprietaryData: optional(0xb8, DpProprietaryData),
  profilePolicyRules: optional(0x99, PprIds),
  serviceSpecificDataStoredInEuicc: optional(0xbf22, VendorSpecificExtension),
  /** Not in the v2.5 module, but lpac/Android request it: carrier-privilege REF-AR-DO (E2{E1{C1,CA},E3{DB}}), kept raw. */
  refArDo: optional(rawBytes(0xbf76)),
})
  .withTag(0xe3)
  .named('ProfileInfo');

const ProfileSearchCriteria = choice({
  isdpAid: IsdpAid,
  iccid: Iccid,
  profileClass: ProfileClass.withTag(0x95),
}).named('ProfileSearchCriteria');

export const ProfileInfoListRequest = sequence({
  searchCriteria: optional(0xa0, ProfileSearchCriteria),
  /** Non-standard: Android sends 5A directly under BF2D. Treat it like searchCriteria.iccid. */
  iccid: optional(Iccid),
  /** Concatenated ProfileInfo tag bytes to return, e.g. 5A 90 91 92 9F70. */
  tagList: optional(octetString().withTag(0x5c)),
})
  .withTag(0xbf2d)
  .named('ProfileInfoListRequest');

export const ProfileInfoListResponse = explicit(
  0xbf2d,
  choice({
    profileInfoListOk: sequenceOf(ProfileInfo).withTag(0xa0),
    profileInfoListError: enumerated(ProfileInfoListError.codes).withTag(0x81),
  }),
).named('ProfileInfoListResponse');

const ProfileIdentifier = choice({ isdpAid: IsdpAid, iccid: Iccid }).named('ProfileIdentifier');

export const EnableProfileRequest = sequence({
  profileIdentifier: field(0xa0, ProfileIdentifier),
  refreshFlag: field(0x81, boolean()),
})
  .withTag(0xbf31)
  .named('EnableProfileRequest');

export const EnableProfileResponse = sequence({
  enableResult: field(0x80, enumerated(EnableProfileResult.codes)),
})
  .withTag(0xbf31)
  .named('EnableProfileResponse');

export const DisableProfileRequest = sequence({
  profileIdentifier: field(0xa0, ProfileIdentifier),
  refreshFlag: field(0x81, boolean()),
})
  .withTag(0xbf32)
  .named('DisableProfileRequest');

export const DisableProfileResponse = sequence({
  disableResult: field(0x80, enumerated(DisableProfileResult.codes)),
})
  .withTag(0xbf32)
  .named('DisableProfileResponse');

/** [51] CHOICE: the identifier sits directly under BF33 (no A0). */
export const DeleteProfileRequest = explicit(0xbf33, ProfileIdentifier).named('DeleteProfileRequest');

export const DeleteProfileResponse = sequence({
  deleteResult: field(0x80, enumerated(DeleteProfileResult.codes)),
})
  .withTag(0xbf33)
  .named('DeleteProfileResponse');

export const EuiccMemoryResetRequest = sequence({
  resetOptions: field(0x82, bitString(RESET_OPTION_BITS)),
})
  .withTag(0xbf34)
  .named('EuiccMemoryResetRequest');

export const EuiccMemoryResetResponse = sequence({
  resetResult: field(0x80, enumerated(EuiccMemoryResetResult.codes)),
})
  .withTag(0xbf34)
  .named('EuiccMemoryResetResponse');

/** GetEID: tagList must be 5A. */
export const GetEuiccDataRequest = sequence({
  tagList: field(0x5c, octetString({ min: 1, max: 1 })),
})
  .withTag(0xbf3e)
  .named('GetEuiccDataRequest');

export const GetEuiccDataResponse = sequence({
  eidValue: field(0x5a, Eid),
})
  .withTag(0xbf3e)
  .named('GetEuiccDataResponse');

export const SetNicknameRequest = sequence({
  iccid: field(Iccid),
  profileNickname: field(0x90, utf8String()),
})
  .withTag(0xbf29)
  .named('SetNicknameRequest');

export const SetNicknameResponse = sequence({
  setNicknameResult: field(0x80, enumerated(SetNicknameResult.codes)),
})
  .withTag(0xbf29)
  .named('SetNicknameResponse');

/** BF25 profile metadata as sent by the SM-DP+ (profileClass absent = operational, its DEFAULT). */
export const StoreMetadataRequest = sequence({
  iccid: field(Iccid),
  serviceProviderName: field(0x91, utf8String()),
  profileName: field(0x92, utf8String()),
  iconType: optional(0x93, IconType),
  icon: optional(0x94, octetString()),
  profileClass: optional(0x95, ProfileClass),
  notificationConfigurationInfo: optional(0xb6, sequenceOf(NotificationConfigurationInformation)),
  profileOwner: optional(0xb7, OperatorId),
  profilePolicyRules: optional(0x99, PprIds),
  serviceSpecificDataStoredInEuicc: optional(0xbf22, VendorSpecificExtension),
  serviceSpecificDataNotStoredInEuicc: optional(0xbf23, VendorSpecificExtension),
})
  .withTag(0xbf25)
  .named('StoreMetadataRequest');

export type ProfileInfoValue = Infer<typeof ProfileInfo>;
export type ProfileInfoListRequestValue = Infer<typeof ProfileInfoListRequest>;
export type ProfileInfoListResponseValue = Infer<typeof ProfileInfoListResponse>;
export type StoreMetadataRequestValue = Infer<typeof StoreMetadataRequest>;
