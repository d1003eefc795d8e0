/**
 * `ewb batch download`: first-boot profile download on a provisioning bench. Device i gets code i of
 * the codes file; all downloads run at once (the services' per-card lock keeps one operation per
 * card), each followed by `runDownload` of the single-device command with nobody at the terminal:
 * consent comes from --yes, the confirmation code from the file. Everything that can be checked is
 * checked before the first download starts, so a typo never leaves a bench half provisioned.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import type { DeviceSummary, WorkbenchApi } from '../../shared/api.js';
import { WorkbenchError, isWorkbenchError, throwIfAborted } from '../../shared/errors.js';
import { writeFileAtomic } from '../links/durable-file.js';
import { parseActivationCode, type ActivationCode } from '../rsp/activation-code.js';
import type { CliCommand, CommandContext } from './command.js';
import { runDownload } from './commands-download.js';
import { formatTable, printJson } from './format.js';
import { EXIT, writeLine } from './io.js';

/** One activation code of the codes file, with its confirmation code (never printed). */
interface BatchCode {
  readonly activationCode: string;
  readonly matchingId?: string;
  readonly confirmationCode?: string;
}

/** The outcome for one device, as the summary, `--json` and `--report` give it. */
export interface BatchResult {
  readonly deviceId: string;
  /** Absent for a device left alone (`skipped`: fewer codes than devices). */
  readonly activationCode?: string;
  readonly status: 'succeeded' | 'failed' | 'cancelled' | 'skipped';
  readonly iccid?: string;
  readonly error?: { readonly code: string; readonly message: string; readonly hint: string };
  readonly durationMs: number;
}

export interface BatchReport {
  readonly results: readonly BatchResult[];
  readonly succeeded: number;
  /** Failed or cancelled downloads (skipped devices count in neither). */
  readonly failed: number;
}

const USAGE = 'batch download --codes FILE (--devices ID,ID… | --all) --yes [--cc-file FILE] [--enable] [--json] [--report FILE.json|.csv]';

function usage(message: string, hint = `Usage: ewb ${USAGE}`, details: Record<string, unknown> = {}): WorkbenchError {
  return new WorkbenchError('USAGE', message, hint, { details });
}

/** Non-blank, non-comment lines with their 1-based line numbers. */
function meaningfulLines(text: string): { line: number; text: string }[] {
  return text
    .split(/\r?\n/)
    .map((raw, i) => ({ line: i + 1, text: raw.trim() }))
    .filter((l) => l.text !== '' && !l.text.startsWith('#'));
}

async function readText(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw usage(`Cannot read the ${what} ${file}: ${err instanceof Error ? err.message : String(err)}.`, 'Check the path and that the file is readable.');
  }
}

function parseLine(activationCode: string, file: string, line: number): ActivationCode {
  try {
    return parseActivationCode(activationCode);
  } catch (err) {
    if (!isWorkbenchError(err)) throw err;
    throw usage(`${file} line ${line}: ${err.message}`, err.hint, { line, reason: err.code });
  }
}

/** Parses and validates every line; the first bad one stops everything, by line number. */
function parseCodes(text: string, file: string, ccs: readonly string[] | undefined): BatchCode[] {
  const lines = meaningfulLines(text);
  if (lines.length === 0) throw usage(`${file} has no activation codes.`, 'Put one activation code per line (LPA:1$…); blank lines and lines starting with # are ignored.');
  if (ccs !== undefined && ccs.length !== lines.length) {
    throw usage(`${file} has ${lines.length} activation codes but the confirmation-code file has ${ccs.length} codes.`, 'Give one confirmation code per activation code, in the same order.');
  }
  return lines.map(({ line, text: content }, index) => {
    const columns = content.split(/\s+/);
    // Messages name the line, never its content: the second column is a confirmation code.
    if (columns.length > 2) throw usage(`${file} line ${line}: more than two columns.`, 'Each line is an activation code, optionally followed by whitespace and its confirmation code.', { line });
    if (columns.length === 2 && ccs !== undefined) throw usage(`${file} line ${line} has a confirmation code, and --cc-file gives them too.`, 'Give confirmation codes either in the second column or with --cc-file, not both.', { line });
    const [activationCode = '', lineCc] = columns;
    const confirmationCode = lineCc ?? ccs?.[index];
    const parsed = parseLine(activationCode, file, line);
    if (parsed.confirmationCodeRequired && confirmationCode === undefined) {
      throw usage(`${file} line ${line}: the activation code requires a confirmation code and none is given.`, 'Add it after the code (separated by a space) or give all codes with --cc-file.', { line });
    }
    return { activationCode, ...(parsed.matchingId === undefined ? {} : { matchingId: parsed.matchingId }), ...(confirmationCode === undefined ? {} : { confirmationCode }) };
  });
}

