/**
 * Declarative ASN.1 (DER) schemas: a message is described once, as data built from combinators, and
 * the same description decodes, encodes, types (`Infer<S>`) and explains (describe.ts) it.
 *
 * Tagging follows X.680: `withTag` / `field(tag, …)` replace the tag (IMPLICIT) except for CHOICE and
 * open types, which get an EXPLICIT wrapper. Write tags as the full tag bytes (0xBF2D, 0x9F70, 0x5A) —
 * see SGP22-DIGEST §2.1 for the AUTOMATIC TAGS arithmetic.
 *
 * Decoding is lenient where real cards differ (unknown fields in a SEQUENCE are skipped and reported,
 * fields out of order are accepted) and strict where a wrong answer would be dangerous (wrong tags,
 * missing mandatory fields, malformed values raise typed errors with a path such as
 * `ProfileInfoListResponse.profileInfoListOk[2].iccid`).
 */
import { WorkbenchError } from '../../shared/errors.js';
import { toHex } from '../../shared/hex.js';
import type { Tlv, TlvParseOptions } from './ber-tlv.js';
import { encodeTlv, encodeTlvParts, isConstructedTag, parseTlv, readTlvHeader, tagToHex } from './ber-tlv.js';
import { badValue, primitiveCodecs } from './schema-primitives.js';
import type { PrimitiveCodec, SizeRange } from './schema-primitives.js';

export type { PrimitiveCodec, SizeRange } from './schema-primitives.js';

export type SchemaKind =
  | 'primitive'
  | 'sequence'
  | 'set'
  | 'sequenceOf'
  | 'choice'
  | 'explicit'
  | 'rawTlv'
  | 'rawBytes'
  | 'withRaw';

/** A field of a SEQUENCE the decoder did not know; skipped, reported for diagnostics. */
export interface UnknownField {
  path: string;
  tag: string;
  offset: number;
  length: number;
}

export interface DecodeContext {
  unknown: UnknownField[];
}

export interface Schema<T> {
  readonly kind: SchemaKind;
  /** ASN.1 type name when this is a named type; used for paths and describe output. */
  readonly typeName: string | undefined;
  /** Outer tags accepted (several for an untagged CHOICE, none = any tag). */
  readonly tags: readonly number[];
  decodeTlv(tlv: Tlv, path: string, ctx: DecodeContext): T;
  encode(value: T): Uint8Array;
  /** The same type under another tag: IMPLICIT, or EXPLICIT for CHOICE / open types. */
  withTag(tag: number): Schema<T>;
  named(typeName: string): Schema<T>;
  /** Structure, for interpreters such as describe.ts. */
  readonly fields?: readonly FieldEntry[];
  readonly alternatives?: readonly (readonly [string, AnySchema])[];
  readonly item?: AnySchema;
  readonly inner?: AnySchema;
  /** Human rendering of a primitive TLV (enum names, decoded ICCID, text …), for describe.ts. Throws on malformed content. */
  renderTlv?(tlv: Tlv): RenderedValue;
}

export interface RenderedValue {
  /** Undefined when the bytes speak for themselves (plain OCTET STRING). */
  text: string | undefined;
  /** The value decoded but is not one of the named values (e.g. an unlisted result code). */
  unnamed: boolean;
}

export type AnySchema = Schema<unknown>;
export type Infer<S> = S extends Schema<infer T> ? T : never;

export interface Field<T, O extends boolean> {
  readonly schema: Schema<T>;
  readonly optional: O;
}
export type FieldEntry = readonly [name: string, field: Field<unknown, boolean>];
type Fields = Record<string, Field<unknown, boolean>>;

type Simplify<T> = { [K in keyof T]: T[K] } & {};
type InferField<F> = F extends Field<infer T, boolean> ? T : never;
export type SequenceValue<F extends Fields> = Simplify<
  { -readonly [K in keyof F as F[K]['optional'] extends true ? never : K]: InferField<F[K]> } & {
    -readonly [K in keyof F as F[K]['optional'] extends true ? K : never]?: InferField<F[K]>;
  }
