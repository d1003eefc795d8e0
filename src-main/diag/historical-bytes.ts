/**
 * ATR historical bytes (ISO/IEC 7816-4 §8.1.1): category indicator and compact-TLV objects.
 * Tolerant: malformed objects become `issues`, never exceptions.
 */
import { toSpacedHex } from '../../shared/hex.js';
import { swToHex } from '../card/apdu.js';

export interface HistoricalObject {
  /** Compact-TLV tag nibble (1…F), or 0 for the status indicator of category 00. */
  readonly tag: number;
  readonly name: string;
  readonly hex: string;
  readonly explanation: string;
}

export interface HistoricalBytes {
  readonly bytes: Uint8Array;
  readonly hex: string;
  /** 00 / 80 / 10 or proprietary; undefined when there are no historical bytes. */
  readonly category?: number;
  readonly summary: string;
  readonly objects: readonly HistoricalObject[];
  /** Life cycle status and status word from the status indicator, when present. */
  readonly status?: { readonly lcs?: number; readonly sw?: string };
  readonly issues: readonly string[];
}

const bit = (b: number, mask: number): boolean => (b & mask) !== 0;

/** Compact-TLV objects, as data: tag nibble → name and value decoder. */
const COMPACT_TLV: readonly { tag: number; name: string; explain: (v: Uint8Array) => string }[] = [
  { tag: 0x1, name: 'Country code', explain: (v) => `Country ${toSpacedHex(v)}` },
  { tag: 0x2, name: 'Issuer identification number', explain: (v) => `IIN ${toSpacedHex(v)}` },
  { tag: 0x3, name: 'Card service data', explain: (v) => explainCardServiceData(v[0] ?? 0) },
  { tag: 0x4, name: 'Initial access data', explain: (v) => `Initial access data ${toSpacedHex(v)}` },
  { tag: 0x5, name: "Card issuer's data", explain: (v) => `Issuer data ${toSpacedHex(v)}` },
  { tag: 0x6, name: 'Pre-issuing data', explain: (v) => `Manufacturer/IC data ${toSpacedHex(v)}` },
  { tag: 0x7, name: 'Card capabilities', explain: explainCardCapabilities },
  { tag: 0x8, name: 'Status indicator', explain: (v) => explainStatus(v).text },
  { tag: 0xf, name: 'Application identifier', explain: (v) => `AID ${toSpacedHex(v)}` },
];

function explainCardServiceData(b: number): string {
  const parts: string[] = [];
  if (bit(b, 0x80)) parts.push('application selection by full DF name');
  if (bit(b, 0x40)) parts.push('by partial DF name');
  if (bit(b, 0x20)) parts.push('BER-TLV objects in EF.DIR');
  if (bit(b, 0x10)) parts.push('BER-TLV objects in EF.ATR');
  const access = (b >> 1) & 0x07;
  parts.push(access === 0b100 ? 'EF.DIR/EF.ATR read by READ BINARY' : access === 0b000 ? 'EF.DIR/EF.ATR read by READ RECORD' : access === 0b010 ? 'EF.DIR/EF.ATR read by GET DATA' : 'EF.DIR/EF.ATR access method reserved');
  parts.push(bit(b, 0x01) ? 'card without MF' : 'card with MF');
  return parts.join('; ');
}

function explainCardCapabilities(v: Uint8Array): string {
  const parts: string[] = [];
  const [sel, coding, third] = [v[0], v[1], v[2]];
  if (sel !== undefined) {
    const methods = [
      [0x80, 'full DF name'], [0x40, 'partial DF name'], [0x20, 'path'], [0x10, 'file identifier'], [0x08, 'implicit DF'],
    ] as const;
    const m = methods.filter(([mask]) => bit(sel, mask)).map(([, n]) => n);
    parts.push(`selection by ${m.join(', ') || 'none'}`);
    if (bit(sel, 0x04)) parts.push('short EF identifiers');
    if (bit(sel, 0x02)) parts.push('record numbers');
    if (bit(sel, 0x01)) parts.push('record identifiers');
  }
  if (coding !== undefined) {
    parts.push(`data unit ${2 ** (coding & 0x0f)} quartet(s)`);
    if (bit(coding, 0x80)) parts.push('EFs of TLV structure');
  }
  if (third !== undefined) {
    if (bit(third, 0x80)) parts.push('command chaining');
    if (bit(third, 0x40)) parts.push('extended Lc/Le');
    const assign = [bit(third, 0x10) ? 'card' : '', bit(third, 0x08) ? 'terminal' : ''].filter(Boolean);
    if (assign.length > 0) {
      const n = (third & 0x07) + 1;
      parts.push(`logical channels assigned by ${assign.join(' and ')}, up to ${n === 8 ? '8 or more' : n}`);
    } else parts.push('no logical channels');
  }
  return parts.join('; ');
}

