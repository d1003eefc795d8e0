import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { NotificationSummary } from '../../shared/api.js';
import { workbench } from '../api/instance.js';
import { useNoticesStore } from './notices.js';

/** Pending notifications of the selected device (on the card and in the local delivery queue). */
export const useNotificationsStore = defineStore('notifications', () => {
  const deviceId = ref<string>();
  const items = ref<NotificationSummary[]>([]);
  const busy = ref(false);

  async function load(id: string | undefined): Promise<void> {
    deviceId.value = id;
    items.value = [];
    if (!id) return;
    try {
      const list = await workbench().listNotifications(id);
      if (deviceId.value === id) items.value = list;
    } catch {
      // The card panel already reports an unreadable card; one message is enough.
    }
  }

  async function act(what: string, run: (id: string) => Promise<void>): Promise<void> {
    const id = deviceId.value;
    if (!id) return;
    busy.value = true;
    try {
      await run(id);
    } catch (err) {
      useNoticesStore().reportError(err, what);
    } finally {
      busy.value = false;
      await load(id);
    }
  }

  const send = (seqNumbers?: number[]) =>
    act('Sending notifications failed', async (id) => {
      const { sent, failed } = await workbench().processNotifications(id, seqNumbers);
      useNoticesStore().push({ level: failed > 0 ? 'warning' : 'info', message: `Notifications: ${sent} delivered, ${failed} failed.`, transient: failed === 0 });
    });

  const remove = (seqNumber: number) => act('Removing the notification failed', (id) => workbench().removeNotification(id, seqNumber));

  return { deviceId, items, busy, load, send, remove };
});
