/**
 * Notifications that are never lost (SGP22-DIGEST §6, ARCHITECTURE §6).
 *
 * Per eUICC (EID) one JSON file under the queue directory holds the notifications retrieved from the
 * card and not yet finished. The order of effects is what makes it safe:
 *   1. RetrieveNotificationsList(seq) → the signed notification is written to the file (atomic:
 *      temp + fsync + rename + directory fsync) BEFORE anything is sent;
 *   2. ES9+ handleNotification; only on HTTP 204 the entry is marked `delivered` (written);
 *   3. RemoveNotificationFromList(seq) on the card; then the entry is dropped (written).
 * A crash before 1 leaves it on the card (retrieved again next time); between 1 and 2 it is sent
 * exactly once by the next `process` (entries are keyed by EID + seqNumber, so the card's copy is
 * not queued twice); between 2 and 3 the next run only removes it from the card, without resending.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { NotificationSummary } from '../../shared/api.js';
import { WorkbenchError, isWorkbenchError, throwIfAborted } from '../../shared/errors.js';
import type { Es10Client } from '../euicc/es10-client.js';
import { toNotificationSummary } from '../euicc/summaries.js';
import { writeFileAtomic } from '../links/durable-file.js';
import type { Es9Client } from './es9-client.js';

/** The ES10 functions the queue needs (an Es10Client, or a fake in tests). */
export type NotificationCard = Pick<Es10Client, 'getEid' | 'listNotification' | 'retrieveNotificationsList' | 'removeNotificationFromList'>;
/** The ES9+ function the queue needs. */
export type NotificationSender = Pick<Es9Client, 'handleNotification'>;

export interface QueuedNotification {
  readonly seqNumber: number;
  /** 'install' | 'enable' | 'disable' | 'delete'. */
  readonly event: string;
  readonly address: string;
  readonly iccid?: string;
  /** The signed PendingNotification TLV (BF37 or 30), base64, exactly as retrieved. */
  readonly pendingNotification: string;
  readonly retrievedAt: string;
  /** The SM-DP+ accepted it; only the removal from the card is left. */
  delivered: boolean;
  attempts: number;
  lastError?: { code: string; message: string; at: string };
}

interface QueueFile {
  readonly version: 1;
  readonly eid: string;
  notifications: QueuedNotification[];
}

export type QueueEvent =
  | { readonly type: 'queued'; readonly seqNumber: number; readonly address: string }
  | { readonly type: 'sent'; readonly seqNumber: number; readonly address: string }
  | { readonly type: 'removed'; readonly seqNumber: number }
  | { readonly type: 'failed'; readonly seqNumber: number; readonly address: string; readonly error: WorkbenchError };

export interface ProcessOptions {
  /** Only these sequence numbers (default: all). */
  readonly seqNumbers?: readonly number[];
  readonly signal?: AbortSignal;
  /** Progress for the operation's events; called after each durable state change. */
  readonly onEvent?: (event: QueueEvent) => void;
}

export interface ProcessResult {
  /** Accepted by the server (HTTP 204). */
  readonly sent: number;
  readonly failed: number;
  /** Per failed notification, the reason (it stays queued for the next run). */
  readonly errors: readonly { readonly seqNumber: number; readonly address: string; readonly error: WorkbenchError }[];
}

const EID_PATTERN = /^[0-9A-F]{32}$/;

function asWorkbenchError(err: unknown): WorkbenchError {
  if (isWorkbenchError(err)) return err;
  return new WorkbenchError('NOTIFICATION_SEND_FAILED', `Sending the notification failed: ${err instanceof Error ? err.message : String(err)}`, 'It stays queued and is retried on the next start.', { cause: err });
}

export class NotificationQueue {
  /** @param dir directory of the queue files, e.g. `<dataDir>/notifications`. */
  constructor(readonly dir: string) {}

  fileFor(eid: string): string {
    const id = eid.toUpperCase();
    if (!EID_PATTERN.test(id)) throw new WorkbenchError('NOTIFICATION_BAD_EID', `"${eid}" is not an EID.`, 'This is a bug: the queue is keyed by the 32-digit EID.', { details: { eid } });
    return path.join(this.dir, `${id}.json`);
  }

