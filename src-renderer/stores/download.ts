import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { DownloadRequest, DownloadStep, OperationPrompt, OperationResult, ProfilePreview, WorkbenchEvent } from '../../shared/api.js';
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

/** A notice the implementation sent about the device while this window's download ran. */
export interface OperationNotice {
  readonly level: 'info' | 'warning';
  readonly message: string;
}

/** The download dialog: one operation at a time from this window. */
export const useDownloadStore = defineStore('download', () => {
  const open = ref(false);
  const phase = ref<Phase>('form');
  /** The activation code field: typed, pasted, or filled from a demo order or a discovered event. */
  const codeInput = ref('');
  const deviceId = ref<string>();
  const operationId = ref<string>();
  const step = ref<string>();
  const percent = ref(0);
  const message = ref('');
  const prompt = ref<OperationPrompt>();
  const result = ref<OperationResult>();
  const startError = ref<{ message: string; hint: string }>();
  const notices = ref<OperationNotice[]>([]);
  /** Confirmation codes answered in this operation: a new code prompt after one means it was refused. */
  const codesAnswered = ref(0);
  /** Operation events that arrived before startDownload replied with the id (the bridge may reorder them). */
  let early: WorkbenchEvent[] = [];

  const stepIndex = computed(() => DOWNLOAD_STEPS.findIndex((s) => s.step === step.value));
  /** What the user consented to: named in the result. */
  const preview = ref<ProfilePreview>();
  /**
   * The whole download in percent, from the step reached; an event's `percent` is how far the current
   * step is (it matters for the long profile installation).
   */
  const overallPercent = computed(() => {
    if (result.value?.status === 'succeeded') return 100;
    const index = Math.max(stepIndex.value, 0);
    return Math.round(((index + percent.value / 100) / (DOWNLOAD_STEPS.length - 1)) * 100);
  });

  /** Opens the dialog (or brings back the running download); `activationCode` fills the form. */
  function show(device: string, activationCode?: string): void {
    open.value = true;
    if (phase.value === 'running') return;
    reset();
    deviceId.value = device;
    if (activationCode !== undefined) codeInput.value = activationCode;
  }

  function reset(): void {
    phase.value = 'form';
    operationId.value = undefined;
    step.value = undefined;
    percent.value = 0;
    message.value = '';
    prompt.value = undefined;
    preview.value = undefined;
    result.value = undefined;
    startError.value = undefined;
    notices.value = [];
    codesAnswered.value = 0;
  }

  async function start(request: DownloadRequest): Promise<void> {
    const device = deviceId.value;
    if (!device) return;
    startError.value = undefined;
    try {
      phase.value = 'running';
      message.value = 'Starting…';
      early = [];
      const started = await workbench().startDownload(device, request);
      operationId.value = started.operationId;
      for (const event of early.splice(0)) onEvent(event);
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
    if ('code' in value) codesAnswered.value++;
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
    if (phase.value !== 'finished') return;
    if (result.value?.status === 'succeeded') codeInput.value = ''; // that code is used up
    reset();
  }

  /**
   * Keeps notices about the device of the running download for the dialog (the banner is behind it);
   * true when taken.
   */
  function takeNotice(event: Extract<WorkbenchEvent, { type: 'notice' }>): boolean {
    if (phase.value !== 'running' || event.deviceId === undefined || event.deviceId !== deviceId.value) return false;
    notices.value = [...notices.value, { level: event.level, message: event.message }];
    return true;
  }

  /** Applies events of this window's operation; others (CLI, another window) are ignored here. */
  function onEvent(event: WorkbenchEvent): void {
    if (phase.value === 'running' && operationId.value === undefined) {
      early.push(event);
      return;
    }
    if (event.type === 'operation-progress' && event.operationId === operationId.value) {
      if (event.step !== step.value) percent.value = 0;
      step.value = event.step;
      percent.value = Math.min(100, Math.max(0, event.percent ?? percent.value));
      message.value = event.message;
    } else if (event.type === 'operation-prompt' && event.operationId === operationId.value) {
      prompt.value = event.prompt;
      if (event.prompt.kind === 'consent') preview.value = event.prompt.preview;
    } else if (event.type === 'operation-finished' && event.result.operationId === operationId.value) {
      result.value = event.result;
      prompt.value = undefined;
      phase.value = 'finished';
      void useCardStore().reloadProfiles();
      void useNotificationsStore().load(deviceId.value);
    }
  }

  return {
    open,
    phase,
    codeInput,
    deviceId,
    operationId,
    step,
    stepIndex,
    overallPercent,
    preview,
    message,
    prompt,
    result,
    startError,
    notices,
    codesAnswered,
    show,
    start,
    answer,
    cancel,
    close,
    takeNotice,
    onEvent,
  };
});
