import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { CardInfo, ProfileOpResult, ProfileSummary } from '../../shared/api.js';
import { workbench } from '../api/instance.js';
import { useNoticesStore } from './notices.js';
import { useNotificationsStore } from './notifications.js';

export type ProfileAction = 'enable' | 'disable' | 'delete';

/** The selected device's eUICC: identity and installed profiles. */
export const useCardStore = defineStore('card', () => {
  const deviceId = ref<string>();
  const info = ref<CardInfo>();
  const profiles = ref<ProfileSummary[]>([]);
  const loading = ref(false);
  const busyIccid = ref<string>();
  const error = ref<string>();

  async function load(id: string | undefined): Promise<void> {
    deviceId.value = id;
    info.value = undefined;
    profiles.value = [];
    error.value = undefined;
    if (!id) return;
    loading.value = true;
    try {
      const [cardInfo, list] = await Promise.all([workbench().getCardInfo(id), workbench().listProfiles(id)]);
      if (deviceId.value !== id) return; // the user picked another device meanwhile
      info.value = cardInfo;
      profiles.value = list;
    } catch (err) {
      if (deviceId.value === id) error.value = err instanceof Error ? err.message : String(err);
    } finally {
      if (deviceId.value === id) loading.value = false;
    }
  }

  async function reloadProfiles(): Promise<void> {
    const id = deviceId.value;
    if (!id) return;
    try {
      const list = await workbench().listProfiles(id);
      if (deviceId.value === id) profiles.value = list;
    } catch (err) {
      useNoticesStore().reportError(err, 'Reading profiles failed');
    }
  }

  /** Runs one ES10c operation; a result that is not ok becomes a warning with the card's explanation. */
  async function runProfileOp(iccid: string, label: string, op: (id: string) => Promise<ProfileOpResult>): Promise<boolean> {
    const id = deviceId.value;
    if (!id) return false;
    busyIccid.value = iccid;
    try {
      const result = await op(id);
      if (!result.ok) useNoticesStore().push({ level: 'warning', message: `${label}: ${result.message} (${result.result})`, hint: result.hint, deviceId: id });
      return result.ok;
    } catch (err) {
      useNoticesStore().reportError(err, label);
      return false;
    } finally {
      busyIccid.value = undefined;
      // Enable, disable and delete leave a notification for the SM-DP+ on the card.
      await Promise.all([reloadProfiles(), useNotificationsStore().load(id)]);
    }
  }

  const profileAction = (iccid: string, action: ProfileAction) =>
    runProfileOp(iccid, `${action[0]?.toUpperCase()}${action.slice(1)} ${iccid}`, (id) => {
      const api = workbench();
      if (action === 'enable') return api.enableProfile(id, { iccid });
      if (action === 'disable') return api.disableProfile(id, { iccid });
      return api.deleteProfile(id, { iccid });
    });

  const setNickname = (iccid: string, nickname: string) =>
    runProfileOp(iccid, `Nickname of ${iccid}`, (id) => workbench().setNickname(id, iccid, nickname));

  async function setDefaultDpAddress(address: string): Promise<void> {
    const id = deviceId.value;
    if (!id) return;
    try {
      const result = await workbench().setDefaultDpAddress(id, address);
      if (!result.ok) useNoticesStore().push({ level: 'warning', message: `Default SM-DP+: ${result.message}`, hint: result.hint });
      info.value = await workbench().getCardInfo(id);
    } catch (err) {
      useNoticesStore().reportError(err, 'Setting the default SM-DP+ failed');
    }
  }

  return { deviceId, info, profiles, loading, busyIccid, error, load, reloadProfiles, profileAction, setNickname, setDefaultDpAddress };
});
