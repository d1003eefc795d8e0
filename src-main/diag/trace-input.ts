/**
 * Reads the byte stream of an ISO 7816 I/O-line capture as people hand it over: a hex dump
 * (`0x00 0xA4 …`, `00 A4 …`, `00A40004…`) or a logic-analyzer CSV export (time, byte and optionally a
 * direction column, with or without a header line). Unreadable parts become problems; nothing throws.
 */

export type TraceDirection = 'terminal' | 'card';

export interface TraceByte {
  readonly value: number;
  /** Capture time in seconds, when the input has one. */
  readonly time?: number;
  /** Who sent the byte, when the input says so. */
  readonly dir?: TraceDirection;
}

export interface TraceInputProblem {
  /** 1-based line of the input text. */
  readonly line: number;
  readonly message: string;
}

export interface TraceInput {
  readonly format: 'hex' | 'csv' | 'bytes';
  readonly bytes: readonly TraceByte[];
  readonly problems: readonly TraceInputProblem[];
}

/** Direction labels seen in annotated exports, matched case-insensitively. */
const DIRECTION_WORDS: readonly { re: RegExp; dir: TraceDirection }[] = [
  { re: /^(t|tx|terminal|host|me|reader|ifd|modem|cmd|command|>|->|=>)$/i, dir: 'terminal' },
  { re: /^(c|rx|card|icc|sim|uicc|euicc|resp|response|<|<-|<=)$/i, dir: 'card' },
];

/** Header words that name the columns of logic-analyzer exports (Saleae, sigrok, PulseView, generic). */
const COLUMN_PATTERNS = {
  time: /time|start/i,
  value: /value|data|byte|result|hex/i,
  dir: /^(dir|direction|src|source|sender|from)$/i,
  error: /parity|framing|error/i,
} as const;

function splitCsvLine(line: string, sep: string): string[] {
  return line.split(sep).map((f) => f.trim().replace(/^"(.*)"$/, '$1').trim());
}

function parseByteCell(cell: string): number | undefined {
  const prefixed = /0x([0-9a-f]{1,2})\b/i.exec(cell);
  if (prefixed?.[1] !== undefined) return parseInt(prefixed[1], 16);
  if (/^[0-9a-f]{1,2}$/i.test(cell)) return parseInt(cell, 16);
  return undefined;
}

function parseDirection(cell: string): TraceDirection | undefined {
  return DIRECTION_WORDS.find((w) => w.re.test(cell.trim()))?.dir;
}

/** A line is a CSV header when it holds words that cannot be hex bytes. */
function looksLikeHeader(line: string): boolean {
  return /[g-wyzG-WYZ]{2,}/.test(line.replace(/0x/gi, ''));
}

function detectSeparator(line: string): string | undefined {
  const counts = [',', ';', '\t'].map((s) => ({ s, n: line.split(s).length - 1 }));
  const best = counts.sort((a, b) => b.n - a.n)[0];
  return best && best.n > 0 ? best.s : undefined;
}

function isCsv(lines: readonly string[]): boolean {
  const first = lines[0];
  if (first === undefined) return false;
  const sep = detectSeparator(first);
  if (sep === undefined) return false;
  if (looksLikeHeader(first)) return true;
  // Header-less export: first column is a time with a decimal point, second a byte.
  const fields = splitCsvLine(first, sep);
  return fields.length >= 2 && fields.length <= 4 && /^[-+]?\d*\.\d+(e[-+]?\d+)?$/i.test(fields[0] ?? '') && parseByteCell(fields[1] ?? '') !== undefined;
}

function readCsv(lines: readonly { text: string; line: number }[]): TraceInput {
  const bytes: TraceByte[] = [];
  const problems: TraceInputProblem[] = [];
  const first = lines[0];
  if (!first) return { format: 'csv', bytes, problems };
  const sep = detectSeparator(first.text) ?? ',';
  // Header-less exports: time, byte, and optionally who sent it.
  let columns = { time: 0, value: 1, dir: 2, error: -1 };
  let body = lines;
  if (looksLikeHeader(first.text)) {
    const names = splitCsvLine(first.text, sep);
    const find = (re: RegExp, skip: readonly number[] = []): number => names.findIndex((n, i) => re.test(n) && !skip.includes(i));
    const time = find(COLUMN_PATTERNS.time);
    const value = find(COLUMN_PATTERNS.value, [time]);
    columns = { time, value, dir: find(COLUMN_PATTERNS.dir), error: find(COLUMN_PATTERNS.error) };
    if (value < 0) {
      problems.push({ line: first.line, message: `No byte column found in the CSV header (${names.join(', ')}); expected a column named Value, Data or Byte.` });
      return { format: 'csv', bytes, problems };
    }
    body = lines.slice(1);
  }
  for (const { text, line } of body) {
    const fields = splitCsvLine(text, sep);
    const value = parseByteCell(fields[columns.value] ?? '');
    if (value === undefined) {
      problems.push({ line, message: `No byte value in CSV row: ${text.slice(0, 60)}` });
      continue;
    }
    const flagged = columns.error >= 0 ? (fields[columns.error] ?? '') : '';
    if (flagged !== '' && !/^(0|false|no)$/i.test(flagged)) {
      // T=0 error signalling: the receiver flagged the character, so the sender repeats it; keep only the repeat.
      problems.push({ line, message: `Parity/framing error flagged on byte ${value.toString(16).toUpperCase().padStart(2, '0')}; dropped (T=0 repeats the character).` });
      continue;
    }
    const time = columns.time >= 0 ? Number.parseFloat(fields[columns.time] ?? '') : Number.NaN;
    const dir = columns.dir >= 0 ? parseDirection(fields[columns.dir] ?? '') : undefined;
    bytes.push({ value, ...(Number.isFinite(time) ? { time } : {}), ...(dir ? { dir } : {}) });
  }
  return { format: 'csv', bytes, problems };
}

function readHex(lines: readonly { text: string; line: number }[]): TraceInput {
  const bytes: TraceByte[] = [];
  const problems: TraceInputProblem[] = [];
  for (const { text, line } of lines) {
    for (const token of text.split(/[\s,;:]+/)) {
      if (token === '') continue;
      const digits = token.replace(/^0x/i, '');
      if (/^([0-9a-f]{2})+$/i.test(digits)) {
        for (let i = 0; i < digits.length; i += 2) bytes.push({ value: parseInt(digits.slice(i, i + 2), 16) });
      } else if (/^[0-9a-f]$/i.test(digits) && /^0x/i.test(token)) {
        bytes.push({ value: parseInt(digits, 16) });
      } else {
        problems.push({ line, message: `Not a hex byte: "${token.slice(0, 40)}" (skipped).` });
      }
    }
  }
  return { format: 'hex', bytes, problems };
}

/** Reads a capture given as text (hex dump or CSV export). */
export function readTraceText(text: string): TraceInput {
  const lines = text
    .split(/\r?\n/)
    .map((t, i) => ({ text: t.trim(), line: i + 1 }))
    .filter((l) => l.text !== '' && !l.text.startsWith('#'));
  return isCsv(lines.map((l) => l.text)) ? readCsv(lines) : readHex(lines);
}

/** Wraps raw bytes (no times, no directions). */
export function traceFromBytes(bytes: Uint8Array): TraceInput {
  return { format: 'bytes', bytes: [...bytes].map((value) => ({ value })), problems: [] };
}
