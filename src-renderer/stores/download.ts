import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { DownloadRequest, DownloadStep, OperationPrompt, OperationResult, WorkbenchEvent } from '../../shared/api.js';
import { workbench } from '../api/instance.js';
import { toApiCallError } from '../api/errors.js';
import { useCardStore } from './card.js';
import { useNotificationsStore } from './notifications.js';

/** Steps shown in the progress list, in order, with their labels (SGP22-DIGEST §3.2). */
export const DOWNLOAD_STEPS: ReadonlyArray<{ readonly step: DownloadStep; readonly label: string }> = [
  { step: 'authenticate-server', label: 'Authenticate server' },
  { step: 'authenticate-client', label: 'Authenticate eUICC' },
  { step: 'consent', label: 'Consent' },
  { step: 'prepare-download', label: 'Prepare download' },
  { step: 'get-bound-profile-package', label: 'Fetch profile package' },
  { step: 'load-bound-profile-package', label: 'Install on eUICC' },
  { step: 'send-notifications', label: 'Send notifications' },
  { step: 'done', label: 'Done' },
];

type Phase = 'form' | 'running' | 'finished';

/** The download dialog: one operation at a time from this window. */
export const useDownloadStore = defineStore('download', () => {
  const open = ref(false);
  const phase = ref<Phase>('form');
  const deviceId = ref<string>();
  const operationId = ref<string>();
  const step = ref<string>();
  const percent = ref(0);
  const message = ref('');
  const prompt = ref<OperationPrompt>();
  const result = ref<OperationResult>();
  const startError = ref<{ message: string; hint: string }>();

  const stepIndex = computed(() => DOWNLOAD_STEPS.findIndex((s) => s.step === step.value));

  function show(device: string): void {
    if (phase.value === 'running') {
      open.value = true;
      return;
    }
    reset();
    deviceId.value = device;
    open.value = true;
  }

  function reset(): void {
    phase.value = 'form';
    operationId.value = undefined;
    step.value = undefined;
    percent.value = 0;
    message.value = '';
    prompt.value = undefined;
    result.value = undefined;
    startError.value = undefined;
  }

  async function start(request: DownloadRequest): Promise<void> {
    const device = deviceId.value;
    if (!device) return;
    startError.value = undefined;
    try {
      phase.value = 'running';
      message.value = 'Starting…';
      const started = await workbench().startDownload(device, request);
      operationId.value = started.operationId;
    } catch (err) {
      const e = toApiCallError(err);
      phase.value = 'form';
      startError.value = { message: e.message, hint: e.hint };
    }
  }

  async function answer(value: { accept: boolean } | { code: string }): Promise<void> {
    const current = prompt.value;
    const id = operationId.value;
    if (!current || !id) return;
    prompt.value = undefined;
    try {
      await workbench().answerPrompt(
        id,
        'code' in value
          ? { promptId: current.promptId, kind: 'confirmation-code', code: value.code }
          : { promptId: current.promptId, kind: 'consent', accept: value.accept },
      );
    } catch (err) {
      const e = toApiCallError(err);
      message.value = `${e.message} ${e.hint}`.trim();
    }
  }

  async function cancel(): Promise<void> {
    const id = operationId.value;
    if (phase.value !== 'running' || !id) return;
    message.value = 'Cancelling…';
    try {
      await workbench().cancelOperation(id);
    } catch (err) {
      message.value = toApiCallError(err).message;
    }
  }

  function close(): void {
    open.value = false;
    if (phase.value === 'finished') reset();
  }

  /** Applies events of this window's operation; others (CLI, another window) are ignored here. */
  function onEvent(event: WorkbenchEvent): void {
    if (event.type === 'operation-progress' && event.operationId === operationId.value) {
      step.value = event.step;
      percent.value = event.percent ?? percent.value;
      message.value = event.message;
    } else if (event.type === 'operation-prompt' && event.operationId === operationId.value) {
      prompt.value = event.prompt;
    } else if (event.type === 'operation-finished' && event.result.operationId === operationId.value) {
      result.value = event.result;
      prompt.value = undefined;
      phase.value = 'finished';
      if (event.result.status === 'succeeded') percent.value = 100;
      void useCardStore().reloadProfiles();
      void useNotificationsStore().load(deviceId.value);
    }
  }

  return { open, phase, deviceId, operationId, step, stepIndex, percent, message, prompt, result, startError, show, start, answer, cancel, close, onEvent };
});
