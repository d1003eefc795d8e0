/**
 * BER-TLV reading and DER writing (ISO/IEC 8825-1, as used by SGP.22 and ISO 7816-4).
 *
 * A tag is represented as the number formed by ALL its tag bytes, e.g. 0x5A, 0x9F70, 0xBF2D, 0x5F37,
 * so code and logs read like the specification tables. Tags of up to 4 bytes are supported (tag
 * numbers up to 2^21 − 1), far beyond anything SGP.22, SAIP or X.509 use.
 *
 * Parsing never recurses (an explicit stack bounds nesting) and never allocates from a length claim:
 * `value`, `raw` and `children` are views into the input buffer.
 */
import { WorkbenchError } from '../../shared/errors.js';

export type TagClass = 'universal' | 'application' | 'context' | 'private';

export interface Tlv {
  /** All tag bytes as one number, e.g. 0xBF2D. */
  tag: number;
  constructed: boolean;
  tagClass: TagClass;
  /** Content octets (a view into the parsed buffer). */
  value: Uint8Array;
  /** The exact received bytes of this TLV including tag and length (a view into the parsed buffer). */
  raw: Uint8Array;
  /** Offset of the first tag byte in the buffer handed to the parser. */
  offset: number;
  /** Parsed content of a constructed TLV. */
  children?: Tlv[];
}

/** The header of one TLV as read from a buffer, before its content is looked at. */
export interface TlvHeader {
  tag: number;
  constructed: boolean;
  tagClass: TagClass;
  /** Bytes taken by tag plus length field. */
  headerLength: number;
  /** The declared content length. */
  length: number;
}

export interface TlvParseOptions {
  /** Deepest nesting accepted (the outermost TLV is depth 1). Default {@link DEFAULT_MAX_TLV_DEPTH}. */
  maxDepth?: number;
  /** Largest content length accepted, in bytes. Default {@link DEFAULT_MAX_TLV_LENGTH}. */
  maxLength?: number;
}

/** SGP.22 structures nest fewer than 12 levels; 64 leaves room for X.509 and SAIP. */
export const DEFAULT_MAX_TLV_DEPTH = 64;
/** 4 MiB: larger than any Bound Profile Package an eUICC can hold, small enough to reject nonsense. */
export const DEFAULT_MAX_TLV_LENGTH = 4 * 1024 * 1024;
/** Tags longer than this many bytes are rejected (numbers above 2^21 − 1 exist in no spec we handle). */
const MAX_TAG_BYTES = 4;

const TAG_CLASSES: readonly TagClass[] = ['universal', 'application', 'context', 'private'];

function tlvError(code: string, message: string, hint: string, offset: number, details: Record<string, unknown> = {}): WorkbenchError {
  return new WorkbenchError(code, message, hint, { details: { offset, ...details } });
}

const HINT_CUT = 'The data looks cut off: check that the whole response was captured (GET RESPONSE chaining, log line wrapping).';

/** Number of bytes in a tag given as a number (0x5A → 1, 0x9F70 → 2, 0xBF2D → 2). */
function tagByteCount(tag: number): number {
  let n = 1;
  for (let t = tag; t > 0xff; t = Math.floor(t / 256)) n++;
  return n;
}

/** First tag byte of a tag number. */
function firstTagByte(tag: number): number {
  return Math.floor(tag / 256 ** (tagByteCount(tag) - 1));
}

function checkTagNumber(tag: number): void {
  if (!Number.isSafeInteger(tag) || tag < 0 || tag > 0xffffffff) {
    throw tlvError('TLV_BAD_TAG', `Tag ${String(tag)} is not a tag of 1–4 bytes.`, 'Write tags as the number of all their bytes, e.g. 0xBF2D.', 0);
  }
}

/**
 * The tag's bytes, validated against the BER rules (low tag numbers ≤ 30 use one byte; otherwise
 * 0x1F in the first byte, base-128 continuation bytes with bit 8 set on all but the last).
 */
