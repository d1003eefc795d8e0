import { describe, expect, it } from 'vitest';
import { isWorkbenchError } from '../../../shared/errors.js';
import { toSpacedHex } from '../../../shared/hex.js';
import { encodeCommandApdu } from '../../../src-main/card/apdu.js';
import { buildStoreDataCommands } from '../../../src-main/card/store-data.js';

const request = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7) & 0xff);
const headers = (req: Uint8Array, channel: number, size: number): string[] =>
  buildStoreDataCommands(req, channel, size).map((c) => toSpacedHex(encodeCommandApdu(c).subarray(0, 5)));

describe('buildStoreDataCommands', () => {
  it('digest §1.4: a 300-byte request at 120 on the basic channel', () => {
    const req = request(300);
    expect(headers(req, 0, 120)).toEqual(['80 E2 11 00 78', '80 E2 11 01 78', '80 E2 91 02 3C']);
    const cmds = buildStoreDataCommands(req, 0, 120).map((c) => encodeCommandApdu(c));
    expect(toSpacedHex(cmds[2]?.subarray(5) ?? new Uint8Array())).toBe(toSpacedHex(req.subarray(240)));
    expect(cmds.map((c) => c.length)).toEqual([125, 125, 65]); // case 3: no Le
  });

  it('a 300-byte request at 255 on channels 1, 3, 4 and 19', () => {
    const req = request(300);
    expect(headers(req, 1, 255)).toEqual(['81 E2 11 00 FF', '81 E2 91 01 2D']);
    expect(headers(req, 3, 255)).toEqual(['83 E2 11 00 FF', '83 E2 91 01 2D']);
    expect(headers(req, 4, 255)).toEqual(['C0 E2 11 00 FF', 'C0 E2 91 01 2D']);
    expect(headers(req, 19, 255)).toEqual(['CF E2 11 00 FF', 'CF E2 91 01 2D']);
  });

  it('single block and exact multiples use 91 only on the last block', () => {
    expect(headers(request(6), 1, 255)).toEqual(['81 E2 91 00 06']);
    expect(headers(request(240), 1, 120)).toEqual(['81 E2 11 00 78', '81 E2 91 01 78']);
  });

  it('numbers up to 256 blocks and refuses more', () => {
    const cmds = buildStoreDataCommands(request(256 * 6), 1, 6);
    expect(cmds.at(-1)).toMatchObject({ p1: 0x91, p2: 255 });
    let code: string | undefined;
    try {
      buildStoreDataCommands(request(256 * 6 + 1), 1, 6);
    } catch (err) {
      code = isWorkbenchError(err) ? err.code : 'OTHER';
    }
    expect(code).toBe('APDU_TOO_LONG');
  });

  it('refuses an empty request', () => {
    expect(() => buildStoreDataCommands(new Uint8Array(0), 1, 120)).toThrow(expect.objectContaining({ code: 'APDU_INVALID' }));
  });
});
