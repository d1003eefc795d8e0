/**
 * Value codecs for primitive ASN.1 types (DER rules of X.690 §8/§10/§11): content octets ↔ JS values,
 * plus a human rendering used by describe.ts. Tags are applied by schema.ts.
 */
import { WorkbenchError } from '../../shared/errors.js';

export interface PrimitiveCodec<T> {
  /** ASN.1 type name for messages, e.g. 'INTEGER'. */
  readonly name: string;
  readonly universalTag: number;
  decode(content: Uint8Array, path: string, offset: number | undefined): T;
  encode(value: T, path: string): Uint8Array;
  /** Human rendering for describe.ts; absent = show the content bytes as hex. */
  render?(value: T): string;
  /** True for a value outside the named values (a weaker structural match for describe.ts). */
  isUnnamed?(value: T): boolean;
}

export interface SizeRange {
  min?: number;
  max?: number;
}

/** SCHEMA_BAD_VALUE with path (and offset when decoding). */
export function badValue(path: string, offset: number | undefined, problem: string, extra: Record<string, unknown> = {}): WorkbenchError {
  return new WorkbenchError('SCHEMA_BAD_VALUE', `${path}: ${problem}`, 'The value is malformed for its type; check the sender, or the value given to the encoder.', {
    details: { path, ...(offset === undefined ? {} : { offset }), ...extra },
  });
}

function checkSize(n: number, size: SizeRange | undefined, path: string, offset: number | undefined, unit: string): void {
  if (!size) return;
  if ((size.min !== undefined && n < size.min) || (size.max !== undefined && n > size.max)) {
    const range = size.min === size.max ? `${size.min}` : `${size.min ?? 0}..${size.max ?? '∞'}`;
    throw badValue(path, offset, `size ${n} ${unit} is outside the allowed ${range}.`, { size: n });
  }
}

// ------------------------------------------------------------------------------------------- INTEGER

function decodeInteger(content: Uint8Array, path: string, offset: number | undefined): number {
  const first = content[0];
  if (first === undefined) throw badValue(path, offset, 'INTEGER with no content octets.');
  if (content.length > 7) throw badValue(path, offset, `INTEGER of ${content.length} bytes is too large for this field.`);
  let v = first >= 0x80 ? first - 0x100 : first;
  for (let i = 1; i < content.length; i++) v = v * 256 + (content[i] ?? 0);
  if (!Number.isSafeInteger(v)) throw badValue(path, offset, 'INTEGER is too large for this field.');
  return v;
}

/** Minimal two's complement (DER): 0 → 00, 128 → 00 80, −129 → FF 7F. */
export function encodeInteger(value: number, path: string): Uint8Array {
  if (!Number.isSafeInteger(value)) throw badValue(path, undefined, `${String(value)} is not a safe integer.`);
  if (value >= -0x80 && value <= 0x7f) return Uint8Array.of(value & 0xff); // the common case: codes, small counters
  const out: number[] = [];
  let v = BigInt(value);
  for (;;) {
    out.unshift(Number(v & 0xffn));
    v >>= 8n;
    const top = (out[0] ?? 0) & 0x80;
    if ((v === 0n && top === 0) || (v === -1n && top !== 0)) break;
  }
  return Uint8Array.from(out);
}

const integer: PrimitiveCodec<number> = {
  name: 'INTEGER',
  universalTag: 0x02,
  decode: decodeInteger,
  encode: encodeInteger,
  render: (v) => String(v),
};

function enumerated<N extends Record<string, number>>(names: N): PrimitiveCodec<(keyof N & string) | number> {
  const byCode = new Map<number, string>(Object.entries(names).map(([name, code]) => [code, name]));
  return {
    name: 'INTEGER',
    universalTag: 0x02,
    decode(content, path, offset) {
      const code = decodeInteger(content, path, offset);
      return byCode.get(code) ?? code;
    },
    encode(value, path) {
      if (typeof value === 'number') return encodeInteger(value, path);
      const code = names[value];
      if (code === undefined) throw badValue(path, undefined, `'${value}' is not one of ${Object.keys(names).join(', ')}.`);
      return encodeInteger(code, path);
    },
    render: (v) => (typeof v === 'number' ? `${v} (unknown value)` : `${v} (${names[v]})`),
    isUnnamed: (v) => typeof v === 'number',
  };
}

// ------------------------------------------------------------------------------------------- BOOLEAN

const boolean: PrimitiveCodec<boolean> = {
  name: 'BOOLEAN',
  universalTag: 0x01,
  decode(content, path, offset) {
    if (content.length !== 1) throw badValue(path, offset, `BOOLEAN must be 1 byte, got ${content.length}.`);
    return content[0] !== 0; // BER: any non-zero is TRUE; DER writes FF.
  },
  encode: (v) => Uint8Array.of(v ? 0xff : 0x00),
  render: (v) => (v ? 'TRUE' : 'FALSE'),
};

