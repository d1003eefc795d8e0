import { describe, expect, expectTypeOf, it } from 'vitest';
import { toHex } from '../../../shared/hex.js';
import {
  bitString,
  boolean,
  choice,
  decode,
  decodeDetailed,
  encode,
  enumerated,
  explicit,
  field,
  integer,
  nullValue,
  oid,
  optional,
  rawBytes,
  rawTlv,
  sequence,
  set,
  utf8String,
  withRaw,
  withRawOf,
} from '../../../src-main/codec/schema.js';
import type { Infer } from '../../../src-main/codec/schema.js';
import type {
  ProfileInfoListResponse} from '../../../src-main/codec/sgp22/index.js';
import {
  AuthenticateServerResponse,
  EUICCInfo2,
  ServerSigned1,
  AuthenticateServerRequest,
} from '../../../src-main/codec/sgp22/index.js';
import { bytesOf, expectRoundTrip } from '../../helpers/codec-assert.js';

describe('primitive encodings (DER)', () => {
  it.each([
    [0, '02 01 00'],
    [127, '02 01 7F'],
    [128, '02 02 00 80'],
    [256, '02 02 01 00'],
    [-1, '02 01 FF'],
    [-128, '02 01 80'],
    [-129, '02 02 FF 7F'],
    [-32768, '02 02 80 00'],
    [2 ** 40, '02 06 01 00 00 00 00 00'],
  ])('INTEGER %i', (n, hex) => expectRoundTrip(integer(), hex, n));

  it('BOOLEAN: TRUE is FF; any non-zero byte decodes as TRUE', () => {
    expectRoundTrip(boolean(), '01 01 FF', true);
    expectRoundTrip(boolean(), '01 01 00', false);
    expect(decode(boolean(), bytesOf('01 01 01'))).toBe(true);
  });

  it('NULL and UTF8String', () => {
    expectRoundTrip(nullValue(), '05 00', null);
    expectRoundTrip(utf8String(), '0C 06 C3 A9 74 C3 A9 21', 'été!');
  });

  it('OBJECT IDENTIFIER incl. arcs ≥ 40 under 2', () => {
    expectRoundTrip(oid(), '06 03 2B 06 01', '1.3.6.1');
    expectRoundTrip(oid(), '06 03 88 37 01', '2.999.1');
    expectRoundTrip(oid(), '06 06 67 81 12 01 02 01', '2.23.146.1.2.1');
    expect(() => encode(oid(), '1.40.1')).toThrowError(expect.objectContaining({ code: 'SCHEMA_BAD_VALUE' }) as Error);
  });

  it('BIT STRING: trailing zero bits removed; unknown bits kept as numbers', () => {
    const flags = bitString(['a', 'b', 'c'] as const);
    expectRoundTrip(flags, '03 02 07 80', ['a']);
    expectRoundTrip(flags, '03 02 05 E0', ['a', 'b', 'c']);
    expectRoundTrip(flags, '03 01 00', []);
    expectRoundTrip(flags, '03 03 06 20 40', ['c', 9]);
    expect(decode(flags, bytesOf('03 02 00 80'))).toEqual(['a']); // non-minimal input is accepted
    expect(() => decode(flags, bytesOf('03 01 03'))).toThrowError(expect.objectContaining({ code: 'SCHEMA_BAD_VALUE' }) as Error);
  });

  it('enumerated: names both ways, unknown codes pass through as numbers', () => {
    const e = enumerated({ ok: 0, busy: 5 });
    expectRoundTrip(e, '02 01 05', 'busy');
    expectRoundTrip(e, '02 01 06', 6);
    expect(() => encode(e, 'nope' as 'ok')).toThrowError(expect.objectContaining({ code: 'SCHEMA_BAD_VALUE' }) as Error);
  });
});

