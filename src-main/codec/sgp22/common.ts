/**
 * Shared SGP.22 v2.5 types (RSPDefinitions). Tags in comments are the encoded tag bytes; see
 * SGP22-DIGEST §2.1 for how AUTOMATIC TAGS produce them.
 */
import { bitString, enumerated, field, integer, octetString, oid, optional, primitive, rawBytes, rawTlv, sequence, sequenceOf, utf8String } from '../schema.js';
import type { Infer } from '../schema.js';
import { eidCodec, iccidCodec, mccMncCodec, NOTIFICATION_EVENT_BITS, PPR_BITS, versionCodec } from './values.js';

/** ICCID as digits, e.g. '8944500101234567890' (tag 5A, nibble-swapped BCD on the wire). */
export const Iccid = primitive(iccidCodec).withTag(0x5a).named('Iccid');
/** EID as 32 hex digits (plain BCD on the wire). Universal tag; fields retag it (5A in GetEID). */
export const Eid = primitive(eidCodec).named('EID');
/** '2.2.2' ↔ 3 bytes. */
export const VersionType = primitive(versionCodec).named('VersionType');
export const TransactionId = octetString({ min: 1, max: 16 }).named('TransactionId');
export const Octet16 = octetString({ min: 16, max: 16 });
export const Octet32 = octetString({ min: 32, max: 32 });
export const SubjectKeyIdentifier = octetString().named('SubjectKeyIdentifier');
/** X.509 certificate, kept as received: signatures and chains are checked over these bytes. */
export const Certificate = rawTlv(0x30).named('Certificate');
export const CertificateList = rawTlv(0x30).named('CertificateList');
/** [APPLICATION 55] signature, raw r‖s (64 bytes for P-256 / brainpoolP256r1). */
export const Signature = octetString().withTag(0x5f37);
/** [APPLICATION 73] one-time public key, uncompressed point 04‖X‖Y. */
export const OneTimePublicKey = octetString().withTag(0x5f49);
/** [APPLICATION 15] ISD-P AID. */
export const IsdpAid = octetString({ min: 1, max: 16 }).withTag(0x4f);

export const PprIds = bitString(PPR_BITS).named('PprIds');
export const NotificationEvent = bitString(NOTIFICATION_EVENT_BITS).named('NotificationEvent');
export const ProfileState = enumerated({ disabled: 0, enabled: 1 }).named('ProfileState');
export const ProfileClass = enumerated({ test: 0, provisioning: 1, operational: 2 }).named('ProfileClass');
export const IconType = enumerated({ jpg: 0, png: 1 }).named('IconType');

export const OperatorId = sequence({
  mccMnc: field(0x80, primitive(mccMncCodec)),
  gid1: optional(0x81, octetString()),
  gid2: optional(0x82, octetString()),
}).named('OperatorId');

export const NotificationConfigurationInformation = sequence({
  profileManagementOperation: field(0x80, NotificationEvent),
  notificationAddress: field(0x81, utf8String()),
}).named('NotificationConfigurationInformation');

/** Only dpOid is defined; further SM-DP+ data objects are reported as unknown fields. */
export const DpProprietaryData = sequence({
  dpOid: field(0x80, oid()),
}).named('DpProprietaryData');

/** Open type contents are vendor defined: kept as the exact bytes inside [1]. */
export const VendorSpecificExtension = sequenceOf(
  sequence({
    vendorOid: field(0x80, oid()),
    vendorSpecificData: field(rawBytes(0xa1)),
  }).named('VendorSpecificExtensionEntry'),
).named('VendorSpecificExtension');

export const SeqNumber = integer();

export type OperatorIdValue = Infer<typeof OperatorId>;
export type NotificationEventValue = Infer<typeof NotificationEvent>;