/** The devices of --devices (in the order given) or --all (present eUICCs except the virtual one). */
function pickDevices(ctx: CommandContext, devices: readonly DeviceSummary[]): string[] {
  const listed = ctx.options.devices;
  if (ctx.options.all === true) {
    const all = devices.filter((d) => d.status === 'present' && d.cardType === 'euicc' && d.kind !== 'virtual').map((d) => d.id);
    if (all.length === 0) throw new WorkbenchError('DEVICE_NONE', 'No eUICC is present in any reader or modem.', 'Check `ewb device list`; name the virtual eUICC with --devices to use it.');
    return all;
  }
  const ids = typeof listed === 'string' ? listed.split(',').map((id) => id.trim()).filter((id) => id !== '') : [];
  if (ids.length === 0) throw usage('Name the devices with --devices ID,ID… or take every present eUICC with --all.');
  const repeated = ids.find((id, i) => ids.indexOf(id) !== i);
  if (repeated !== undefined) throw usage(`${repeated} is named twice in --devices.`, 'Name each device once: it gets one activation code.');
  for (const id of ids) {
    const device = devices.find((d) => d.id === id);
    if (!device) throw new WorkbenchError('DEVICE_UNKNOWN', `Unknown device "${id}".`, 'List the devices with `ewb device list` and use the ids shown.', { details: { deviceId: id } });
    if (device.status !== 'present') {
      throw new WorkbenchError('DEVICE_NO_CARD', `${id} is ${device.status}${device.reason === undefined ? '' : `: ${device.reason.replace(/\.$/, '')}`}.`, 'Insert the card or leave the device out of --devices.', { details: { deviceId: id } });
    }
  }
  return ids;
}

/** Writes each complete line to `out` behind `prefix`, so concurrent downloads never share a line. */
function prefixedLines(out: Writable, prefix: string): Writable {
  let pending = '';
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      const lines = (pending + chunk.toString('utf8')).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) out.write(`${prefix}${line}\n`);
      done();
    },
  });
}

/** One device's download through the single-device flow; every ending becomes a result. */
async function downloadOne(ctx: CommandContext, api: WorkbenchApi, deviceId: string, code: BatchCode, prefix: string, enable: boolean): Promise<BatchResult> {
  const stderr = prefixedLines(ctx.io.stderr, prefix);
  // No terminal for this download: nobody can answer, so runDownload never asks, and its progress
  // is one line per step (on stderr even with --json: stdout carries the one JSON document).
  const deviceCtx: CommandContext = { ...ctx, json: false, io: { stdin: Readable.from([]), stdout: ctx.io.stdout, stderr } };
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  try {
    const result = await runDownload(deviceCtx, api, deviceId, { activationCode: code.activationCode, autoConsent: true }, {
      yes: true,
      enable,
      ...(code.confirmationCode === undefined ? {} : { confirmationCode: code.confirmationCode }),
    });
    return { deviceId, activationCode: code.activationCode, status: 'succeeded', ...(result.iccid === undefined ? {} : { iccid: result.iccid }), durationMs: elapsed() };
  } catch (err) {
    const error = isWorkbenchError(err)
      ? { code: err.code, message: err.message, hint: err.hint }
      : { code: 'INTERNAL_ERROR', message: err instanceof Error ? err.message : String(err), hint: 'Please report this with the command you ran.' };
    const status = error.code === 'ABORTED' ? 'cancelled' : 'failed';
    writeLine(stderr, status === 'cancelled' ? 'cancelled' : `failed: ${error.message} (${error.code})`);
    return { deviceId, activationCode: code.activationCode, status, error, durationMs: elapsed() };
  }
}

/** The matching ID, shortened so the summary stays narrow and does not spread whole codes into logs. */
function shortMatchingId(code: BatchCode | undefined): string {
  const id = code?.matchingId;
  if (id === undefined) return code ? '(none)' : '';
  return id.length <= 12 ? id : `${id.slice(0, 5)}…${id.slice(-4)}`;
}

function outcomeText(r: BatchResult, enable: boolean): string {
  if (r.status === 'succeeded') return `installed ${r.iccid ?? '(ICCID not reported)'}${enable ? ' and enabled' : ''}`;
  if (r.status === 'skipped') return 'skipped: no activation code left';
  if (r.status === 'cancelled') return 'cancelled';
  return `${r.error?.code ?? 'FAILED'}: ${r.error?.message ?? ''}`;
}

function summaryText(report: BatchReport, codes: readonly BatchCode[], enable: boolean): string {
  const rows = report.results.map((r, i) => [r.deviceId, shortMatchingId(codes[i]), r.status === 'skipped' ? '' : `${(r.durationMs / 1000).toFixed(1)} s`, outcomeText(r, enable)]);
  const skipped = report.results.length - report.succeeded - report.failed;
  // RESULT last: it is the one long, unpadded column.
  const table = formatTable(['DEVICE', 'MATCHING ID', 'DURATION', 'RESULT'], rows);
  return `${table}\n\n${report.succeeded} succeeded, ${report.failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}.`;
}

const CSV_COLUMNS = ['deviceId', 'activationCode', 'status', 'iccid', 'errorCode', 'errorMessage', 'durationMs'] as const;

/** RFC 4180: quote a field that holds a comma, quote or line break. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function reportCsv(report: BatchReport): string {
  const rows = report.results.map((r) => [r.deviceId, r.activationCode ?? '', r.status, r.iccid ?? '', r.error?.code ?? '', r.error?.message ?? '', String(r.durationMs)]);
  return [[...CSV_COLUMNS], ...rows].map((cells) => cells.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** The report format from the file name; checked before anything starts. */
