/**
 * A small in-memory WorkbenchApi for front-end tests (IPC, web shell, e2e). It behaves plausibly —
 * enabling a profile disables the other one, downloads step through progress events and a consent
 * prompt, calls append APDU log rows — but it knows nothing about real cards.
 */
import type {
  ApduLogRow,
  CardInfo,
  DecodeResult,
  DeviceSummary,
  DiagModemProbe,
  DiscoveredEvent,
  DiagnosticReport,
  DownloadRequest,
  EnvironmentInfo,
  NotificationSummary,
  OperationPrompt,
  OperationResult,
  ProfileOpResult,
  ProfileRef,
  ProfileSummary,
  PromptAnswer,
  VersionInfo,
  WorkbenchApi,
  WorkbenchEvent,
} from '../../shared/api.js';
import { WorkbenchError } from '../../shared/errors.js';
import { analyzeAtr, analyzeTrace, probeDevice, renderDiagnosticReport } from '../../src-main/services/diagnostics.js';
import { virtualProbeTransport } from './diag-probe.js';
import { TEST_PROFILE } from './sim-card.js';

export const FAKE_VIRTUAL_ID = 'virtual:default';
export const FAKE_QMI_ID = 'qmi:/dev/cdc-wdm0';
export const FAKE_PCSC_ID = 'pcsc:ACS ACR39U 00 00';

export const FAKE_DEVICES: readonly DeviceSummary[] = [
  { id: FAKE_VIRTUAL_ID, kind: 'virtual', label: 'Virtual eUICC', status: 'present', cardType: 'euicc', accessMode: 'virtual' },
  {
    id: FAKE_QMI_ID,
    kind: 'qmi',
    label: 'Sierra EM7455 (cdc-wdm0)',
    status: 'present',
    cardType: 'euicc',
    accessMode: 'sap',
    reason: 'Modem refuses the blank eUICC; using QMI SAP.',
  },
  { id: FAKE_PCSC_ID, kind: 'pcsc', label: 'ACS ACR39U 00 00', status: 'absent', reason: 'No card in the reader.' },
];

/** Events the fake SM-DS has for every eUICC (`discoverProfiles`). */
export const FAKE_EVENTS: readonly DiscoveredEvent[] = [
  { eventId: 'EVT-0001', smdpAddress: 'smdp.example.com', activationCode: 'LPA:1$smdp.example.com$EVT-0001' },
  { eventId: 'EVT-0002', smdpAddress: 'smdp2.example.com', activationCode: 'LPA:1$smdp2.example.com$EVT-0002' },
];

/** 1×1 PNG, enough to exercise icon rendering. */
const TINY_ICON =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

function initialProfiles(): ProfileSummary[] {
  return [
    {
      iccid: '8944476500001224158',
      isdpAid: 'A0000005591010FFFFFFFF8900001000',
      state: 'enabled',
      serviceProviderName: 'Test Operator',
      profileName: 'Operational 1',
      profileClass: 'operational',
      nickname: 'Work',
      policyRules: [],
      owner: { mccMnc: '00101' },
    },
    {
      iccid: '8944476500001224166',
      isdpAid: 'A0000005591010FFFFFFFF8900001100',
      state: 'disabled',
      serviceProviderName: 'Travel Data',
      profileName: 'Roaming 5 GB',
      profileClass: 'operational',
      icon: TINY_ICON,
      policyRules: ['ppr2'],
    },
  ];
}

const SEED_APDUS: ReadonlyArray<Omit<ApduLogRow, 'seq' | 'time' | 'deviceId'>> = [
  { durationMs: 3, channel: 0, command: '01A4040410A0000005591010FFFFFFFF8900000100', response: '', sw: '9000', swMeaning: 'OK', annotation: 'SELECT ISD-R' },
  { durationMs: 5, channel: 1, command: '81E2910003BF2000', response: 'BF20118203020200A9', sw: '9000', swMeaning: 'OK', annotation: 'GetEuiccInfo1' },
  { durationMs: 7, channel: 1, command: '81E2910003BF2D00', response: 'BF2D00', sw: '6A88', swMeaning: 'Referenced data not found', annotation: 'GetProfilesInfo' },
];

export interface FakeWorkbench extends WorkbenchApi {
  /** Every call as `[method, args]`, in order. */
  readonly calls: Array<[string, unknown[]]>;
  /** Pushes an event to subscribers, as the implementation would. */
  emit(event: WorkbenchEvent): void;
  /** How many subscribers are attached (bridges must unsubscribe when a client leaves). */
  subscriberCount(): number;
}