function explainStatus(v: Uint8Array): { text: string; lcs?: number; sw?: string } {
  if (v.length === 1) return { text: `Life cycle status ${toSpacedHex(v)}`, lcs: v[0] ?? 0 };
  if (v.length === 2) return { text: `Status word ${swToHex(v[0] ?? 0, v[1] ?? 0)}`, sw: swToHex(v[0] ?? 0, v[1] ?? 0) };
  if (v.length === 3) {
    const sw = swToHex(v[1] ?? 0, v[2] ?? 0);
    return { text: `Life cycle status ${toSpacedHex(v.subarray(0, 1))}, status word ${sw}`, lcs: v[0] ?? 0, sw };
  }
  return { text: `Status indicator of unexpected length ${v.length}` };
}

/** Walks compact-TLV objects (tag nibble + length nibble). */
function readCompactTlv(data: Uint8Array, objects: HistoricalObject[], issues: string[]): { lcs?: number; sw?: string } | undefined {
  let status: { lcs?: number; sw?: string } | undefined;
  let pos = 0;
  while (pos < data.length) {
    const head = data[pos] ?? 0;
    const tag = head >> 4;
    const len = head & 0x0f;
    const value = data.subarray(pos + 1, pos + 1 + len);
    if (value.length < len) {
      issues.push(`Compact-TLV object ${toSpacedHex(Uint8Array.of(head))} announces ${len} byte(s) but only ${value.length} remain.`);
    }
    const def = COMPACT_TLV.find((d) => d.tag === tag);
    objects.push({
      tag,
      name: def?.name ?? `Tag ${tag.toString(16).toUpperCase()}`,
      hex: toSpacedHex(data.subarray(pos, pos + 1 + len)),
      explanation: def ? def.explain(value) : `Value ${toSpacedHex(value)}`,
    });
    if (tag === 0x8) {
      const s = explainStatus(value);
      status = { ...(s.lcs !== undefined ? { lcs: s.lcs } : {}), ...(s.sw ? { sw: s.sw } : {}) };
    }
    pos += 1 + len;
  }
  return status;
}

export function describeHistoricalBytes(bytes: Uint8Array): HistoricalBytes {
  const hex = toSpacedHex(bytes);
  const objects: HistoricalObject[] = [];
  const issues: string[] = [];
  const category = bytes[0];
  if (category === undefined) return { bytes, hex, summary: 'No historical bytes', objects, issues };

  let status: HistoricalBytes['status'];
  let summary: string;
  if (category === 0x00) {
    // Category 00: compact-TLV objects, then a mandatory 3-byte status indicator outside TLV.
    if (bytes.length < 4) {
      issues.push('Category 00 needs a 3-byte status indicator at the end, but the historical bytes are too short.');
      readCompactTlv(bytes.subarray(1), objects, issues);
    } else {
      readCompactTlv(bytes.subarray(1, bytes.length - 3), objects, issues);
      const s = explainStatus(bytes.subarray(bytes.length - 3));
      status = { ...(s.lcs !== undefined ? { lcs: s.lcs } : {}), ...(s.sw ? { sw: s.sw } : {}) };
      objects.push({ tag: 0, name: 'Status indicator', hex: toSpacedHex(bytes.subarray(bytes.length - 3)), explanation: s.text });
    }
    summary = 'Category 00: compact-TLV objects followed by a status indicator';
  } else if (category === 0x80) {
    status = readCompactTlv(bytes.subarray(1), objects, issues);
    summary = 'Category 80: compact-TLV objects';
  } else if (category === 0x10) {
    summary = bytes.length === 2 ? `Category 10: DIR data reference ${toSpacedHex(bytes.subarray(1))}` : 'Category 10: DIR data reference (expected exactly one byte)';
    if (bytes.length !== 2) issues.push(`Category 10 takes one DIR data reference byte, found ${bytes.length - 1}.`);
  } else if (category >= 0x81 && category <= 0x8f) {
    summary = `Category ${toSpacedHex(Uint8Array.of(category))}: reserved for future use`;
  } else {
    const ascii = [...bytes].every((b) => b >= 0x20 && b < 0x7f) ? ` ("${String.fromCharCode(...bytes)}")` : '';
    summary = `Proprietary historical bytes${ascii}`;
  }
  return { bytes, hex, category, summary, objects, ...(status ? { status } : {}), issues };
}
