import { describe, expect, it } from 'vitest';
import { fromHex } from '../../../shared/hex.js';
import { isWorkbenchError } from '../../../shared/errors.js';
import { DI_TABLE, FI_TABLE, fromInverse, parseAtr } from '../../../src-main/diag/atr.js';

const UICC = '3B 9F 96 80 1F C7 80 31 E0 73 FE 21 1B 63 3A 20 4E 83 00 90 00 93';
const codes = (hex: string | Uint8Array): string[] => parseAtr(typeof hex === 'string' ? fromHex(hex) : hex).issues.map((i) => i.code);

describe('parseAtr: UICC ATR with T=0 and global T=15 bytes', () => {
  const atr = parseAtr(fromHex(UICC));

  it('reads TS, T0 and the TA/TD chain', () => {
    expect(atr.convention).toBe('direct');
    expect(atr.length).toBe(22);
    expect(atr.protocols).toEqual([0]);
    expect(atr.hasT15).toBe(true);
    expect(atr.fields.map((f) => f.name).slice(0, 6)).toEqual(['TS', 'T0', 'TA1', 'TD1', 'TD2', 'TA3']);
    expect(atr.fields.find((f) => f.name === 'T0')?.explanation).toContain('15 historical bytes');
    expect(atr.issues).toEqual([]);
  });

  it('turns TA1 96 into Fi 512 / Di 32 and the bit rates', () => {
    expect([atr.fi, atr.di, atr.fMaxMHz]).toEqual([512, 32, 5]);
    expect(atr.bitRate).toEqual({ clockHz: 3_570_000, atClock: 223_125, atFMax: 312_500 });
    expect(atr.defaultBitRate).toBe(9597);
    expect(parseAtr(fromHex(UICC), { clockHz: 4_000_000 }).bitRate?.atClock).toBe(250_000);
  });

  it('decodes the T=15 class indicator and clock stop', () => {
    expect(atr.t15).toEqual({ clockStop: 'supported, no preference', voltageClasses: ['A (5 V)', 'B (3 V)', 'C (1.8 V)'] });
  });

  it('decodes compact-TLV historical bytes', () => {
    expect(atr.historical.category).toBe(0x80);
    expect(atr.historical.objects.map((o) => [o.name, o.hex])).toEqual([
      ['Card service data', '31 E0'],
      ['Card capabilities', '73 FE 21 1B'],
      ['Pre-issuing data', '63 3A 20 4E'],
      ['Status indicator', '83 00 90 00'],
    ]);
    expect(atr.historical.objects[0]?.explanation).toMatch(/selection by full DF name.*card with MF/);
    expect(atr.historical.objects[1]?.explanation).toMatch(/logical channels assigned by card and terminal, up to 4/);
    expect(atr.historical.status).toEqual({ lcs: 0, sw: '9000' });
  });

  it('requires and checks TCK', () => {
    expect(atr.tck).toEqual({ required: true, present: true, value: 0x93, valid: true });
    const bad = parseAtr(fromHex(UICC.replace(/93$/, '94')));
    expect(bad.tck.valid).toBe(false);
    expect(bad.issues.map((i) => i.code)).toEqual(['ATR_BAD_TCK']);
    expect(bad.issues[0]?.message).toContain('93');
    expect(bad.issues[0]?.offset).toBe(21);
    expect(codes(UICC.slice(0, -3))).toEqual(['ATR_TCK_MISSING']);
  });

  it('reports bytes after the ATR', () => {
    expect(codes(`${UICC} 00 A4`)).toEqual(['ATR_TRAILING_BYTES']);
  });
});

