/**
 * Diagnostic reports: one plain-data shape (shared/api.ts DiagnosticReport) for an ATR, a decoded trace
 * and a live probe, with its findings and the APDU log attached, and its renderings for saving —
 * JSON, Markdown and self-contained HTML (report-document.ts lays out both text formats once).
 */
import type { ApduLogRow, DiagAtr, DiagFinding, DiagnosticReport, DiagReportFormat, DiagTrace, RenderedDiagReport } from '../../shared/api.js';
import { WorkbenchError } from '../../shared/errors.js';
import { hexFromLogText } from '../../shared/hex.js';
import type { ApduLogEntry } from '../card/apdu-log.js';
import { parseAtr, summarizeAtr, type AtrInfo } from './atr.js';
import { diagnose, type Finding } from './diagnose.js';
import { emptyFacts, factsFromTrace } from './facts.js';
import type { ModemProbeResult } from './probe-at.js';
import type { CardProbeResult } from './probe-card.js';
import { mergeFacts } from './probe-facts.js';
import { combineRecommendations } from './probe-recommend.js';
import type { ProbeRecorder } from './probe-recorder.js';
import { atrIssueFindings } from './report-atr.js';
import { reportDocument } from './report-document.js';
import { renderHtml } from './report-html.js';
import { renderMarkdown } from './report-markdown.js';
import { decodeT0Trace, formatTraceListing, type TraceListing } from './t0-trace.js';

export interface ReportOptions {
  /** Report time (tests pass a fixed one). */
  readonly now?: Date;
  /** Card clock for the ATR bit-rate figures. */
  readonly clockHz?: number;
}

const SEVERITY_RANK: Readonly<Record<DiagFinding['severity'], number>> = { error: 0, warning: 1, info: 2 };

function sortFindings(findings: readonly Finding[]): DiagFinding[] {
  return [...findings].sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]);
}

function summaryOf(findings: readonly DiagFinding[], tail = ''): string {
  const head = findings.length === 0 ? 'No known problem pattern found.' : `${findings.length} finding(s), most important: ${findings[0]?.title ?? ''}.`;
  return tail ? `${head} ${tail}` : head;
}

export function toDiagAtr(atr: AtrInfo): DiagAtr {
  return { hex: atr.hex, summary: summarizeAtr(atr), convention: atr.convention, protocols: atr.protocols, fields: atr.fields, issues: atr.issues };
}

export function toDiagTrace(listing: TraceListing): DiagTrace {
  return {
    format: listing.format,
    byteCount: listing.byteCount,
    ...(listing.atr ? { atr: toDiagAtr(listing.atr) } : {}),
    entries: listing.entries.map((e) => ({
      no: e.no,
      ...(e.time === undefined ? {} : { time: e.time }),
      command: e.command,
      header: e.header,
      decoded: e.decoded,
      ...(e.details ? { details: e.details } : {}),
      ...(e.data ? { data: e.data } : {}),
      ...(e.response ? { response: e.response } : {}),
      ...(e.sw ? { sw: e.sw } : {}),
      status: e.status,
      outcome: e.outcome,
      ...(e.notes ? { notes: e.notes } : {}),
    })),
    problems: listing.problems,
    listing: formatTraceListing(listing),
  };
}

function emptyInput(what: string, example: string): WorkbenchError {
  return new WorkbenchError('USAGE', `Nothing to analyze: the ${what} is empty.`, `Give the ${what}, e.g. ${example}.`);
}

/** Report of an ATR given as hex (spaces, 0x, colons and surrounding log text allowed). */
export function atrReport(hex: string, opts: ReportOptions = {}): DiagnosticReport {
  if (hex.trim() === '') throw emptyInput('ATR', '3B 97 96 80 B1 FE 45 1F C7 80 31 E0 73 FE 21 1F B1');
  const atr = parseAtr(hexFromLogText(hex), opts.clockHz === undefined ? {} : { clockHz: opts.clockHz });
  const findings = sortFindings([...atrIssueFindings(atr), ...diagnose({ ...emptyFacts('trace'), atr, atrPresent: true })]);
  return { kind: 'atr', createdAt: (opts.now ?? new Date()).toISOString(), summary: summaryOf(findings, `ATR: ${summarizeAtr(atr)}.`), findings, atr: toDiagAtr(atr) };
}

