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
}

/** Banner messages: implementation notices, failed calls, results that were not ok. */
export const useNoticesStore = defineStore('notices', () => {
  const items = ref<Notice[]>([]);
  let nextId = 1;

  function push(notice: Omit<Notice, 'id'>): void {
    // The same message twice in a row is one banner, not a stack.
    const last = items.value.at(-1);
    if (last && last.message === notice.message && last.level === notice.level) return;
    items.value = [...items.value, { ...notice, id: nextId++ }].slice(-6);
  }

  function reportError(err: unknown, context?: string): void {
    const e = toApiCallError(err);
    push({ level: 'error', message: context ? `${context}: ${e.message}` : e.message, hint: e.hint || undefined, code: e.code });
  }

  function dismiss(id: number): void {
    items.value = items.value.filter((n) => n.id !== id);
  }

  return { items, push, reportError, dismiss };
});
