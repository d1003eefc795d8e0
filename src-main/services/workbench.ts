/**
 * The one WorkbenchApi implementation (ARCHITECTURE.md §1 "services"): device manager, per-card lock,
 * operations with progress and cancellation, the APDU log store. Electron, the web shell and the CLI
 * are thin adapters over the object `createWorkbench()` returns.
 */
import type {
  ApduLogRow,
  CardInfo,
  DecodeResult,
  DeviceSummary,
  DiagReportFormat,
  DiagnosticReport,
  DiscoveredEvent,
  DownloadRequest,
  EnvironmentInfo,
  NotificationSummary,
  OperationResult,
  ProfileOpResult,
  ProfileRef,
  ProfileSummary,
  PromptAnswer,
  RenderedDiagReport,
  Unsubscribe,
  VersionInfo,
  WorkbenchApi,
  WorkbenchEvent,
} from '../../shared/api.js';
import { hexFromLogText } from '../../shared/hex.js';
import { parseCommandApdu } from '../card/apdu.js';
import { ApduLog, type ApduLogEntry } from '../card/apdu-log.js';
import { CardSession } from '../card/card-session.js';
import { describe, formatDescribed } from '../codec/describe.js';
import type { Es10Client } from '../euicc/es10-client.js';
import type { Es10Result } from '../euicc/es10-results.js';
import { withEs10 } from '../euicc/es10-session.js';
import { PROFILE_SUMMARY_FIELDS, toCardInfo, toProfileSummary } from '../euicc/summaries.js';
import { SGP22_VERSION, packageInfo } from './app-info.js';
import { CardLock } from './card-lock.js';
import { analyzeAtr, analyzeTrace, probeDevice, renderDiagnosticReport } from './diagnostics.js';
import { DeviceManager, type DeviceProvider, type OpenedDevice } from './devices.js';
import { EventBus } from './event-bus.js';
import { OperationRegistry } from './operations.js';

/** What a workbench is built from. Front ends call {@link createWorkbench}; tests pass their own providers. */
export interface WorkbenchParts {
  readonly providers: readonly DeviceProvider[];
  /** STORE DATA segment size (default 255; 120 for modems that fail long APDUs). */
  readonly storeDataSegmentSize?: number;
  /** Custom ISD-R AID for non-standard eSIM adapters. */
  readonly isdrAid?: string;
  readonly apduLogCapacity?: number;
  /** Download/notification features, attached by the rsp wiring. */
  readonly rsp?: RspFeatures;
  /** What environment() reports (data dir, embedded virtual devices). */
  readonly environment?: () => Promise<EnvironmentInfo>;
  /** Extra teardown (servers started for the embedded default). */
  readonly onClose?: () => Promise<void>;
}

/** The download and notification half of the API, implemented in the rsp wiring (services/rsp.ts). */
export interface RspFeatures {
  startDownload(wb: Workbench, deviceId: string, request: DownloadRequest): Promise<{ operationId: string }>;
  listNotifications(wb: Workbench, deviceId: string): Promise<NotificationSummary[]>;
  processNotifications(wb: Workbench, deviceId: string, seqNumbers?: readonly number[]): Promise<{ sent: number; failed: number }>;
  removeNotification(wb: Workbench, deviceId: string, seqNumber: number): Promise<void>;
  discoverProfiles(wb: Workbench, deviceId: string, options?: { smdsAddress?: string }): Promise<DiscoveredEvent[]>;
}

export class Workbench implements WorkbenchApi {
  readonly events = new EventBus();
  readonly operations = new OperationRegistry(this.events);
  readonly apduLog: ApduLog;
  readonly devices: DeviceManager;
  readonly #lock = new CardLock();
  readonly #parts: WorkbenchParts;
  readonly #unsubscribeLog: Unsubscribe;

  constructor(parts: WorkbenchParts) {
    this.#parts = parts;
    this.devices = new DeviceManager(parts.providers);
    this.apduLog = new ApduLog({ capacity: parts.apduLogCapacity ?? 5000 });
    this.#unsubscribeLog = this.apduLog.onEntry((entry) => this.events.emit({ type: 'apdu', row: toApduRow(entry) }));
  }

  async version(): Promise<VersionInfo> {
    const pkg = packageInfo();
    const electron = process.versions.electron;
    return {
      app: 'eSIM Workbench',
      version: pkg.version,
      node: process.versions.node,
      ...(electron === undefined ? {} : { electron }),
      platform: `${process.platform} ${process.arch}`,
      sgp22: SGP22_VERSION,
    };
  }

