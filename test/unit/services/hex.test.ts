import { describe, expect, it } from 'vitest';
import { fromHex, hexFromLogText, toHex, toSpacedHex } from '../../../shared/hex.js';
import { isWorkbenchError } from '../../../shared/errors.js';

describe('hex helpers', () => {
  it('parses hex as people paste it', () => {
    expect(toHex(fromHex('0xBF 0x2E\n00'))).toBe('bf2e00');
    expect(toHex(fromHex('bf:2e:00'))).toBe('bf2e00');
    expect(toSpacedHex(fromHex('bf2e00'))).toBe('BF 2E 00');
  });

  it('rejects odd digit counts and non-hex characters with HEX_INVALID', () => {
    for (const bad of ['BF2', 'BF2G00']) {
      let caught: unknown;
      try {
        fromHex(bad);
      } catch (err) {
        caught = err;
      }
      expect(isWorkbenchError(caught, 'HEX_INVALID')).toBe(true);
    }
  });

  it('finds the hex run inside an APDU log line', () => {
    expect(toHex(hexFromLogText('12:00:03.000 → 81 E2 91 00 06 BF 3E 03 5C 01 5A   (ES10c.GetEID)'))).toBe('81e2910006bf3e035c015a');
    expect(toHex(hexFromLogText('resp: BF3E035C015A sw=9000'))).toBe('bf3e035c015a');
  });

  it('says so when a line holds no hex at all', () => {
    expect(() => hexFromLogText('no bytes here')).toThrow(/No hexadecimal/);
  });
});
