import { describe, expect, it } from 'vitest';
import { toHex } from '../../../shared/hex.js';
import {
  decodeIccid,
  decodeMccMnc,
  decodeVersion,
  EnableProfileResult,
  encodeIccid,
  encodeMccMnc,
  encodeVersion,
  parseExtCardResource,
  RESULT_TABLES,
} from '../../../src-main/codec/sgp22/index.js';
import { bytesOf } from '../../helpers/codec-assert.js';

describe('ICCID', () => {
  it.each([
    ['8944500101234567890', '98440510103254769 8F0'.replace(' ', '')],
    ['894450010123456789', '984405101032547698FF'],
    ['89445001012345678901', '98440510103254769810'],
    ['8944 5001 0123 4567 890', '984405101032547698F0'],
  ])('%s → %s (always 10 bytes)', (iccid, hex) => {
    expect(toHex(encodeIccid(iccid)).toUpperCase()).toBe(hex);
    expect(decodeIccid(bytesOf(hex))).toBe(iccid.replace(/\s/g, ''));
  });

  it.each(['', '123456789012345678901', '89x4'])('rejects %j', (bad) => {
    expect(() => encodeIccid(bad)).toThrowError(expect.objectContaining({ code: 'SCHEMA_BAD_VALUE' }) as Error);
  });
});

describe('VersionType, MCC/MNC, card resources', () => {
  it('version 2.2.2 ↔ 02 02 02', () => {
    expect(toHex(encodeVersion('2.2.2'))).toBe('020202');
    expect(decodeVersion(bytesOf('02 00 0C'))).toBe('2.0.12');
    expect(() => encodeVersion('2.1')).toThrowError(expect.objectContaining({ code: 'SCHEMA_BAD_VALUE' }) as Error);
    expect(() => encodeVersion('2.256.0')).toThrowError(expect.objectContaining({ code: 'SCHEMA_BAD_VALUE' }) as Error);
  });

  it.each([
    ['26201', '62F210'],
    ['310410', '130014'],
    ['00101', '00F110'],
  ])('MCC/MNC %s ↔ %s (TS 24.008)', (plmn, hex) => {
    expect(toHex(encodeMccMnc(plmn)).toUpperCase()).toBe(hex);
    expect(decodeMccMnc(bytesOf(hex))).toBe(plmn);
  });

  it('extended card resources of the digest example', () => {
    expect(parseExtCardResource(bytesOf('81 01 00 82 04 00 06 28 24 83 04 00 00 19 22'))).toEqual({
      installedApplications: 0,
      freeNonVolatileMemory: 403_492,
      freeVolatileMemory: 6_434,
    });
  });
});

describe('result tables', () => {
  it('EnableProfile 2 explains that the profile is already enabled', () => {
    const row = EnableProfileResult.lookup(2);
    expect(row.name).toBe('profileNotInDisabledState');
    expect(row.message).toBe('The profile is already enabled.');
    expect(row.hint).not.toBe('');
    expect(EnableProfileResult.lookup('catBusy').code).toBe(5);
  });

  it('unknown codes get a generic row instead of an exception', () => {
    const row = EnableProfileResult.lookup(42);
    expect(row.code).toBe(42);
    expect(row.message).toContain('42');
  });

  it('every row has a message, names and codes are unique per table', () => {
    for (const table of RESULT_TABLES) {
      expect(new Set(table.rows.map((r) => r.name)).size).toBe(table.rows.length);
      expect(new Set(table.rows.map((r) => r.code)).size).toBe(table.rows.length);
      for (const row of table.rows) expect(row.message.length).toBeGreaterThan(3);
    }
  });
});
