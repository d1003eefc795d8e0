/**
 * T=0 trace decoder: turns the bytes of an I/O-line capture (optionally starting with ATR and PPS) into
 * one entry per TPDU — header, procedure bytes, data, SW1 SW2 — the way a protocol analyzer lists
 * them. Direction comes from the capture when it has a direction column, otherwise from the T=0 state
 * machine plus the command table (case 2 or case 3 per INS).
 *
 * Broken captures are the normal case for a diagnostics tool: missing, extra or garbage bytes are
 * reported as problems and the decoder resynchronises on the next plausible command header. Every
 * loop advances, so any input ends; nothing in here throws on bad data.
 */
import { concatBytes, toSpacedHex } from '../../shared/hex.js';
import { swToHex } from '../card/apdu.js';
import { redactCommand } from '../card/apdu-log.js';
import { hasSecretData, instructionName } from '../card/instructions.js';
import { describeStatusWord } from '../card/status-words.js';
import { fromInverse, parseAtr, summarizeAtr, type AtrInfo } from './atr.js';
import { decodeUnknown, findCommand, responseKindFor, type DataSender, type DecoderState, type SelectTarget, type Tpdu } from './t0-commands.js';
import { readTraceText, traceFromBytes, type TraceByte, type TraceInput } from './trace-input.js';

export type EntryOutcome = 'complete' | 'no-answer' | 'incomplete';

export interface TraceEntry {
  /** 1-based position in the listing. */
  readonly no: number;
  /** Index of the first header byte in the decoded byte stream. */
  readonly offset: number;
  /** Capture time of the first header byte, in seconds. */
  readonly time?: number;
  /** Instruction name, e.g. 'SELECT', or 'PPS'. */
  readonly command: string;
  /** The 5-byte header (or the PPS request), spaced hex. */
  readonly header: string;
  readonly apdu?: { readonly cla: number; readonly ins: number; readonly p1: number; readonly p2: number; readonly p3: number };
  /** One line in words. */
  readonly decoded: string;
  /** Further decoded lines (FCP tags, ES10 fields). */
  readonly details?: readonly string[];
  /** Command data sent by the terminal (PIN values masked). */
  readonly data?: string;
  /** Data sent by the card. */
  readonly response?: string;
  /** SW1 SW2 as four hex digits, e.g. '6A82'. */
  readonly sw?: string;
  /** Meaning of the status word, or why there is none. */
  readonly status: string;
  readonly outcome: EntryOutcome;
  readonly target?: SelectTarget;
  readonly notes?: readonly string[];
}

export interface TraceProblem {
  /** Byte index in the decoded stream. */
  readonly offset?: number;
  /** 1-based line of the input text (input parsing problems). */
  readonly line?: number;
  /** Entry number the problem belongs to. */
  readonly entry?: number;
  readonly message: string;
}

export interface TraceListing {
  readonly format: TraceInput['format'];
  readonly byteCount: number;
  readonly atr?: AtrInfo;
  readonly entries: readonly TraceEntry[];
  readonly problems: readonly TraceProblem[];
}

export interface TraceOptions {
  /** Card clock for the ATR bit-rate figures. */
  readonly clockHz?: number;
}

/** How far (in bytes) the decoder looks for a status word when the data length does not fit. */
const RESYNC_WINDOW = 300;

const isSw1 = (b: number): boolean => (b & 0xf0) === 0x90 || ((b & 0xf0) === 0x60 && b !== 0x60);
const isProcedure = (b: number, ins: number): boolean => b === 0x60 || b === ins || b === (ins ^ 0xff) || isSw1(b);

interface RawTpdu {
  readonly start: number;
  readonly end: number;
  readonly header: Uint8Array;
  readonly data: number[];
  readonly response: number[];
  readonly sw?: readonly [number, number];
  readonly outcome: EntryOutcome;
  readonly notes: string[];
  readonly problems: string[];
}

class T0Decoder {
  private readonly n: number;
  constructor(private readonly bytes: readonly TraceByte[]) {
    this.n = bytes.length;
  }

  at(i: number): number {
    return this.bytes[i]?.value ?? 0;
  }

