import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WorkbenchError } from '../../../shared/errors.js';
import { fromHex } from '../../../shared/hex.js';
import { NotificationQueue } from '../../../src-main/rsp/notification-queue.js';
import type { NotificationSender } from '../../../src-main/rsp/notification-queue.js';
import { generatedPki } from '../../helpers/pki-fixtures.js';
import { runNotificationChild } from '../../helpers/rsp-child.js';
import type { ChildOutcome } from '../../helpers/rsp-child.js';
import { fileCard, readFileCard, writeFileCard } from '../../helpers/rsp-file-card.js';
import type { FileCardNotification } from '../../helpers/rsp-file-card.js';
import { startScriptedHttpsServer } from '../../helpers/rsp-https-server.js';
import type { RecordedRequest } from '../../helpers/rsp-https-server.js';

const EID = '89049032123451234512345678901235';
const PIR: FileCardNotification = { seqNumber: 7, event: 'notificationInstall', address: 'smdp.example.com', iccid: '8944476500000000017', rawHex: 'BF3703BF2700' };
const ENABLE: FileCardNotification = { seqNumber: 8, event: 'notificationEnable', address: 'other.example.com', iccid: '8944476500000000017', rawHex: '3003BF2F00' };

let dir: string;
let cardFile: string;
let queue: NotificationQueue;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ewb-nq-'));
  cardFile = path.join(dir, 'card.json');
  queue = new NotificationQueue(path.join(dir, 'queue'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A sender recording what it sent, failing for the addresses in `failing`. */
function recordingSender(failing: Set<string> = new Set(), onSend?: () => void): NotificationSender & { sent: { address: string; hex: string }[] } {
  const sent: { address: string; hex: string }[] = [];
  return {
    sent,
    handleNotification: async (address: string, bytes: Uint8Array) => {
      onSend?.();
      if (failing.has(address)) throw new WorkbenchError('ES9_TRANSPORT_ERROR', 'down', 'hint');
      sent.push({ address, hex: Buffer.from(bytes).toString('hex').toUpperCase() });
    },
  };
}

describe('NotificationQueue', () => {
  it('queues on disk before sending, sends, then removes from the card and the queue', async () => {
    writeFileCard(cardFile, EID, [PIR, ENABLE]);
    const calls: string[] = [];
    const queueFile = queue.fileFor(EID);
    const seenOnDisk: number[][] = [];
    const sender = recordingSender(new Set(), () => {
      const onDisk = JSON.parse(readFileSync(queueFile, 'utf8')) as { notifications: { seqNumber: number }[] };
      seenOnDisk.push(onDisk.notifications.map((n) => n.seqNumber));
    });
    const result = await queue.process(fileCard(cardFile, calls), sender);
    expect(result).toEqual({ sent: 2, failed: 0, errors: [] });
    expect(sender.sent).toEqual([
      { address: 'smdp.example.com', hex: 'BF3703BF2700' },
      { address: 'other.example.com', hex: '3003BF2F00' },
    ]);
    expect(seenOnDisk[0]).toEqual([7, 8]); // both persisted before the first send
    expect(calls).toEqual(['listNotification', 'retrieve 7', 'retrieve 8', 'remove 7', 'remove 8']);
    expect(readFileCard(cardFile).notifications).toEqual([]);
    expect(await queue.queued(EID)).toEqual([]);
  });

  it('keeps a notification the server did not accept, on the card and in the queue, and sends it next time', async () => {
    writeFileCard(cardFile, EID, [PIR, ENABLE]);
    const first = await queue.process(fileCard(cardFile), recordingSender(new Set(['other.example.com'])));
    expect(first.sent).toBe(1);
    expect(first.failed).toBe(1);
    expect(first.errors[0]).toMatchObject({ seqNumber: 8, address: 'other.example.com' });
    expect(readFileCard(cardFile).notifications.map((n) => n.seqNumber)).toEqual([8]);
    expect(await queue.queued(EID)).toEqual([expect.objectContaining({ seqNumber: 8, attempts: 1, delivered: false, lastError: expect.objectContaining({ code: 'ES9_TRANSPORT_ERROR' }) })]);

    const calls: string[] = [];
    const sender = recordingSender();
    const second = await queue.process(fileCard(cardFile, calls), sender);
    expect(second.sent).toBe(1);
    expect(calls).toEqual(['listNotification', 'remove 8']); // already queued: not retrieved again
    expect(sender.sent.map((s) => s.address)).toEqual(['other.example.com']);
    expect(readFileCard(cardFile).notifications).toEqual([]);
  });

  it('processes only the given sequence numbers', async () => {
    writeFileCard(cardFile, EID, [PIR, ENABLE]);
    const sender = recordingSender();
    await queue.process(fileCard(cardFile), sender, { seqNumbers: [8] });
    expect(sender.sent.map((s) => s.address)).toEqual(['other.example.com']);
    expect(readFileCard(cardFile).notifications.map((n) => n.seqNumber)).toEqual([7]);
  });

  it('a delivered notification whose removal was interrupted is removed, not sent again', async () => {
    writeFileCard(cardFile, EID, [PIR]);
    const card = fileCard(cardFile);
    const failingRemove = { ...card, removeNotificationFromList: () => Promise.reject(new WorkbenchError('CARD_REMOVED', 'gone', 'hint')) };
    const sender = recordingSender();
    await expect(queue.process(failingRemove, sender)).rejects.toMatchObject({ code: 'CARD_REMOVED' });
    expect(sender.sent).toHaveLength(1);
    expect(await queue.queued(EID)).toEqual([expect.objectContaining({ seqNumber: 7, delivered: true })]);
    const calls: string[] = [];
    await queue.process(fileCard(cardFile, calls), sender);
    expect(sender.sent).toHaveLength(1);
    expect(calls).toEqual(['listNotification', 'remove 7']);
    expect(await queue.queued(EID)).toEqual([]);
  });

  it('a delivered notification the card refused to remove stays queued as delivered and is never sent twice', async () => {
    writeFileCard(cardFile, EID, [PIR]);
    const card = fileCard(cardFile);
    const refusingRemove = { ...card, removeNotificationFromList: async () => ({ ok: false, result: 'undefinedError', code: 127, message: 'refused', hint: '' }) } as unknown as typeof card;
    const sender = recordingSender();
    const first = await queue.process(refusingRemove, sender);
    expect(first.sent).toBe(1);
    expect(sender.sent).toHaveLength(1);
    expect(await queue.queued(EID)).toEqual([expect.objectContaining({ seqNumber: 7, delivered: true, lastError: expect.objectContaining({ code: 'NOTIFICATION_REMOVE_FAILED' }) })]);
    const calls: string[] = [];
    await queue.process(fileCard(cardFile, calls), sender);
    expect(sender.sent).toHaveLength(1); // the card still had it: removed now, not sent again
    expect(calls).toEqual(['listNotification', 'remove 7']);
    expect(await queue.queued(EID)).toEqual([]);
  });

  it('lists the card and the queue; remove drops without sending', async () => {
    writeFileCard(cardFile, EID, [PIR, ENABLE]);
    await queue.process(fileCard(cardFile), recordingSender(new Set(['smdp.example.com', 'other.example.com'])), { seqNumbers: [7] });
    expect(await queue.list(fileCard(cardFile))).toEqual([
      { seqNumber: 7, event: 'install', address: 'smdp.example.com', iccid: '8944476500000000017', where: 'queued' },
      { seqNumber: 8, event: 'enable', address: 'other.example.com', iccid: '8944476500000000017', where: 'card' },
    ]);
    await queue.remove(fileCard(cardFile), 7);
    await queue.remove(fileCard(cardFile), 8);
    expect(await queue.list(fileCard(cardFile))).toEqual([]);
    await expect(queue.remove(fileCard(cardFile), 99)).rejects.toMatchObject({ code: 'NOTIFICATION_NOT_FOUND' });
  });

  it('a corrupt queue file is reported, never silently replaced', async () => {
    writeFileCard(cardFile, EID, [PIR]);
    await queue.process(fileCard(cardFile), recordingSender(new Set(['smdp.example.com'])));
    writeFileSync(queue.fileFor(EID), '{ "version": 1, "notif');
    await expect(queue.process(fileCard(cardFile), recordingSender())).rejects.toMatchObject({ code: 'NOTIFICATION_QUEUE_CORRUPT' });
    expect(readFileSync(queue.fileFor(EID), 'utf8')).toBe('{ "version": 1, "notif');
  });
});

describe('NotificationQueue — kill -9 between retrieve and send', () => {
  const runChild = (mode: 'crash' | 'run', serverAddress: string): Promise<ChildOutcome> => runNotificationChild({ queueDir: queue.dir, card: `file:${cardFile}`, serverAddress, mode, pkiSeed: 'rsp-unit' });

  it('after the restart the notification is sent exactly once and removed from the card', async () => {
    const pki = generatedPki({ seed: 'rsp-unit' });
    const received: RecordedRequest[] = [];
    const server = await startScriptedHttpsServer({ cert: pki.dpTls.cert.der, key: pki.dpTls.key }, (req) => {
      received.push(req);
      return { status: 204 };
    });
    try {
      const pir = { ...PIR, address: pki.dpTls.host };
      writeFileCard(cardFile, EID, [pir]);

      const crashed = await runChild('crash', server.address);
      expect(crashed.signal).toBe('SIGKILL');
      expect(received).toHaveLength(0);
      expect(existsSync(queue.fileFor(EID))).toBe(true);
      expect(await queue.queued(EID)).toEqual([expect.objectContaining({ seqNumber: 7, delivered: false, attempts: 0 })]);
      expect(readFileCard(cardFile).notifications).toHaveLength(1);

      const restarted = await runChild('run', server.address);
      expect(JSON.parse(restarted.stdout.trim())).toEqual({ sent: 1, failed: 0 });
      expect(received).toHaveLength(1);
      expect(received[0]?.path).toBe('/gsma/rsp2/es9plus/handleNotification');
      expect(fromHex(Buffer.from(String(received[0]?.body['pendingNotification']), 'base64').toString('hex'))).toEqual(fromHex(PIR.rawHex));
      expect(readFileCard(cardFile).notifications).toEqual([]);
      expect(await queue.queued(EID)).toEqual([]);

      const again = await runChild('run', server.address);
      expect(JSON.parse(again.stdout.trim())).toEqual({ sent: 0, failed: 0 });
      expect(received).toHaveLength(1);
    } finally {
      await server.close();
    }
  }, 60_000);
});