export function tagToBytes(tag: number): Uint8Array {
  const cached = tagBytesCache.get(tag);
  if (cached) return cached.slice();
  checkTagNumber(tag);
  const count = tagByteCount(tag);
  const out = new Uint8Array(count);
  let t = tag;
  for (let i = count - 1; i >= 0; i--) {
    out[i] = t % 256;
    t = Math.floor(t / 256);
  }
  let readLength: number;
  try {
    readLength = readTagAt(out, 0, out.length).length;
  } catch {
    readLength = -1;
  }
  if (readLength !== count) {
    throw tlvError('TLV_BAD_TAG', `0x${tagToHex(tag)} is not a well-formed BER tag.`, 'Multi-byte tags start with a byte whose low 5 bits are 11111 (e.g. 9F, BF, 5F) and continue with base-128 bytes.', 0, { tag: tagToHex(tag) });
  }
  if (tagBytesCache.size < TAG_CACHE_LIMIT) tagBytesCache.set(tag, out.slice());
  return out;
}

/** Encoding uses a few dozen distinct tags over and over; validating each once is enough. */
const tagBytesCache = new Map<number, Uint8Array>();
const TAG_CACHE_LIMIT = 1024;

/** Upper-case hex of the tag bytes, e.g. 'BF2D', '5A'. */
export function tagToHex(tag: number): string {
  const hex = tag.toString(16).toUpperCase();
  return hex.length % 2 === 0 ? hex : `0${hex}`;
}

export function tagClassOf(tag: number): TagClass {
  return TAG_CLASSES[firstTagByte(tag) >> 6] ?? 'universal';
}

export function isConstructedTag(tag: number): boolean {
  return (firstTagByte(tag) & 0x20) !== 0;
}

/** The tag's number within its class (0xBF2D → 45, 0x5A → 26). */
export function tagNumberOf(tag: number): number {
  const bytes = tagToBytes(tag);
  if (bytes.length === 1) return tag & 0x1f;
  let n = 0;
  for (let i = 1; i < bytes.length; i++) n = n * 128 + ((bytes[i] ?? 0) & 0x7f);
  return n;
}

/** Builds a tag from class, form and number, e.g. ('context', true, 45) → 0xBF2D. */
export function makeTag(tagClass: TagClass, constructed: boolean, tagNumber: number): number {
  const lead = (TAG_CLASSES.indexOf(tagClass) << 6) | (constructed ? 0x20 : 0);
  if (tagNumber < 31) return lead | tagNumber;
  const groups: number[] = [];
  for (let n = tagNumber; n > 0; n = Math.floor(n / 128)) groups.unshift(n % 128);
  let tag = lead | 0x1f;
  groups.forEach((g, i) => {
    tag = tag * 256 + (i < groups.length - 1 ? g | 0x80 : g);
  });
  checkTagNumber(tag);
  return tag;
}

/** Reads a tag at `offset`; returns it and its byte count. */
function readTagAt(bytes: Uint8Array, offset: number, end: number): { tag: number; length: number } {
  const first = bytes[offset];
  if (first === undefined || offset >= end) {
    throw tlvError('TLV_TRUNCATED', `Data ends where a tag was expected (offset ${offset}).`, HINT_CUT, offset);
  }
  if (first === 0x00) {
    throw tlvError('TLV_BAD_TAG', `Byte 00 at offset ${offset} is not a valid tag here (it only ends indefinite-length content, which DER forbids).`, 'The data may be padded with zeros or not be BER-TLV at all.', offset, { tag: '00' });
  }
  if ((first & 0x1f) !== 0x1f) return { tag: first, length: 1 };
  let tag = first;
  let i = offset + 1;
  for (;;) {
    const b = bytes[i];
    if (b === undefined || i >= end) {
      throw tlvError('TLV_TRUNCATED', `Data ends inside a multi-byte tag starting at offset ${offset}.`, HINT_CUT, offset);
    }
    if (i === offset + 1 && (b === 0x80 || b < 0x1f)) {
      // Leading zero groups, or a number that fits the one-byte form: not DER, and ambiguous as a number.
      throw tlvError('TLV_BAD_TAG', `Malformed multi-byte tag ${hexByte(first)} ${hexByte(b)} at offset ${offset}.`, 'Tag numbers 0–30 must use the one-byte form and continuation bytes must not start with 80.', offset);
    }
    tag = tag * 256 + b;
    i++;
    if (i - offset > MAX_TAG_BYTES) {
      throw tlvError('TLV_BAD_TAG', `Tag at offset ${offset} is longer than ${MAX_TAG_BYTES} bytes.`, 'The data is probably not BER-TLV, or it is misaligned (a byte missing or extra before this point).', offset);
    }
    if ((b & 0x80) === 0) return { tag, length: i - offset };
  }
}