  dir(i: number): TraceByte['dir'] {
    return this.bytes[i]?.dir;
  }

  hex(from: number, to: number): string {
    return toSpacedHex(Uint8Array.from(this.bytes.slice(from, to), (b) => b.value));
  }

  plausibleHeader(p: number): boolean {
    if (p + 5 > this.n) return false;
    const cla = this.at(p);
    const ins = this.at(p + 1);
    if (cla === 0xff || (cla & 0xe0) === 0x20) return false; // PPS, or an RFU class
    if ((ins & 0xf0) === 0x60 || (ins & 0xf0) === 0x90) return false; // invalid INS in T=0
    for (let k = p; k < p + 5; k++) if (this.dir(k) === 'card') return false;
    return true;
  }

  /** A command can start at `p`: the end of the trace, or a header followed by a valid procedure byte. */
  plausibleTpduAt(p: number): boolean {
    if (p === this.n) return true;
    if (!this.plausibleHeader(p)) return false;
    if (p + 5 === this.n) return true;
    return this.dir(p + 5) !== 'terminal' && isProcedure(this.at(p + 5), this.at(p + 1));
  }

  /** A header followed by a procedure byte starts somewhere in [from, to): skipping is a better reading than "no answer". */
  answeredHeaderWithin(from: number, to: number): boolean {
    for (let p = from; p < to; p++) {
      if (this.plausibleHeader(p) && p + 5 < this.n && this.dir(p + 5) !== 'terminal' && isProcedure(this.at(p + 5), this.at(p + 1))) return true;
    }
    return false;
  }

  /**
   * Finds the status word closest to `i` that is followed by a plausible command (or the end):
   * backwards inside the last data chunk (bytes missing from the capture) or forwards (extra bytes).
   */
  resync(i: number, chunkStart: number): { k: number; missing: number; extra: number } | undefined {
    for (let d = 0; d <= RESYNC_WINDOW; d++) {
      const fwd = i + d;
      if (fwd + 1 < this.n && isSw1(this.at(fwd)) && this.plausibleTpduAt(fwd + 2)) return { k: fwd, missing: 0, extra: d };
      const back = i - d;
      if (d > 0 && back >= chunkStart && back + 1 < this.n && isSw1(this.at(back)) && this.plausibleTpduAt(back + 2)) return { k: back, missing: d, extra: 0 };
      if (fwd >= this.n && back < chunkStart) break;
    }
    return undefined;
  }

