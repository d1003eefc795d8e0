// Malformed input never crashes or hangs: every case yields a typed WorkbenchError with offset, message and hint.
import { describe, expect, it } from 'vitest';
import type { WorkbenchError } from '../../../shared/errors.js';
import { isWorkbenchError } from '../../../shared/errors.js';
import { encodeLength, parseTlv, parseTlvSequence } from '../../../src-main/codec/ber-tlv.js';
import { decode } from '../../../src-main/codec/schema.js';
import type { AnySchema } from '../../../src-main/codec/schema.js';
import { EnableProfileRequest, EnableProfileResponse, ProfileInfoListResponse } from '../../../src-main/codec/sgp22/index.js';
import { describe as describeBlob } from '../../../src-main/codec/describe.js';
import { bytesOf } from '../../helpers/codec-assert.js';

/** `depth` nested A0 TLVs around an empty 80, built inside out. */
function nested(depth: number): Uint8Array {
  let inner = Uint8Array.of(0x80, 0x00);
  for (let i = 0; i < depth; i++) {
    const len = encodeLength(inner.length);
    const next = new Uint8Array(1 + len.length + inner.length);
    next[0] = 0xa0;
    next.set(len, 1);
    next.set(inner, 1 + len.length);
    inner = next;
  }
  return inner;
}

function caught(fn: () => unknown): WorkbenchError {
  try {
    fn();
  } catch (err) {
    if (isWorkbenchError(err)) return err;
    throw err;
  }
  throw new Error('expected an error');
}

const TWO_PROFILES = 'E3 03 95 01 02 E3 03 95 01 02';

const TLV_CASES: [string, Uint8Array, string, number][] = [
  ['empty input', new Uint8Array(0), 'TLV_TRUNCATED', 0],
  ['tag cut after first byte', bytesOf('BF'), 'TLV_TRUNCATED', 0],
  ['no length', bytesOf('BF 2D'), 'TLV_TRUNCATED', 0],
  ['length bytes cut', bytesOf('5A 82 01'), 'TLV_TRUNCATED', 0],
  ['length past end', bytesOf('5A 05 01 02'), 'TLV_LENGTH_PAST_END', 0],
  ['child past parent end', bytesOf('BF 2D 03 5A 05 01'), 'TLV_LENGTH_PAST_END', 3],
  ['10 MB length claim', bytesOf('04 83 98 96 80 00'), 'TLV_LENGTH_TOO_LARGE', 0],
  ['5-byte length field', bytesOf('04 85 01 00 00 00 00'), 'TLV_LENGTH_TOO_LARGE', 0],
  ['indefinite length', bytesOf('30 80 02 01 05 00 00'), 'TLV_INDEFINITE_LENGTH', 0],
  ['10 000 nested levels', nested(10_000), 'TLV_TOO_DEEP', -1],
  ['65 nested levels', nested(64), 'TLV_TOO_DEEP', -1],
  ['multi-byte tag with leading 80', bytesOf('9F 80 01 00'), 'TLV_BAD_TAG', 0],
  ['low tag number in long form', bytesOf('9F 05 00'), 'TLV_BAD_TAG', 0],
  ['tag longer than 4 bytes', bytesOf('9F FF FF FF 7F 00'), 'TLV_BAD_TAG', 0],
  ['zero tag', bytesOf('00 00'), 'TLV_BAD_TAG', 0],
  ['trailing status word', bytesOf('5A 01 01 90 00'), 'TLV_TRAILING_BYTES', 3],
];

describe('malformed TLV input → typed error', () => {
  it.each(TLV_CASES)('%s', (_, bytes, code, offset) => {
    const err = caught(() => parseTlv(bytes));
    expect(err.code).toBe(code);
    expect(typeof err.details.offset).toBe('number');
    if (offset >= 0) expect(err.details.offset).toBe(offset);
    expect(err.message.length).toBeGreaterThan(10);
    expect(err.hint.length).toBeGreaterThan(10);
    // describe() never throws on the same input and reports the same problem.
    const described = describeBlob(bytes);
    if (code !== 'TLV_TRAILING_BYTES' && bytes.length > 0) expect(described.error?.code).toBe(code);
  });

  it('accepts exactly 64 levels', () => {
    expect(parseTlvSequence(nested(63))).toHaveLength(1);
  });
});

const SCHEMA_CASES: [string, AnySchema, string, string, string][] = [
  ['wrong outer tag', EnableProfileResponse, 'BF 32 03 80 01 00', 'SCHEMA_WRONG_TAG', 'EnableProfileResponse'],
  ['missing mandatory field', EnableProfileResponse, 'BF 31 00', 'SCHEMA_MISSING_FIELD', 'EnableProfileResponse.enableResult'],
  ['empty explicit choice', EnableProfileRequest, 'BF 31 05 A0 00 81 01 FF', 'SCHEMA_MISSING_FIELD', 'EnableProfileRequest.profileIdentifier'],
  ['BOOLEAN of 2 bytes', EnableProfileRequest, 'BF 31 09 A0 03 5A 01 98 81 02 FF FF', 'SCHEMA_BAD_VALUE', 'EnableProfileRequest.refreshFlag'],
  ['unknown choice alternative', ProfileInfoListResponse, 'BF 2D 03 82 01 01', 'SCHEMA_WRONG_TAG', 'ProfileInfoListResponse'],
  ['bad value deep in a list', ProfileInfoListResponse, `BF 2D 11 A0 0F ${TWO_PROFILES} E3 03 9F 70 00`, 'SCHEMA_BAD_VALUE', 'ProfileInfoListResponse.profileInfoListOk[2].profileState'],
  ['wrong item tag in a list', ProfileInfoListResponse, `BF 2D 0E A0 0C ${TWO_PROFILES} E2 00`, 'SCHEMA_WRONG_TAG', 'ProfileInfoListResponse.profileInfoListOk[2]'],
  ['empty INTEGER', EnableProfileResponse, 'BF 31 02 80 00', 'SCHEMA_BAD_VALUE', 'EnableProfileResponse.enableResult'],
];

describe('schema violations → typed error with path', () => {
  it.each(SCHEMA_CASES)('%s', (_, schema, hex, code, path) => {
    const err = caught(() => decode(schema, bytesOf(hex)));
    expect(err.code).toBe(code);
    expect(err.details.path).toBe(path);
    expect(typeof err.details.offset).toBe('number');
    expect(err.message).toContain(path);
    expect(err.hint.length).toBeGreaterThan(10);
  });
});