>;
export type ChoiceValue<A extends Record<string, AnySchema>> = {
  [K in keyof A & string]: { kind: K; value: Infer<A[K]> };
}[keyof A & string];
/** A signed structure: its decoded view and the exact bytes that were (or will be) signed. */
export interface WithRaw<T> {
  value: T;
  raw: Uint8Array;
}

// ---------------------------------------------------------------------------------------------- errors

function schemaError(code: string, message: string, hint: string, path: string, offset: number | undefined, extra: Record<string, unknown> = {}): WorkbenchError {
  return new WorkbenchError(code, message, hint, { details: { path, ...(offset === undefined ? {} : { offset }), ...extra } });
}

const HINT_STRUCTURE = 'The data does not have the structure this message requires: it may be another message, a truncated capture, or a non-conforming card. Try `ewb decode` on it to see what it contains.';

function tagList(tags: readonly number[]): string {
  return tags.map(tagToHex).join(' or ');
}

function wrongTag(path: string, expected: readonly number[], tlv: Tlv): WorkbenchError {
  return schemaError('SCHEMA_WRONG_TAG', `${path}: expected tag ${tagList(expected)}, found ${tagToHex(tlv.tag)} at offset ${tlv.offset}.`, HINT_STRUCTURE, path, tlv.offset, {
    expected: expected.map(tagToHex),
    found: tagToHex(tlv.tag),
  });
}

function definitionError(problem: string): WorkbenchError {
  return new WorkbenchError('SCHEMA_DEFINITION', problem, 'This is a bug in a schema definition, not in the data.');
}

function checkTagForm(tag: number, constructed: boolean, what: string): void {
  if (isConstructedTag(tag) !== constructed) {
    throw definitionError(`Tag ${tagToHex(tag)} is ${constructed ? 'primitive' : 'constructed'} but ${what} needs a ${constructed ? 'constructed' : 'primitive'} tag.`);
  }
}

// -------------------------------------------------------------------------------------- schema classes

abstract class BaseSchema<T> implements Schema<T> {
  abstract readonly kind: SchemaKind;
  typeName: string | undefined = undefined;
  constructor(readonly tags: readonly number[]) {}
  abstract decodeTlv(tlv: Tlv, path: string, ctx: DecodeContext): T;
  abstract encode(value: T): Uint8Array;
  abstract withTag(tag: number): Schema<T>;

  named(typeName: string): Schema<T> {
    const copy = this.clone();
    copy.typeName = typeName;
    return copy;
  }

  protected clone(): this {
    return Object.assign(Object.create(Object.getPrototypeOf(this) as object) as this, this);
  }

  protected retagged(tag: number): this {
    const copy = this.clone();
    (copy as { tags: readonly number[] }).tags = [tag];
    return copy;
  }

  protected expectTag(tlv: Tlv, path: string): void {
    if (this.tags.length > 0 && !this.tags.includes(tlv.tag)) throw wrongTag(path, this.tags, tlv);
  }

  protected get tag(): number {
    const [tag] = this.tags;
    if (tag === undefined) throw definitionError(`${this.kind} schema without a tag`);
    return tag;
  }
}

class PrimitiveSchema<T> extends BaseSchema<T> {
  readonly kind = 'primitive' as const;
  constructor(
    tag: number,
    readonly codec: PrimitiveCodec<T>,
  ) {
    super([tag]);
    checkTagForm(tag, false, codec.name);
  }
  decodeTlv(tlv: Tlv, path: string): T {
    this.expectTag(tlv, path);
    return this.codec.decode(tlv.value, path, tlv.offset);
  }
  encode(value: T): Uint8Array {
    return encodeTlv(this.tag, this.codec.encode(value, this.typeName ?? this.codec.name));
  }
  withTag(tag: number): Schema<T> {
    checkTagForm(tag, false, this.codec.name);
    return this.retagged(tag);
  }
  renderTlv(tlv: Tlv): RenderedValue {
    const value = this.codec.decode(tlv.value, this.typeName ?? this.codec.name, tlv.offset);
    return { text: this.codec.render?.(value), unnamed: this.codec.isUnnamed?.(value) ?? false };
  }
}

