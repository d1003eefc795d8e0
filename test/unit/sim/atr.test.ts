import { describe, expect, it } from 'vitest';
import { fromHex } from '../../../shared/hex.js';
import { DEFAULT_ATR_HEX, linkTimeMs, parseAtr } from '../../../src-main/sim/card/atr.js';
import { decodeImsi, encodeIccidFile as encodeIccid, encodeImsi, encodeSpn, pinFromBlock } from '../../../src-main/codec/ef-coding.js';

describe('ATR', () => {
  it('default ATR offers T=0 and T=1 with TA1 96 and a correct TCK', () => {
    const info = parseAtr(fromHex(DEFAULT_ATR_HEX));
    expect(info.protocols).toEqual([0, 1]);
    expect({ fi: info.fi, di: info.di }).toEqual({ fi: 512, di: 32 });
    expect(Buffer.from(info.historical).toString('hex')).toBe('8031e073fe211f');
    expect(info.checksumOk).toBe(true);
  });

  it('rejects a wrong TCK and truncated ATRs', () => {
    expect(() => parseAtr(fromHex(DEFAULT_ATR_HEX.slice(0, -2) + '00'))).toThrow(/TCK/);
    expect(() => parseAtr(fromHex('3B9F96'))).toThrow(/ATR_INVALID|truncated/);
    expect(parseAtr(fromHex('3B02 1234')).protocols).toEqual([0]); // T=0 only: no TCK needed
  });

  it('models 9600 baud at 3.5712 MHz with F=372, D=1 (12 etu per T=0 character)', () => {
    expect(linkTimeMs(1, { fi: 372, di: 1, clockHz: 3_571_200, protocol: 'T=0' })).toBeCloseTo(1.25, 6);
    expect(linkTimeMs(100, { fi: 512, di: 32, clockHz: 3_571_200, protocol: 'T=1' })).toBeCloseTo((100 * 11 * 16) / 3571.2, 6);
  });
});

describe('EF contents', () => {
  it('encodes ICCID, IMSI and SPN as the cards store them', () => {
    expect(Buffer.from(encodeIccid('89014103211118510720')).toString('hex')).toBe('98101430121181157002');
    expect(Buffer.from(encodeImsi('001010123456789')).toString('hex')).toBe('080910101032547698');
    expect(Buffer.from(encodeImsi('00101012345678')).toString('hex')).toBe('0801101010325476f8');
    expect(decodeImsi(encodeImsi('001010123456789'))).toBe('001010123456789');
    expect(Buffer.from(encodeSpn('Op')).toString('hex')).toBe('014f70' + 'ff'.repeat(14));
    expect(pinFromBlock(fromHex('31323334FFFFFFFF'))).toBe('1234');
    expect(pinFromBlock(fromHex('3132FF34FFFFFFFF'))).toBeUndefined();
  });
});