  listDevices(): Promise<DeviceSummary[]> {
    return this.devices.list();
  }

  /**
   * Runs `fn` with exclusive use of the card in `deviceId`: opens the device, wraps it in a
   * CardSession logging to the shared APDU log, closes everything afterwards.
   */
  async withCard<T>(deviceId: string, fn: (session: CardSession, device: OpenedDevice) => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.#lock.run(
      deviceId,
      async () => {
        const device = await this.devices.open(deviceId, signal);
        for (const message of device.notices ?? []) this.events.emit({ type: 'notice', deviceId, level: 'info', message });
        const session = new CardSession(device.transport, this.apduLog, {
          ...(this.#parts.storeDataSegmentSize === undefined ? {} : { storeDataSegmentSize: this.#parts.storeDataSegmentSize }),
        });
        try {
          return await fn(session, device);
        } finally {
          await session.close().catch(() => undefined); // the operation's own error is the one to report
        }
      },
      signal,
    );
  }

  /** Runs `fn` with an ES10 client on the ISD-R of the card in `deviceId` (channel always closed). */
  withEs10<T>(deviceId: string, fn: (es10: Es10Client, session: CardSession) => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.withCard(
      deviceId,
      (session) =>
        withEs10(session, (es10) => fn(es10, session), {
          ...(this.#parts.isdrAid === undefined ? {} : { isdrAid: this.#parts.isdrAid }),
          ...(signal === undefined ? {} : { signal }),
        }),
      signal,
    );
  }

  getCardInfo(deviceId: string): Promise<CardInfo> {
    return this.withEs10(deviceId, async (es10, session) => {
      const eid = await es10.getEid();
      const info2 = await es10.getEuiccInfo2();
      const addresses = await es10.getEuiccConfiguredAddresses();
      const atr = await session.getAtr().catch(() => undefined);
      return toCardInfo({ deviceId, eid, euiccInfo2: info2.value, addresses, ...(atr && atr.length > 0 ? { atr } : {}) });
    });
  }

  listProfiles(deviceId: string): Promise<ProfileSummary[]> {
    return this.withEs10(deviceId, async (es10) => (await es10.getProfilesInfo({ tags: PROFILE_SUMMARY_FIELDS })).map(toProfileSummary));
  }

  enableProfile(deviceId: string, profile: ProfileRef, options: { refresh?: boolean } = {}): Promise<ProfileOpResult> {
    return this.#profileOp(deviceId, (es10) => es10.enableProfile(profile, { refresh: options.refresh ?? true }));
  }

  disableProfile(deviceId: string, profile: ProfileRef, options: { refresh?: boolean } = {}): Promise<ProfileOpResult> {
    return this.#profileOp(deviceId, (es10) => es10.disableProfile(profile, { refresh: options.refresh ?? true }));
  }

  deleteProfile(deviceId: string, profile: ProfileRef): Promise<ProfileOpResult> {
    return this.#profileOp(deviceId, (es10) => es10.deleteProfile(profile));
  }

  setNickname(deviceId: string, iccid: string, nickname: string): Promise<ProfileOpResult> {
    return this.#profileOp(deviceId, (es10) => es10.setNickname(iccid, nickname));
  }

  setDefaultDpAddress(deviceId: string, address: string): Promise<ProfileOpResult> {
    return this.#profileOp(deviceId, (es10) => es10.setDefaultDpAddress(address));
  }

  startDownload(deviceId: string, request: DownloadRequest): Promise<{ operationId: string }> {
    return this.#rsp().startDownload(this, deviceId, request);
  }

  async answerPrompt(operationId: string, answer: PromptAnswer): Promise<void> {
    this.operations.answer(operationId, answer);
  }

  async cancelOperation(operationId: string): Promise<void> {
    this.operations.cancel(operationId);
  }

  waitForOperation(operationId: string): Promise<OperationResult> {
    return this.operations.wait(operationId);
  }

  listNotifications(deviceId: string): Promise<NotificationSummary[]> {
    return this.#rsp().listNotifications(this, deviceId);
  }

  processNotifications(deviceId: string, seqNumbers?: readonly number[]): Promise<{ sent: number; failed: number }> {
    return this.#rsp().processNotifications(this, deviceId, seqNumbers);
  }

  removeNotification(deviceId: string, seqNumber: number): Promise<void> {
    return this.#rsp().removeNotification(this, deviceId, seqNumber);
  }

  async getApduLog(afterSeq?: number): Promise<ApduLogRow[]> {
    return this.apduLog
      .entries()
      .filter((e) => afterSeq === undefined || e.seq > afterSeq)
      .map(toApduRow);
  }

  async clearApduLog(): Promise<void> {
    this.apduLog.clear();
  }

  async decode(hex: string): Promise<DecodeResult> {
    const bytes = hexFromLogText(hex);
    // A pasted STORE DATA command APDU (as the APDU log shows them) decodes to its ES10 payload.
    const storeData = storeDataPayload(bytes);
    const result = describe(storeData?.data ?? bytes);
    const text = formatDescribed(result);
    return { nodes: result.nodes, ...(result.error ? { error: result.error } : {}), text: storeData ? `${storeData.header}\n${text}` : text };
  }

  discoverProfiles(deviceId: string, options: { smdsAddress?: string } = {}): Promise<DiscoveredEvent[]> {
    return this.#rsp().discoverProfiles(this, deviceId, options);
  }

  async environment(): Promise<EnvironmentInfo> {
    return this.#parts.environment ? this.#parts.environment() : { dataDir: '', insecureTls: false };
  }

  async analyzeAtr(hex: string): Promise<DiagnosticReport> {
    return analyzeAtr(hex);
  }

  async analyzeTrace(text: string): Promise<DiagnosticReport> {
    return analyzeTrace(text);
  }

  async probeDevice(deviceId?: string): Promise<DiagnosticReport> {
    const id = deviceId ?? (await this.devices.defaultDeviceId());
    return this.#lock.run(id, () =>
      probeDevice(id, {
        open: (d, signal) => this.devices.open(d, signal),
        describe: async (d) => (await this.devices.list()).find((x) => x.id === d),
        log: this.apduLog,
        ...(this.#parts.isdrAid === undefined ? {} : { isdrAid: this.#parts.isdrAid }),
      }),
    );
  }

  async renderDiagnosticReport(report: DiagnosticReport, format: DiagReportFormat): Promise<RenderedDiagReport> {
    return renderDiagnosticReport(report, format);
  }

  subscribe(listener: (event: WorkbenchEvent) => void): Unsubscribe {
    return this.events.subscribe(listener);
  }

  /** Cancels running operations, stops background servers and releases devices. */
  async close(): Promise<void> {
    await this.operations.shutdown();
    this.#unsubscribeLog();
    await this.devices.close();
    await this.#parts.onClose?.();
  }

  #profileOp(deviceId: string, op: (es10: Es10Client) => Promise<Es10Result>): Promise<ProfileOpResult> {
    return this.withEs10(deviceId, async (es10) => {
      const r = await op(es10);
      return { ok: r.ok, result: r.result, message: r.message, ...(r.ok ? {} : { hint: r.hint }) };
    });
  }

