import { describe, expect, it } from 'vitest';
import { fromHex } from '../../../shared/hex.js';
import { describeCommand, hasSecretData, instructionName } from '../../../src-main/card/instructions.js';

describe('instruction table', () => {
  it('names instructions by class', () => {
    expect(instructionName(0x80, 0xe2)).toBe('STORE DATA');
    expect(instructionName(0xc3, 0xe2)).toBe('STORE DATA');
    expect(instructionName(0x00, 0xe2)).toBe('APPEND RECORD');
    expect(instructionName(0xa0, 0x88)).toBe('RUN GSM ALGORITHM');
    expect(instructionName(0x00, 0x88)).toBe('AUTHENTICATE');
    expect(instructionName(0x00, 0x99)).toBe('INS 99');
  });

  it('flags the PIN-carrying instructions', () => {
    expect([0x20, 0x24, 0x26, 0x28, 0x2c].every(hasSecretData)).toBe(true);
    expect([0xa4, 0xe2, 0xc0, 0x70].some(hasSecretData)).toBe(false);
  });

  it('describes SELECT and MANAGE CHANNEL with their targets', () => {
    expect(describeCommand({ cla: 0x01, ins: 0xa4, p1: 0x04, p2: 0x00, data: fromHex('A0000005591010FFFFFFFF8900000100') })).toBe(
      'SELECT AID A0000005591010FFFFFFFF8900000100 (ISD-R)',
    );
    expect(describeCommand({ cla: 0x00, ins: 0xa4, p1: 0x00, p2: 0x04, data: fromHex('2FE2') })).toBe('SELECT 2FE2 (EF.ICCID)');
    expect(describeCommand({ cla: 0x00, ins: 0xa4, p1: 0x08, p2: 0x04, data: fromHex('7FFF6F07') })).toBe('SELECT path 3F00/7FFF/6F07');
    expect(describeCommand({ cla: 0x00, ins: 0x70, p1: 0x00, p2: 0x00, le: 1 })).toBe('MANAGE CHANNEL open');
    expect(describeCommand({ cla: 0x00, ins: 0x70, p1: 0x80, p2: 0x02 })).toBe('MANAGE CHANNEL close 2');
    expect(describeCommand({ cla: 0x00, ins: 0x20, p1: 0x00, p2: 0x01, data: fromHex('3733393131FFFFFF') })).toBe('VERIFY');
  });
});