describe('parseAtr: other shapes', () => {
  it('T=0-only ATR: TA1, TC1, no TCK, category 10', () => {
    const atr = parseAtr(fromHex('3B 52 94 02 10 05'));
    expect(atr.protocols).toEqual([0]);
    expect([atr.fi, atr.di, atr.extraGuardTime]).toEqual([512, 8, 2]);
    expect(atr.bitRate?.atClock).toBe(55_781);
    expect(atr.tck).toEqual({ required: false, present: false });
    expect(atr.historical.summary).toBe('Category 10: DIR data reference 05');
    expect(atr.issues).toEqual([]);
    expect(atr.fields.find((f) => f.name === 'TC1')?.explanation).toBe('Extra guard time N=2 etu');
  });

  it('minimal ATR 3B 00 uses the defaults Fd 372 / Dd 1', () => {
    const atr = parseAtr(fromHex('3B 00'));
    expect([atr.fi, atr.di, atr.waitingTimeInteger]).toEqual([372, 1, 10]);
    expect(atr.bitRate?.atClock).toBe(9597);
    expect(atr.historical.summary).toBe('No historical bytes');
    expect(atr.issues).toEqual([]);
  });

  it('T=1 parameters IFSC, BWI/CWI and N=255', () => {
    const atr = parseAtr(fromHex('3B D0 18 FF 81 31 FE 45 3C'));
    expect(atr.protocols).toEqual([1]);
    expect([atr.fi, atr.di]).toEqual([372, 12]);
    expect(atr.extraGuardTime).toBe(255);
    expect(atr.t1).toEqual({ ifsc: 254, bwi: 4, cwi: 5, errorDetection: 'LRC' });
    expect(atr.tck.valid).toBe(true);
    expect(atr.issues).toEqual([]);
  });

  it('category 00 historical bytes end with a status indicator', () => {
    const atr = parseAtr(fromHex('3B 08 00 73 C8 40 13 00 90 00'));
    expect(atr.historical.objects.map((o) => o.name)).toEqual(['Card capabilities', 'Status indicator']);
    expect(atr.historical.status).toEqual({ lcs: 0, sw: '9000' });
  });

  it('inverse convention, also when captured as direct (TS 03)', () => {
    expect(parseAtr(fromHex('3F 00')).convention).toBe('inverse');
    const captured = Uint8Array.of(fromInverse(0x3f), fromInverse(0x00));
    expect(Array.from(captured)).toEqual([0x03, 0xff]);
    const atr = parseAtr(captured);
    expect(atr.convention).toBe('inverse');
    expect(atr.hex).toBe('3F 00');
    expect(atr.issues.map((i) => i.code)).toEqual(['ATR_INVERSE_UNDECODED']);
  });

  it('reports truncation wherever the ATR stops, never throws', () => {
    expect(codes('3B')).toEqual(['ATR_TRUNCATED']);
    expect(parseAtr(fromHex('3B 9F 96 80 1F')).issues[0]?.message).toContain('TA3');
    expect(codes('3B 9F 96 80 1F C7 80 31')).toEqual(['ATR_TRUNCATED', 'ATR_HISTORICAL']);
    expect(parseAtr(fromHex('3B 9F 96 80 1F C7 80 31')).historical.objects[0]?.name).toBe('Card service data');
    expect(codes('3A 00')).toEqual(['ATR_BAD_TS']);
    expect(codes('3B 11 70')).toEqual(['ATR_RFU_VALUE', 'ATR_TRUNCATED']);
  });

  it('throws only for an empty ATR', () => {
    let caught: unknown;
    try {
      parseAtr(new Uint8Array(0));
    } catch (err) {
      caught = err;
    }
    expect(isWorkbenchError(caught, 'ATR_EMPTY')).toBe(true);
  });

  it('Fi/Di tables follow ISO 7816-3 Table 7/8', () => {
    expect(FI_TABLE.map((f) => f?.fi)).toEqual([372, 372, 558, 744, 1116, 1488, 1860, undefined, undefined, 512, 768, 1024, 1536, 2048, undefined, undefined]);
    expect(DI_TABLE).toEqual([undefined, 1, 2, 4, 8, 16, 32, 64, 12, 20, undefined, undefined, undefined, undefined, undefined, undefined]);
  });
});