  #rsp(): RspFeatures {
    const rsp = this.#parts.rsp;
    if (!rsp) throw new Error('This workbench was built without the download features (WorkbenchParts.rsp).');
    return rsp;
  }
}

/** The data field of a STORE DATA command APDU (CLA 8x/Cx, INS E2, consistent Lc), else undefined. */
function storeDataPayload(bytes: Uint8Array): { header: string; data: Uint8Array } | undefined {
  if (bytes.length < 6 || (bytes[0] ?? 0) < 0x80 || bytes[1] !== 0xe2) return undefined;
  try {
    const cmd = parseCommandApdu(bytes);
    if (!cmd.data) return undefined;
    const p1 = cmd.p1.toString(16).toUpperCase().padStart(2, '0');
    return { header: `STORE DATA (P1 ${p1}, block ${cmd.p2}, ${cmd.data.length} bytes of data)`, data: cmd.data };
  } catch {
    return undefined; // not a well-formed APDU: decode the bytes as they are
  }
}

/** APDU log entry → the API row (the transport id is the device id, see the providers). */
export function toApduRow(entry: ApduLogEntry): ApduLogRow {
  return {
    seq: entry.seq,
    time: entry.time,
    durationMs: entry.durationMs,
    deviceId: entry.transportId,
    channel: entry.channel,
    command: entry.command,
    response: entry.response,
    sw: entry.sw,
    swMeaning: entry.error ?? entry.swMeaning,
    ...(entry.annotation === undefined ? {} : { annotation: entry.annotation }),
  };
}
