/**
 * Diagnostics as the WorkbenchApi offers them, as pure functions over the layers below; the WorkbenchApi
 * implementation (workbench.ts) calls these:
 *
 *   analyzeAtr(hex)                       → {@link analyzeAtr}
 *   analyzeTrace(text)                    → {@link analyzeTrace}
 *   probeDevice(deviceId?)                → {@link probeDevice} (deviceId defaulted by the device manager)
 *   renderDiagnosticReport(report, fmt)   → {@link renderDiagnosticReport}
 *
 * A probe of a modem device first asks the modem (AT or QMI) what it sees and allows, then opens the
 * card through the device's provider (which picks QMI SAP for a refused blank eUICC) and probes the
 * card. Run it under the device's card lock: it is one operation on the card.
 */
import { parseQmiDeviceId } from './providers/qmi-provider.js';
import type { DeviceSummary, DiagnosticReport, DiagReportFormat, RenderedDiagReport } from '../../shared/api.js';
import { ApduLog } from '../card/apdu-log.js';
import { CardSession } from '../card/card-session.js';
import { probeAtPort, type ModemProbeResult } from '../diag/probe-at.js';
import { probeCard, type CardProbeResult } from '../diag/probe-card.js';
import { probeQmiModem, type QmiProbeLocation } from '../diag/probe-qmi.js';
import { ProbeRecorder } from '../diag/probe-recorder.js';
import { atrReport, probeReport, renderReport, traceReport, type ReportOptions } from '../diag/report.js';
import type { OpenedDevice } from './devices.js';

export type { ReportOptions };

/** Decodes an ATR (hex, spaces/0x/colons/log text allowed) and diagnoses it. USAGE for an empty input, HEX_INVALID without hex. */
export function analyzeAtr(hex: string, opts: ReportOptions = {}): DiagnosticReport {
  return atrReport(hex, opts);
}

/** Decodes a T=0 capture (hex stream, plain hex, logic-analyzer CSV) and diagnoses it. USAGE for an empty input only. */
export function analyzeTrace(text: string, opts: ReportOptions = {}): DiagnosticReport {
  return traceReport(text, opts);
}

/** Renders a report as JSON, Markdown or self-contained HTML, with a suggested file name. */
export function renderDiagnosticReport(report: DiagnosticReport, format: DiagReportFormat): RenderedDiagReport {
  return renderReport(report, format);
}

/** The modem side of a device: an AT port or a QMI endpoint. */
export type ModemTarget =
  | { readonly kind: 'at'; readonly path: string; readonly profile?: string; readonly usbId?: string }
  | { readonly kind: 'qmi'; readonly location: QmiProbeLocation; readonly slot?: number };

/**
 * The modem behind a device id: `at:<port>` → AT; `qmi:[proxy:|mbim:|mbim-proxy:]<device>` → QMI on
 * that carrier (the QMI provider's id forms). Other kinds (virtual, pcsc) have no modem side to probe.
 */
export function modemTargetOf(deviceId: string): ModemTarget | undefined {
  const at = /^at:(.+)$/.exec(deviceId);
  if (at?.[1]) return { kind: 'at', path: at[1] };
  if (!deviceId.startsWith('qmi:')) return undefined;
  try {
    return { kind: 'qmi', location: parseQmiDeviceId(deviceId).location };
  } catch {
    return undefined; // a malformed id: the probe reports the card side only
  }
}

export interface ProbeDeviceDeps {
  /** Opens the device's card for one operation (DeviceManager.open); the probe closes the transport. */
  open(deviceId: string, signal?: AbortSignal): Promise<OpenedDevice>;
  /** The device as listed, for the report header (label, kind). */
  describe?(deviceId: string): Promise<DeviceSummary | undefined>;
  /** The modem side to probe before the card; default {@link modemTargetOf}. Return undefined to skip. */
  modemOf?(deviceId: string): ModemTarget | undefined;
  /** The app's APDU log, so the probe's exchanges also show in the log view; default a private one. */
  readonly log?: ApduLog;
  /** ISD-R AID setting (hex). */
  readonly isdrAid?: string;
}

export interface ProbeOptions {
  readonly signal?: AbortSignal;
  readonly now?: Date;
}

async function probeModem(target: ModemTarget, rec: ProbeRecorder, signal: AbortSignal | undefined): Promise<ModemProbeResult> {
  if (target.kind === 'at') return probeAtPort(target.path, rec, { ...(target.profile ? { profile: target.profile } : {}), ...(target.usbId ? { usbId: target.usbId } : {}), ...(signal ? { signal } : {}) });
  return probeQmiModem(target.location, rec, { ...(target.slot === undefined ? {} : { slot: target.slot }), ...(signal ? { signal } : {}) });
}

/** Probes the card of an open session (the caller owns and closes it). */
export async function probeCardSession(session: CardSession, rec: ProbeRecorder, opts: { readonly isdrAid?: string; readonly signal?: AbortSignal } = {}): Promise<CardProbeResult> {
  rec.watch(session.log, session.info.id);
  try {
    return await probeCard(session, rec, opts);
  } finally {
    rec.stop();
  }
}

/**
 * Live probe of a device: modem side (when the device is a modem), then the card, then findings and
 * the recommended transport. Step failures are findings; only cancellation (ABORTED) rejects.
 */
export async function probeDevice(deviceId: string, deps: ProbeDeviceDeps, opts: ProbeOptions = {}): Promise<DiagnosticReport> {
  const { signal } = opts;
  const rec = new ProbeRecorder();
  const summary = await deps.describe?.(deviceId).catch(() => undefined);
  const modems: ModemProbeResult[] = [];
  const target = (deps.modemOf ?? modemTargetOf)(deviceId);
  if (target) modems.push(await probeModem(target, rec, signal));

  let card: CardProbeResult | undefined;
  const atGivesNoAccess = target?.kind === 'at' && modems[0]?.modem.available === true && !modems[0].modem.recommendation?.transport.startsWith('at-');
  if (atGivesNoAccess) {
    rec.skip('open-card', 'Open the card', `The modem gives no card access over AT (${modems[0]?.modem.recommendation?.reason ?? 'see the modem section'}).`);
  } else {
    const opened = await rec.step('open-card', 'Open the card', async () => {
      const device = await deps.open(deviceId, signal);
      rec.notices.push(...(device.notices ?? []));
      return { status: 'ok', result: `${device.transport.info.label}${device.accessMode ? ` (${device.accessMode})` : ''}`, ...(device.notices?.length ? { details: device.notices } : {}), value: device };
    });
    if (opened) {
      const session = new CardSession(opened.transport, deps.log ?? new ApduLog());
      try {
        card = await probeCardSession(session, rec, { ...(deps.isdrAid ? { isdrAid: deps.isdrAid } : {}), ...(signal ? { signal } : {}) });
      } finally {
        await session.close().catch(() => undefined); // closing a refused or removed card must not hide the report
      }
    }
  }
  return probeReport({
    target: deviceId,
    device: { id: deviceId, ...(summary ? { label: summary.label, kind: summary.kind } : {}) },
    recorder: rec,
    ...(card ? { card } : {}),
    modems,
    ...(opts.now ? { now: opts.now } : {}),
  });
}