interface FakeOperation {
  readonly id: string;
  readonly deviceId: string;
  result?: OperationResult;
  answer?: (answer: PromptAnswer | 'cancel') => void;
  readonly waiters: Array<(result: OperationResult) => void>;
}

const DOWNLOAD_STEPS = [
  ['authenticate-server', 'Authenticating the SM-DP+'],
  ['authenticate-client', 'Authenticating the eUICC'],
  ['consent', 'Waiting for your consent'],
  ['prepare-download', 'Preparing the download'],
  ['get-bound-profile-package', 'Fetching the bound profile package'],
  ['load-bound-profile-package', 'Installing the profile'],
  ['send-notifications', 'Sending the install notification'],
] as const;

/** What the QMI side of the fake EM7455 reports for its blank eUICC (the card part of its probe is real). */
const FAKE_QMI_MODEM: DiagModemProbe = {
  kind: 'qmi',
  label: '/dev/cdc-wdm0',
  available: true,
  facts: [
    { label: 'Card status (slot 1)', value: 'present; applications: none', meaning: 'a card is present but the modem found no usable application (a blank eUICC looks like this)' },
    { label: 'Physical slot', value: 'slot 1: card present, active as logical slot 1, ICCID none, eUICC' },
    { label: 'QMI UIM SAP', value: 'not tried', meaning: 'connecting SAP takes the card from the modem; opening the card uses it when logical channels are refused' },
  ],
  access: [
    { method: 'QMI Open Logical Channel (ISD-R)', works: false, detail: 'The modem refused to open a logical channel: AccessDenied (82)' },
  ],
  recommendation: { transport: 'qmi-sap', reason: 'The modem refuses logical channels to the profile-less eUICC; QMI UIM SAP still gives raw access to the card.', nextStep: 'Open the card through QMI UIM SAP.' },
  transcript: ['> UIM Get Card Status', '< Get Card Status: ok', '> UIM Open Logical Channel (ISD-R)', '< Open Logical Channel: AccessDenied (82)'],
};

/**
 * A real probe of a virtual card standing in for the device: the blank eUICC behind the fake QMI modem
 * (reached through "SAP"), the test profile in the virtual eUICC.
 */
async function fakeProbe(deviceId: string, summary: DeviceSummary): Promise<DiagnosticReport> {
  const qmi = deviceId === FAKE_QMI_ID;
  const transport = virtualProbeTransport(qmi ? undefined : { ...TEST_PROFILE, pin1Enabled: false }, qmi ? { id: 'qmi:/dev/cdc-wdm0:1', label: 'cdc-wdm0 slot 1 (QMI UIM SAP)', kind: 'qmi' } : undefined);
  const notices = qmi ? ['logical channels refused by the modem (blank eUICC): using QMI UIM SAP'] : [];
  const report = await probeDevice(deviceId, {
    open: async () => ({ transport, notices, accessMode: summary.accessMode ?? 'virtual' }),
    describe: async () => summary,
    modemOf: () => undefined,
  });
  if (!qmi || !report.probe) return report;
  return { ...report, probe: { ...report.probe, modems: [FAKE_QMI_MODEM] } };
}

export interface FakeWorkbenchOptions {
  /** Downloads ask for this confirmation code (unless the request carries it) before the consent. */
  readonly confirmationCode?: string;
  /** More devices after FAKE_DEVICES (a provisioning bench); present ones take downloads like the others. */
  readonly extraDevices?: readonly DeviceSummary[];
}

