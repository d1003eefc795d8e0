import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DiagnosticReport } from '../../../shared/api.js';
import { atrReport, renderReport, reportFormatForFile, traceReport } from '../../../src-main/diag/report.js';
import { escapeMarkdown } from '../../../src-main/diag/report-markdown.js';
import { probeDevice } from '../../../src-main/services/diagnostics.js';
import { virtualProbeTransport } from '../../helpers/diag-probe.js';
import { repoRoot } from '../../helpers/sim-card.js';

const NOW = new Date('2025-01-01T12:00:00Z');
const seed = readFileSync(path.join(repoRoot, 'test/fixtures/diag/seed-000-trace.txt'), 'utf8');
/** ATR of the virtual eUICC: T=0, T=1, T=15 with a correct TCK. */
const ATR = '3B 97 96 80 B1 FE 45 1F C7 80 31 E0 73 FE 21 1F B1';

async function blankProbe(): Promise<DiagnosticReport> {
  return probeDevice('virtual:blank', { open: async () => ({ transport: virtualProbeTransport() }) }, { now: NOW });
}

describe('ATR reports', () => {
  it('a good ATR: fields, summary, no findings', () => {
    const r = atrReport(`0x${ATR.split(' ').join(' 0x')}`, { now: NOW });
    expect(r).toMatchObject({ kind: 'atr', createdAt: '2025-01-01T12:00:00.000Z', findings: [] });
    expect(r.atr?.hex).toBe(ATR);
    expect(r.atr?.fields.map((f) => f.name).slice(0, 4)).toEqual(['TS', 'T0', 'TA1', 'TD1']);
    expect(r.summary).toBe('No known problem pattern found. ATR: T=0, T=1, T=15 · Fi 512 / Di 32 · 223.1 kbit/s at 3.57 MHz.');
  });

  it('a bad TCK and a truncated ATR are error findings with the byte as evidence', () => {
    const bad = atrReport(`${ATR.slice(0, -2)}B2`);
    expect(bad.findings.map((f) => [f.ruleId, f.severity])).toEqual([['atr-bad-tck', 'error']]);
    expect(bad.findings[0]?.evidence[0]).toMatch(/^TCK is B2 but .* XOR to B1; .* \(byte 16\)$/);
    const cut = atrReport('3B 97 96 80 B1 FE');
    expect(cut.findings.map((f) => f.ruleId)).toEqual(['atr-truncated']);
  });

  it('empty input is a usage error; no hex is HEX_INVALID', () => {
    expect(() => atrReport('  ')).toThrow(expect.objectContaining({ code: 'USAGE' }));
    expect(() => atrReport('hello')).toThrow(expect.objectContaining({ code: 'HEX_INVALID' }));
  });
});

describe('trace reports', () => {
  it('seed 000: 10 commands and the blank-eUICC diagnosis', () => {
    const r = traceReport(seed, { now: NOW });
    expect(r.trace?.entries).toHaveLength(10);
    expect(r.trace?.entries.map((e) => e.sw)).toEqual(['6127', '9000', '9000', '6A82', '6A82', '6A82', '9000', '6A82', '6127', '9000']);
    expect(r.findings.map((f) => f.ruleId)).toEqual(['blank-euicc', 'modem-rejects-blank-card']);
    expect(r.trace?.listing).toContain('TERMINAL PROFILE');
    expect(r.summary).toBe('2 finding(s), most important: eUICC without an enabled profile. 10 command(s) decoded.');
  });
});

describe('rendering', () => {
  it('Markdown carries the findings, the recommendation and the APDU log rows', async () => {
    const report = await blankProbe();
    const md = renderReport(report, 'markdown');
    expect(md.fileName).toBe('ewb-probe-2025-01-01T120000Z.md');
    expect(md.mimeType).toMatch(/^text\/markdown/);
    expect(md.content).toMatch(/^# eSIM Workbench — Live probe\n/);
    expect(md.content).toContain('### 1. [ERROR] — eUICC without an enabled profile (`blank-euicc`)');
    expect(md.content).toContain('- **Fix:** Download (or enable) the first profile');
    expect(md.content).toContain('## APDU log (17 exchanges)');
    expect(md.content).toMatch(/\| 1 \| \d{4}-\d\d-\d\dT[^|]+\| 0 \| 00 A4 00 04 02 3F 00 \| 61 27 \| 6127 \|/);
    expect(md.content).toContain('| 00 A4 08 04 02 2F E2 | 6A 82 | 6A82 | File or application not found | probe: SELECT EF.ICCID |');
    expect(md.content).toContain('- **Next step:** Download the first profile');
    expect(md.content).toMatch(/\| 00 20 00 01 \| 6A 88 \| 6A88 \| Referenced data or application not found \| probe: VERIFY PIN1 \(status query, no PIN sent\) \|/);
    for (const row of report.apduLog ?? []) expect(md.content).toContain(`| ${row.seq} |`);
  });

  it('HTML is self-contained and escapes data from the card and the capture', () => {
    const hostile: DiagnosticReport = {
      kind: 'trace',
      createdAt: NOW.toISOString(),
      summary: '<script>alert(1)</script>',
      findings: [{ ruleId: 'x', severity: 'warning', title: 'T <b>', symptom: 's & "q"', cause: "c'", fix: 'f', evidence: ['<img src=x onerror=alert(1)>'] }],
      apduLog: [{ seq: 1, time: NOW.toISOString(), durationMs: 1, deviceId: 'd', channel: 0, command: '00 A4', response: '90 00', sw: '9000', swMeaning: 'ok', annotation: '</td><script>x()</script>' }],
    };
    const html = renderReport(hostile, 'html').content;
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;/td&gt;&lt;script&gt;x()&lt;/script&gt;');
    expect(html).toContain('s &amp; &quot;q&quot;');
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
    expect(html).not.toMatch(/(src|href)=["']?(https?:|\/\/)/);
    expect(html).toContain('<section class="finding warning">');
    const md = renderReport(hostile, 'markdown').content;
    expect(md).not.toContain('<script>');
    expect(md).toContain('&lt;/td&gt;&lt;script&gt;x()&lt;/script&gt;');
  });

  it('JSON round-trips the report; file extensions pick the format', async () => {
    const report = await blankProbe();
    expect(JSON.parse(renderReport(report, 'json').content)).toEqual(JSON.parse(JSON.stringify(report)));
    expect([reportFormatForFile('a.md'), reportFormatForFile('A.HTML'), reportFormatForFile('r.json'), reportFormatForFile('r.txt')]).toEqual(['markdown', 'html', 'json', undefined]);
  });

  it('Markdown escaping neutralises table breaks, links and code fences', () => {
    expect(escapeMarkdown('a|b [x](y) `c` <d>\nnext')).toBe('a\\|b \\[x\\](y) \\`c\\` &lt;d&gt; next');
    const report: DiagnosticReport = { kind: 'trace', createdAt: NOW.toISOString(), summary: 's', findings: [], trace: { format: 'hex', byteCount: 0, entries: [], problems: [], listing: 'a ``` b' } };
    expect(renderReport(report, 'markdown').content).toContain('````text\na ``` b\n````');
  });
});