class SequenceSchema<F extends Fields> extends BaseSchema<SequenceValue<F>> {
  readonly fields: readonly FieldEntry[];
  constructor(
    readonly kind: 'sequence' | 'set',
    fields: F,
    tag: number,
  ) {
    super([tag]);
    checkTagForm(tag, true, kind.toUpperCase());
    this.fields = Object.entries(fields);
  }

  decodeTlv(tlv: Tlv, path: string, ctx: DecodeContext): SequenceValue<F> {
    this.expectTag(tlv, path);
    const children = tlv.children ?? [];
    const assignment = matchFields(this.fields, children, this.kind === 'sequence');
    const out: Record<string, unknown> = {};
    children.forEach((child, i) => {
      const entry = this.fields[assignment[i] ?? -1];
      if (entry === undefined) {
        ctx.unknown.push({ path, tag: tagToHex(child.tag), offset: child.offset, length: child.raw.length });
        return;
      }
      const [name, field] = entry;
      out[name] = field.schema.decodeTlv(child, `${path}.${name}`, ctx);
    });
    for (const [name, field] of this.fields) {
      if (!field.optional && !(name in out)) {
        throw schemaError('SCHEMA_MISSING_FIELD', `${path}.${name}: mandatory field (tag ${tagList(field.schema.tags)}) is missing in ${tagToHex(tlv.tag)} at offset ${tlv.offset}.`, HINT_STRUCTURE, `${path}.${name}`, tlv.offset, {
          expected: field.schema.tags.map(tagToHex),
        });
      }
    }
    return out as SequenceValue<F>;
  }

  encode(value: SequenceValue<F>): Uint8Array {
    const record = value as Record<string, unknown>;
    const parts: Uint8Array[] = [];
    for (const [name, field] of this.fields) {
      const v = record[name];
      if (v === undefined) {
        if (field.optional) continue;
        throw schemaError('SCHEMA_MISSING_FIELD', `${this.typeName ?? 'SEQUENCE'}.${name}: mandatory field has no value.`, 'Provide a value for every mandatory field before encoding.', `${this.typeName ?? 'SEQUENCE'}.${name}`, undefined);
      }
      parts.push(field.schema.encode(v));
    }
    // DER orders SET components by tag; the encodings start with the tag, so byte order is tag order.
    if (this.kind === 'set') parts.sort(compareBytes);
    return encodeTlvParts(this.tag, parts);
  }

  withTag(tag: number): Schema<SequenceValue<F>> {
    checkTagForm(tag, true, this.kind.toUpperCase());
    return this.retagged(tag);
  }
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return (a[i] ?? 0) - (b[i] ?? 0);
  return a.length - b.length;
}

/**
 * Assigns each child TLV to a field index (-1 = unknown). SEQUENCE: the next unfilled field at or after
 * the previous match whose tags fit (so repeated tags such as three `30` fields map in order), else an
 * earlier unfilled one (field out of order — tolerated). SET: the first unfilled fitting field.
 */
export function matchFields(fields: readonly FieldEntry[], children: readonly Tlv[], ordered: boolean): number[] {
  const filled = new Array<boolean>(fields.length).fill(false);
  let cursor = 0;
  const fits = (j: number, tag: number): boolean => {
    const schema = fields[j]?.[1].schema;
    return !filled[j] && schema !== undefined && (schema.tags.length === 0 || schema.tags.includes(tag));
  };
  return children.map((child) => {
    let found = -1;
    for (let j = ordered ? cursor : 0; j < fields.length && found < 0; j++) if (fits(j, child.tag)) found = j;
    for (let j = 0; j < cursor && found < 0; j++) if (fits(j, child.tag)) found = j;
    if (found >= 0) {
      filled[found] = true;
      if (ordered && found >= cursor) cursor = found + 1;
    }
    return found;
  });
}

