import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isWorkbenchError } from '../../../shared/errors.js';
import { fromHex, toSpacedHex } from '../../../shared/hex.js';
import { encodeCommandApdu, encodeResponseApdu, parseCommandApdu, parseResponseApdu, swToHex } from '../../../src-main/card/apdu.js';
import type { CommandApdu } from '../../../src-main/card/apdu.js';

function hex(cmd: CommandApdu, allowExtended = false): string {
  return toSpacedHex(encodeCommandApdu(cmd, { allowExtended }));
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isWorkbenchError(err) ? err.code : 'NOT_A_WORKBENCH_ERROR';
  }
  return undefined;
}

describe('encodeCommandApdu (short)', () => {
  it('encodes case 1 as the bare header', () => {
    expect(hex({ cla: 0x00, ins: 0x70, p1: 0x80, p2: 0x01 })).toBe('00 70 80 01');
  });

  it('encodes case 2 with Le, 256 as 00', () => {
    expect(hex({ cla: 0x00, ins: 0x70, p1: 0x00, p2: 0x00, le: 1 })).toBe('00 70 00 00 01');
    expect(hex({ cla: 0x01, ins: 0xc0, p1: 0x00, p2: 0x00, le: 256 })).toBe('01 C0 00 00 00');
    expect(hex({ cla: 0x00, ins: 0xb0, p1: 0x00, p2: 0x00, le: 255 })).toBe('00 B0 00 00 FF');
  });

  it('encodes case 3 with Lc and data', () => {
    expect(hex({ cla: 0x81, ins: 0xe2, p1: 0x91, p2: 0x00, data: fromHex('BF3E035C015A') })).toBe('81 E2 91 00 06 BF 3E 03 5C 01 5A');
  });

  it('encodes case 4 with Lc, data and Le', () => {
    expect(hex({ cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x00, data: fromHex('A0000000871002'), le: 256 })).toBe('00 A4 04 00 07 A0 00 00 00 87 10 02 00');
  });

  it('treats empty data as no data', () => {
    expect(hex({ cla: 0x00, ins: 0xc0, p1: 0, p2: 0, data: new Uint8Array(0), le: 16 })).toBe('00 C0 00 00 10');
  });

  it('encodes 255 data bytes short and refuses 256 unless extended is allowed', () => {
    const data = new Uint8Array(255).fill(0xaa);
    expect(encodeCommandApdu({ cla: 0x80, ins: 0xe2, p1: 0x91, p2: 0, data })[4]).toBe(0xff);
    expect(codeOf(() => encodeCommandApdu({ cla: 0x80, ins: 0xe2, p1: 0x91, p2: 0, data: new Uint8Array(256) }))).toBe('APDU_TOO_LONG');
    expect(codeOf(() => encodeCommandApdu({ cla: 0x00, ins: 0xb0, p1: 0, p2: 0, le: 257 }))).toBe('APDU_TOO_LONG');
  });

  it('rejects bad header bytes, CLA FF and Le 0', () => {
    expect(codeOf(() => encodeCommandApdu({ cla: 0x100, ins: 0, p1: 0, p2: 0 }))).toBe('APDU_INVALID');
    expect(codeOf(() => encodeCommandApdu({ cla: 0, ins: -1, p1: 0, p2: 0 }))).toBe('APDU_INVALID');
    expect(codeOf(() => encodeCommandApdu({ cla: 0xff, ins: 0xa4, p1: 0, p2: 0 }))).toBe('APDU_INVALID');
    expect(codeOf(() => encodeCommandApdu({ cla: 0, ins: 0xb0, p1: 0, p2: 0, le: 0 }))).toBe('APDU_INVALID');
  });
});

describe('encodeCommandApdu (extended, only when requested)', () => {
  it('keeps the short form when it fits even if extended is allowed', () => {
    expect(hex({ cla: 0x00, ins: 0xb0, p1: 0, p2: 0, le: 256 }, true)).toBe('00 B0 00 00 00');
  });

  it('encodes case 2E, 3E and 4E', () => {
    expect(hex({ cla: 0x00, ins: 0xb0, p1: 0, p2: 0, le: 1000 }, true)).toBe('00 B0 00 00 00 03 E8');
    expect(hex({ cla: 0x00, ins: 0xb0, p1: 0, p2: 0, le: 65536 }, true)).toBe('00 B0 00 00 00 00 00');
    const data = new Uint8Array(300).fill(0x11);
    const e3 = encodeCommandApdu({ cla: 0x80, ins: 0xe2, p1: 0x91, p2: 0, data }, { allowExtended: true });
    expect(toSpacedHex(e3.subarray(0, 7))).toBe('80 E2 91 00 00 01 2C');
    expect(e3.length).toBe(307);
    const e4 = encodeCommandApdu({ cla: 0x80, ins: 0xe2, p1: 0x91, p2: 0, data, le: 65536 }, { allowExtended: true });
    expect(e4.length).toBe(309);
    expect(toSpacedHex(e4.subarray(307))).toBe('00 00');
  });
});

