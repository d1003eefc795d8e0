/**
 * Pending notifications of the eUICC (digest §6): creation on profile events (per the profile's
 * notification configuration, one per configured address, eUICC-global strictly increasing
 * seqNumber, signed with SK.EUICC) and the ES10b list / retrieve / remove functions.
 */
import { decode, encode, withRawOf } from '../../codec/schema.js';
import { ES10, NotificationMetadata, OtherSignedNotification, PendingNotification } from '../../codec/sgp22/index.js';
import type { NotificationMetadataValue, PendingNotificationValue } from '../../codec/sgp22/index.js';
import { signPlain } from '../../crypto/index.js';
import type { EuiccIdentity } from './identity.js';
import type { HandlerRow } from './isdr-context.js';
import { typedRow } from './isdr-context.js';
import type { EuiccState, NotificationEvent, PendingNotificationRecord, ProfileRecord } from './state.js';

/** NotificationEvent ↔ the named bit of the SGP.22 BIT STRING. */
export const NOTIFICATION_EVENT_BIT = {
  install: 'notificationInstall',
  enable: 'notificationEnable',
  disable: 'notificationDisable',
  delete: 'notificationDelete',
} as const satisfies Record<NotificationEvent, string>;

type EventBit = (typeof NOTIFICATION_EVENT_BIT)[NotificationEvent];

export function eventOfBit(bit: string | number): NotificationEvent | undefined {
  return (Object.keys(NOTIFICATION_EVENT_BIT) as NotificationEvent[]).find((e) => NOTIFICATION_EVENT_BIT[e] === bit);
}

/** Takes the next sequence number of the eUICC-global counter. */
export function nextSeqNumber(draft: EuiccState): number {
  const seq = draft.notifications.nextSeqNumber;
  draft.notifications.nextSeqNumber = seq + 1;
  return seq;
}

export function notificationMetadata(record: Pick<PendingNotificationRecord, 'seqNumber' | 'event' | 'notificationAddress' | 'iccid'>): NotificationMetadataValue {
  const bit: EventBit = NOTIFICATION_EVENT_BIT[record.event];
  return {
    seqNumber: record.seqNumber,
    profileManagementOperation: [bit],
    notificationAddress: record.notificationAddress,
    ...(record.iccid === undefined ? {} : { iccid: record.iccid }),
  };
}

/** OtherSignedNotification `30 {BF2F tbs, 5F37 sig, CERT.EUICC, CERT.EUM}` for enable/disable/delete. */
export function signOtherNotification(identity: EuiccIdentity, metadata: NotificationMetadataValue): Uint8Array {
  const tbs = withRawOf(NotificationMetadata, metadata);
  return encode(OtherSignedNotification, {
    tbsOtherNotification: tbs,
    euiccNotificationSignature: signPlain(identity.key, tbs.raw),
    euiccCertificate: identity.certificate.der,
    eumCertificate: identity.eumCertificate.der,
  });
}

function store(draft: EuiccState, record: Omit<PendingNotificationRecord, 'signed'>, signed: Uint8Array): void {
  draft.notifications.pending.push({ ...record, signed: Buffer.from(signed).toString('base64') });
}

/** Queues the signed notifications `profile` asks for on `event` (none when its config omits it). */
export function queueProfileEvent(draft: EuiccState, identity: EuiccIdentity, profile: ProfileRecord, event: Exclude<NotificationEvent, 'install'>): void {
  for (const config of profile.notificationConfigurationInfo) {
    if (!config.events.includes(event)) continue;
    const record = { seqNumber: nextSeqNumber(draft), event, iccid: profile.iccid, notificationAddress: config.address };
    store(draft, record, signOtherNotification(identity, notificationMetadata(record)));
  }
}

/** Keeps a ProfileInstallationResult (BF37) as a pending notification. */
export function queueInstallResult(draft: EuiccState, record: { seqNumber: number; iccid?: string; notificationAddress: string }, pir: Uint8Array): void {
  store(draft, { ...record, event: 'install' }, pir);
}

export function pendingBytes(record: PendingNotificationRecord): Uint8Array {
  return new Uint8Array(Buffer.from(record.signed, 'base64'));
}

/** Stored notifications matching an event filter (NotificationEvent bits; empty or absent = all). */
export function filterByEvents(state: EuiccState, bits: readonly (string | number)[] | undefined): PendingNotificationRecord[] {
  const events = (bits ?? []).map(eventOfBit).filter((e): e is NotificationEvent => e !== undefined);
  return state.notifications.pending.filter((n) => bits === undefined || bits.length === 0 || events.includes(n.event));
}

/** A stored notification as the PendingNotification CHOICE (re-encoding emits the stored bytes). */
export function pendingNotificationValue(record: PendingNotificationRecord): PendingNotificationValue {
  return decode(PendingNotification, pendingBytes(record));
}

const listNotification = typedRow(ES10.listNotification, (req, ctx) => ({
  kind: 'notificationMetadataList' as const,
  value: filterByEvents(ctx.store.state, req.profileManagementOperation).map(notificationMetadata),
}));

const retrieveNotificationsList = typedRow(ES10.retrieveNotificationsList, (req, ctx) => {
  const criteria = req.searchCriteria;
  const state = ctx.store.state;
  const chosen =
    criteria?.kind === 'seqNumber' ? state.notifications.pending.filter((n) => n.seqNumber === criteria.value) : filterByEvents(state, criteria?.value);
  // v2.5: no match is an empty list (BF2B 02 A0 00), not an error.
  return { kind: 'notificationList' as const, value: chosen.map(pendingNotificationValue) };
});

const removeNotificationFromList = typedRow(ES10.removeNotificationFromList, async (req, ctx) => {
  const status = await ctx.store.transaction((draft) => {
    const before = draft.notifications.pending.length;
    draft.notifications.pending = draft.notifications.pending.filter((n) => n.seqNumber !== req.seqNumber);
    return draft.notifications.pending.length < before ? ('ok' as const) : ('nothingToDelete' as const);
  });
  return { deleteNotificationStatus: status };
});

export const NOTIFICATION_HANDLERS: readonly HandlerRow[] = [listNotification, retrieveNotificationsList, removeNotificationFromList];
