/** eUICC information (§5.7.7, 5.7.8, §9), device information (ctxParams1), ISD-R FCI template, configured addresses. */
import { bitString, choice, enumerated, field, integer, octetString, optional, primitive, sequence, sequenceOf, utf8String } from '../schema.js';
import type { Infer } from '../schema.js';
import { Octet16, PprIds, SubjectKeyIdentifier, VersionType } from './common.js';
import { SetDefaultDpAddressResult } from './results.js';
import { extCardResourceCodec, LPAE_SUPPORT_BITS, RSP_CAPABILITY_BITS, TRE_PROPERTY_BITS, UICC_CAPABILITY_BITS } from './values.js';

const CiPkIdList = sequenceOf(SubjectKeyIdentifier);

export const GetEuiccInfo1Request = sequence({}).withTag(0xbf20).named('GetEuiccInfo1Request');

export const EUICCInfo1 = sequence({
  svn: field(0x82, VersionType),
  euiccCiPKIdListForVerification: field(0xa9, CiPkIdList),
  euiccCiPKIdListForSigning: field(0xaa, CiPkIdList),
})
  .withTag(0xbf20)
  .named('EUICCInfo1');

export const GetEuiccInfo2Request = sequence({}).withTag(0xbf22).named('GetEuiccInfo2Request');

export const CertificationDataObject = sequence({
  platformLabel: field(0x80, utf8String()),
  discoveryBaseURL: field(0x81, utf8String()),
}).named('CertificationDataObject');

/** BF22. Later-version fields (lpaMode 90, highestSvn 93, …) are reported as unknown and skipped. */
export const EUICCInfo2 = sequence({
  profileVersion: field(0x81, VersionType),
  svn: field(0x82, VersionType),
  euiccFirmwareVer: field(0x83, VersionType),
  extCardResource: field(0x84, primitive(extCardResourceCodec)),
  uiccCapability: field(0x85, bitString(UICC_CAPABILITY_BITS)),
  ts102241Version: optional(0x86, VersionType),
  globalplatformVersion: optional(0x87, VersionType),
  rspCapability: field(0x88, bitString(RSP_CAPABILITY_BITS)),
  euiccCiPKIdListForVerification: field(0xa9, CiPkIdList),
  euiccCiPKIdListForSigning: field(0xaa, CiPkIdList),
  euiccCategory: optional(0x8b, enumerated({ other: 0, basicEuicc: 1, mediumEuicc: 2, contactlessEuicc: 3 })),
  forbiddenProfilePolicyRules: optional(0x99, PprIds),
  ppVersion: field(VersionType), // universal 04: the SEQUENCE has explicit tags, so no automatic tag
  sasAcreditationNumber: field(utf8String()), // universal 0C (spec spelling)
  certificationDataObject: optional(0xac, CertificationDataObject),
  treProperties: optional(0x8d, bitString(TRE_PROPERTY_BITS)),
  treProductReference: optional(0x8e, utf8String()),
  additionalEuiccProfilePackageVersions: optional(0xaf, sequenceOf(VersionType)),
})
  .withTag(0xbf22)
  .named('EUICCInfo2');

export const DeviceCapabilities = sequence({
  gsmSupportedRelease: optional(0x80, VersionType),
  utranSupportedRelease: optional(0x81, VersionType),
  cdma2000onexSupportedRelease: optional(0x82, VersionType),
  cdma2000hrpdSupportedRelease: optional(0x83, VersionType),
  cdma2000ehrpdSupportedRelease: optional(0x84, VersionType),
  eutranEpcSupportedRelease: optional(0x85, VersionType),
  contactlessSupportedRelease: optional(0x86, VersionType),
  rspCrlSupportedVersion: optional(0x87, VersionType),
  nrEpcSupportedRelease: optional(0x88, VersionType),
  nr5gcSupportedRelease: optional(0x89, VersionType),
  eutran5gcSupportedRelease: optional(0x8a, VersionType),
  lpaSvn: optional(0x8b, VersionType),
  catSupportedClasses: optional(0x8c, bitString([])),
  euiccFormFactorType: optional(0x8d, integer()),
  deviceAdditionalFeatureSupport: optional(0xae, sequence({ naiSupport: optional(0x80, VersionType) })),
}).named('DeviceCapabilities');

export const DeviceInfo = sequence({
  tac: field(0x80, octetString({ min: 4, max: 8 })), // 4 bytes; v2.1-era devices sent 8
  deviceCapabilities: field(0xa1, DeviceCapabilities),
  imei: optional(0x82, octetString({ min: 8, max: 8 })),
}).named('DeviceInfo');

export const CtxParamsForCommonAuthentication = sequence({
  matchingId: optional(0x80, utf8String()),
  deviceInfo: field(0xa1, DeviceInfo),
}).named('CtxParamsForCommonAuthentication');

/** CtxParams1: one alternative today, [0] → A0. */
export const CtxParams1 = choice({
  ctxParamsForCommonAuthentication: CtxParamsForCommonAuthentication.withTag(0xa0),
}).named('CtxParams1');

export const GetEuiccChallengeRequest = sequence({}).withTag(0xbf2e).named('GetEuiccChallengeRequest');

export const GetEuiccChallengeResponse = sequence({
  euiccChallenge: field(0x80, Octet16),
})
  .withTag(0xbf2e)
  .named('GetEuiccChallengeResponse');

export const EuiccConfiguredAddressesRequest = sequence({}).withTag(0xbf3c).named('EuiccConfiguredAddressesRequest');

export const EuiccConfiguredAddressesResponse = sequence({
  defaultDpAddress: optional(0x80, utf8String()),
  rootDsAddress: field(0x81, utf8String()),
})
  .withTag(0xbf3c)
  .named('EuiccConfiguredAddressesResponse');

export const SetDefaultDpAddressRequest = sequence({
  defaultDpAddress: field(0x80, utf8String()),
})
  .withTag(0xbf3f)
  .named('SetDefaultDpAddressRequest');

export const SetDefaultDpAddressResponse = sequence({
  setDefaultDpAddressResult: field(0x80, enumerated(SetDefaultDpAddressResult.codes)),
})
  .withTag(0xbf3f)
  .named('SetDefaultDpAddressResponse');

/** E0 in the ISD-R SELECT response (FCI 6F). */
export const ISDRProprietaryApplicationTemplate = sequence({
  svn: field(0x82, VersionType),
  lpaeSupport: optional(bitString(LPAE_SUPPORT_BITS)),
})
  .withTag(0xe0)
  .named('ISDRProprietaryApplicationTemplate');

export type EUICCInfo1Value = Infer<typeof EUICCInfo1>;
export type EUICCInfo2Value = Infer<typeof EUICCInfo2>;
export type DeviceInfoValue = Infer<typeof DeviceInfo>;
export type CtxParams1Value = Infer<typeof CtxParams1>;
