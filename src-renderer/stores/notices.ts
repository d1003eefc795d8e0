import { defineStore } from 'pinia';
import { ref } from 'vue';
import { toApiCallError } from '../api/errors.js';

export interface Notice {
  readonly id: number;
  readonly level: 'info' | 'warning' | 'error';
  readonly message: string;
  readonly hint?: string;
  readonly deviceId?: string;
  readonly code?: string;
  /** A confirmation of the user's own action: goes away by itself. */
  readonly transient?: boolean;
}

const TRANSIENT_MS = 8000;

const sameKey = (n: Omit<Notice, 'id'>) => `${n.level}|${n.deviceId ?? ''}|${n.message}`;

/** Banner messages: implementation notices, failed calls, results that were not ok. */
export const useNoticesStore = defineStore('notices', () => {
  const items = ref<Notice[]>([]);
  /** Info notices the user dismissed: a transport repeats them on every card access (e.g. "using QMI UIM SAP"). */
  const dismissedInfo = new Set<string>();
  let nextId = 1;

  function push(notice: Omit<Notice, 'id'>): void {
    const key = sameKey(notice);
    if (notice.level === 'info' && dismissedInfo.has(key)) return;
    // A message already shown is one banner, not a stack.
    if (items.value.some((n) => sameKey(n) === key)) return;
    const id = nextId++;
    items.value = [...items.value, { ...notice, id }].slice(-6);
    if (notice.transient) setTimeout(() => dismiss(id), TRANSIENT_MS);
  }

  function reportError(err: unknown, context?: string): void {
    const e = toApiCallError(err);
    push({ level: 'error', message: context ? `${context}: ${e.message}` : e.message, hint: e.hint || undefined, code: e.code });
  }

  function dismiss(id: number): void {
    const notice = items.value.find((n) => n.id === id);
    if (notice?.level === 'info' && !notice.transient) dismissedInfo.add(sameKey(notice));
    items.value = items.value.filter((n) => n.id !== id);
  }

  return { items, push, reportError, dismiss };
});