describe('constructed schemas', () => {
  const Inner = sequence({
    a: field(0x80, integer()),
    b: optional(0x81, utf8String()),
    c: field(0xa2, choice({ x: integer().withTag(0x80), y: boolean().withTag(0x81) })),
  })
    .withTag(0xbf30)
    .named('Inner');

  it('infers value types from the schema', () => {
    expectTypeOf<Infer<typeof Inner>>().toEqualTypeOf<{ a: number; b?: string; c: { kind: 'x'; value: number } | { kind: 'y'; value: boolean } }>();
    expectTypeOf<Infer<typeof ProfileInfoListResponse>>().toMatchTypeOf<{ kind: 'profileInfoListOk' } | { kind: 'profileInfoListError' }>();
  });

  it('explicit tag around a choice, implicit tags elsewhere', () => {
    expectRoundTrip(Inner, 'BF 30 0B 80 01 01 81 01 "h" A2 03 81 01 FF', { a: 1, b: 'h', c: { kind: 'y', value: true } });
  });

  it('skips unknown extension fields and reports them with their path', () => {
    const { value, unknown } = decodeDetailed(Inner, bytesOf('BF 30 0E 80 01 01 9F 7B 01 00 A2 03 80 01 02 85 00'));
    expect(value).toEqual({ a: 1, c: { kind: 'x', value: 2 } });
    expect(unknown).toEqual([
      { path: 'Inner', tag: '9F7B', offset: 6, length: 4 },
      { path: 'Inner', tag: '85', offset: 15, length: 2 },
    ]);
  });

  it('accepts fields out of order', () => {
    expect(decode(Inner, bytesOf('BF 30 0B A2 03 80 01 02 81 01 "h" 80 01 01'))).toEqual({ a: 1, b: 'h', c: { kind: 'x', value: 2 } });
  });

  it('maps repeated tags in order (three 30s)', () => {
    const S = sequence({ first: field(rawTlv(0x30)), sig: field(rawBytes(0x5f37)), second: field(rawTlv(0x30)), third: optional(rawTlv(0x30)) });
    const all = decode(S, bytesOf('30 13 30 03 02 01 01 5F 37 01 AA 30 03 02 01 02 30 03 02 01 03'));
    expect(Object.fromEntries(Object.entries(all).map(([k, v]) => [k, toHex(v)]))).toEqual({ first: '3003020101', sig: 'aa', second: '3003020102', third: '3003020103' });
    // Without the first 30 the later ones must not slide into it: the missing field is reported.
    expect(() => decode(S, bytesOf('30 0E 5F 37 01 AA 30 03 02 01 02 30 03 02 01 03'))).toThrowError(
      expect.objectContaining({ code: 'SCHEMA_MISSING_FIELD', details: expect.objectContaining({ path: 'sequence.first' }) as object }) as Error,
    );
  });

  it('SET accepts any order and encodes in tag order', () => {
    const S = set({ z: field(0x82, integer()), a: field(0x80, integer()) });
    expect(decode(S, bytesOf('31 06 82 01 02 80 01 01'))).toEqual({ z: 2, a: 1 });
    expect(toHex(encode(S, { z: 2, a: 1 }))).toBe('3106800101820102');
  });

  it('explicit wrapper reports extra children as unknown', () => {
    const E = explicit(0xa0, integer());
    const { value, unknown } = decodeDetailed(E, bytesOf('A0 06 02 01 05 04 01 00'));
    expect(value).toBe(5);
    expect(unknown.map((u) => u.tag)).toEqual(['04']);
  });

  it('refuses to encode a missing mandatory field', () => {
    expect(() => encode(Inner, { a: 1 } as Infer<typeof Inner>)).toThrowError(expect.objectContaining({ code: 'SCHEMA_MISSING_FIELD' }) as Error);
  });

  it('catches schema definition mistakes (primitive tag on a SEQUENCE)', () => {
    expect(() => sequence({}).withTag(0x80)).toThrowError(expect.objectContaining({ code: 'SCHEMA_DEFINITION' }) as Error);
  });
});

