import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { DiscoveredEvent } from '../../shared/api.js';
import { workbench } from '../api/instance.js';
import { toApiCallError } from '../api/errors.js';

/** Profiles waiting for the selected eUICC at its root SM-DS (ES11), from the last "Discover". */
export const useDiscoveryStore = defineStore('discovery', () => {
  const deviceId = ref<string>();
  /** Undefined until a discovery of `deviceId` finished. */
  const events = ref<DiscoveredEvent[]>();
  const busy = ref(false);
  const error = ref<{ message: string; hint: string }>();

  /** Forgets the results (another device was selected). */
  function reset(id: string | undefined): void {
    deviceId.value = id;
    events.value = undefined;
    error.value = undefined;
  }

  async function discover(): Promise<void> {
    const id = deviceId.value;
    if (!id) return;
    busy.value = true;
    error.value = undefined;
    try {
      const found = await workbench().discoverProfiles(id);
      if (deviceId.value === id) events.value = found;
    } catch (err) {
      const e = toApiCallError(err);
      if (deviceId.value === id) error.value = { message: e.message, hint: e.hint };
    } finally {
      busy.value = false;
    }
  }

  return { deviceId, events, busy, error, reset, discover };
});