class SequenceOfSchema<T> extends BaseSchema<T[]> {
  readonly kind = 'sequenceOf' as const;
  constructor(
    readonly item: Schema<T>,
    tag: number,
  ) {
    super([tag]);
    checkTagForm(tag, true, 'SEQUENCE OF');
  }
  decodeTlv(tlv: Tlv, path: string, ctx: DecodeContext): T[] {
    this.expectTag(tlv, path);
    return (tlv.children ?? []).map((child, i) => this.item.decodeTlv(child, `${path}[${i}]`, ctx));
  }
  encode(value: T[]): Uint8Array {
    return encodeTlvParts(
      this.tag,
      value.map((v) => this.item.encode(v)),
    );
  }
  withTag(tag: number): Schema<T[]> {
    checkTagForm(tag, true, 'SEQUENCE OF');
    return this.retagged(tag);
  }
}

class ChoiceSchema<A extends Record<string, AnySchema>> extends BaseSchema<ChoiceValue<A>> {
  readonly kind = 'choice' as const;
  readonly alternatives: readonly (readonly [string, AnySchema])[];
  constructor(alternatives: A) {
    const entries = Object.entries(alternatives);
    super(entries.flatMap(([, s]) => s.tags));
    if (new Set(this.tags).size !== this.tags.length) throw definitionError(`CHOICE alternatives share a tag: ${tagList(this.tags)}`);
    this.alternatives = entries;
  }
  decodeTlv(tlv: Tlv, path: string, ctx: DecodeContext): ChoiceValue<A> {
    const alt = this.alternatives.find(([, s]) => s.tags.includes(tlv.tag));
    if (!alt) throw wrongTag(path, this.tags, tlv);
    const [kind, schema] = alt;
    return { kind, value: schema.decodeTlv(tlv, `${path}.${kind}`, ctx) } as ChoiceValue<A>;
  }
  encode(value: ChoiceValue<A>): Uint8Array {
    const alt = this.alternatives.find(([name]) => name === value.kind);
    if (!alt) {
      throw badValue(this.typeName ?? 'CHOICE', undefined, `unknown alternative '${String(value.kind)}' (expected ${this.alternatives.map(([n]) => n).join(', ')}).`);
    }
    return alt[1].encode(value.value);
  }
  withTag(tag: number): Schema<ChoiceValue<A>> {
    return explicit(tag, this);
  }
}

class ExplicitSchema<T> extends BaseSchema<T> {
  readonly kind = 'explicit' as const;
  constructor(
    tag: number,
    readonly inner: Schema<T>,
  ) {
    super([tag]);
    checkTagForm(tag, true, 'an explicit tag');
  }
  decodeTlv(tlv: Tlv, path: string, ctx: DecodeContext): T {
    this.expectTag(tlv, path);
    const [first, ...extra] = tlv.children ?? [];
    if (first === undefined) {
      throw schemaError('SCHEMA_MISSING_FIELD', `${path}: ${tagToHex(tlv.tag)} at offset ${tlv.offset} is empty; expected ${tagList(this.inner.tags) || 'one TLV'} inside.`, HINT_STRUCTURE, path, tlv.offset);
    }
    for (const e of extra) ctx.unknown.push({ path, tag: tagToHex(e.tag), offset: e.offset, length: e.raw.length });
    return this.inner.decodeTlv(first, path, ctx);
  }
  encode(value: T): Uint8Array {
    return encodeTlv(this.tag, this.inner.encode(value));
  }
  withTag(tag: number): Schema<T> {
    checkTagForm(tag, true, 'an explicit tag');
    return this.retagged(tag);
  }
}

