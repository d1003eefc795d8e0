/**
 * Explains any BER-TLV blob, naming SGP.22 fields from the schemas (`ewb decode`, APDU log details).
 * Works on bad input too: whatever parses is shown, and the first problem is reported with its offset.
 * Never throws for malformed data.
 */
import { isWorkbenchError } from '../../shared/errors.js';
import { toHex } from '../../shared/hex.js';
import type { Tlv } from './ber-tlv.js';
import { readTlvHeader, salvageTlvSequence, tagClassOf, tagNumberOf, tagToHex } from './ber-tlv.js';
import { primitiveCodecs } from './schema-primitives.js';
import type { PrimitiveCodec } from './schema-primitives.js';
import { decodeTlvDetailed, matchFields } from './schema.js';
import type { AnySchema } from './schema.js';
import {
  ConfigureISDPRequest,
  EuiccCancelSessionSigned,
  EuiccSigned1,
  EuiccSigned2,
  ES10_FUNCTIONS,
  InitialiseSecureChannelRequest,
  ISDRProprietaryApplicationTemplate,
  NotificationMetadata,
  OtherSignedNotification,
  ProfileInfo,
  ProfileInstallationResultData,
  ReplaceSessionKeysRequest,
  ServerSigned1,
  SmdpSigned2,
  StoreMetadataRequest,
  AuthenticateClientResponseEs11,
  CtxParams1,
  DeviceInfo,
} from './sgp22/index.js';

export interface DescribedNode {
  /** Tag bytes in hex, e.g. 'BF2D'. */
  tag: string;
  /** Field or type name, e.g. 'ProfileInfoListResponse', 'iccid'; ASN.1 class notation when unknown. */
  name: string;
  offset: number;
  /** Declared content length. */
  length: number;
  /** Human rendering: decoded ICCID, text, enum name, bit names, version, OID. */
  value?: string;
  /** Content bytes of a primitive TLV. */
  hex?: string;
  children?: DescribedNode[];
  /** Problem or remark for this node (unknown field, missing field, invalid value). */
  note?: string;
  /** The data ends before this TLV's declared end. */
  incomplete?: boolean;
}

export interface DescribeResult {
  nodes: DescribedNode[];
  /** Trailing status word when the input was an APDU response (data ‖ SW1 SW2). */
  statusWord?: string;
  error?: { code: string; message: string; offset: number };
}

interface Candidate {
  schema: AnySchema;
  /** Only use when the blob decodes exactly (for tags many types share, such as 30). */
  exactOnly: boolean;
}

/** Schemas that can stand alone as a blob, by outer tag, most likely first (responses before requests). */
const TOP_LEVEL = buildTopLevel();

function buildTopLevel(): Map<number, Candidate[]> {
  const map = new Map<number, Candidate[]>();
  const add = (schema: AnySchema, exactOnly = false): void => {
    for (const tag of schema.tags) {
      const list = map.get(tag) ?? [];
      if (!list.some((c) => c.schema === schema)) list.push({ schema, exactOnly });
      map.set(tag, list);
    }
  };
  for (const f of ES10_FUNCTIONS) add(f.response);
  for (const f of ES10_FUNCTIONS) add(f.request);
  for (const s of [InitialiseSecureChannelRequest, ConfigureISDPRequest, StoreMetadataRequest, ReplaceSessionKeysRequest, ProfileInstallationResultData, NotificationMetadata, ProfileInfo, ISDRProprietaryApplicationTemplate, AuthenticateClientResponseEs11]) {
    add(s);
  }
  for (const s of [ServerSigned1, EuiccSigned1, SmdpSigned2, EuiccSigned2, EuiccCancelSessionSigned, OtherSignedNotification, DeviceInfo, CtxParams1]) add(s, true);
  return map;
}

const UNIVERSAL_NAMES: Readonly<Record<number, string>> = {
  0x01: 'BOOLEAN',
  0x02: 'INTEGER',
  0x03: 'BIT STRING',
  0x04: 'OCTET STRING',
  0x05: 'NULL',
  0x06: 'OBJECT IDENTIFIER',
  0x0a: 'ENUMERATED',
  0x0c: 'UTF8String',
  0x13: 'PrintableString',
  0x16: 'IA5String',
  0x17: 'UTCTime',
  0x18: 'GeneralizedTime',
  0x30: 'SEQUENCE',
  0x31: 'SET',
};
/** Renders a primitive TLV with a value codec (throws on malformed content). */
const renderWith =
  <T>(codec: PrimitiveCodec<T>) =>
  (tlv: Tlv): string | undefined =>
    codec.render?.(codec.decode(tlv.value, codec.name, tlv.offset));
