/** Human output of `ewb`: aligned tables and field lists. `--json` output never goes through here. */
import type { Writable } from 'node:stream';
import type { CliIo } from './io.js';
import { writeLine } from './io.js';

/** Rows under a header, columns padded to their widest cell; the last column is not padded. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** `label: value` lines with the values aligned; fields without a value are left out. */
export function formatFields(fields: readonly (readonly [string, string | undefined])[]): string {
  const shown = fields.filter((f): f is readonly [string, string] => f[1] !== undefined && f[1] !== '');
  const width = Math.max(0, ...shown.map(([label]) => label.length + 1));
  return shown.map(([label, value]) => `${`${label}:`.padEnd(width)}  ${value}`).join('\n');
}

/** `412672 bytes (403.0 KiB)`. */
export function formatBytes(bytes: number): string {
  return bytes < 1024 ? `${bytes} bytes` : `${bytes} bytes (${(bytes / 1024).toFixed(1)} KiB)`;
}

/** A list of values, or `none`. */
export function formatList(values: readonly string[] | undefined): string {
  return values && values.length > 0 ? values.join(', ') : 'none';
}

/** The one JSON document of a `--json` run. */
export function printJson(out: Writable, value: unknown): void {
  writeLine(out, JSON.stringify(value, null, 2));
}

/** A command's answer on stdout: `value` as the JSON document with --json, else the human text (built only then). */
export function printAnswer(ctx: { readonly json: boolean; readonly io: CliIo }, value: unknown, human: () => string): void {
  if (ctx.json) printJson(ctx.io.stdout, value);
  else writeLine(ctx.io.stdout, human());
}
