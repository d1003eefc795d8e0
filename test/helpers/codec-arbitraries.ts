/** fast-check generators of valid SGP.22 values and BER-TLV trees, for codec property tests. */
import fc from 'fast-check';
import { encodeConstructed, encodeTlv, makeTag } from '../../src-main/codec/ber-tlv.js';
import type { TagClass } from '../../src-main/codec/ber-tlv.js';
import type { Infer } from '../../src-main/codec/schema.js';
import type { EUICCInfo2, NotificationMetadata, ProfileInfo } from '../../src-main/codec/sgp22/index.js';
import {
  NOTIFICATION_EVENT_BITS,
  PPR_BITS,
  RSP_CAPABILITY_BITS,
  TRE_PROPERTY_BITS,
  UICC_CAPABILITY_BITS,
} from '../../src-main/codec/sgp22/index.js';

/** A generated TLV tree together with its expected DER encoding. */
export interface TlvTree {
  tag: number;
  value?: Uint8Array;
  children?: TlvTree[];
  der: Uint8Array;
}

const tagClass = fc.constantFrom<TagClass>('universal', 'application', 'context', 'private');
// Universal tags 0 (end-of-contents) is not a valid DER tag.
const tagNumber = fc.oneof(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 31, max: 127 }), fc.integer({ min: 128, max: 16383 }));

export const tlvTree: fc.Arbitrary<TlvTree> = fc.letrec<{ node: TlvTree }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.tuple(tagClass, tagNumber, fc.uint8Array({ maxLength: 300 })).map(([cls, n, value]) => {
      const tag = makeTag(cls, false, n);
      return { tag, value, der: encodeTlv(tag, value) };
    }),
    fc.tuple(tagClass, tagNumber, fc.array(tie('node'), { maxLength: 4 })).map(([cls, n, children]) => {
      const tag = makeTag(cls, true, n);
      return { tag, children, der: encodeConstructed(tag, children.map((c) => c.der)) };
    }),
  ),
})).node;

const version = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255)).map((v) => v.join('.'));
const text = (maxLength: number) => fc.string({ unit: 'grapheme', maxLength });
const iccid = fc.stringMatching(/^89[0-9]{16,18}$/);
const bytes = (minLength: number, maxLength: number) => fc.uint8Array({ minLength, maxLength });
const bits = <N extends string>(names: readonly N[]) => fc.subarray([...names]);
export const oidString = fc
  .tuple(fc.constantFrom(0, 1, 2), fc.nat(39), fc.array(fc.nat({ max: 2 ** 40 }), { maxLength: 8 }))
  .map(([a, b, rest]) => [a, b, ...rest].join('.'));
/** Open-type content must itself be TLVs. */
const tlvContent = bytes(0, 40).map((b) => encodeTlv(0x04, b));

const operatorId = fc.record(
  { mccMnc: fc.stringMatching(/^[0-9]{5,6}$/), gid1: bytes(1, 8), gid2: bytes(1, 8) },
  { requiredKeys: ['mccMnc'] },
);
const notificationConfig = fc.record({ profileManagementOperation: bits(NOTIFICATION_EVENT_BITS), notificationAddress: text(40) });

export const profileInfo: fc.Arbitrary<Infer<typeof ProfileInfo>> = fc.record(
  {
    iccid,
    isdpAid: bytes(1, 16),
    profileState: fc.constantFrom('disabled', 'enabled'),
    profileNickname: text(64),
    serviceProviderName: text(32),
    profileName: text(64),
    iconType: fc.constantFrom('jpg', 'png'),
    icon: bytes(0, 1024),
    profileClass: fc.constantFrom('test', 'provisioning', 'operational'),
    notificationConfigurationInfo: fc.array(notificationConfig, { maxLength: 3 }),
    profileOwner: operatorId,
    dpProprietaryData: fc.record({ dpOid: oidString }),
    profilePolicyRules: bits(PPR_BITS),
    serviceSpecificDataStoredInEuicc: fc.array(fc.record({ vendorOid: oidString, vendorSpecificData: tlvContent }), { maxLength: 2 }),
    refArDo: tlvContent,
  },
  { requiredKeys: [] },
);

const ski = bytes(20, 20);

export const euiccInfo2: fc.Arbitrary<Infer<typeof EUICCInfo2>> = fc.record(
  {
    profileVersion: version,
    svn: version,
    euiccFirmwareVer: version,
    extCardResource: bytes(0, 20),
    uiccCapability: bits(UICC_CAPABILITY_BITS),
    ts102241Version: version,
    globalplatformVersion: version,
    rspCapability: bits(RSP_CAPABILITY_BITS),
    euiccCiPKIdListForVerification: fc.array(ski, { maxLength: 3 }),
    euiccCiPKIdListForSigning: fc.array(ski, { maxLength: 3 }),
    euiccCategory: fc.constantFrom('other', 'basicEuicc', 'mediumEuicc', 'contactlessEuicc'),
    forbiddenProfilePolicyRules: bits(PPR_BITS),
    ppVersion: version,
    sasAcreditationNumber: text(64),
    certificationDataObject: fc.record({ platformLabel: text(20), discoveryBaseURL: text(40) }),
    treProperties: bits(TRE_PROPERTY_BITS),
    treProductReference: text(20),
    additionalEuiccProfilePackageVersions: fc.array(version, { maxLength: 3 }),
  },
  {
    requiredKeys: [
      'profileVersion',
      'svn',
      'euiccFirmwareVer',
      'extCardResource',
      'uiccCapability',
      'rspCapability',
      'euiccCiPKIdListForVerification',
      'euiccCiPKIdListForSigning',
      'ppVersion',
      'sasAcreditationNumber',
    ],
  },
);

export const notificationMetadata: fc.Arbitrary<Infer<typeof NotificationMetadata>> = fc.record(
  {
    seqNumber: fc.integer({ min: 0, max: 2 ** 31 }),
    profileManagementOperation: bits(NOTIFICATION_EVENT_BITS),
    notificationAddress: text(60),
    iccid,
  },
  { requiredKeys: ['seqNumber', 'profileManagementOperation', 'notificationAddress'] },
);
