/** Notifications (§5.7.9–5.7.11, DIGEST §6) and the Profile Installation Result (BF37, DIGEST §3.6). */
import { choice, enumerated, explicit, field, octetString, oid, optional, sequence, sequenceOf, utf8String, withRaw } from '../schema.js';
import type { Infer } from '../schema.js';
import { Certificate, Iccid, IsdpAid, NotificationEvent, SeqNumber, Signature, TransactionId } from './common.js';
import { BppCommandId, ListNotificationError, ProfileInstallationErrorReason, RemoveNotificationStatus, RetrieveNotificationsListError } from './results.js';

export const NotificationMetadata = sequence({
  seqNumber: field(0x80, SeqNumber),
  profileManagementOperation: field(0x81, NotificationEvent),
  notificationAddress: field(utf8String()), // universal 0C
  iccid: optional(Iccid),
})
  .withTag(0xbf2f)
  .named('NotificationMetadata');

export const SuccessResult = sequence({
  aid: field(IsdpAid),
  simaResponse: field(octetString()), // universal 04: SAIP EUICCResponse values
}).named('SuccessResult');

export const ErrorResult = sequence({
  bppCommandId: field(0x80, enumerated(BppCommandId.codes)),
  errorReason: field(0x81, enumerated(ProfileInstallationErrorReason.codes)),
  simaResponse: optional(0x82, octetString()),
}).named('ErrorResult');

export const ProfileInstallationResultData = sequence({
  transactionId: field(0x80, TransactionId),
  notificationMetadata: field(NotificationMetadata), // BF2F
  /** Mandatory in v2.2+; optional in v2.1-era cards, so decoded leniently. */
  smdpOid: optional(oid()),
  finalResult: field(
    0xa2,
    choice({
      successResult: SuccessResult.withTag(0xa0),
      errorResult: ErrorResult.withTag(0xa1),
    }),
  ),
})
  .withTag(0xbf27)
  .named('ProfileInstallationResultData');

/** BF37; euiccSignPIR covers the received BF27 bytes. */
export const ProfileInstallationResult = sequence({
  profileInstallationResultData: field(withRaw(ProfileInstallationResultData)),
  euiccSignPIR: field(Signature),
})
  .withTag(0xbf37)
  .named('ProfileInstallationResult');

export const OtherSignedNotification = sequence({
  tbsOtherNotification: field(withRaw(NotificationMetadata)),
  euiccNotificationSignature: field(Signature),
  euiccCertificate: field(Certificate),
  eumCertificate: field(Certificate),
}).named('OtherSignedNotification');

export const PendingNotification = choice({
  profileInstallationResult: ProfileInstallationResult, // BF37
  otherSignedNotification: OtherSignedNotification, // 30
}).named('PendingNotification');

export const ListNotificationRequest = sequence({
  profileManagementOperation: optional(0x81, NotificationEvent),
})
  .withTag(0xbf28)
  .named('ListNotificationRequest');

export const ListNotificationResponse = explicit(
  0xbf28,
  choice({
    notificationMetadataList: sequenceOf(NotificationMetadata).withTag(0xa0),
    listNotificationsResultError: enumerated(ListNotificationError.codes).withTag(0x81),
  }),
).named('ListNotificationResponse');

export const RetrieveNotificationsListRequest = sequence({
  searchCriteria: optional(
    0xa0,
    choice({
      seqNumber: SeqNumber.withTag(0x80),
      profileManagementOperation: NotificationEvent.withTag(0x81),
    }),
  ),
})
  .withTag(0xbf2b)
  .named('RetrieveNotificationsListRequest');

export const RetrieveNotificationsListResponse = explicit(
  0xbf2b,
  choice({
    notificationList: sequenceOf(PendingNotification).withTag(0xa0),
    notificationsListResultError: enumerated(RetrieveNotificationsListError.codes).withTag(0x81),
  }),
).named('RetrieveNotificationsListResponse');

/** ES10b.RemoveNotificationFromList (ASN.1 name NotificationSentRequest). */
export const NotificationSentRequest = sequence({
  seqNumber: field(0x80, SeqNumber),
})
  .withTag(0xbf30)
  .named('NotificationSentRequest');

export const NotificationSentResponse = sequence({
  deleteNotificationStatus: field(0x80, enumerated(RemoveNotificationStatus.codes)),
})
  .withTag(0xbf30)
  .named('NotificationSentResponse');

export type NotificationMetadataValue = Infer<typeof NotificationMetadata>;
export type ProfileInstallationResultValue = Infer<typeof ProfileInstallationResult>;
export type PendingNotificationValue = Infer<typeof PendingNotification>;