/** Exact received TLV bytes (tag + length + value), e.g. an X.509 certificate. */
class RawTlvSchema extends BaseSchema<Uint8Array> {
  readonly kind = 'rawTlv' as const;
  decodeTlv(tlv: Tlv, path: string): Uint8Array {
    this.expectTag(tlv, path);
    return tlv.raw;
  }
  encode(value: Uint8Array): Uint8Array {
    checkSingleTlv(value, this.tags, this.typeName ?? 'raw TLV');
    return value;
  }
  withTag(tag: number): Schema<Uint8Array> {
    return explicit(tag, this);
  }
}

/** Content octets of a TLV of any form, kept as received (e.g. vendor extensions). */
class RawBytesSchema extends BaseSchema<Uint8Array> {
  readonly kind = 'rawBytes' as const;
  decodeTlv(tlv: Tlv, path: string): Uint8Array {
    this.expectTag(tlv, path);
    return tlv.value;
  }
  encode(value: Uint8Array): Uint8Array {
    return encodeTlv(this.tag, value);
  }
  withTag(tag: number): Schema<Uint8Array> {
    return this.retagged(tag);
  }
}

class WithRawSchema<T> extends BaseSchema<WithRaw<T>> {
  readonly kind = 'withRaw' as const;
  constructor(readonly inner: Schema<T>) {
    super(inner.tags);
    this.typeName = inner.typeName;
  }
  decodeTlv(tlv: Tlv, path: string, ctx: DecodeContext): WithRaw<T> {
    return { value: this.inner.decodeTlv(tlv, path, ctx), raw: tlv.raw };
  }
  /** Emits `raw` verbatim: signatures cover those bytes, so they are never re-encoded. */
  encode(value: WithRaw<T>): Uint8Array {
    checkSingleTlv(value.raw, this.tags, this.typeName ?? 'signed structure');
    return value.raw;
  }
  withTag(tag: number): Schema<WithRaw<T>> {
    return new WithRawSchema(this.inner.withTag(tag));
  }
}

function checkSingleTlv(bytes: Uint8Array, tags: readonly number[], what: string): void {
  let ok = false;
  try {
    const h = readTlvHeader(bytes);
    ok = h.headerLength + h.length === bytes.length && (tags.length === 0 || tags.includes(h.tag));
  } catch {
    ok = false;
  }
  if (!ok) {
    throw badValue(what, undefined, `expected exactly one TLV${tags.length ? ` with tag ${tagList(tags)}` : ''}, got ${bytes.length} bytes starting ${toHex(bytes.subarray(0, 4)).toUpperCase()}.`);
  }
}

// ---------------------------------------------------------------------------------------- combinators

export function field<T>(schema: Schema<T>): Field<T, false>;
export function field<T>(tag: number, schema: Schema<T>): Field<T, false>;
export function field<T>(a: number | Schema<T>, b?: Schema<T>): Field<T, false> {
  return { schema: fieldSchema(a, b), optional: false };
}

export function optional<T>(schema: Schema<T>): Field<T, true>;
export function optional<T>(tag: number, schema: Schema<T>): Field<T, true>;
export function optional<T>(a: number | Schema<T>, b?: Schema<T>): Field<T, true> {
  return { schema: fieldSchema(a, b), optional: true };
}

function fieldSchema<T>(a: number | Schema<T>, b: Schema<T> | undefined): Schema<T> {
  if (typeof a !== 'number') return a;
  if (!b) throw definitionError('field(tag, schema) needs a schema');
  return b.withTag(a);
}

/** SEQUENCE with named fields, in order. */
export function sequence<F extends Fields>(fields: F): Schema<SequenceValue<F>> {
  return new SequenceSchema('sequence', fields, 0x30);
}

/** SET: fields in any order on input, DER (tag) order on output. */
export function set<F extends Fields>(fields: F): Schema<SequenceValue<F>> {
  return new SequenceSchema('set', fields, 0x31);
}

export function sequenceOf<T>(item: Schema<T>): Schema<T[]> {
  return new SequenceOfSchema(item, 0x30);
}

