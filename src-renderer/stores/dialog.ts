import { defineStore } from 'pinia';
import { ref } from 'vue';

export interface DialogRequest {
  readonly title: string;
  readonly message: string;
  readonly confirmLabel: string;
  readonly danger?: boolean;
  /** When set, the dialog asks for a text value (e.g. a nickname) starting with this. */
  readonly input?: { readonly label: string; readonly value: string; readonly maxLength?: number };
}

/** One modal confirmation at a time; `ask` resolves with the entered text (or '' ) or undefined on cancel. */
export const useDialogStore = defineStore('dialog', () => {
  const current = ref<DialogRequest>();
  let settle: ((value: string | undefined) => void) | undefined;

  function ask(request: DialogRequest): Promise<string | undefined> {
    settle?.(undefined);
    current.value = request;
    return new Promise((resolve) => {
      settle = resolve;
    });
  }

  function close(value: string | undefined): void {
    current.value = undefined;
    const done = settle;
    settle = undefined;
    done?.(value);
  }

  return { current, ask, close };
});
