/**
 * `ewb diag atr|trace|probe`: the diagnostics calls of the WorkbenchApi on the command line. Human
 * output is the field table / protocol listing / probe report followed by the findings; `--json`
 * prints the report; `--report <file>` also saves it as Markdown, HTML or JSON (by extension).
 *
 * Exit codes: 0 the analysis ran (findings are the result, not a failure) · 1 the ATR or capture is
 * malformed (parts could not be decoded) · 2 usage · 3 the probe could not reach the card at all.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { DiagnosticReport, DiagReportFormat, WorkbenchApi } from '../../shared/api.js';
import { WorkbenchError } from '../../shared/errors.js';
import { formatFindings } from '../diag/diagnose.js';
import { reportDocument } from '../diag/report-document.js';
import { reportFormatForFile } from '../diag/report.js';
import { renderText } from '../diag/report-text.js';
import type { CliCommand, CommandContext, OptionSpec } from './command.js';
import { EXIT, readAll, writeLine } from './io.js';

const REPORT_OPTION: OptionSpec = { report: { type: 'string', short: 'r' } };
const REPORT_HELP = '--report FILE saves the report too: FILE.md (Markdown), FILE.html (self-contained HTML) or FILE.json.';

interface ReportTarget {
  readonly file: string;
  readonly format: DiagReportFormat;
}

/** `--report FILE` checked before any work is done, so a typo in the extension costs nothing. */
function reportTarget(ctx: CommandContext): ReportTarget | undefined {
  const file = ctx.options.report;
  if (typeof file !== 'string') return undefined;
  const format = reportFormatForFile(file);
  if (format === undefined) throw new WorkbenchError('USAGE', `Cannot tell the report format of "${file}".`, 'End the file name with .md, .html or .json.');
  return { file, format };
}

function printFindings(ctx: CommandContext, report: DiagnosticReport): void {
  writeLine(ctx.io.stdout);
  writeLine(ctx.io.stdout, 'Diagnosis');
  writeLine(ctx.io.stdout, '=========');
  writeLine(ctx.io.stdout, formatFindings(report.findings));
}

function printAtr(ctx: CommandContext, report: DiagnosticReport): void {
  const atr = report.atr;
  if (!atr) return;
  writeLine(ctx.io.stdout, `ATR ${atr.hex}`);
  writeLine(ctx.io.stdout, `    ${atr.summary}`);
  writeLine(ctx.io.stdout);
  const width = Math.max(5, ...atr.fields.map((f) => f.name.length));
  const hexWidth = Math.min(24, Math.max(3, ...atr.fields.map((f) => f.hex.length)));
  writeLine(ctx.io.stdout, `${'Field'.padEnd(width)}  ${'Hex'.padEnd(hexWidth)}  Meaning`);
  for (const f of atr.fields) writeLine(ctx.io.stdout, `${f.name.padEnd(width)}  ${f.hex.padEnd(hexWidth)}  ${f.explanation}`);
  if (atr.issues.length > 0) {
    writeLine(ctx.io.stdout);
    for (const i of atr.issues) writeLine(ctx.io.stdout, `! ${i.code}: ${i.message}`);
  }
}

async function finish(ctx: CommandContext, api: WorkbenchApi, report: DiagnosticReport, target: ReportTarget | undefined, printHuman: () => void): Promise<void> {
  if (ctx.json) writeLine(ctx.io.stdout, JSON.stringify(report, null, 2));
  else printHuman();
  if (target === undefined) return;
  const rendered = await api.renderDiagnosticReport(report, target.format);
  await writeFile(target.file, rendered.content, 'utf8');
  writeLine(ctx.io.stderr, `Report written to ${target.file} (${target.format}).`);
}

