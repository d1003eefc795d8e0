import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { ApduLogRow } from '../../shared/api.js';
import { workbench } from '../api/instance.js';
import { useDevicesStore } from './devices.js';
import { useNoticesStore } from './notices.js';

/** Rows kept in the page; the implementation keeps its own, longer log. */
const MAX_ROWS = 5000;

export const useApduLogStore = defineStore('apduLog', () => {
  const rows = ref<ApduLogRow[]>([]);
  const filter = ref('');
  const autoScroll = ref(true);
  const onlySelectedDevice = ref(false);

  function append(incoming: readonly ApduLogRow[]): void {
    const lastSeq = rows.value.at(-1)?.seq ?? 0;
    const fresh = incoming.filter((r) => r.seq > lastSeq);
    if (fresh.length > 0) rows.value = [...rows.value, ...fresh].slice(-MAX_ROWS);
  }

  async function load(): Promise<void> {
    try {
      append(await workbench().getApduLog(rows.value.at(-1)?.seq));
    } catch (err) {
      useNoticesStore().reportError(err, 'Reading the APDU log failed');
    }
  }

  async function clear(): Promise<void> {
    try {
      await workbench().clearApduLog();
      rows.value = [];
    } catch (err) {
      useNoticesStore().reportError(err, 'Clearing the APDU log failed');
    }
  }

  /** Rows matching the filter text (any column, case-insensitive) and, optionally, the selected device. */
  const visible = computed(() => {
    const needle = filter.value.trim().toLowerCase();
    const deviceId = useDevicesStore().selectedId;
    return rows.value.filter(
      (r) =>
        (!onlySelectedDevice.value || r.deviceId === deviceId) &&
        (needle === '' ||
          [r.command, r.response, r.sw, r.swMeaning, r.annotation ?? '', r.deviceId].some((v) => v.toLowerCase().includes(needle))),
    );
  });

  return { rows, filter, autoScroll, onlySelectedDevice, visible, append, load, clear };
});
