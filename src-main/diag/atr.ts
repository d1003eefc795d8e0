/**
 * ISO/IEC 7816-3 Answer To Reset parser for the diagnostics views.
 * Bad card data never throws: every oddity becomes an entry in `issues`, and whatever could be read is
 * returned. Only an empty input is an error (there is nothing to describe).
 */
import { WorkbenchError } from '../../shared/errors.js';
import { toSpacedHex } from '../../shared/hex.js';
import { describeHistoricalBytes, type HistoricalBytes } from './historical-bytes.js';

/** Default clock when the caller does not know the reader's (the ISO 7816-3 class A/B maximum at reset, rounded). */
export const DEFAULT_CLOCK_HZ = 3_570_000;

/** Clock rate conversion integer Fi and the maximum clock f(max) in MHz, indexed by the high nibble of TA1. */
export const FI_TABLE: readonly ({ fi: number; fMaxMHz: number } | undefined)[] = [
  { fi: 372, fMaxMHz: 4 }, { fi: 372, fMaxMHz: 5 }, { fi: 558, fMaxMHz: 6 }, { fi: 744, fMaxMHz: 8 },
  { fi: 1116, fMaxMHz: 12 }, { fi: 1488, fMaxMHz: 16 }, { fi: 1860, fMaxMHz: 20 }, undefined,
  undefined, { fi: 512, fMaxMHz: 5 }, { fi: 768, fMaxMHz: 7.5 }, { fi: 1024, fMaxMHz: 10 },
  { fi: 1536, fMaxMHz: 15 }, { fi: 2048, fMaxMHz: 20 }, undefined, undefined,
];

/** Baud rate adjustment integer Di, indexed by the low nibble of TA1 (undefined = RFU). */
export const DI_TABLE: readonly (number | undefined)[] = [
  undefined, 1, 2, 4, 8, 16, 32, 64, 12, 20, undefined, undefined, undefined, undefined, undefined, undefined,
];

/** Supply voltage classes of the T=15 class indicator (TAi after T=15), bit → class. */
const VOLTAGE_CLASSES: readonly { bit: number; name: string }[] = [
  { bit: 0x01, name: 'A (5 V)' },
  { bit: 0x02, name: 'B (3 V)' },
  { bit: 0x04, name: 'C (1.8 V)' },
];

const CLOCK_STOP: readonly string[] = ['not supported', 'supported in state L', 'supported in state H', 'supported, no preference'];

export interface AtrField {
  readonly name: string;
  readonly hex: string;
  readonly explanation: string;
}

export interface AtrIssue {
  /**
   * Stable id: ATR_TRUNCATED, ATR_BAD_TCK, ATR_TCK_MISSING, ATR_BAD_TS, ATR_INVERSE_UNDECODED, ATR_TRAILING_BYTES,
   * ATR_RFU_VALUE, ATR_PROTOCOL_ORDER, ATR_TOO_LONG, ATR_HISTORICAL.
   */
  readonly code: string;
  readonly message: string;
  /** Byte index in the ATR the issue refers to. */
  readonly offset?: number;
}

export interface AtrInfo {
  /** The bytes parsed (after inverse-convention correction, if it was needed), spaced hex. */
  readonly hex: string;
  /** Bytes the ATR occupies according to its own structure (may be less than the input). */
  readonly length: number;
  readonly convention: 'direct' | 'inverse' | 'unknown';
  /** Protocols the card offers, in ATR order (T=0 when no TDi is present). */
  readonly protocols: readonly number[];
  /** True when global interface bytes for T=15 are present. */
  readonly hasT15: boolean;
  /** Values from TA1 (or the defaults Fd=372, Dd=1 when absent). */
  readonly fi: number;
  readonly di: number;
  readonly fMaxMHz: number;
  /** Bit rates in bit/s after a PPS that selects Fi/Di: at `clockHz` and at f(max). Undefined when Fi or Di is RFU. */
  readonly bitRate?: { readonly atClock: number; readonly atFMax: number; readonly clockHz: number };
  /** Bit rate before any PPS (Fd=372, Dd=1) at `clockHz`. */
  readonly defaultBitRate: number;
  /** Extra guard time N from TC1 (0 when absent; 255 means minimum character spacing). */
  readonly extraGuardTime: number;
  /** T=0 work waiting time integer WI (TC2, default 10). */
  readonly waitingTimeInteger: number;
  readonly t1?: { readonly ifsc: number; readonly cwi: number; readonly bwi: number; readonly errorDetection: 'LRC' | 'CRC' };
  readonly t15?: { readonly clockStop?: string; readonly voltageClasses?: readonly string[] };
  /** TA2 present: the card is in specific mode with this protocol. */
  readonly specificMode?: { readonly protocol: number; readonly canChange: boolean };
  readonly historical: HistoricalBytes;
  readonly tck: { readonly required: boolean; readonly present: boolean; readonly value?: number; readonly valid?: boolean };
  readonly fields: readonly AtrField[];
  readonly issues: readonly AtrIssue[];
}

