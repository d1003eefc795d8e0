import { describe, expect, it, vi } from 'vitest';
import { fromHex } from '../../../shared/hex.js';
import { ApduLog, formatApduLogEntry, redactCommand } from '../../../src-main/card/apdu-log.js';
import type { ApduLogEntry } from '../../../src-main/card/apdu-log.js';

function record(log: ApduLog, command: string, response?: string, extra: { annotation?: string; error?: string; channel?: number } = {}): ApduLogEntry {
  return log.record({
    startedAt: new Date('2025-03-01T10:00:00.000Z'),
    durationMs: 3.14159,
    transportId: 'test:reader',
    channel: extra.channel ?? 0,
    command: fromHex(command),
    ...(response === undefined ? {} : { response: fromHex(response) }),
    ...(extra.annotation === undefined ? {} : { annotation: extra.annotation }),
    ...(extra.error === undefined ? {} : { error: extra.error }),
  });
}

/** PIN 7391 as ASCII, padded with FF as USIM VERIFY sends it. */
const PIN_DATA = '37 33 39 31 FF FF FF FF';
const PIN_FORMS = ['37 33 39 31', '37333931', '7391'];

function assertNoPin(text: string): void {
  for (const form of PIN_FORMS) expect(text).not.toContain(form);
}

describe('ApduLog entries', () => {
  it('records an exchange with SW meaning, annotation and ISO time', () => {
    const log = new ApduLog();
    const entry = record(log, '81E2910006BF3E035C015A', '6115', { annotation: 'STORE DATA → ES10c.GetEID', channel: 1 });
    expect(entry).toEqual({
      seq: 1,
      time: '2025-03-01T10:00:00.000Z',
      durationMs: 3.1,
      transportId: 'test:reader',
      channel: 1,
      command: '81 E2 91 00 06 BF 3E 03 5C 01 5A',
      response: '61 15',
      sw: '6115',
      swMeaning: '21 response bytes available (fetch with GET RESPONSE)',
      annotation: 'STORE DATA → ES10c.GetEID',
      redacted: false,
    });
  });

  it('records a failed exchange with its error and no SW', () => {
    const entry = record(new ApduLog(), '00A4040000', undefined, { error: 'CARD_REMOVED: gone' });
    expect(entry).toMatchObject({ response: '', sw: '', swMeaning: '', error: 'CARD_REMOVED: gone' });
  });
});

describe('PIN redaction', () => {
  it.each([
    ['VERIFY', `00 20 00 01 08 ${PIN_DATA}`, '00 20 00 01 08 ** ** ** ** ** ** ** **'],
    ['VERIFY (GSM class)', `A0 20 00 01 08 ${PIN_DATA}`, 'A0 20 00 01 08 ** ** ** ** ** ** ** **'],
    ['CHANGE REFERENCE DATA', `00 24 00 01 10 ${PIN_DATA} ${PIN_DATA}`, `00 24 00 01 10 ${Array(16).fill('**').join(' ')}`],
    ['DISABLE VERIFICATION', `00 26 00 01 08 ${PIN_DATA}`, '00 26 00 01 08 ** ** ** ** ** ** ** **'],
    ['ENABLE VERIFICATION', `00 28 00 01 08 ${PIN_DATA}`, '00 28 00 01 08 ** ** ** ** ** ** ** **'],
    ['RESET RETRY COUNTER', `00 2C 00 01 10 37 33 39 31 37 33 39 31 ${PIN_DATA}`, `00 2C 00 01 10 ${Array(16).fill('**').join(' ')}`],
    ['case 4 keeps Le', `00 20 00 01 08 ${PIN_DATA} 00`, '00 20 00 01 08 ** ** ** ** ** ** ** ** 00'],
    ['malformed length still masked', `00 20 00 01 0A ${PIN_DATA}`, '00 20 00 01 0A ** ** ** ** ** ** ** **'],
  ])('%s', (_name, command, masked) => {
    const log = new ApduLog();
    const seen: ApduLogEntry[] = [];
    log.onEntry((e) => seen.push(e));
    const entry = record(log, command, '63C2', { annotation: 'VERIFY PIN1' });
    expect(entry.command).toBe(masked);
    expect(entry.redacted).toBe(true);
    expect(entry.swMeaning).toContain('2 retries left');
    assertNoPin(JSON.stringify(entry));
    assertNoPin(JSON.stringify(seen));
    assertNoPin(log.toTextLines().join('\n'));
  });

  it('leaves other commands and data-less VERIFY alone', () => {
    expect(redactCommand(fromHex('00 20 00 01'))).toEqual({ hex: '00 20 00 01', redacted: false });
    expect(redactCommand(fromHex('00 A4 04 00 02 37 33'))).toEqual({ hex: '00 A4 04 00 02 37 33', redacted: false });
  });
});

describe('ring buffer, listeners, export', () => {
  it('keeps the newest entries up to capacity, with increasing seq', () => {
    const log = new ApduLog({ capacity: 3 });
    for (let i = 0; i < 5; i++) record(log, `00B000000${i + 1}`, '9000');
    expect(log.entries().map((e) => e.seq)).toEqual([3, 4, 5]);
    expect(log.entries().map((e) => e.command)).toEqual(['00 B0 00 00 03', '00 B0 00 00 04', '00 B0 00 00 05']);
    log.clear();
    expect(log.entries()).toEqual([]);
    expect(record(log, '00B0000001', '9000').seq).toBe(6);
  });

  it('notifies listeners until they unsubscribe, and survives a failing listener', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const log = new ApduLog();
    const seqs: number[] = [];
    log.onEntry(() => {
      throw new Error('viewer crashed');
    });
    const off = log.onEntry((e) => seqs.push(e.seq));
    record(log, '00B0000001', '9000');
    off();
    record(log, '00B0000001', '9000');
    expect(seqs).toEqual([1]);
    expect(log.entries()).toHaveLength(2);
    expect(warn).toHaveBeenCalledTimes(2);
    warn.mockRestore();
  });

  it('exports one text line per entry', () => {
    const log = new ApduLog();
    record(log, '0070000001', '019000', { annotation: 'MANAGE CHANNEL open' });
    record(log, '0070800100', undefined, { error: 'CARD_REMOVED: gone' });
    expect(log.toTextLines()).toEqual([
      '#1 2025-03-01T10:00:00.000Z ch0 test:reader 3.1ms > 00 70 00 00 01 < 01 90 00 [9000 Normal ending of the command] MANAGE CHANNEL open',
      '#2 2025-03-01T10:00:00.000Z ch0 test:reader 3.1ms > 00 70 80 01 00 !! CARD_REMOVED: gone',
    ]);
    expect(formatApduLogEntry(log.entries()[0] as ApduLogEntry)).toBe(log.toTextLines()[0]);
  });

  it('rejects a capacity below 1', () => {
    expect(() => new ApduLog({ capacity: 0 })).toThrow(RangeError);
  });
});