function hexByte(b: number): string {
  return b.toString(16).toUpperCase().padStart(2, '0');
}

/**
 * Reads tag and length of the TLV at `offset` (bounded by `end`, default the buffer end) without
 * looking at its content.
 */
export function readTlvHeader(bytes: Uint8Array, offset = 0, end = bytes.length, options: TlvParseOptions = {}): TlvHeader {
  const maxLength = options.maxLength ?? DEFAULT_MAX_TLV_LENGTH;
  const { tag, length: tagLength } = readTagAt(bytes, offset, end);
  const lenOffset = offset + tagLength;
  const first = bytes[lenOffset];
  if (first === undefined || lenOffset >= end) {
    throw tlvError('TLV_TRUNCATED', `Data ends after tag ${tagToHex(tag)} where its length was expected.`, HINT_CUT, offset, { tag: tagToHex(tag) });
  }
  let length: number;
  let lengthBytes = 1;
  if (first < 0x80) {
    length = first;
  } else if (first === 0x80) {
    throw tlvError('TLV_INDEFINITE_LENGTH', `Tag ${tagToHex(tag)} at offset ${offset} uses the indefinite length form (80).`, 'SGP.22 data must be DER: every length is definite. The sender is not DER-compliant or the data is misaligned.', offset, { tag: tagToHex(tag) });
  } else {
    const count = first & 0x7f;
    if (count > 4) {
      throw tlvError('TLV_LENGTH_TOO_LARGE', `Tag ${tagToHex(tag)} at offset ${offset} has a ${count}-byte length field.`, 'No valid object needs more than 4 length bytes; the data is corrupt or misaligned.', offset, { tag: tagToHex(tag), lengthBytes: count });
    }
    if (lenOffset + count >= end) {
      throw tlvError('TLV_TRUNCATED', `Data ends inside the length field of tag ${tagToHex(tag)} at offset ${offset}.`, HINT_CUT, offset, { tag: tagToHex(tag) });
    }
    length = 0;
    for (let i = 1; i <= count; i++) length = length * 256 + (bytes[lenOffset + i] ?? 0);
    lengthBytes = 1 + count;
  }
  if (length > maxLength) {
    throw tlvError('TLV_LENGTH_TOO_LARGE', `Tag ${tagToHex(tag)} at offset ${offset} claims ${length} bytes of content (limit ${maxLength}).`, 'The length field is corrupt or the data is not BER-TLV; no SGP.22 object is this large.', offset, { tag: tagToHex(tag), length, maxLength });
  }
  return { tag, constructed: isConstructedTag(tag), tagClass: tagClassOf(tag), headerLength: tagLength + lengthBytes, length };
}

interface Frame {
  node: Tlv | undefined; // undefined for the top-level list
  list: Tlv[];
  pos: number;
  end: number;
  depth: number;
}

/** Outcome of a tolerant parse: what could be read, and the first problem met. */
export interface SalvagedTlvs {
  nodes: Tlv[];
  error?: WorkbenchError;
}

/**
 * The one parsing engine. In strict mode the first problem throws. In salvage mode a length that runs
 * past its container is clamped (recorded as the error) and parsing continues inside the available
 * bytes, so a cut-off log line still shows its leading fields; any other problem stops the walk.
 */
