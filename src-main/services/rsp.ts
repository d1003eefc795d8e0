/**
 * The download, notification and discovery half of WorkbenchApi: the rsp layer's orchestrator,
 * notification queue and discovery run inside the workbench's card lock and operations.
 */
import path from 'node:path';
import type { DiscoveredEvent, DownloadRequest, NotificationSummary } from '../../shared/api.js';
import type { Es10Client } from '../euicc/es10-client.js';
import type { DeviceIdentity } from '../rsp/device-info.js';
import { activationCodeOf, discoverEvents } from '../rsp/discovery.js';
import { runDownload } from '../rsp/download.js';
import { Es9Client } from '../rsp/es9-client.js';
import type { Es9Settings } from '../rsp/es9-client.js';
import { NotificationQueue } from '../rsp/notification-queue.js';
import type { RspFeatures, Workbench } from './workbench.js';

export interface RspWiringOptions {
  readonly dataDir: string;
  /** ES9+/ES11 client settings: trust store, host overrides (embedded servers), proxy, insecure. */
  readonly es9: Es9Settings;
  /** DeviceInfo defaults (TAC, capabilities). */
  readonly device?: DeviceIdentity;
  /** Addresses known to be SM-DS: discovery follows events that point to them (cascade). */
  readonly cascadeSmdsAddresses?: readonly string[];
}

/** The notification queue's folder inside the data directory. */
export function notificationQueueDir(dataDir: string): string {
  return path.join(dataDir, 'notifications');
}

export function rspFeatures(options: RspWiringOptions): RspFeatures {
  const queue = new NotificationQueue(notificationQueueDir(options.dataDir));
  const warn = (wb: Workbench, deviceId: string) => (message: string) => wb.events.emit({ type: 'notice', deviceId, level: 'warning', message });

  /** An ES9+ client for notifications, trusting only what the eUICC's CIs allow. */
  async function senderFor(wb: Workbench, deviceId: string, es10: Es10Client, signal?: AbortSignal): Promise<Es9Client> {
    const info1 = await es10.getEuiccInfo1({ ...(signal ? { signal } : {}) });
    return new Es9Client({ onWarning: warn(wb, deviceId), ...options.es9, ciPkIds: info1.value.euiccCiPKIdListForVerification });
  }

  return {
    async startDownload(wb: Workbench, deviceId: string, request: DownloadRequest) {
      const operationId = wb.operations.start(deviceId, async (ctx) => {
        const result = await wb.withEs10(
          deviceId,
          (es10) => runDownload({ card: es10, es9: { onWarning: warn(wb, deviceId), ...options.es9 }, notifications: queue, ...(options.device ? { device: options.device } : {}) }, request, ctx),
          ctx.signal,
        );
        return { iccid: result.iccid, notificationsSent: result.notificationsSent };
      });
      return { operationId };
    },

    listNotifications(wb: Workbench, deviceId: string): Promise<NotificationSummary[]> {
      return wb.withEs10(deviceId, (es10) => queue.list(es10));
    },

    processNotifications(wb: Workbench, deviceId: string, seqNumbers?: readonly number[]) {
      return wb.withEs10(deviceId, async (es10) => {
        const sender = await senderFor(wb, deviceId, es10);
        try {
          const result = await queue.process(es10, sender, seqNumbers === undefined ? {} : { seqNumbers });
          for (const failure of result.errors) {
            wb.events.emit({ type: 'notice', deviceId, level: 'warning', message: `Notification ${failure.seqNumber} to ${failure.address} stays queued: ${failure.error.message}` });
          }
          return { sent: result.sent, failed: result.failed };
        } finally {
          sender.close();
        }
      });
    },

    removeNotification(wb: Workbench, deviceId: string, seqNumber: number) {
      return wb.withEs10(deviceId, (es10) => queue.remove(es10, seqNumber));
    },

    discoverProfiles(wb: Workbench, deviceId: string, discover: { smdsAddress?: string } = {}): Promise<DiscoveredEvent[]> {
      return wb.withEs10(deviceId, async (es10) => {
        const result = await discoverEvents(
          { card: es10, es9: options.es9, ...(options.device ? { device: options.device } : {}) },
          {
            ...(discover.smdsAddress ? { smdsAddress: discover.smdsAddress } : {}),
            ...(options.cascadeSmdsAddresses ? { cascadeSmdsAddresses: options.cascadeSmdsAddresses } : {}),
            onWarning: warn(wb, deviceId),
          },
        );
        return result.events.map((e) => ({ eventId: e.eventId, smdpAddress: e.rspServerAddress, smdsAddress: e.smdsAddress, activationCode: activationCodeOf(e) }));
      });
    },
  };
}