function reportFormat(file: string): 'json' | 'csv' {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.json' || ext === '.csv') return ext === '.json' ? 'json' : 'csv';
  throw usage(`The report file ${file} must end in .json or .csv.`, 'The extension chooses the format, e.g. --report bench-42.csv.');
}

async function writeReport(file: string, report: BatchReport): Promise<void> {
  const content = reportFormat(file) === 'json' ? `${JSON.stringify(report, null, 2)}\n` : reportCsv(report);
  try {
    await writeFileAtomic(path.resolve(file), content);
  } catch (err) {
    throw new WorkbenchError('REPORT_WRITE_FAILED', `Could not write the report ${file}: ${err instanceof Error ? err.message : String(err)}.`, 'The summary above has the results; check the folder exists and is writable.');
  }
}

export const batchDownloadCommand: CliCommand = {
  name: 'batch download',
  summary: 'Download one profile into each of many devices at once (provisioning bench)',
  usage: USAGE,
  details: [
    '--codes FILE     one activation code per line, in device order; blank lines and # comments are ignored.',
    '                 An optional second column (after whitespace) is that code’s confirmation code.',
    '                 Every line is checked before anything is sent; a bad one stops the batch (exit 2).',
    '--cc-file FILE   confirmation codes, one per activation code, instead of the second column.',
    '--devices ID,…   the devices, in order: device i gets code i. --all: every present eUICC except the',
    '                 virtual one (name it in --devices to include it). Devices beyond the codes are left',
    '                 alone; more codes than devices is an error.',
    '--yes            required: accept every profile the SM-DP+ offers (a bench cannot answer prompts).',
    '--enable         enable each profile after installing it.',
    '--report FILE    also write the results as JSON or CSV (by extension), replaced atomically.',
    'Progress: one line per device and step on stderr. Result: a table on stdout (--json: one document',
    '{results, succeeded, failed}). Confirmation codes are never printed. Exit 0 when all succeeded,',
    '1 when any failed; Ctrl-C cancels every running download, waits for them and exits 130.',
  ].join('\n'),
  options: {
    codes: { type: 'string' },
    'cc-file': { type: 'string' },
    devices: { type: 'string' },
    all: { type: 'boolean' },
    yes: { type: 'boolean', short: 'y' },
    enable: { type: 'boolean' },
    report: { type: 'string' },
  },
  handlesInterrupt: true,
  async run(ctx) {
    const { codes: codesFile, 'cc-file': ccFile, report: reportFile } = ctx.options;
    if (ctx.positionals.length > 0 || typeof codesFile !== 'string') throw usage('Give the activation codes with --codes FILE.');
    if (ctx.options.device !== undefined) throw usage('batch download takes --devices ID,ID… (or --all), not --device.');
    if (ctx.options.all === true && ctx.options.devices !== undefined) throw usage('Give either --devices or --all, not both.');
    if (ctx.options.yes !== true) {
      throw usage('A batch cannot ask for consent on every device.', 'Check the codes, then pass --yes to accept the profiles the SM-DP+ offers.');
    }
    if (typeof reportFile === 'string') reportFormat(reportFile);
    const ccs = typeof ccFile === 'string' ? meaningfulLines(await readText(ccFile, 'confirmation-code file')).map((l) => l.text) : undefined;
    const codes = parseCodes(await readText(codesFile, 'codes file'), codesFile, ccs);

    const api = await ctx.api();
    const deviceIds = pickDevices(ctx, await api.listDevices());
    if (codes.length > deviceIds.length) {
      throw usage(`${codes.length} activation codes but only ${deviceIds.length} device${deviceIds.length === 1 ? '' : 's'}.`, 'Attach more devices or split the codes file; no download was started.');
    }
    throwIfAborted(ctx.signal, 'The batch');
    const enable = ctx.options.enable === true;
    const width = Math.max(...deviceIds.map((id) => id.length));
    for (const id of deviceIds.slice(codes.length)) writeLine(ctx.io.stderr, `${`[${id}]`.padEnd(width + 2)} no activation code left: left alone`);

    const results = await Promise.all(
      deviceIds.map((deviceId, i): Promise<BatchResult> | BatchResult => {
        const code = codes[i];
        return code ? downloadOne(ctx, api, deviceId, code, `${`[${deviceId}]`.padEnd(width + 2)} `, enable) : { deviceId, status: 'skipped', durationMs: 0 };
      }),
    );
    const report: BatchReport = {
      results,
      succeeded: results.filter((r) => r.status === 'succeeded').length,
      failed: results.filter((r) => r.status === 'failed' || r.status === 'cancelled').length,
    };
    if (ctx.json) printJson(ctx.io.stdout, report);
    else writeLine(ctx.io.stdout, summaryText(report, codes, enable));
    if (typeof reportFile === 'string') await writeReport(reportFile, report);
    if (ctx.signal?.aborted) return EXIT.cancelled;
    return report.failed > 0 ? EXIT.failed : EXIT.ok;
  },
};
