/**
 * The layout of a diagnostic report, independent of the output format: sections of text, key/value
 * facts, tables, findings and code. The Markdown and HTML renderers only turn these blocks into their
 * syntax, so both exports always carry the same content.
 */
import type { DiagCardSummary, DiagModemProbe, DiagnosticReport, DiagProbe } from '../../shared/api.js';
import type { Finding } from './diagnose.js';

export type Tone = 'error' | 'warning' | 'info' | 'ok' | 'muted';

export type ReportBlock =
  | { readonly kind: 'text'; readonly text: string; readonly tone?: Tone }
  | { readonly kind: 'facts'; readonly rows: readonly (readonly [string, string])[] }
  | { readonly kind: 'table'; readonly head: readonly string[]; readonly rows: readonly { readonly cells: readonly string[]; readonly tone?: Tone }[]; readonly mono?: readonly number[] }
  | { readonly kind: 'findings'; readonly findings: readonly Finding[] }
  | { readonly kind: 'code'; readonly text: string };

export interface ReportSection {
  readonly title: string;
  readonly blocks: readonly ReportBlock[];
}

export interface ReportDocument {
  readonly title: string;
  readonly meta: readonly (readonly [string, string])[];
  readonly summary: string;
  readonly sections: readonly ReportSection[];
}

const KIND_TITLE: Readonly<Record<DiagnosticReport['kind'], string>> = { atr: 'ATR analysis', trace: 'T=0 trace analysis', probe: 'Live probe' };
const STEP_TONE: Readonly<Record<string, Tone>> = { ok: 'ok', warning: 'warning', failed: 'error', skipped: 'muted' };

function cardSection(card: DiagCardSummary): ReportSection {
  const pin = card.pin.retriesLeft === undefined ? card.pin.status : `${card.pin.status} (${card.pin.retriesLeft} attempt(s) left)`;
  const apps = card.applications.map((a) => `${a.name ?? 'application'} ${a.aid}${a.label ? ` "${a.label}"` : ''}`).join('; ');
  return {
    title: 'Card',
    blocks: [
      {
        kind: 'facts',
        rows: [
          ['ATR', card.atr ?? 'not read'],
          ['MF', card.mf],
          ['ISD-R', card.sgp22Version ? `${card.isdr} (SGP.22 ${card.sgp22Version})` : card.isdr],
          ['ECASD', card.ecasd],
          ['EID', card.eid ?? 'not read'],
          ['EF.ICCID', card.iccid ? `${card.iccidStatus}: ${card.iccid}` : card.iccidStatus],
          ['EF.DIR applications', apps || 'none'],
          ['USIM', card.usim],
          ['PIN1', pin],
        ],
      },
    ],
  };
}

function modemSection(m: DiagModemProbe): ReportSection {
  const title = `Modem (${m.kind.toUpperCase()}) ${m.label}`;
  if (!m.available) return { title, blocks: [{ kind: 'text', text: m.unavailableReason ?? 'probe unavailable', tone: 'warning' }] };
  const blocks: ReportBlock[] = [
    { kind: 'table', head: ['Item', 'Value', 'Meaning'], rows: m.facts.map((f) => ({ cells: [f.label, f.value, f.meaning ?? ''] })), mono: [1] },
    { kind: 'table', head: ['Card access', 'Works', 'Detail'], rows: m.access.map((a) => ({ cells: [a.method, a.works ? 'yes' : 'no', a.detail], tone: a.works ? 'ok' : 'error' })) },
  ];
  if (m.recommendation) blocks.push({ kind: 'facts', rows: [['Recommended transport', m.recommendation.transport], ['Why', m.recommendation.reason]] });
  if (m.transcript.length > 0) blocks.push({ kind: 'code', text: m.transcript.join('\n') });
  return { title, blocks };
}

function probeSections(probe: DiagProbe): ReportSection[] {
  const r = probe.recommendation;
  const sections: ReportSection[] = [
    {
      title: 'Recommendation',
      blocks: [
        { kind: 'facts', rows: [['Transport', r.transport], ['Why', r.reason], ['Next step', r.nextStep]] },
        ...probe.notices.map((n): ReportBlock => ({ kind: 'text', text: n, tone: 'info' })),
      ],
    },
    {
      title: 'Probe steps',
      blocks: [
        {
          kind: 'table',
          head: ['#', 'Step', 'Status', 'Result'],
          rows: probe.steps.map((s, i) => ({ cells: [String(i + 1), s.title, s.status, [s.result, ...(s.details ?? [])].join(' · ')], tone: STEP_TONE[s.status] ?? 'muted' })),
        },
      ],
    },
  ];
  if (probe.card) sections.push(cardSection(probe.card));
  for (const m of probe.modems) sections.push(modemSection(m));
  return sections;
}

export function reportDocument(report: DiagnosticReport): ReportDocument {
  const sections: ReportSection[] = [
    { title: 'Findings', blocks: report.findings.length > 0 ? [{ kind: 'findings', findings: report.findings }] : [{ kind: 'text', text: 'No known problem pattern found.', tone: 'ok' }] },
  ];
  if (report.probe) sections.push(...probeSections(report.probe));
  const atr = report.atr ?? report.trace?.atr;
  if (atr) {
    sections.push({
      title: 'ATR',
      blocks: [
        { kind: 'text', text: `${atr.hex} — ${atr.summary}` },
        { kind: 'table', head: ['Field', 'Hex', 'Meaning'], rows: atr.fields.map((f) => ({ cells: [f.name.trim(), f.hex, f.explanation] })), mono: [1] },
        ...atr.issues.map((i): ReportBlock => ({ kind: 'text', text: `${i.code}: ${i.message}`, tone: 'warning' })),
      ],
    });
  }
  if (report.trace) sections.push({ title: `Trace listing (${report.trace.entries.length} commands, ${report.trace.byteCount} bytes)`, blocks: [{ kind: 'code', text: report.trace.listing }] });
  if (report.apduLog && report.apduLog.length > 0) {
    sections.push({
      title: `APDU log (${report.apduLog.length} exchanges)`,
      blocks: [
        {
          kind: 'table',
          head: ['#', 'Time', 'Ch', 'Command', 'Response', 'SW', 'Meaning', 'Annotation'],
          rows: report.apduLog.map((a) => ({ cells: [String(a.seq), a.time, String(a.channel), a.command, a.response, a.sw, a.swMeaning, a.annotation ?? ''], tone: /^(90|91|61)/.test(a.sw) ? undefined : 'warning' })),
          mono: [3, 4, 5],
        },
      ],
    });
  }
  const meta: [string, string][] = [['Created', report.createdAt]];
  if (report.device) meta.push(['Device', report.device.label ? `${report.device.label} (${report.device.id})` : report.device.id]);
  else if (report.probe) meta.push(['Target', report.probe.target]);
  return { title: `eSIM Workbench — ${KIND_TITLE[report.kind]}`, meta, summary: report.summary, sections };
}