describe('parseCommandApdu', () => {
  it('recognises the four cases', () => {
    expect(parseCommandApdu(fromHex('00708001'))).toMatchObject({ case: 1, cla: 0, ins: 0x70, p1: 0x80, p2: 1, extended: false });
    expect(parseCommandApdu(fromHex('01C0000000'))).toMatchObject({ case: 2, le: 256 });
    const c3 = parseCommandApdu(fromHex('81E2910006BF3E035C015A'));
    expect(c3.case).toBe(3);
    expect(toSpacedHex(c3.data ?? new Uint8Array())).toBe('BF 3E 03 5C 01 5A');
    expect(c3.le).toBeUndefined();
    expect(parseCommandApdu(fromHex('00A4040002 3F00 10'))).toMatchObject({ case: 4, le: 16 });
  });

  it('recognises extended cases', () => {
    expect(parseCommandApdu(fromHex('00B00000 0003E8'))).toMatchObject({ case: 2, le: 1000, extended: true });
    expect(parseCommandApdu(fromHex('00B00000 000000'))).toMatchObject({ case: 2, le: 65536, extended: true });
    const data = new Uint8Array(300).fill(7);
    const parsed = parseCommandApdu(encodeCommandApdu({ cla: 0x80, ins: 0xe2, p1: 0x91, p2: 0, data, le: 500 }, { allowExtended: true }));
    expect(parsed).toMatchObject({ case: 4, le: 500, extended: true });
    expect(parsed.data?.length).toBe(300);
  });

  it('raises typed errors on malformed commands', () => {
    expect(codeOf(() => parseCommandApdu(fromHex('00A404')))).toBe('APDU_TOO_SHORT');
    expect(codeOf(() => parseCommandApdu(fromHex('00A4040005 3F00')))).toBe('APDU_LENGTH_MISMATCH');
    expect(codeOf(() => parseCommandApdu(fromHex('00A40400 00 01')))).toBe('APDU_LENGTH_MISMATCH');
    expect(codeOf(() => parseCommandApdu(fromHex('00A40400 00 0002 3F00 00')))).toBe('APDU_LENGTH_MISMATCH');
  });

  it('round-trips any encodable command', () => {
    const command = fc.record({
      cla: fc.integer({ min: 0, max: 0xfe }),
      ins: fc.integer({ min: 0, max: 0xff }),
      p1: fc.integer({ min: 0, max: 0xff }),
      p2: fc.integer({ min: 0, max: 0xff }),
      data: fc.option(fc.uint8Array({ minLength: 1, maxLength: 400 }), { nil: undefined }),
      le: fc.option(fc.integer({ min: 1, max: 65536 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(command, (cmd) => {
        const parsed = parseCommandApdu(encodeCommandApdu(cmd, { allowExtended: true }));
        expect(parsed.cla).toBe(cmd.cla);
        expect(parsed.ins).toBe(cmd.ins);
        expect(parsed.p1).toBe(cmd.p1);
        expect(parsed.p2).toBe(cmd.p2);
        expect(parsed.le).toBe(cmd.le);
        expect(parsed.data === undefined ? undefined : Array.from(parsed.data)).toEqual(cmd.data === undefined ? undefined : Array.from(cmd.data));
      }),
    );
  });
});

describe('response APDUs', () => {
  it('splits data and status word', () => {
    const r = parseResponseApdu(fromHex('0190 00'));
    expect(Array.from(r.data)).toEqual([1]);
    expect([r.sw1, r.sw2, r.sw]).toEqual([0x90, 0x00, 0x9000]);
    expect(parseResponseApdu(fromHex('6A82')).sw).toBe(0x6a82);
  });

  it('rejects a response without status word', () => {
    expect(codeOf(() => parseResponseApdu(fromHex('90')))).toBe('APDU_RESPONSE_TOO_SHORT');
  });

  it('encodes a response and formats status words', () => {
    expect(toSpacedHex(encodeResponseApdu(fromHex('BF3E'), 0x9000))).toBe('BF 3E 90 00');
    expect(swToHex(0x6a, 0x82)).toBe('6A82');
    expect(swToHex(0x09, 0x00)).toBe('0900');
  });
});