  /** Reads one TPDU starting at `pos`, or undefined when no command header starts there. */
  readTpdu(pos: number): RawTpdu | undefined {
    if (!this.plausibleHeader(pos)) return undefined;
    const header = Uint8Array.from(this.bytes.slice(pos, pos + 5), (b) => b.value);
    const [cla, ins, p1, p2, p3] = [header[0] ?? 0, header[1] ?? 0, header[2] ?? 0, header[3] ?? 0, header[4] ?? 0];
    const row = findCommand({ cla, ins, p1, p2 });
    let sender: DataSender = row?.dataFrom ?? 'terminal';
    const out = { data: [] as number[], response: [] as number[] };
    const notes: string[] = [];
    const problems: string[] = [];
    let remaining = sender === 'card' && p3 === 0 ? 256 : p3;
    let i = pos + 5;
    let procedureSeen = false;
    let nulls = 0;
    let byteByByte = false;
    let chunkStart = i;
    const finish = (end: number, outcome: EntryOutcome, sw?: readonly [number, number]): RawTpdu => {
      if (nulls > 0) notes.push(`${nulls} NULL procedure byte(s) (60): the card asked for more time.`);
      if (byteByByte) notes.push('Data transferred byte by byte (complemented INS procedure bytes).');
      return { start: pos, end, header, data: out.data, response: out.response, outcome, notes, problems, ...(sw ? { sw } : {}) };
    };
    const transfer = (count: number): void => {
      const first = this.dir(i);
      if (first !== undefined && first !== sender) {
        notes.push(`The capture shows the ${first} sending the data; ${row ? 'the command table expected the ' + sender : 'direction taken from the capture'}.`);
        sender = first;
      } else if (!row && first === undefined) {
        notes.push(`Unknown instruction ${ins.toString(16).toUpperCase().padStart(2, '0')}: data assumed to come from the terminal.`);
      }
      chunkStart = i;
      const take = Math.min(count, this.n - i);
      const target = sender === 'card' ? out.response : out.data;
      for (let k = 0; k < take; k++) target.push(this.at(i + k));
      i += take;
      remaining -= take;
    };
    const salvage = (found: { k: number; missing: number; extra: number }): RawTpdu => {
      const target = sender === 'card' ? out.response : out.data;
      if (found.missing > 0) {
        target.splice(target.length - found.missing, found.missing);
        problems.push(`${found.missing} data byte(s) fewer than announced (P3 ${p3}) before the status word: bytes missing from the capture?`);
      }
      if (found.extra > 0) problems.push(`${found.extra} unexpected byte(s) before the status word: ${this.hex(i, found.k)} (extra bytes in the capture?)`);
      return finish(found.k + 2, 'complete', [this.at(found.k), this.at(found.k + 1)]);
    };

    for (;;) {
      if (i >= this.n) {
        if (!procedureSeen) return finish(i, 'no-answer');
        problems.push(remaining > 0 ? `The trace ends during the data transfer (${remaining} byte(s) still expected).` : 'The trace ends before the status word.');
        return finish(i, 'incomplete');
      }
      const b = this.at(i);
      if (this.dir(i) === 'terminal' || !isProcedure(b, ins)) {
        if (!procedureSeen) {
          // Nothing from the card: either the card stayed silent and the terminal moved on, or this was not a header.
          if (this.dir(i) === 'terminal' || (this.plausibleTpduAt(i) && !this.answeredHeaderWithin(pos + 1, i))) return finish(i, 'no-answer');
          return undefined;
        }
        const found = this.resync(i, chunkStart);
        if (found) return salvage(found);
        problems.push(`Expected a procedure byte or status word at offset ${i}, found ${b.toString(16).toUpperCase().padStart(2, '0')}.`);
        return finish(i, 'incomplete');
      }
      procedureSeen = true;
      if (b === 0x60) {
        nulls++;
        i++;
      } else if (b === ins) {
        i++;
        if (remaining > 0) transfer(remaining);
      } else if (b === (ins ^ 0xff)) {
        byteByByte = true;
        i++;
        if (remaining > 0 && i < this.n) transfer(1);
      } else {
        if (i + 1 >= this.n) {
          problems.push('The trace ends after SW1; SW2 is missing.');
          return finish(this.n, 'incomplete');
        }
        return finish(i + 2, 'complete', [b, this.at(i + 1)]);
      }
    }
  }

  /** PPS request and answer (ISO 7816-3 §9): FF, PPS0, optional PPS1–3 by PPS0 bits 5–7, PCK. */
  readPps(pos: number): { end: number; request: string; response: string; decoded: string; status: string; problems: string[] } | undefined {
    const one = (p: number): { end: number; bytes: number[]; valid: boolean } | undefined => {
      if (this.at(p) !== 0xff || p + 1 >= this.n) return undefined;
      const pps0 = this.at(p + 1);
      const len = 3 + [0x10, 0x20, 0x40].filter((m) => (pps0 & m) !== 0).length;
      if (p + len > this.n) return undefined;
      const bytes = Array.from({ length: len }, (_, k) => this.at(p + k));
      return { end: p + len, bytes, valid: bytes.reduce((x, v) => x ^ v, 0) === 0 };
    };
    const req = one(pos);
    if (!req) return undefined;
    const res = one(req.end);
    const problems: string[] = [];
    if (!req.valid) problems.push('PPS request check byte (PCK) is wrong.');
    if (res && !res.valid) problems.push('PPS response check byte (PCK) is wrong.');
    const pps0 = req.bytes[1] ?? 0;
    const pps1 = (pps0 & 0x10) !== 0 ? req.bytes[2] : undefined;
    const decoded = `PPS: T=${pps0 & 0x0f}${pps1 !== undefined ? `, PPS1 ${pps1.toString(16).toUpperCase().padStart(2, '0')} (Fi/Di from TA1 ${pps1.toString(16).toUpperCase()})` : ', default Fi/Di'}`;
    const accepted = res !== undefined && res.bytes.join() === req.bytes.join();
    return {
      end: res?.end ?? req.end,
      request: toSpacedHex(Uint8Array.from(req.bytes)),
      response: res ? toSpacedHex(Uint8Array.from(res.bytes)) : '',
      decoded,
      status: res === undefined ? 'No PPS response from the card' : accepted ? 'PPS accepted (echoed by the card)' : 'PPS answered with different parameters',
      problems,
    };
  }
}