/** Report of a T=0 capture (hex stream, plain hex or logic-analyzer CSV). */
export function traceReport(text: string, opts: ReportOptions = {}): DiagnosticReport {
  if (text.trim() === '') throw emptyInput('trace', 'the I/O-line bytes "0x00 0xA4 0x00 0x04 0x02 0x3F 0x00 0x61 0x27" or a CSV export');
  const listing = decodeT0Trace(text, opts.clockHz === undefined ? {} : { clockHz: opts.clockHz });
  const findings = sortFindings([...(listing.atr ? atrIssueFindings(listing.atr) : []), ...diagnose(factsFromTrace(listing))]);
  const decoded = `${listing.entries.length} command(s) decoded${listing.problems.length ? `, ${listing.problems.length} problem(s)` : ''}.`;
  return { kind: 'trace', createdAt: (opts.now ?? new Date()).toISOString(), summary: summaryOf(findings, decoded), findings, trace: toDiagTrace(listing) };
}

export interface ProbeReportParts {
  /** Device id or port probed. */
  readonly target: string;
  readonly device?: DiagnosticReport['device'];
  readonly recorder: ProbeRecorder;
  readonly card?: CardProbeResult;
  readonly modems: readonly ModemProbeResult[];
  readonly now?: Date;
}

/** An APDU log entry of the card layer as an API row (the device id replaces the transport id when known). */
export function apduRow(entry: ApduLogEntry, deviceId?: string): ApduLogRow {
  return {
    seq: entry.seq,
    time: entry.time,
    durationMs: entry.durationMs,
    deviceId: deviceId ?? entry.transportId,
    channel: entry.channel,
    command: entry.command,
    response: entry.error === undefined ? entry.response : `(${entry.error})`,
    sw: entry.sw,
    swMeaning: entry.swMeaning,
    ...(entry.annotation === undefined ? {} : { annotation: entry.annotation }),
  };
}

/** Report of a live probe: rule findings over the combined facts, failed steps, recommendation, APDUs. */
export function probeReport(parts: ProbeReportParts): DiagnosticReport {
  const { recorder, card } = parts;
  const facts = mergeFacts(card?.facts ?? emptyFacts('probe'), ...parts.modems.map((m) => m.facts));
  const findings = sortFindings([...diagnose(facts), ...recorder.stepFindings]);
  const recommendation = combineRecommendations(card ? { reachedIsdr: card.card.isdr === 'present', recommendation: card.recommendation } : undefined, parts.modems.map((m) => m.modem.recommendation));
  return {
    kind: 'probe',
    createdAt: (parts.now ?? new Date()).toISOString(),
    ...(parts.device ? { device: parts.device } : {}),
    summary: summaryOf(findings, `Recommended transport: ${recommendation.transport}.`),
    findings,
    ...(facts.atr ? { atr: toDiagAtr(facts.atr) } : {}),
    probe: {
      target: parts.target,
      steps: recorder.steps,
      ...(card ? { card: card.card } : {}),
      modems: parts.modems.map((m) => m.modem),
      recommendation,
      notices: recorder.notices,
    },
    apduLog: recorder.apdus.map((e) => apduRow(e, parts.device?.id)),
  };
}

const FORMATS: Readonly<Record<DiagReportFormat, { ext: string; mimeType: string }>> = {
  json: { ext: 'json', mimeType: 'application/json' },
  markdown: { ext: 'md', mimeType: 'text/markdown; charset=utf-8' },
  html: { ext: 'html', mimeType: 'text/html; charset=utf-8' },
};

/** The format a file name asks for (`.md`, `.markdown`, `.html`, `.htm`, `.json`), or undefined. */
export function reportFormatForFile(fileName: string): DiagReportFormat | undefined {
  const ext = /\.([a-z]+)$/i.exec(fileName)?.[1]?.toLowerCase();
  if (ext === 'md' || ext === 'markdown') return 'markdown';
  if (ext === 'html' || ext === 'htm') return 'html';
  if (ext === 'json') return 'json';
  return undefined;
}

/** Renders a report for saving. */
export function renderReport(report: DiagnosticReport, format: DiagReportFormat): RenderedDiagReport {
  const { ext, mimeType } = FORMATS[format];
  const stamp = report.createdAt.replace(/[:.]/g, '').replace(/\d{3}Z$/, 'Z');
  const fileName = `ewb-${report.kind}-${stamp}.${ext}`;
  const content = format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : format === 'markdown' ? renderMarkdown(reportDocument(report)) : renderHtml(reportDocument(report));
  return { format, fileName, mimeType, content };
}
