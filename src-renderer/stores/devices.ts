import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { DeviceSummary } from '../../shared/api.js';
import { workbench } from '../api/instance.js';
import { useNoticesStore } from './notices.js';

export const useDevicesStore = defineStore('devices', () => {
  const devices = ref<DeviceSummary[]>([]);
  const selectedId = ref<string>();
  const loading = ref(false);
  const selected = computed(() => devices.value.find((d) => d.id === selectedId.value));

  /** Keeps the selection when the device is still there, else picks the first usable eUICC. */
  function setDevices(list: readonly DeviceSummary[]): void {
    devices.value = [...list];
    if (!list.some((d) => d.id === selectedId.value)) {
      selectedId.value = (list.find((d) => d.status === 'present' && d.cardType !== 'sim') ?? list[0])?.id;
    }
  }

  async function refresh(): Promise<void> {
    loading.value = true;
    try {
      setDevices(await workbench().listDevices());
    } catch (err) {
      useNoticesStore().reportError(err, 'Listing devices failed');
    } finally {
      loading.value = false;
    }
  }

  function select(id: string): void {
    selectedId.value = id;
  }

  return { devices, selectedId, selected, loading, setDevices, refresh, select };
});