export interface AtrOptions {
  /** Card clock in Hz for the bit-rate figures (default 3.57 MHz). */
  readonly clockHz?: number;
}

/** Inverse convention read with direct decoding: invert and mirror each byte (TS 3F arrives as 03). */
export function fromInverse(b: number): number {
  let v = ~b & 0xff;
  let r = 0;
  for (let i = 0; i < 8; i++) {
    r = (r << 1) | (v & 1);
    v >>= 1;
  }
  return r;
}

function hex2(b: number): string {
  return b.toString(16).toUpperCase().padStart(2, '0');
}

/** Interface byte names in the order they follow a Y nibble: bit 0x10 → TA, 0x20 → TB, 0x40 → TC, 0x80 → TD. */
const INTERFACE_LETTERS = ['A', 'B', 'C', 'D'] as const;

/** Parses an ATR. Throws only for an empty input. */
export function parseAtr(input: Uint8Array, options: AtrOptions = {}): AtrInfo {
  if (input.length === 0) {
    throw new WorkbenchError('ATR_EMPTY', 'The ATR is empty.', 'Reset the card and read its Answer To Reset again; an empty ATR means the card did not answer.');
  }
  const clockHz = options.clockHz ?? DEFAULT_CLOCK_HZ;
  const issues: AtrIssue[] = [];
  const fields: AtrField[] = [];
  let bytes = input;

  let convention: AtrInfo['convention'];
  const ts = bytes[0] ?? 0;
  if (ts === 0x3b) convention = 'direct';
  else if (ts === 0x3f) convention = 'inverse';
  else if (ts === 0x03) {
    bytes = input.map(fromInverse);
    convention = 'inverse';
    issues.push({ code: 'ATR_INVERSE_UNDECODED', offset: 0, message: 'TS reads 03: the capture decoded an inverse-convention card as direct; bytes were inverted and mirrored before parsing.' });
  } else {
    convention = 'unknown';
    issues.push({ code: 'ATR_BAD_TS', offset: 0, message: `TS is ${hex2(ts)}; only 3B (direct) and 3F (inverse) are valid. Parsing continues as if it were 3B.` });
  }
  fields.push({
    name: 'TS',
    hex: hex2(bytes[0] ?? 0),
    explanation: convention === 'inverse' ? 'Inverse convention (low level = 1, most significant bit first)' : convention === 'direct' ? 'Direct convention (high level = 1, least significant bit first)' : 'Invalid initial character',
  });

  let pos = 1;
  const truncated = (what: string): void => {
    issues.push({ code: 'ATR_TRUNCATED', offset: pos, message: `The ATR ends before ${what} (byte ${pos}).` });
  };

  const protocols: number[] = [];
  let hasT15 = false;
  let fiIndex: number | undefined;
  let diIndex: number | undefined;
  let extraGuardTime = 0;
  let waitingTimeInteger = 10;
  let t1: { ifsc: number; cwi: number; bwi: number; errorDetection: 'LRC' | 'CRC' } | undefined;
  let t15: { clockStop?: string; voltageClasses?: string[] } | undefined;
  let specificMode: AtrInfo['specificMode'];
  let historicalCount = 0;
  let histBytes: Uint8Array = new Uint8Array(0);
  let complete = false;

  const t0 = bytes[pos];
  if (t0 === undefined) {
    truncated('the format byte T0');
  } else {
    historicalCount = t0 & 0x0f;
    fields.push({ name: 'T0', hex: hex2(t0), explanation: `Format byte: ${historicalCount} historical bytes; interface bytes present: ${presentList(t0, 1)}` });
    pos++;
    let y = t0 >> 4;
    let i = 1;
    let protocolOfGroup = 0; // protocol the group i ≥ 3 refers to (from TD(i-1))
    let ok = true;
    while (ok) {
      let td: number | undefined;
      for (let bit = 0; bit < 4; bit++) {
        if ((y & (1 << bit)) === 0) continue;
        const name = `T${INTERFACE_LETTERS[bit]}${i}`;
        const b = bytes[pos];
        if (b === undefined) {
          truncated(name);
          ok = false;
          break;
        }
        if (bit === 3) td = b;
        else {
          const explanation = explainInterfaceByte(bit, i, protocolOfGroup, b, {
            setFiDi: (f, d) => {
              fiIndex = f;
              diIndex = d;
            },
            setGuard: (n) => (extraGuardTime = n),
            setWi: (w) => (waitingTimeInteger = w),
            setSpecific: (m) => (specificMode = m),
            t1: () => (t1 ??= { ifsc: 32, cwi: 13, bwi: 4, errorDetection: 'LRC' }),
            t15: () => (t15 ??= {}),
            issue: (code, message) => issues.push({ code, message, offset: pos }),
          });
          fields.push({ name, hex: hex2(b), explanation });
        }
        pos++;
      }
      if (!ok) break;
      if (td === undefined) break;
      const t = td & 0x0f;
      fields.push({ name: `TD${i}`, hex: hex2(td), explanation: `Next group refers to T=${t}${t === 15 ? ' (global)' : ''}; interface bytes present: ${presentList(td, i + 1)}` });
      if (t === 15) hasT15 = true;
      else if (!protocols.includes(t)) {
        if (protocols.length > 0 && t < (protocols[protocols.length - 1] ?? 0)) {
          issues.push({ code: 'ATR_PROTOCOL_ORDER', offset: pos - 1, message: `TD${i} offers T=${t} after a higher protocol; ISO 7816-3 requires ascending order.` });
        }
        protocols.push(t);
      }
      y = td >> 4;
      protocolOfGroup = t;
      i++;
      if (i > 32) {
        issues.push({ code: 'ATR_TOO_LONG', offset: pos, message: 'More than 32 interface byte groups; the ATR is not plausible. Stopped reading interface bytes.' });
        break;
      }
    }
    if (ok) {
      histBytes = bytes.subarray(pos, pos + historicalCount);
      if (histBytes.length < historicalCount) {
        truncated(`historical byte ${histBytes.length + 1} of ${historicalCount}`);
      } else complete = true;
      pos += histBytes.length;
    }
  }
  if (protocols.length === 0) protocols.push(0);

  const historical = describeHistoricalBytes(histBytes);
  if (historical.bytes.length > 0 || historicalCount > 0) {
    fields.push({ name: 'Historical bytes', hex: historical.hex, explanation: historical.summary });
    for (const o of historical.objects) fields.push({ name: `  ${o.name}`, hex: o.hex, explanation: o.explanation });
  }
  for (const m of historical.issues) issues.push({ code: 'ATR_HISTORICAL', message: m });

  // TCK is absent only when the card offers T=0 alone (ISO 7816-3 §8.2.5).
  const tckRequired = hasT15 || protocols.some((p) => p !== 0);
  let tck: AtrInfo['tck'] = { required: tckRequired, present: false };
  if (complete && tckRequired) {
    const value = bytes[pos];
    if (value === undefined) {
      issues.push({ code: 'ATR_TCK_MISSING', offset: pos, message: 'The ATR offers a protocol other than T=0, so it must end with the check byte TCK, but TCK is missing.' });
    } else {
      let x = 0;
      for (let k = 1; k <= pos; k++) x ^= bytes[k] ?? 0;
      const valid = x === 0;
      tck = { required: true, present: true, value, valid };
      fields.push({ name: 'TCK', hex: hex2(value), explanation: valid ? 'Check byte: correct (T0 … TCK XOR to 00)' : `Check byte: WRONG, expected ${hex2(value ^ x)}` });
      if (!valid) issues.push({ code: 'ATR_BAD_TCK', offset: pos, message: `TCK is ${hex2(value)} but the bytes T0 … historical XOR to ${hex2(value ^ x)}; the ATR was corrupted or misread.` });
      pos++;
    }
  }
  if (complete && pos < bytes.length) {
    issues.push({ code: 'ATR_TRAILING_BYTES', offset: pos, message: `${bytes.length - pos} byte(s) follow the end of the ATR: ${toSpacedHex(bytes.subarray(pos, pos + 16))}${bytes.length - pos > 16 ? ' …' : ''}.` });
  }

  const fiEntry = fiIndex === undefined ? FI_TABLE[1] : FI_TABLE[fiIndex];
  const di = diIndex === undefined ? 1 : DI_TABLE[diIndex];
  const defaultBitRate = Math.round((clockHz * 1) / 372);
  const bitRate = fiEntry !== undefined && di !== undefined
    ? { clockHz, atClock: Math.round((clockHz * di) / fiEntry.fi), atFMax: Math.round((fiEntry.fMaxMHz * 1e6 * di) / fiEntry.fi) }
    : undefined;

  return {
    hex: toSpacedHex(bytes.subarray(0, Math.min(pos, bytes.length))),
    length: Math.min(pos, bytes.length),
    convention,
    protocols,
    hasT15,
    fi: fiEntry?.fi ?? 372,
    di: di ?? 1,
    fMaxMHz: fiEntry?.fMaxMHz ?? 5,
    ...(bitRate ? { bitRate } : {}),
    defaultBitRate,
    extraGuardTime,
    waitingTimeInteger,
    ...(t1 ? { t1 } : {}),
    ...(t15 ? { t15 } : {}),
    ...(specificMode ? { specificMode } : {}),
    historical,
    tck,
    fields,
    issues,
  };
}