function walk(bytes: Uint8Array, options: TlvParseOptions, salvage: boolean): SalvagedTlvs {
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_TLV_DEPTH;
  const top: Tlv[] = [];
  const stack: Frame[] = [{ node: undefined, list: top, pos: 0, end: bytes.length, depth: 0 }];
  let error: WorkbenchError | undefined;
  try {
    while (stack.length > 0) {
      const frame = stack[stack.length - 1] as Frame;
      if (frame.pos >= frame.end) {
        stack.pop();
        continue;
      }
      const offset = frame.pos;
      const header = readTlvHeader(bytes, offset, frame.end, options);
      const valueStart = offset + header.headerLength;
      let valueEnd = valueStart + header.length;
      if (valueEnd > frame.end) {
        const err = tlvError(
          'TLV_LENGTH_PAST_END',
          `Tag ${tagToHex(header.tag)} at offset ${offset} declares ${header.length} bytes but only ${frame.end - valueStart} ${frame.node ? `remain inside its parent ${tagToHex(frame.node.tag)}` : 'remain in the data'}.`,
          HINT_CUT,
          offset,
          { tag: tagToHex(header.tag), declared: header.length, available: frame.end - valueStart },
        );
        if (!salvage) throw err;
        error ??= err;
        valueEnd = frame.end;
      }
      if (frame.depth + 1 > maxDepth) {
        throw tlvError('TLV_TOO_DEEP', `Nesting deeper than ${maxDepth} levels at offset ${offset}.`, 'Real SGP.22 data nests a dozen levels at most; this data is corrupt or hostile.', offset, { maxDepth });
      }
      const node: Tlv = {
        tag: header.tag,
        constructed: header.constructed,
        tagClass: header.tagClass,
        value: bytes.subarray(valueStart, valueEnd),
        raw: bytes.subarray(offset, valueEnd),
        offset,
      };
      frame.list.push(node);
      frame.pos = valueEnd;
      if (header.constructed) {
        node.children = [];
        stack.push({ node, list: node.children, pos: valueStart, end: valueEnd, depth: frame.depth + 1 });
      }
    }
  } catch (err) {
    if (!salvage || !(err instanceof WorkbenchError)) throw err;
    error ??= err;
  }
  return error ? { nodes: top, error } : { nodes: top };
}

/** Parses zero or more consecutive TLVs filling `bytes` exactly. */
export function parseTlvSequence(bytes: Uint8Array, options: TlvParseOptions = {}): Tlv[] {
  return walk(bytes, options, false).nodes;
}

/** Parses exactly one TLV; anything after it is an error (TLV_TRAILING_BYTES). */
export function parseTlv(bytes: Uint8Array, options: TlvParseOptions = {}): Tlv {
  if (bytes.length === 0) {
    throw tlvError('TLV_TRUNCATED', 'No data: expected one TLV.', 'Paste or capture the complete response.', 0);
  }
  const header = readTlvHeader(bytes, 0, bytes.length, options);
  const end = header.headerLength + header.length;
  if (end < bytes.length) {
    throw tlvError('TLV_TRAILING_BYTES', `${bytes.length - end} byte(s) follow the ${tagToHex(header.tag)} TLV at offset ${end}.`, 'Expected exactly one TLV. A trailing status word (90 00) must be removed first; otherwise two messages may have been joined.', end, { tag: tagToHex(header.tag), trailing: bytes.length - end });
  }
  const [node] = walk(bytes, options, false).nodes;
  return node as Tlv;
}

/** Tolerant parse for display: never throws WorkbenchErrors, returns what it could read. */
export function salvageTlvSequence(bytes: Uint8Array, options: TlvParseOptions = {}): SalvagedTlvs {
  return walk(bytes, options, true);
}

/** DER length field. */
export function encodeLength(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0 || n > 0xffffffff) {
    throw new WorkbenchError('TLV_LENGTH_TOO_LARGE', `Cannot encode length ${String(n)}.`, 'Lengths must be whole numbers below 2^32.', { details: { length: n } });
  }
  if (n < 0x80) return Uint8Array.of(n);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

/** Tag, DER length and value in one buffer. */
export function encodeTlv(tag: number, value: Uint8Array): Uint8Array {
  return encodeTlvParts(tag, [value]);
}

/** A constructed TLV whose content is the concatenation of already encoded child TLVs. */
export function encodeConstructed(tag: number, children: readonly Uint8Array[]): Uint8Array {
  if (!isConstructedTag(tag)) {
    throw new WorkbenchError('TLV_BAD_TAG', `Tag ${tagToHex(tag)} is primitive and cannot hold child TLVs.`, 'Use a constructed tag (bit 6 of the first byte set, e.g. 30, A0, BF2D, E3).', { details: { tag: tagToHex(tag) } });
  }
  return encodeTlvParts(tag, children);
}

/** Tag + length + the concatenation of `parts`, with a single copy. */
export function encodeTlvParts(tag: number, parts: readonly Uint8Array[]): Uint8Array {
  const tagBytes = tagBytesCache.get(tag) ?? tagToBytes(tag);
  let length = 0;
  for (const p of parts) length += p.length;
  const lengthBytes = encodeLength(length);
  const out = new Uint8Array(tagBytes.length + lengthBytes.length + length);
  out.set(tagBytes, 0);
  out.set(lengthBytes, tagBytes.length);
  let off = tagBytes.length + lengthBytes.length;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