function toInput(input: string | Uint8Array | TraceInput): TraceInput {
  if (typeof input === 'string') return readTraceText(input);
  if (input instanceof Uint8Array) return traceFromBytes(input);
  return input;
}

/** Decodes a T=0 capture into a listing. Never throws on bad data. */
export function decodeT0Trace(input: string | Uint8Array | TraceInput, options: TraceOptions = {}): TraceListing {
  const source = toInput(input);
  const problems: TraceProblem[] = source.problems.map((p) => ({ line: p.line, message: p.message }));
  let bytes = source.bytes;
  if (bytes[0]?.value === 0x03 && bytes[0]?.dir !== 'terminal') {
    problems.push({ offset: 0, message: 'The capture starts with 03: an inverse-convention card decoded as direct. All bytes were inverted and mirrored.' });
    bytes = bytes.map((b) => ({ ...b, value: fromInverse(b.value) }));
  }
  const dec = new T0Decoder(bytes);
  const entries: TraceEntry[] = [];
  const state: DecoderState = { storeData: [] };
  let pos = 0;

  let atr: AtrInfo | undefined;
  const first = bytes[0];
  if (first && (first.value === 0x3b || first.value === 0x3f) && first.dir !== 'terminal') {
    const all = Uint8Array.from(bytes, (b) => b.value);
    const probe = parseAtr(all, options);
    atr = parseAtr(all.subarray(0, probe.length), options);
    pos = atr.length;
    for (const issue of atr.issues) problems.push({ offset: issue.offset ?? 0, message: `ATR: ${issue.message}` });
  }
  // A PPS exchange can only follow an ATR.
  const pps = atr ? dec.readPps(pos) : undefined;
  if (pps) {
    entries.push({ no: 1, offset: pos, ...timeOf(bytes, pos), command: 'PPS', header: pps.request, decoded: pps.decoded, ...(pps.response ? { response: pps.response } : {}), status: pps.status, outcome: pps.response ? 'complete' : 'no-answer' });
    for (const m of pps.problems) problems.push({ offset: pos, entry: 1, message: m });
    pos = pps.end;
  }

  let garbageStart = -1;
  const flushGarbage = (end: number): void => {
    if (garbageStart < 0) return;
    const count = end - garbageStart;
    const tail = end === bytes.length && count < 5 ? ' (the trace ends with an incomplete command header)' : '';
    problems.push({ offset: garbageStart, message: `${count} byte(s) not part of any command, skipped: ${dec.hex(garbageStart, Math.min(end, garbageStart + 24))}${count > 24 ? ' …' : ''}${tail}` });
    garbageStart = -1;
  };
  while (pos < bytes.length) {
    const raw = dec.readTpdu(pos);
    if (!raw) {
      if (garbageStart < 0) garbageStart = pos;
      pos++;
      continue;
    }
    flushGarbage(pos);
    const entry = toEntry(raw, entries.length + 1, bytes, state);
    entries.push(entry);
    for (const m of raw.problems) problems.push({ offset: raw.start, entry: entry.no, message: m });
    pos = raw.end;
  }
  flushGarbage(bytes.length);
  return { format: source.format, byteCount: bytes.length, ...(atr ? { atr } : {}), entries, problems };
}

function timeOf(bytes: readonly TraceByte[], i: number): { time?: number } {
  const t = bytes[i]?.time;
  return t === undefined ? {} : { time: t };
}

const NO_ANSWER = 'No answer from the card (no procedure byte after the header)';