describe('signed structures keep the received bytes', () => {
  // serverSigned1 with a non-minimal length (81 10) that DER re-encoding would change.
  const tid = '01 02 03 04';
  const challenge = '00 11 22 33 44 55 66 77 88 99 AA BB CC DD EE FF';
  const serverSigned1 = `30 30 80 04 ${tid} 81 81 10 ${challenge} 83 03 "a.b" 84 10 ${challenge}`;

  it('withRaw exposes the exact bytes and re-emits them unchanged', () => {
    const signed = decode(withRaw(ServerSigned1), bytesOf(serverSigned1));
    expect(toHex(signed.raw)).toBe(toHex(bytesOf(serverSigned1)));
    expect(signed.value.serverAddress).toBe('a.b');
    expect(toHex(encode(withRaw(ServerSigned1), signed))).toBe(toHex(bytesOf(serverSigned1)));
    // A plain re-encode is DER and differs: exactly why verification must use `raw`.
    expect(toHex(encode(ServerSigned1, signed.value))).not.toBe(toHex(bytesOf(serverSigned1)));
  });

  it('AuthenticateServerRequest: serverSigned1, certificate and ctxParams1 bytes are all available', () => {
    const cert = '30 03 02 01 01';
    const ctx = 'A0 0A A1 08 80 04 35 29 06 11 A1 00';
    const body = `${serverSigned1} 5F 37 02 AB CD 04 02 F5 41 ${cert} ${ctx}`;
    const len = bytesOf(body).length;
    const req = decode(AuthenticateServerRequest, bytesOf(`BF 38 ${len.toString(16)} ${body}`));
    expect(toHex(req.serverSigned1.raw)).toBe(toHex(bytesOf(serverSigned1)));
    expect(toHex(req.serverCertificate)).toBe(toHex(bytesOf(cert)));
    expect(toHex(req.ctxParams1.raw)).toBe(toHex(bytesOf(ctx)));
    expect(req.ctxParams1.value.value.deviceInfo.tac).toEqual(bytesOf('35290611'));
  });

  it('withRawOf builds the bytes for a locally created value', () => {
    const value = { transactionId: bytesOf(tid), euiccChallenge: bytesOf(challenge), serverAddress: 'a.b', serverChallenge: bytesOf(challenge) };
    const signed = withRawOf(ServerSigned1, value);
    expect(decode(ServerSigned1, signed.raw)).toEqual(value);
    expect(toHex(encode(withRaw(ServerSigned1), signed))).toBe(toHex(signed.raw));
  });

  it('AuthenticateServerResponse error alternative sits under A1 with a universal INTEGER', () => {
    expectRoundTrip(AuthenticateServerResponse, 'BF 38 09 A1 07 80 02 01 02 02 01 06', {
      kind: 'authenticateResponseError',
      value: { transactionId: bytesOf('0102'), authenticateErrorCode: 'euiccChallengeMismatch' },
    });
  });

  it('EUICCInfo2 digest fragments: rspCapability 88 02 04 90 and extCardResource', () => {
    const body = [
      '81 03 02 03 00',
      '82 03 02 02 02',
      '83 03 01 00 00',
      '84 0F 81 01 00 82 04 00 06 28 24 83 04 00 00 19 22',
      '85 03 07 7E 80',
      '88 02 04 90',
      'A9 00',
      'AA 00',
      '04 03 01 00 00',
      '0C 00',
    ].join(' ');
    const bytes = bytesOf(`BF 22 ${bytesOf(body).length.toString(16)} ${body}`);
    const info = decode(EUICCInfo2, bytes);
    expect(info.rspCapability).toEqual(['additionalProfile', 'testProfileSupport']);
    expect(info.uiccCapability).toEqual(['usimSupport', 'isimSupport', 'csimSupport', 'akaMilenage', 'akaCave', 'akaTuak128', 'usimTestAlgorithm']);
    expect(info.svn).toBe('2.2.2');
    expect(info.ppVersion).toBe('1.0.0');
    expect(toHex(encode(EUICCInfo2, info))).toBe(toHex(bytes));
  });
});