const UNIVERSAL_RENDERERS: Readonly<Record<number, (tlv: Tlv) => string | undefined>> = {
  0x01: renderWith(primitiveCodecs.boolean),
  0x02: renderWith(primitiveCodecs.integer),
  0x06: renderWith(primitiveCodecs.oid),
  0x0c: renderWith(primitiveCodecs.utf8String()),
};
const TEXT_TAGS = new Set([0x13, 0x16, 0x17, 0x18]);

/** Status words that may trail pasted APDU responses. */
const STATUS_WORD = /^(9000|91..|61..|6[2-9a-f]..)$/;

export function describe(bytes: Uint8Array): DescribeResult {
  const whole = describeData(bytes);
  if (bytes.length >= 2) {
    const sw = toHex(bytes.subarray(bytes.length - 2)).toUpperCase();
    const last = whole.nodes[whole.nodes.length - 1];
    // `90 00` also parses as an empty TLV; strip it only when what precedes it stands on its own.
    const swParsedAsTlv = sw === '9000' && whole.nodes.length > 1 && last?.offset === bytes.length - 2;
    if (STATUS_WORD.test(sw.toLowerCase()) && (whole.error || swParsedAsTlv)) {
      const data = describeData(bytes.subarray(0, bytes.length - 2));
      if (!data.error) return { ...data, statusWord: sw };
    }
  }
  return whole;
}

function describeData(bytes: Uint8Array): DescribeResult {
  const { nodes, error } = salvageTlvSequence(bytes);
  const described = nodes.map((tlv) => describeTopLevel(tlv));
  if (!error) return { nodes: described };
  const offset = typeof error.details.offset === 'number' ? error.details.offset : 0;
  return { nodes: described, error: { code: error.code, message: error.message, offset } };
}

function describeTopLevel(tlv: Tlv): DescribedNode {
  let best: { node: DescribedNode; score: number } | undefined;
  for (const { schema, exactOnly } of TOP_LEVEL.get(tlv.tag) ?? []) {
    const exact = decodesExactly(schema, tlv);
    if (exactOnly && !exact) continue;
    const walk = new Walk();
    const node = walk.node(tlv, schema, schema.typeName ?? tagToHex(tlv.tag));
    const score = (exact ? 0 : 1000) + walk.mismatches;
    if (!best || score < best.score) best = { node, score };
    if (score === 0) break;
  }
  return best?.node ?? new Walk().generic(tlv, undefined);
}

function decodesExactly(schema: AnySchema, tlv: Tlv): boolean {
  try {
    return decodeTlvDetailed(schema, tlv).unknown.length === 0;
  } catch {
    return false;
  }
}

/** One tolerant walk of a TLV tree along a schema; counts places where data and schema disagree. */
class Walk {
  mismatches = 0;

  node(tlv: Tlv, schema: AnySchema, name: string): DescribedNode {
    switch (schema.kind) {
      case 'primitive':
        return this.primitive(tlv, schema, name);
      case 'sequence':
      case 'set':
        return this.sequence(tlv, schema, name);
      case 'sequenceOf':
        return this.base(tlv, name, (tlv.children ?? []).map((child, i) => this.member(child, schema.item, schema.item?.typeName ?? `${name}[${i}]`)));
      case 'choice': {
        const alt = schema.alternatives?.find(([, s]) => s.tags.includes(tlv.tag));
        return alt ? this.node(tlv, alt[1], alt[0]) : this.unexpected(tlv, name);
      }
      case 'explicit': {
        const inner = schema.inner;
        const [first, ...extra] = tlv.children ?? [];
        const children = first && inner ? [this.member(first, inner, inner.typeName ?? name)] : [];
        children.push(...extra.map((e) => this.unexpected(e, undefined)));
        const node = this.base(tlv, name, children);
        if (!first) node.note = 'empty: expected one TLV inside';
        return node;
      }
      case 'withRaw':
        return schema.inner ? this.node(tlv, schema.inner, name) : this.generic(tlv, name);
      case 'rawTlv':
      case 'rawBytes':
        return this.generic(tlv, name);
    }
  }

  /** A child the schema expects as `schema`: described by it if the tag fits, else flagged. */
  private member(tlv: Tlv, schema: AnySchema | undefined, name: string): DescribedNode {
    if (!schema || (schema.tags.length > 0 && !schema.tags.includes(tlv.tag))) return this.unexpected(tlv, name);
    return this.node(tlv, schema, name);
  }

  private primitive(tlv: Tlv, schema: AnySchema, name: string): DescribedNode {
    const node = this.base(tlv, name, undefined);
    if (node.incomplete) return node; // a cut-off value would render misleadingly
    try {
      const rendered = schema.renderTlv?.(tlv);
      if (rendered?.text !== undefined) node.value = rendered.text;
      if (rendered?.unnamed) this.mismatches++;
    } catch (err) {
      this.mismatches++;
      node.note = isWorkbenchError(err) ? `invalid value: ${err.message}` : 'invalid value';
    }
    return node;
  }

