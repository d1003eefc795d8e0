import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { EnvironmentInfo } from '../../shared/api.js';
import { workbench } from '../api/instance.js';
import { useNoticesStore } from './notices.js';

/** What the workbench runs with: data directory, embedded virtual eUICC and test SM-DP+, TLS mode. */
export const useEnvironmentStore = defineStore('environment', () => {
  const info = ref<EnvironmentInfo>();

  /** Reads it again: the test SM-DP+ replaces demo orders once they are downloaded. */
  async function load(): Promise<void> {
    try {
      info.value = await workbench().environment();
    } catch (err) {
      useNoticesStore().reportError(err, 'Reading the workbench environment failed');
    }
  }

  return { info, load };
});