/** CHOICE selected by tag; decodes to `{ kind: alternativeName, value }`. */
export function choice<A extends Record<string, AnySchema>>(alternatives: A): Schema<ChoiceValue<A>> {
  return new ChoiceSchema(alternatives);
}

/** `[tag] EXPLICIT inner`: a constructed TLV wrapping the inner TLV. */
export function explicit<T>(tag: number, inner: Schema<T>): Schema<T> {
  return new ExplicitSchema(tag, inner);
}

/** Keeps the exact received TLV (tag + length + value). Without `tag` any TLV is accepted. */
export function rawTlv(tag?: number): Schema<Uint8Array> {
  return new RawTlvSchema(tag === undefined ? [] : [tag]);
}

/** Keeps the exact content octets of a TLV with `tag` (primitive or constructed). */
export function rawBytes(tag: number): Schema<Uint8Array> {
  return new RawBytesSchema([tag]);
}

/** Decodes `inner` and also keeps its exact received bytes; encoding emits those bytes unchanged. */
export function withRaw<T>(inner: Schema<T>): Schema<WithRaw<T>> {
  return new WithRawSchema(inner);
}

/** Builds a {@link WithRaw} for a value created locally (e.g. before signing it): `raw` = DER of `value`. */
export function withRawOf<T>(schema: Schema<T>, value: T): WithRaw<T> {
  return { value, raw: schema.encode(value) };
}

/** A primitive type with its universal tag; see schema-primitives.ts for the value codecs. */
export function primitive<T>(codec: PrimitiveCodec<T>, tag: number = codec.universalTag): Schema<T> {
  return new PrimitiveSchema(tag, codec);
}

export const integer = (): Schema<number> => primitive(primitiveCodecs.integer);
export const boolean = (): Schema<boolean> => primitive(primitiveCodecs.boolean);
export const nullValue = (): Schema<null> => primitive(primitiveCodecs.null);
export const oid = (): Schema<string> => primitive(primitiveCodecs.oid);
export const utf8String = (size?: SizeRange): Schema<string> => primitive(primitiveCodecs.utf8String(size));
export const octetString = (size?: SizeRange): Schema<Uint8Array> => primitive(primitiveCodecs.octetString(size));

/** INTEGER with named values; decodes to the name when known, else the number (forward-compatible). */
export function enumerated<const N extends Record<string, number>>(names: N): Schema<(keyof N & string) | number> {
  return primitive(primitiveCodecs.enumerated(names));
}

/** BIT STRING with named bits; decodes to the set bits (names when known, else bit numbers). */
export function bitString<const N extends readonly string[]>(names: N): Schema<(N[number] | number)[]> {
  return primitive(primitiveCodecs.bitString(names));
}

// ----------------------------------------------------------------------------------------- entry points

export interface DecodeResult<T> {
  value: T;
  /** Fields skipped because the schema does not know them (newer spec versions, vendor additions). */
  unknown: UnknownField[];
}

function rootPath(schema: AnySchema): string {
  return schema.typeName ?? schema.kind;
}

/** Decodes exactly one TLV per `schema`; unknown fields are skipped. */
export function decode<T>(schema: Schema<T>, bytes: Uint8Array, options?: TlvParseOptions): T {
  return decodeDetailed(schema, bytes, options).value;
}

/** Like {@link decode}, and reports the skipped unknown fields. */
export function decodeDetailed<T>(schema: Schema<T>, bytes: Uint8Array, options?: TlvParseOptions): DecodeResult<T> {
  return decodeTlvDetailed(schema, parseTlv(bytes, options));
}

/** Decodes an already parsed TLV. */
export function decodeTlvDetailed<T>(schema: Schema<T>, tlv: Tlv): DecodeResult<T> {
  const ctx: DecodeContext = { unknown: [] };
  return { value: schema.decodeTlv(tlv, rootPath(schema), ctx), unknown: ctx.unknown };
}

/** DER encoding of `value`. */
export function encode<T>(schema: Schema<T>, value: T): Uint8Array {
  return schema.encode(value);
}