  private sequence(tlv: Tlv, schema: AnySchema, name: string): DescribedNode {
    const fields = schema.fields ?? [];
    const children = tlv.children ?? [];
    const assignment = matchFields(fields, children, schema.kind === 'sequence');
    const described = children.map((child, i) => {
      const entry = fields[assignment[i] ?? -1];
      if (!entry) {
        this.mismatches++;
        return { ...this.generic(child, undefined), note: 'unknown field (skipped by the decoder)' };
      }
      return this.node(child, entry[1].schema, entry[0]);
    });
    const node = this.base(tlv, name, described);
    const missing = fields.filter(([, f], j) => !f.optional && !assignment.includes(j)).map(([n]) => n);
    if (missing.length > 0 && !node.incomplete) {
      this.mismatches += missing.length;
      node.note = `missing mandatory field(s): ${missing.join(', ')}`;
    }
    return node;
  }

  private unexpected(tlv: Tlv, name: string | undefined): DescribedNode {
    this.mismatches++;
    return { ...this.generic(tlv, name), note: 'unexpected tag here' };
  }

  /** Schema-free description: ASN.1 class names and universal-type renderings. */
  generic(tlv: Tlv, name: string | undefined): DescribedNode {
    const node = this.base(
      tlv,
      name ?? genericName(tlv.tag),
      tlv.children?.map((c) => this.generic(c, undefined)),
    );
    if (!tlv.constructed && tlv.tagClass === 'universal') {
      const value = renderUniversal(tlv);
      if (value !== undefined) node.value = value;
    }
    return node;
  }

  private base(tlv: Tlv, name: string, children: DescribedNode[] | undefined): DescribedNode {
    const header = readTlvHeader(tlv.raw, 0, tlv.raw.length, { maxLength: Number.MAX_SAFE_INTEGER });
    const node: DescribedNode = { tag: tagToHex(tlv.tag), name, offset: tlv.offset, length: header.length };
    if (header.headerLength + header.length > tlv.raw.length) node.incomplete = true;
    if (tlv.constructed) node.children = children ?? [];
    else node.hex = toHex(tlv.value).toUpperCase();
    return node;
  }
}

function genericName(tag: number): string {
  const n = tagNumberOf(tag);
  switch (tagClassOf(tag)) {
    case 'universal':
      return UNIVERSAL_NAMES[tag] ?? `[UNIVERSAL ${n}]`;
    case 'application':
      return `[APPLICATION ${n}]`;
    case 'context':
      return `[${n}]`;
    case 'private':
      return `[PRIVATE ${n}]`;
  }
}

function renderUniversal(tlv: Tlv): string | undefined {
  const render = UNIVERSAL_RENDERERS[tlv.tag];
  if (render) {
    try {
      return render(tlv);
    } catch {
      return undefined;
    }
  }
  // Printable/IA5 strings and times (X.509) are ASCII.
  return TEXT_TAGS.has(tlv.tag) ? JSON.stringify(Buffer.from(tlv.value).toString('latin1')) : undefined;
}

// ------------------------------------------------------------------------------------------ formatting

const MAX_HEX_BYTES = 48;

/** Indented text tree: offset, tag, name, then value or hex. */
export function formatDescribed(result: DescribeResult): string {
  const lines: string[] = [];
  const visit = (node: DescribedNode, depth: number): void => {
    const head = `${node.offset.toString().padStart(5)}  ${'  '.repeat(depth)}${node.tag} ${node.name}`;
    let text: string;
    if (node.children) text = `${head} (${node.length} bytes)`;
    else if (node.value !== undefined) text = `${head}: ${node.value}`;
    else text = `${head}: ${shortHex(node.hex ?? '')}`;
    if (node.incomplete) text += ' [truncated]';
    if (node.note) text += `  ! ${node.note}`;
    lines.push(text);
    node.children?.forEach((c) => visit(c, depth + 1));
  };
  result.nodes.forEach((n) => visit(n, 0));
  if (result.nodes.length === 0 && !result.error) lines.push('(no data)');
  if (result.statusWord) lines.push(`status word ${result.statusWord}`);
  if (result.error) lines.push(`error at offset ${result.error.offset}: ${result.error.code}: ${result.error.message}`);
  return lines.join('\n');
}

function shortHex(hex: string): string {
  if (hex.length === 0) return '(empty)';
  if (hex.length <= MAX_HEX_BYTES * 2) return hex;
  return `${hex.slice(0, MAX_HEX_BYTES * 2)}… (${hex.length / 2} bytes)`;
}
