import { describe, expect, it } from 'vitest';
import { isWorkbenchError } from '../../../shared/errors.js';
import { fromHex, toSpacedHex } from '../../../shared/hex.js';
import { encodeCommandApdu, parseResponseApdu } from '../../../src-main/card/apdu.js';
import {
  channelOfCla,
  claForChannel,
  claOnChannel,
  getResponseCommand,
  manageChannelClose,
  manageChannelOpen,
  openedChannelNumber,
} from '../../../src-main/card/channels.js';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isWorkbenchError(err) ? err.code : 'OTHER';
  }
  return undefined;
}

describe('CLA by logical channel', () => {
  it.each([
    [0, 0x00, 0x80],
    [1, 0x01, 0x81],
    [3, 0x03, 0x83],
    [4, 0x40, 0xc0],
    [5, 0x41, 0xc1],
    [19, 0x4f, 0xcf],
  ])('channel %i → ISO %s, proprietary %s', (channel, iso, proprietary) => {
    expect(claForChannel(channel, 'iso')).toBe(iso);
    expect(claForChannel(channel, 'proprietary')).toBe(proprietary);
    expect(channelOfCla(iso)).toBe(channel);
    expect(channelOfCla(proprietary)).toBe(channel);
  });

  it('round-trips every channel in both forms', () => {
    for (let ch = 0; ch <= 19; ch++) {
      expect(channelOfCla(claForChannel(ch, 'iso'))).toBe(ch);
      expect(channelOfCla(claForChannel(ch, 'proprietary'))).toBe(ch);
    }
  });

  it('reads the channel past secure messaging and chaining bits, and GSM class A0 as channel 0', () => {
    expect(channelOfCla(0x0d)).toBe(1); // SM bits b4b3 set
    expect(channelOfCla(0x11)).toBe(1); // chaining
    expect(channelOfCla(0x61)).toBe(5); // further form with SM bit b6
    expect(channelOfCla(0xa0)).toBe(0);
  });

  it('rejects channels outside 0–19', () => {
    expect(code(() => claForChannel(20, 'iso'))).toBe('CHANNEL_INVALID');
    expect(code(() => claForChannel(-1, 'iso'))).toBe('CHANNEL_INVALID');
  });

  it('moves a CLA onto a channel keeping kind and chaining', () => {
    expect(claOnChannel(0x80, 1)).toBe(0x81);
    expect(claOnChannel(0x80, 4)).toBe(0xc0);
    expect(claOnChannel(0x00, 19)).toBe(0x4f);
    expect(claOnChannel(0x90, 2)).toBe(0x92); // chaining bit kept
    expect(claOnChannel(0x03, 4)).toBe(0x40);
  });
});

describe('MANAGE CHANNEL', () => {
  it('open is 00 70 00 00 01', () => {
    expect(toSpacedHex(encodeCommandApdu(manageChannelOpen()))).toBe('00 70 00 00 01');
  });

  it('close is sent on the basic channel: 00 70 80 ch 00', () => {
    expect(toSpacedHex(encodeCommandApdu(manageChannelClose(1)))).toBe('00 70 80 01 00');
    expect(toSpacedHex(encodeCommandApdu(manageChannelClose(19)))).toBe('00 70 80 13 00');
    expect(code(() => manageChannelClose(0))).toBe('CHANNEL_INVALID');
  });

  it('reads the channel number from the open response', () => {
    expect(openedChannelNumber(parseResponseApdu(fromHex('01 90 00')))).toBe(1);
    expect(openedChannelNumber(parseResponseApdu(fromHex('13 90 00')))).toBe(19);
    expect(code(() => openedChannelNumber(parseResponseApdu(fromHex('90 00'))))).toBe('CARD_PROTOCOL_ERROR');
    expect(code(() => openedChannelNumber(parseResponseApdu(fromHex('00 90 00'))))).toBe('CARD_PROTOCOL_ERROR');
    expect(code(() => openedChannelNumber(parseResponseApdu(fromHex('14 90 00'))))).toBe('CARD_PROTOCOL_ERROR');
  });
});

describe('GET RESPONSE', () => {
  it('uses the ISO class on the command channel, A0 for GSM', () => {
    expect(toSpacedHex(encodeCommandApdu(getResponseCommand(0x81, 0x15)))).toBe('01 C0 00 00 15');
    expect(toSpacedHex(encodeCommandApdu(getResponseCommand(0xc0, 256)))).toBe('40 C0 00 00 00');
    expect(toSpacedHex(encodeCommandApdu(getResponseCommand(0xcf, 3)))).toBe('4F C0 00 00 03');
    expect(toSpacedHex(encodeCommandApdu(getResponseCommand(0xa0, 0x16)))).toBe('A0 C0 00 00 16');
  });
});