export const diagAtrCommand: CliCommand = {
  name: 'diag atr',
  summary: 'Decode an ATR field by field (ISO 7816-3) and diagnose it',
  usage: 'diag atr <hex…|-> [--json] [--report FILE]',
  details: ['The hex may contain spaces, 0x prefixes and colons; `-` reads stdin.', REPORT_HELP, 'Exit code 1 when the ATR is malformed (truncated, bad TS or TCK).', '', 'Example: ewb diag atr 3B 97 96 80 B1 FE 45 1F C7 80 31 E0 73 FE 21 1F B1'].join('\n'),
  options: REPORT_OPTION,
  async run(ctx) {
    const target = reportTarget(ctx);
    const fromArgs = ctx.positionals.filter((p) => p !== '-').join(' ');
    const hex = fromArgs.length > 0 ? fromArgs : await readAll(ctx.io.stdin);
    const api = await ctx.api();
    const report = await api.analyzeAtr(hex);
    await finish(ctx, api, report, target, () => {
      printAtr(ctx, report);
      printFindings(ctx, report);
    });
    return report.findings.some((f) => f.severity === 'error' && f.ruleId.startsWith('atr-')) ? EXIT.failed : EXIT.ok;
  },
};

export const diagTraceCommand: CliCommand = {
  name: 'diag trace',
  summary: 'Decode a T=0 I/O-line capture into a protocol-analyzer listing and diagnose it',
  usage: 'diag trace <file|-> [--json] [--report FILE]',
  details: [
    'Input: a hex byte stream (`0x00 0xA4 …`), plain hex, or a logic-analyzer CSV export (time, byte[, direction]),',
    'optionally starting with the ATR and PPS. `-` reads stdin.',
    REPORT_HELP,
    'Exit code 1 when parts of the capture could not be decoded (the listing shows what could).',
  ].join('\n'),
  options: REPORT_OPTION,
  async run(ctx) {
    const target = reportTarget(ctx);
    const source = ctx.positionals[0];
    if (source === undefined || ctx.positionals.length > 1) throw new WorkbenchError('USAGE', 'Give one capture file, or - for stdin.', 'Example: ewb diag trace capture.csv');
    let text: string;
    try {
      text = source === '-' ? await readAll(ctx.io.stdin) : await readFile(source, 'utf8');
    } catch (err) {
      throw new WorkbenchError('USAGE', `Cannot read ${source}: ${err instanceof Error ? err.message : String(err)}`, 'Check the path, or pipe the capture on stdin with -.');
    }
    const api = await ctx.api();
    const report = await api.analyzeTrace(text);
    await finish(ctx, api, report, target, () => {
      writeLine(ctx.io.stdout, report.trace?.listing ?? '');
      printFindings(ctx, report);
    });
    return (report.trace?.problems.length ?? 0) > 0 ? EXIT.failed : EXIT.ok;
  },
};

export const diagProbeCommand: CliCommand = {
  name: 'diag probe',
  summary: 'Probe a device live (modem side and card) and recommend a transport',
  usage: 'diag probe [--device ID] [--json] [--report FILE]',
  details: [
    'Modems: identity, SIM state, +CUSATA, which SIM-access commands work (AT), card and slot status (QMI).',
    'Card: ATR, ISD-R and ECASD, EID, EF.DIR, EF.ICCID, USIM, PIN status (queried without sending a PIN).',
    'Without --device the default device is probed.',
    REPORT_HELP,
    'Exit code 3 when nothing reached the card.',
  ].join('\n'),
  options: REPORT_OPTION,
  async run(ctx) {
    const target = reportTarget(ctx);
    if (ctx.positionals.length > 0) throw new WorkbenchError('USAGE', 'diag probe takes no arguments.', 'Choose the device with --device ID (see `ewb device list`).');
    const device = typeof ctx.options.device === 'string' ? ctx.options.device : undefined;
    const api = await ctx.api();
    const report = await api.probeDevice(device);
    await finish(ctx, api, report, target, () => ctx.io.stdout.write(renderText(reportDocument(report))));
    const card = report.probe?.card;
    const reached = card !== undefined && (card.mf !== 'unknown' || card.isdr !== 'unknown' || card.atr !== undefined);
    return reached ? EXIT.ok : EXIT.noDevice;
  },
};

export const DIAG_COMMANDS: readonly CliCommand[] = [diagAtrCommand, diagTraceCommand, diagProbeCommand];