const nullCodec: PrimitiveCodec<null> = {
  name: 'NULL',
  universalTag: 0x05,
  decode(content, path, offset) {
    if (content.length !== 0) throw badValue(path, offset, 'NULL must have no content.');
    return null;
  },
  encode: () => new Uint8Array(0),
  render: () => 'NULL',
};

// ------------------------------------------------------------------------------ OCTET STRING, UTF8String

function octetString(size?: SizeRange): PrimitiveCodec<Uint8Array> {
  return {
    name: 'OCTET STRING',
    universalTag: 0x04,
    decode(content, path, offset) {
      checkSize(content.length, size, path, offset, 'bytes');
      return content;
    },
    encode(value, path) {
      checkSize(value.length, size, path, undefined, 'bytes');
      return value;
    },
  };
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

function utf8String(size?: SizeRange): PrimitiveCodec<string> {
  return {
    name: 'UTF8String',
    universalTag: 0x0c,
    // Lenient: a nickname with a broken byte must not make a whole profile list unreadable.
    decode(content, path, offset) {
      checkSize(content.length, size, path, offset, 'bytes');
      return utf8Decoder.decode(content);
    },
    encode(value, path) {
      const bytes = utf8Encoder.encode(value);
      checkSize(bytes.length, size, path, undefined, 'bytes');
      return bytes;
    },
    render: (v) => JSON.stringify(v),
  };
}

// ------------------------------------------------------------------------------------------ BIT STRING

function bitString<N extends readonly string[]>(names: N): PrimitiveCodec<(N[number] | number)[]> {
  type Bit = N[number] | number;
  return {
    name: 'BIT STRING',
    universalTag: 0x03,
    decode(content, path, offset) {
      const unused = content[0];
      if (unused === undefined) throw badValue(path, offset, 'BIT STRING with no content octets.');
      if (unused > 7 || (content.length === 1 && unused !== 0)) throw badValue(path, offset, `BIT STRING with invalid unused-bits count ${unused}.`);
      const bits: Bit[] = [];
      const total = (content.length - 1) * 8 - unused;
      for (let i = 0; i < total; i++) {
        if (((content[1 + (i >> 3)] ?? 0) >> (7 - (i & 7))) & 1) bits.push(names[i] ?? i);
      }
      return bits;
    },
    /** DER for named-bit lists: trailing zero bits removed, e.g. bit 0 only → 07 80. */
    encode(value, path) {
      const indexes = value.map((b) => {
        const i = typeof b === 'number' ? b : names.indexOf(b);
        if (!Number.isInteger(i) || i < 0 || i > 0xffff) throw badValue(path, undefined, `'${String(b)}' is not a bit of ${names.length ? names.join(', ') : 'this BIT STRING'}.`);
        return i;
      });
      if (indexes.length === 0) return Uint8Array.of(0);
      const highest = Math.max(...indexes);
      const out = new Uint8Array(2 + (highest >> 3));
      out[0] = 7 - (highest & 7);
      for (const i of indexes) out[1 + (i >> 3)] = (out[1 + (i >> 3)] ?? 0) | (0x80 >> (i & 7));
      return out;
    },
    render: (v) => (v.length === 0 ? '(none)' : v.map(String).join(', ')),
  };
}

// ---------------------------------------------------------------------------------- OBJECT IDENTIFIER

const oid: PrimitiveCodec<string> = {
  name: 'OBJECT IDENTIFIER',
  universalTag: 0x06,
  decode(content, path, offset) {
    if (content.length === 0 || ((content[content.length - 1] ?? 0) & 0x80) !== 0) throw badValue(path, offset, 'OBJECT IDENTIFIER is empty or ends inside a sub-identifier.');
    const subs: bigint[] = [];
    let acc = 0n;
    for (const b of content) {
      acc = (acc << 7n) | BigInt(b & 0x7f);
      if ((b & 0x80) === 0) {
        subs.push(acc);
        acc = 0n;
      }
    }
    // The first sub-identifier packs two arcs as 40·X + Y; X = 2 allows Y ≥ 40 (a classic decoder bug).
    const first = subs[0] ?? 0n;
    const x = first < 40n ? 0n : first < 80n ? 1n : 2n;
    return [x, first - 40n * x, ...subs.slice(1)].join('.');
  },
  encode(value, path) {
    if (!/^[0-2](\.\d+)+$/.test(value)) throw badValue(path, undefined, `'${value}' is not a dotted OBJECT IDENTIFIER such as 2.999.10.`);
    const arcs = value.split('.').map(BigInt);
    const [x = 0n, y = 0n, ...rest] = arcs;
    if (x < 2n && y >= 40n) throw badValue(path, undefined, `second arc of '${value}' must be below 40.`);
    const out: number[] = [];
    for (const sub of [40n * x + y, ...rest]) {
      const groups: number[] = [Number(sub & 0x7fn)];
      for (let s = sub >> 7n; s > 0n; s >>= 7n) groups.unshift(Number(s & 0x7fn) | 0x80);
      out.push(...groups);
    }
    return Uint8Array.from(out);
  },
  render: (v) => v,
};

export const primitiveCodecs = { integer, enumerated, boolean, null: nullCodec, octetString, utf8String, bitString, oid };