function toEntry(raw: RawTpdu, no: number, bytes: readonly TraceByte[], state: DecoderState): TraceEntry {
  const [cla, ins, p1, p2, p3] = [raw.header[0] ?? 0, raw.header[1] ?? 0, raw.header[2] ?? 0, raw.header[3] ?? 0, raw.header[4] ?? 0];
  const data = Uint8Array.from(raw.data);
  const response = Uint8Array.from(raw.response);
  const tpdu: Tpdu = { cla, ins, p1, p2, p3, data, response, ...(raw.sw ? { sw1: raw.sw[0], sw2: raw.sw[1] } : {}) };
  const name = instructionName(cla, ins);
  const row = findCommand(tpdu);
  const decoding = row ? row.decode(tpdu, state) : decodeUnknown(name, tpdu);

  // Remember what a following GET RESPONSE answers; a GET RESPONSE chain (61xx again) keeps collecting.
  const sw1 = raw.sw?.[0];
  if (sw1 === 0x61 || sw1 === 0x9f) {
    if (ins === 0xc0 && state.pending) state.pending.collected.push(response);
    else state.pending = { command: name, kind: responseKindFor(tpdu), ...(decoding.target ? { target: decoding.target } : {}), collected: [] };
  } else if (raw.outcome === 'complete') state.pending = undefined;

  let status: string;
  let sw: string | undefined;
  if (raw.sw) {
    sw = swToHex(raw.sw[0], raw.sw[1]);
    status = describeStatusWord(raw.sw[0], raw.sw[1]).meaning;
  } else status = raw.outcome === 'no-answer' ? NO_ANSWER : 'Incomplete: no status word in the capture';

  const dataHex = data.length === 0 ? undefined : hasSecretData(ins) ? redactCommand(concatBytes(raw.header, data)).hex.slice(15) : toSpacedHex(data);
  const notes = [...(decoding.notes ?? []), ...raw.notes];
  return {
    no,
    offset: raw.start,
    ...timeOf(bytes, raw.start),
    command: name,
    header: toSpacedHex(raw.header),
    apdu: { cla, ins, p1, p2, p3 },
    decoded: decoding.decoded,
    ...(decoding.details?.length ? { details: decoding.details } : {}),
    ...(dataHex ? { data: dataHex } : {}),
    ...(response.length ? { response: toSpacedHex(response) } : {}),
    ...(sw ? { sw } : {}),
    status,
    outcome: raw.outcome,
    ...(decoding.target ? { target: decoding.target } : {}),
    ...(notes.length ? { notes } : {}),
  };
}

const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));

/** Protocol-analyzer style text: ATR summary, one row per entry (no., time, command, SW, decoded : status), details, problems. */
export function formatTraceListing(listing: TraceListing): string {
  const lines: string[] = [];
  if (listing.atr) {
    lines.push(`ATR ${listing.atr.hex}  (${summarizeAtr(listing.atr)})`);
    for (const f of listing.atr.fields) lines.push(`    ${pad(f.name, 20)} ${pad(f.hex, 12)} ${f.explanation}`);
    lines.push('');
  }
  lines.push(`${pad('No.', 5)}${pad('Time', 13)}${pad('Command', 22)}${pad('SW', 6)}Decoded : status`);
  for (const e of listing.entries) {
    const time = e.time === undefined ? '' : e.time.toFixed(6);
    lines.push(`${pad(String(e.no).padStart(3), 5)}${pad(time, 13)}${pad(e.command, 22)}${pad(e.sw ?? '--', 6)}${e.decoded} : ${e.status}`);
    for (const d of e.details ?? []) lines.push(`${' '.repeat(46)}${d}`);
    for (const n of e.notes ?? []) lines.push(`${' '.repeat(46)}note: ${n}`);
  }
  if (listing.problems.length > 0) {
    lines.push('', 'Problems:');
    for (const p of listing.problems) {
      const where = [p.entry !== undefined ? `entry ${p.entry}` : '', p.offset !== undefined ? `byte ${p.offset}` : '', p.line !== undefined ? `line ${p.line}` : ''].filter(Boolean).join(', ');
      lines.push(`  - ${where ? `[${where}] ` : ''}${p.message}`);
    }
  }
  return lines.join('\n');
}
