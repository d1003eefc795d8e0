/**
 * A card whose pending notifications live in a JSON file: enough ES10 for the notification queue, and
 * it survives a killed process like a real eUICC does. Writes are plain (the card is the test's
 * stand-in, not the code under test).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fromHex, toHex } from '../../shared/hex.js';
import type { NotificationMetadataValue } from '../../src-main/codec/sgp22/index.js';
import type { NotificationCard } from '../../src-main/rsp/notification-queue.js';

export interface FileCardNotification {
  readonly seqNumber: number;
  readonly event: 'notificationInstall' | 'notificationEnable' | 'notificationDisable' | 'notificationDelete';
  readonly address: string;
  readonly iccid?: string;
  /** PendingNotification TLV as hex. */
  readonly rawHex: string;
}

interface FileCardState {
  eid: string;
  notifications: FileCardNotification[];
}

export function writeFileCard(file: string, eid: string, notifications: FileCardNotification[]): void {
  writeFileSync(file, JSON.stringify({ eid, notifications } satisfies FileCardState));
}

export function readFileCard(file: string): FileCardState {
  return JSON.parse(readFileSync(file, 'utf8')) as FileCardState;
}

function metadataOf(n: FileCardNotification): NotificationMetadataValue {
  return { seqNumber: n.seqNumber, profileManagementOperation: [n.event], notificationAddress: n.address, ...(n.iccid !== undefined ? { iccid: n.iccid } : {}) };
}

/** A NotificationCard over the file; `calls` records the ES10 functions used. */
export function fileCard(file: string, calls: string[] = []): NotificationCard {
  const card = {
    getEid: async () => readFileCard(file).eid,
    listNotification: async () => {
      calls.push('listNotification');
      return readFileCard(file).notifications.map(metadataOf);
    },
    retrieveNotificationsList: async (search: { seqNumber: number }) => {
      calls.push(`retrieve ${search.seqNumber}`);
      return readFileCard(file)
        .notifications.filter((n) => n.seqNumber === search.seqNumber)
        .map((n) => ({ metadata: metadataOf(n), notification: {}, raw: fromHex(n.rawHex) }));
    },
    removeNotificationFromList: async (seqNumber: number) => {
      calls.push(`remove ${seqNumber}`);
      const state = readFileCard(file);
      const found = state.notifications.some((n) => n.seqNumber === seqNumber);
      state.notifications = state.notifications.filter((n) => n.seqNumber !== seqNumber);
      writeFileSync(file, JSON.stringify(state));
      return { ok: found, result: found ? 'ok' : 'nothingToDelete', code: found ? 0 : 1, message: '', hint: '' };
    },
  };
  return card as unknown as NotificationCard;
}

export function rawOf(bytes: Uint8Array): string {
  return toHex(bytes).toUpperCase();
}
