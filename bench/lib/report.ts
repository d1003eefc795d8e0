/**
 * What every benchmark script does with its numbers: order statistics, a plain-text table on stdout,
 * and bench/results/<name>.json stamped with the date and the machine (so results from different
 * hosts are never compared by mistake).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function sorted(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/** Middle value; the mean of the two middle values for an even count; 0 for none. */
export function median(values: readonly number[]): number {
  const s = sorted(values);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/** Nearest-rank percentile (`p` in 0–100): the smallest value with at least p % of the values at or below it. */
export function percentile(values: readonly number[], p: number): number {
  const s = sorted(values);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? 0;
}

/** Prints `header` and `rows` as columns two spaces apart; `rightAligned(c)` pads column c on the left. */
export function printTable(header: readonly string[], rows: readonly (readonly string[])[], rightAligned: (column: number) => boolean): void {
  const table = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...table.map((row) => (row[c] ?? '').length)));
  for (const row of table) console.log(row.map((cell, c) => (rightAligned(c) ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0))).join('  '));
}

/**
 * Writes bench/results/<name>.json (overwritten): benchmark name, date, Node version, platform and
 * CPU model first, then `body`. Prints and returns the path.
 */
export function writeResults(name: string, body: Record<string, unknown>): string {
  const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'results', `${name}.json`);
  mkdirSync(dirname(out), { recursive: true });
  const header = { benchmark: name, date: new Date().toISOString(), node: process.version, platform: `${process.platform} ${process.arch}`, cpu: cpus()[0]?.model ?? 'unknown' };
  writeFileSync(out, `${JSON.stringify({ ...header, ...body }, null, 2)}\n`);
  console.log(`\nwritten ${out}`);
  return out;
}
