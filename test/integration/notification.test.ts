/**
 * Notifications that are never lost, with the virtual eUICC (persisted state file) and the test
 * SM-DP+: a child process is killed with kill -9 after it queued a notification and before sending
 * it; the next run sends it exactly once and removes it from the card.
 */
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApduLog } from '../../src-main/card/apdu-log.js';
import { CardSession } from '../../src-main/card/card-session.js';
import { buildProfilePackage } from '../../src-main/codec/saip/index.js';
import { withEs10 } from '../../src-main/euicc/index.js';
import { runDownload } from '../../src-main/rsp/download.js';
import { createVirtualEuicc } from '../../src-main/sim/euicc/virtual-euicc.js';
import { runNotificationChild } from '../helpers/rsp-child.js';
import { fakeContext } from '../helpers/rsp-fakes.js';
import { startRspLab } from '../helpers/rsp-lab.js';
import type { RspLab } from '../helpers/rsp-lab.js';

const ICCID = '8949449999999990041';

let lab: RspLab;
beforeEach(async () => {
  lab = await startRspLab();
});
afterEach(async () => {
  await lab.close();
});

/** Pending notifications as a fresh card instance reads them from the state file. */
async function pendingOnCard(): Promise<{ seq: number; event: string }[]> {
  const euicc = await createVirtualEuicc({ pki: lab.pki, stateFile: path.join(lab.dir, 'euicc.json') });
  try {
    return await withEs10(new CardSession(euicc.transport, new ApduLog()), async (card) =>
      (await card.listNotification()).map((n) => ({ seq: n.seqNumber, event: n.profileManagementOperation.map(String).join(',') })),
    );
  } finally {
    await euicc.close();
  }
}

describe('notification queue with the virtual eUICC', () => {
  it('kill -9 between retrieve and send: after the restart the enable notification is sent once and removed', async () => {
    lab.smdp.orders.add({ matchingId: 'NOTE', profilePackage: buildProfilePackage({ iccid: ICCID, imsi: '001010000000041', spn: 'Note Tel' }) });
    await lab.withCard((card) => runDownload({ card, es9: lab.es9, notifications: lab.queue }, { activationCode: lab.activationCode('NOTE'), enableAfterInstall: false }, fakeContext()));
    await lab.withCard(async (card) => {
      expect((await card.enableProfile({ iccid: ICCID })).ok).toBe(true);
    });
    const pending = await pendingOnCard();
    expect(pending.map((p) => p.event)).toEqual(['notificationEnable']);
    const child = { queueDir: lab.queue.dir, card: `euicc:${path.join(lab.dir, 'euicc.json')}`, serverAddress: `127.0.0.1:${lab.smdp.port}`, pkiSeed: 'rsp-lab' };

    const crashed = await runNotificationChild({ ...child, mode: 'crash' });
    expect(crashed.signal).toBe('SIGKILL');
    const eid = lab.euicc.identity.eid;
    expect((await lab.queue.queued(eid)).map((n) => [n.seqNumber, n.event, n.delivered])).toEqual([[pending[0]?.seq, 'enable', false]]);
    expect(lab.smdp.receivedNotifications.map((n) => n.event)).toEqual(['install']);
    expect(await pendingOnCard()).toEqual(pending);

    const restarted = await runNotificationChild({ ...child, mode: 'run' });
    expect(JSON.parse(restarted.stdout.trim())).toEqual({ sent: 1, failed: 0 });
    expect(lab.smdp.receivedNotifications.map((n) => [n.event, n.iccid, n.verified])).toEqual([
      ['install', ICCID, true],
      ['enable', ICCID, true],
    ]);
    expect(await pendingOnCard()).toEqual([]);
    expect(await lab.queue.queued(eid)).toEqual([]);
  }, 60_000);
});