  /** The queued notifications of an eUICC (empty when none). */
  async queued(eid: string): Promise<QueuedNotification[]> {
    return (await this.#read(eid)).notifications;
  }

  async #read(eid: string): Promise<QueueFile> {
    const file = this.fileFor(eid);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, eid: eid.toUpperCase(), notifications: [] };
      throw err;
    }
    try {
      const parsed = JSON.parse(text) as QueueFile;
      if (parsed.version !== 1 || !Array.isArray(parsed.notifications)) throw new Error('unknown layout');
      return parsed;
    } catch (err) {
      throw new WorkbenchError('NOTIFICATION_QUEUE_CORRUPT', `The notification queue file ${file} is unreadable (${err instanceof Error ? err.message : String(err)}).`, 'Move the file aside (keep it: it may hold undelivered notifications) and run again; the card still has its own copies until they were delivered.', {
        cause: err,
        details: { file },
      });
    }
  }

  async #write(state: QueueFile): Promise<void> {
    await writeFileAtomic(this.fileFor(state.eid), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  }

  /** Pending notifications on the card and in the queue (a queued one the card still has is listed as queued). */
  async list(card: NotificationCard, opts: { signal?: AbortSignal } = {}): Promise<NotificationSummary[]> {
    const eid = await card.getEid(opts);
    const queued = await this.queued(eid);
    const onCard = await card.listNotification(opts);
    const queuedSeqs = new Set(queued.map((n) => n.seqNumber));
    return [
      ...queued.map((n): NotificationSummary => ({ seqNumber: n.seqNumber, event: n.event, address: n.address, ...(n.iccid !== undefined ? { iccid: n.iccid } : {}), where: 'queued' })),
      ...onCard.filter((m) => !queuedSeqs.has(m.seqNumber)).map((m) => toNotificationSummary(m, 'card')),
    ].sort((a, b) => a.seqNumber - b.seqNumber);
  }

  /**
   * Delivers pending notifications (all, or `seqNumbers`): queues what the card holds, sends, and
   * removes from the card what the servers accepted. Failures stay queued; the result counts them.
   */
  async process(card: NotificationCard, sender: NotificationSender, opts: ProcessOptions = {}): Promise<ProcessResult> {
    const { signal, onEvent } = opts;
    const wanted = (seq: number): boolean => opts.seqNumbers === undefined || opts.seqNumbers.includes(seq);
    const eid = await card.getEid({ signal });
    const state = await this.#read(eid);

    // 1. Queue what is only on the card, and persist before any sending.
    const known = new Set(state.notifications.map((n) => n.seqNumber));
    const fresh = (await card.listNotification({ signal })).filter((m) => wanted(m.seqNumber) && !known.has(m.seqNumber));
    for (const meta of fresh) {
      const [retrieved] = await card.retrieveNotificationsList({ seqNumber: meta.seqNumber }, { signal });
      if (retrieved === undefined) continue; // removed meanwhile
      const summary = toNotificationSummary(retrieved.metadata);
      state.notifications.push({
        seqNumber: retrieved.metadata.seqNumber,
        event: summary.event,
        address: summary.address,
        ...(summary.iccid !== undefined ? { iccid: summary.iccid } : {}),
        pendingNotification: Buffer.from(retrieved.raw).toString('base64'),
        retrievedAt: new Date().toISOString(),
        delivered: false,
        attempts: 0,
      });
    }
    state.notifications.sort((a, b) => a.seqNumber - b.seqNumber);
    if (fresh.length > 0) {
      await this.#write(state);
      for (const meta of fresh) onEvent?.({ type: 'queued', seqNumber: meta.seqNumber, address: meta.notificationAddress });
    }

    // 2. Send, then 3. remove from the card.
    let sent = 0;
    const errors: { seqNumber: number; address: string; error: WorkbenchError }[] = [];
    for (const entry of [...state.notifications].filter((n) => wanted(n.seqNumber))) {
      throwIfAborted(signal, 'Notification delivery');
      if (!entry.delivered) {
        entry.attempts++;
        try {
          await sender.handleNotification(entry.address, new Uint8Array(Buffer.from(entry.pendingNotification, 'base64')), { signal });
        } catch (err) {
          const error = asWorkbenchError(err);
          if (error.code === 'ABORTED') throw error;
          entry.lastError = { code: error.code, message: error.message, at: new Date().toISOString() };
          await this.#write(state);
          errors.push({ seqNumber: entry.seqNumber, address: entry.address, error });
          onEvent?.({ type: 'failed', seqNumber: entry.seqNumber, address: entry.address, error });
          continue;
        }
        entry.delivered = true;
        delete entry.lastError;
        await this.#write(state);
        sent++;
        onEvent?.({ type: 'sent', seqNumber: entry.seqNumber, address: entry.address });
      }
      // 'nothingToDelete' means the card no longer has it: the goal is reached either way. Any other
      // refusal leaves it on the card: keep the delivered entry, or the next run would send it again.
      const removal = await card.removeNotificationFromList(entry.seqNumber, { signal });
      if (!removal.ok && removal.result !== 'nothingToDelete') {
        entry.lastError = { code: 'NOTIFICATION_REMOVE_FAILED', message: `The eUICC did not remove the delivered notification: ${removal.message}`, at: new Date().toISOString() };
        await this.#write(state);
        continue;
      }
      state.notifications = state.notifications.filter((n) => n.seqNumber !== entry.seqNumber);
      await this.#write(state);
      onEvent?.({ type: 'removed', seqNumber: entry.seqNumber });
    }
    return { sent, failed: errors.length, errors };
  }

  /** Drops a notification without sending it: from the card and from the queue. */
  async remove(card: NotificationCard, seqNumber: number, opts: { signal?: AbortSignal } = {}): Promise<void> {
    const eid = await card.getEid(opts);
    const state = await this.#read(eid);
    const result = await card.removeNotificationFromList(seqNumber, opts);
    const wasQueued = state.notifications.some((n) => n.seqNumber === seqNumber);
    if (!result.ok && !wasQueued) {
      throw new WorkbenchError('NOTIFICATION_NOT_FOUND', `No pending notification with sequence number ${seqNumber}.`, result.hint || 'Refresh the notification list.', { details: { seqNumber, cardResult: result.result } });
    }
    if (wasQueued) {
      state.notifications = state.notifications.filter((n) => n.seqNumber !== seqNumber);
      await this.#write(state);
    }
  }
}