function presentList(y: number, i: number): string {
  const names = INTERFACE_LETTERS.filter((_, bit) => (y & (0x10 << bit)) !== 0).map((l) => `T${l}${i}`);
  return names.length > 0 ? names.join(', ') : 'none';
}

interface InterfaceSink {
  setFiDi(fi: number, di: number): void;
  setGuard(n: number): void;
  setWi(wi: number): void;
  setSpecific(m: { protocol: number; canChange: boolean }): void;
  t1(): { ifsc: number; cwi: number; bwi: number; errorDetection: 'LRC' | 'CRC' };
  t15(): { clockStop?: string; voltageClasses?: string[] };
  issue(code: string, message: string): void;
}

/**
 * Meaning of TAi/TBi/TCi (bit 0/1/2). Groups 1 and 2 are global/T=0; from group 3 on the bytes belong to
 * the protocol named in TD(i-1).
 */
function explainInterfaceByte(bit: number, i: number, protocol: number, b: number, sink: InterfaceSink): string {
  if (i === 1) {
    if (bit === 0) {
      const f = FI_TABLE[b >> 4];
      const d = DI_TABLE[b & 0x0f];
      sink.setFiDi(b >> 4, b & 0x0f);
      if (!f || d === undefined) sink.issue('ATR_RFU_VALUE', `TA1 ${hex2(b)} uses a reserved Fi or Di value.`);
      return `Fi=${f?.fi ?? 'RFU'} (f max ${f?.fMaxMHz ?? '?'} MHz), Di=${d ?? 'RFU'}${f && d !== undefined ? `: ${Math.round(f.fi / d)} clocks per bit after PPS` : ''}`;
    }
    if (bit === 1) return 'Programming voltage (deprecated by ISO 7816-3:2006, ignored)';
    sink.setGuard(b);
    return b === 255 ? 'N=255: minimum character spacing (12 etu for T=0, 11 etu for T=1)' : `Extra guard time N=${b} etu`;
  }
  if (i === 2) {
    if (bit === 0) {
      const m = { protocol: b & 0x0f, canChange: (b & 0x80) === 0 };
      sink.setSpecific(m);
      return `Specific mode, T=${m.protocol}; ${m.canChange ? 'card can switch to negotiable mode' : 'card cannot change mode'}${b & 0x10 ? '; implicit Fi/Di' : ''}`;
    }
    if (bit === 1) return 'Programming voltage (deprecated, ignored)';
    sink.setWi(b);
    return `T=0 work waiting time integer WI=${b} (WT = 960 × ${b} × Fi / f)`;
  }
  if (protocol === 1) {
    const t1 = sink.t1();
    if (bit === 0) {
      t1.ifsc = b;
      if (b === 0 || b === 255) sink.issue('ATR_RFU_VALUE', `IFSC ${b} is not allowed (1…254).`);
      return `T=1 IFSC: card accepts information fields up to ${b} bytes`;
    }
    if (bit === 1) {
      t1.bwi = b >> 4;
      t1.cwi = b & 0x0f;
      return `T=1 BWI=${t1.bwi}, CWI=${t1.cwi} (CWT = ${2 ** t1.cwi + 11} etu)`;
    }
    t1.errorDetection = b & 1 ? 'CRC' : 'LRC';
    return `T=1 error detection: ${t1.errorDetection}`;
  }
  if (protocol === 15) {
    const t15 = sink.t15();
    if (bit === 0) {
      t15.clockStop = CLOCK_STOP[b >> 6] ?? '';
      t15.voltageClasses = VOLTAGE_CLASSES.filter((c) => (b & c.bit) !== 0).map((c) => c.name);
      return `Clock stop ${t15.clockStop}; supply classes ${t15.voltageClasses.join(', ') || 'none given'}`;
    }
    if (bit === 1) return `Standard or proprietary use of contact C6 (SPU) ${hex2(b)}`;
    return `T=15 byte ${hex2(b)} (reserved)`;
  }
  return `Parameter for T=${protocol}`;
}

/** One-line summary, e.g. "T=0, T=15 · Fi 512 / Di 32 · 223 kbit/s at 3.57 MHz". */
export function summarizeAtr(atr: AtrInfo): string {
  const parts = [atr.protocols.map((p) => `T=${p}`).join(', ') + (atr.hasT15 ? ', T=15' : '')];
  parts.push(`Fi ${atr.fi} / Di ${atr.di}`);
  if (atr.bitRate) parts.push(`${(atr.bitRate.atClock / 1000).toFixed(1)} kbit/s at ${(atr.bitRate.clockHz / 1e6).toFixed(2)} MHz`);
  if (atr.issues.length > 0) parts.push(`${atr.issues.length} issue(s)`);
  return parts.join(' · ');
}