export function createFakeWorkbench(options: FakeWorkbenchOptions = {}): FakeWorkbench {
  const listeners = new Set<(event: WorkbenchEvent) => void>();
  const calls: Array<[string, unknown[]]> = [];
  const profiles = new Map<string, ProfileSummary[]>([[FAKE_VIRTUAL_ID, initialProfiles()], [FAKE_QMI_ID, []]]);
  const notifications = new Map<string, NotificationSummary[]>([
    [FAKE_VIRTUAL_ID, [{ seqNumber: 7, event: 'install', address: 'smdp.example.com', iccid: '8944476500001224158', where: 'card' }]],
    [FAKE_QMI_ID, []],
  ]);
  const apduLog: ApduLogRow[] = [];
  const operations = new Map<string, FakeOperation>();
  let nextSeq = 1;
  let nextOperation = 1;

  const emit = (event: WorkbenchEvent) => {
    for (const listener of listeners) listener(event);
  };
  const logApdu = (deviceId: string, row: Omit<ApduLogRow, 'seq' | 'time' | 'deviceId'>) => {
    const full: ApduLogRow = { ...row, seq: nextSeq++, time: new Date(Date.UTC(2025, 0, 1, 12, 0, nextSeq)).toISOString(), deviceId };
    apduLog.push(full);
    emit({ type: 'apdu', row: full });
  };
  for (const row of SEED_APDUS) logApdu(FAKE_VIRTUAL_ID, row);

  const record = (method: string, args: unknown[]) => calls.push([method, args]);
  const devices = [...FAKE_DEVICES, ...(options.extraDevices ?? [])];
  const device = (deviceId: string): DeviceSummary => {
    const found = devices.find((d) => d.id === deviceId);
    if (!found) throw new WorkbenchError('DEVICE_NOT_FOUND', `No device "${deviceId}".`, 'Refresh the device list.', { details: { deviceId } });
    if (found.status !== 'present') throw new WorkbenchError('DEVICE_NO_CARD', `${found.label} has no card.`, 'Insert a card and refresh.');
    return found;
  };
  const profilesOf = (deviceId: string): ProfileSummary[] => {
    device(deviceId);
    return profiles.get(deviceId) ?? [];
  };
  const find = (deviceId: string, ref: ProfileRef): ProfileSummary => {
    const found = profilesOf(deviceId).find((p) => ('iccid' in ref ? p.iccid === ref.iccid : p.isdpAid === ref.isdpAid));
    if (!found) throw new WorkbenchError('ES10_PROFILE_NOT_FOUND', 'No such profile on the card.', 'Refresh the profile list.');
    return found;
  };
  const replace = (deviceId: string, iccid: string, change: Partial<ProfileSummary>) => {
    profiles.set(deviceId, profilesOf(deviceId).map((p) => (p.iccid === iccid ? { ...p, ...change } : p)));
  };
  const ok = (result = 'ok'): ProfileOpResult => ({ ok: true, result, message: 'Done.' });
  const fail = (result: string, message: string, hint: string): ProfileOpResult => ({ ok: false, result, message, hint });
  const finish = (op: FakeOperation, result: OperationResult) => {
    op.result = result;
    emit({ type: 'operation-finished', result });
    for (const waiter of op.waiters.splice(0)) waiter(result);
  };
  const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 20));

  /** Emits a prompt of `op` and waits for its answer (or the cancellation). */
  async function askPrompt(op: FakeOperation, prompt: OperationPrompt): Promise<PromptAnswer | 'cancel'> {
    const answer = await new Promise<PromptAnswer | 'cancel'>((resolve) => {
      op.answer = resolve;
      emit({ type: 'operation-prompt', operationId: op.id, prompt });
    });
    op.answer = undefined;
    return answer;
  }

  async function runDownload(op: FakeOperation, request: DownloadRequest): Promise<void> {
    const iccid = `89444765000012${String(2000 + nextOperation).padStart(5, '0')}`;
    const smdpAddress = request.activationCode?.split('$')[1] ?? request.smdpAddress ?? 'smdp.example.com';
    for (const [index, [step, message]] of DOWNLOAD_STEPS.entries()) {
      await tick();
      if (op.result) return;
      emit({ type: 'operation-progress', operationId: op.id, deviceId: op.deviceId, step, percent: Math.round((index / DOWNLOAD_STEPS.length) * 100), message });
      if (step === 'authenticate-client' && options.confirmationCode !== undefined && request.confirmationCode !== options.confirmationCode) {
        // Asks for the code until it is right; three wrong answers fail the download.
        for (let wrong = 0; ; wrong++) {
          const answer = await askPrompt(op, { kind: 'confirmation-code', promptId: `${op.id}-cc-${wrong}`, ...(wrong === 0 ? {} : { attemptsLeft: 3 - wrong }) });
          if (answer === 'cancel') return finish(op, { operationId: op.id, status: 'cancelled' });
          if (answer.kind === 'confirmation-code' && answer.code === options.confirmationCode) break;
          if (wrong === 2) {
            const error = { code: 'RSP_CONFIRMATION_CODE_WRONG', message: 'The confirmation code is wrong.', hint: 'Ask the operator for the right code.', details: {} };
            return finish(op, { operationId: op.id, status: 'failed', error });
          }
        }
      }
      if (step === 'consent' && !request.autoConsent) {
        const answer = await askPrompt(op, {
          kind: 'consent',
          promptId: `${op.id}-consent`,
          timeoutMs: 60_000,
          preview: { iccid, serviceProviderName: 'Demo Mobile', profileName: 'Demo 1 GB', profileClass: 'operational', icon: TINY_ICON, policyRules: ['ppr1'], smdpAddress },
        });
        if (answer === 'cancel' || (answer.kind === 'consent' && !answer.accept)) {
          return finish(op, { operationId: op.id, status: 'cancelled' });
        }
      }
      if (step === 'load-bound-profile-package') {
        logApdu(op.deviceId, { durationMs: 40, channel: 1, command: '81E2910000', response: 'BF3700', sw: '9000', swMeaning: 'OK', annotation: 'LoadBoundProfilePackage' });
      }
    }
    profiles.set(op.deviceId, [
      ...profilesOf(op.deviceId),
      { iccid, state: request.enableAfterInstall ? 'enabled' : 'disabled', serviceProviderName: 'Demo Mobile', profileName: 'Demo 1 GB', profileClass: 'operational', policyRules: ['ppr1'] },
    ]);
    emit({ type: 'operation-progress', operationId: op.id, deviceId: op.deviceId, step: 'done', percent: 100, message: 'Profile installed' });
    finish(op, { operationId: op.id, status: 'succeeded', iccid, notificationsSent: 1 });
  }

  const api: FakeWorkbench = {
    calls,
    emit,
    subscriberCount: () => listeners.size,
    async version(): Promise<VersionInfo> {
      record('version', []);
      return { app: 'eSIM Workbench', version: '0.1.0-fake', node: process.versions.node, platform: process.platform, sgp22: '2.5.0' };
    },
    async listDevices() {
      record('listDevices', []);
      return [...devices];
    },
    async getCardInfo(deviceId): Promise<CardInfo> {
      record('getCardInfo', [deviceId]);
      device(deviceId);
      return {
        deviceId,
        eid: deviceId === FAKE_VIRTUAL_ID ? '89049032123451234512345678901235' : '89033023426200000000001234567890',
        svn: '2.2.2',
        profileVersion: '2.3.1',
        firmwareVersion: '1.0.0',
        freeNvMemory: 412_672,
        freeVolatileMemory: 9_216,
        ciPkIdsForVerification: ['F54172BDF98A95D65CBEB88A38A1C11D800A85C3'],
        ciPkIdsForSigning: ['F54172BDF98A95D65CBEB88A38A1C11D800A85C3'],
        rspCapabilities: ['additionalProfile', 'testProfileSupport'],
        uiccCapabilities: ['usim', 'isim'],
        euiccCategory: 'other',
        defaultDpAddress: 'smdp.example.com',
        rootDsAddress: 'lpa.ds.gsma.com',
      };
    },
    async listProfiles(deviceId) {
      record('listProfiles', [deviceId]);
      return [...profilesOf(deviceId)];
    },
    async enableProfile(deviceId, ref, options) {
      record('enableProfile', [deviceId, ref, options]);
      const target = find(deviceId, ref);
      if (target.state === 'enabled') return fail('profileNotInDisabledState', 'The profile is already enabled.', 'Nothing to do.');
      for (const p of profilesOf(deviceId)) if (p.state === 'enabled') replace(deviceId, p.iccid, { state: 'disabled' });
      replace(deviceId, target.iccid, { state: 'enabled' });
      logApdu(deviceId, { durationMs: 12, channel: 1, command: '81E2910011BF310FA00C5A0A98444756000021421566810100', response: 'BF3103800100', sw: '9000', swMeaning: 'OK', annotation: 'EnableProfile' });
      return ok();
    },
    async disableProfile(deviceId, ref, options) {
      record('disableProfile', [deviceId, ref, options]);
      const target = find(deviceId, ref);
      if (target.state === 'disabled') return fail('profileNotInEnabledState', 'The profile is already disabled.', 'Nothing to do.');
      replace(deviceId, target.iccid, { state: 'disabled' });
      logApdu(deviceId, { durationMs: 11, channel: 1, command: '81E2910014BF32', response: 'BF3203800100', sw: '9000', swMeaning: 'OK', annotation: 'DisableProfile' });
      return ok();
    },
    async deleteProfile(deviceId, ref) {
      record('deleteProfile', [deviceId, ref]);
      const target = find(deviceId, ref);
      if (target.state === 'enabled') return fail('profileNotInDisabledState', 'An enabled profile cannot be deleted.', 'Disable it first.');
      profiles.set(deviceId, profilesOf(deviceId).filter((p) => p.iccid !== target.iccid));
      return ok();
    },
    async setNickname(deviceId, iccid, nickname) {
      record('setNickname', [deviceId, iccid, nickname]);
      find(deviceId, { iccid });
      replace(deviceId, iccid, { nickname: nickname === '' ? undefined : nickname });
      return ok();
    },
    async setDefaultDpAddress(deviceId, address) {
      record('setDefaultDpAddress', [deviceId, address]);
      device(deviceId);
      return ok();
    },
    async startDownload(deviceId, request) {
      record('startDownload', [deviceId, { ...request, confirmationCode: request.confirmationCode ? '<redacted>' : undefined }]);
      device(deviceId);
      if (!request.activationCode?.startsWith('LPA:1$') && !request.smdpAddress) {
        throw new WorkbenchError('RSP_BAD_ACTIVATION_CODE', 'That is not an activation code.', 'It starts with "LPA:1$", as printed under the QR code.');
      }
      const op: FakeOperation = { id: `op-${nextOperation++}`, deviceId, waiters: [] };
      operations.set(op.id, op);
      void runDownload(op, request);
      return { operationId: op.id };
    },
    async answerPrompt(operationId, answer) {
      record('answerPrompt', [operationId, answer]);
      const op = operations.get(operationId);
      if (!op?.answer) throw new WorkbenchError('OPERATION_NO_PROMPT', 'That operation is not waiting for an answer.', 'Check the operation list.');
      op.answer(answer);
    },
    async cancelOperation(operationId) {
      record('cancelOperation', [operationId]);
      const op = operations.get(operationId);
      if (!op || op.result) return;
      if (op.answer) op.answer('cancel');
      else finish(op, { operationId, status: 'cancelled' });
    },
    async waitForOperation(operationId) {
      record('waitForOperation', [operationId]);
      const op = operations.get(operationId);
      if (!op) throw new WorkbenchError('OPERATION_NOT_FOUND', `No operation "${operationId}".`, 'It may have ended long ago.');
      return op.result ?? new Promise<OperationResult>((resolve) => op.waiters.push(resolve));
    },
    async listNotifications(deviceId) {
      record('listNotifications', [deviceId]);
      device(deviceId);
      return [...(notifications.get(deviceId) ?? [])];
    },
    async processNotifications(deviceId, seqNumbers) {
      record('processNotifications', [deviceId, seqNumbers]);
      const pending = notifications.get(deviceId) ?? [];
      const sent = pending.filter((n) => !seqNumbers || seqNumbers.includes(n.seqNumber));
      notifications.set(deviceId, pending.filter((n) => !sent.includes(n)));
      return { sent: sent.length, failed: 0 };
    },
    async removeNotification(deviceId, seqNumber) {
      record('removeNotification', [deviceId, seqNumber]);
      notifications.set(deviceId, (notifications.get(deviceId) ?? []).filter((n) => n.seqNumber !== seqNumber));
    },
    async getApduLog(afterSeq) {
      record('getApduLog', [afterSeq]);
      return apduLog.filter((row) => afterSeq === undefined || row.seq > afterSeq);
    },
    async clearApduLog() {
      record('clearApduLog', []);
      apduLog.length = 0;
    },
    async decode(hex): Promise<DecodeResult> {
      record('decode', [hex]);
      const clean = hex.replace(/0x|\s/gi, '').toUpperCase();
      return { nodes: [{ tag: clean.slice(0, 2), name: 'unknown', offset: 0, length: clean.length / 2 - 2, hex: clean }], text: clean };
    },
    async discoverProfiles(deviceId, options) {
      record('discoverProfiles', [deviceId, options]);
      device(deviceId);
      return FAKE_EVENTS.map((e) => ({ ...e }));
    },
    async environment(): Promise<EnvironmentInfo> {
      record('environment', []);
      return {
        dataDir: '/home/tech/.local/share/esim-workbench',
        virtualEuicc: { deviceId: FAKE_VIRTUAL_ID, eid: '89049032123451234512345678901235' },
        testSmdp: { address: 'testsmdpplus1.example.com:8443', activationCodes: ['LPA:1$testsmdpplus1.example.com:8443$EWB-TEST-0001'] },
        insecureTls: false,
      };
    },
    async analyzeAtr(hex) {
      record('analyzeAtr', [hex]);
      return analyzeAtr(hex);
    },
    async analyzeTrace(text) {
      record('analyzeTrace', [text]);
      return analyzeTrace(text);
    },
    async probeDevice(deviceId) {
      record('probeDevice', [deviceId]);
      const id = deviceId ?? FAKE_VIRTUAL_ID;
      return fakeProbe(id, device(id));
    },
    async renderDiagnosticReport(report, format) {
      record('renderDiagnosticReport', [report.kind, format]);
      return renderDiagnosticReport(report, format);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
  return api;
}
