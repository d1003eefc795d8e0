import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fromHex, toSpacedHex } from '../../../shared/hex.js';
import { decodeT0Trace, formatTraceListing } from '../../../src-main/diag/t0-trace.js';
import { capture, t0Receive, t0Send, t0Status } from '../../helpers/diag-t0.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const seedBytes = (): number[] => Array.from(fromHex(readFileSync(path.join(repoRoot, 'test/fixtures/diag/seed-000-trace.txt'), 'utf8')));
const SEED_SW = ['6127', '9000', '9000', '6A82', '6A82', '6A82', '9000', '6A82', '6127', '9000'];
const hex = (bytes: number[]): string => toSpacedHex(Uint8Array.from(bytes));
const sws = (text: string | Uint8Array): (string | undefined)[] => decodeT0Trace(text).entries.map((e) => e.sw);

describe('decodeT0Trace input formats', () => {
  it('plain hex without separators and raw bytes give the same listing as the 0x dump', () => {
    const bytes = seedBytes();
    expect(sws(hex(bytes).replace(/ /g, ''))).toEqual(SEED_SW);
    expect(sws(Uint8Array.from(bytes))).toEqual(SEED_SW);
    expect(decodeT0Trace(Uint8Array.from(bytes)).format).toBe('bytes');
  });

  it('logic-analyzer CSV with header: times per entry, parity-flagged bytes dropped', () => {
    const bytes = seedBytes();
    const rows = bytes.map((b, i) => `${(i * 0.001).toFixed(6)},0x${b.toString(16).toUpperCase().padStart(2, '0')},,`);
    // T=0 error signalling: a character flagged with a parity error is repeated by the sender.
    rows.splice(3, 0, '0.002500,0x7F,Error,');
    const listing = decodeT0Trace(['Time [s],Value,Parity Error,Framing Error', ...rows].join('\n'));
    expect(listing.format).toBe('csv');
    expect(listing.entries.map((e) => e.sw)).toEqual(SEED_SW);
    expect(listing.entries[0]?.time).toBe(0);
    expect(listing.entries[1]?.time).toBeCloseTo(0.01, 9);
    expect(listing.problems).toEqual([{ line: 5, message: expect.stringMatching(/Parity\/framing error .* 7F; dropped/) }]);
    expect(formatTraceListing(listing)).toMatch(/\n {2}2 {2}0\.010000 {5}GET RESPONSE/);
  });

  it('header-less CSV with a direction column: direction decides who sends the data of an unknown INS', () => {
    const rows = [
      ['0.1', '80', 'T'], ['0.1', '7E', 'T'], ['0.1', '00', 'T'], ['0.1', '00', 'T'], ['0.1', '02', 'T'],
      ['0.2', '7E', 'C'], ['0.2', 'AB', 'C'], ['0.2', 'CD', 'C'], ['0.3', '90', 'C'], ['0.3', '00', 'C'],
    ].map((r) => r.join(';'));
    const listing = decodeT0Trace(rows.join('\n'));
    expect(listing.format).toBe('csv');
    const [e] = listing.entries;
    expect(e?.command).toBe('INS 7E');
    expect(e?.response).toBe('AB CD');
    expect(e?.data).toBeUndefined();
    expect(e?.sw).toBe('9000');
    expect(e?.notes?.join(' ')).toMatch(/card sending the data/);
  });

  it('a header the card never answers, with a direction column', () => {
    const rows = ['0.1,00,T', '0.1,A4,T', '0.1,00,T', '0.1,04,T', '0.1,02,T', '0.9,00,T', '0.9,A4,T', '0.9,00,T', '0.9,04,T', '0.9,02,T', '1.0,A4,C', '1.0,3F,T', '1.0,00,T', '1.1,61,C', '1.1,27,C'];
    const listing = decodeT0Trace(rows.join('\n'));
    expect(listing.entries.map((e) => [e.command, e.outcome, e.sw])).toEqual([
      ['SELECT', 'no-answer', undefined],
      ['SELECT', 'complete', '6127'],
    ]);
    expect(listing.entries[0]?.status).toMatch(/No answer from the card/);
  });

  it('ATR and PPS at the start', () => {
    const atr = '3B 9F 96 80 1F C7 80 31 E0 73 FE 21 1B 63 3A 20 4E 83 00 90 00 93';
    const pps = 'FF 10 96 79';
    const listing = decodeT0Trace(`${atr} ${pps} ${pps} ${hex(seedBytes())}`);
    expect(listing.atr?.hex).toBe(atr);
    expect(listing.atr?.issues).toEqual([]);
    expect(listing.entries[0]).toMatchObject({ command: 'PPS', header: pps, response: pps, status: 'PPS accepted (echoed by the card)' });
    expect(listing.entries[0]?.decoded).toMatch(/T=0, PPS1 96/);
    expect(listing.entries.slice(1).map((e) => e.sw)).toEqual(SEED_SW);
    expect(listing.problems).toEqual([]);
    expect(formatTraceListing(listing)).toMatch(/^ATR 3B 9F 96 .*Fi 512 \/ Di 32/);
  });

  it('words in pasted text are problems, not bytes', () => {
    const listing = decodeT0Trace(`Trace:\n${hex(seedBytes())}\nend of capture`);
    expect(listing.entries.map((e) => e.sw)).toEqual(SEED_SW);
    expect(listing.problems.map((p) => p.line)).toEqual([1, 3, 3, 3]);
  });
});

describe('decodeT0Trace T=0 procedures', () => {
  it('NULL bytes, byte-by-byte transfer and 6Cxx', () => {
    const text = capture(
      '00 A4 00 04 02 60 60 5B 3F 5B 00 61 27',
      t0Status('00 B0 00 00 00', '6C 0A'),
      t0Receive('00 B0 00 00 0A', '98 94 00 10 32 54 76 98 10 F2', '90 00'),
    );
    const listing = decodeT0Trace(text);
    expect(listing.problems).toEqual([]);
    const [select, wrongLe, read] = listing.entries;
    expect(select?.data).toBe('3F 00');
    expect(select?.notes).toEqual(['2 NULL procedure byte(s) (60): the card asked for more time.', 'Data transferred byte by byte (complemented INS procedure bytes).']);
    expect(wrongLe?.status).toBe('Wrong Le: resend with Le = 10');
    expect(read?.response).toBe('98 94 00 10 32 54 76 98 10 F2');
  });

  it('READ BINARY of EF.ICCID shows the ICCID', () => {
    const text = capture(t0Send('00 A4 08 0C 02', '2F E2', '90 00'), t0Receive('00 B0 00 00 0A', '98 94 00 10 32 54 76 98 10 F2', '90 00'));
    expect(decodeT0Trace(text).entries[1]?.decoded).toBe('READ BINARY EF.ICCID, offset 0, 10 bytes: ICCID 8949000123456789012');
  });

  it('VERIFY data is masked everywhere', () => {
    const listing = decodeT0Trace(capture(t0Send('00 20 00 01 08', '31 32 33 34 FF FF FF FF', '63 C2'), t0Status('00 20 00 01 00', '63 C2')));
    const [verify, query] = listing.entries;
    expect(verify?.data).toBe('** ** ** ** ** ** ** **');
    expect(verify?.decoded).toBe('VERIFY PIN1 (application PIN), 8 data bytes (masked)');
    expect(verify?.status).toBe('Verification failed or counter: 2 retries left');
    expect(query?.decoded).toBe('VERIFY PIN1 (application PIN): retry counter query (no PIN sent)');
    const everything = JSON.stringify(listing) + formatTraceListing(listing);
    expect(everything).not.toMatch(/31 32 33 34/);
  });

  it('MANAGE CHANNEL, SELECT ISD-R by AID and its FCI', () => {
    const isdr = 'A0 00 00 05 59 10 10 FF FF FF FF 89 00 00 01 00';
    const fci = `6F 1A 84 10 ${isdr} A5 06 E0 04 82 02 02 02`;
    const listing = decodeT0Trace(capture(
      t0Receive('00 70 00 00 01', '01', '90 00'),
      t0Send('01 A4 04 00 10', isdr, '61 1C'),
      t0Receive('01 C0 00 00 1C', fci, '90 00'),
    ));
    expect(listing.problems).toEqual([]);
    expect(listing.entries[0]?.decoded).toBe('MANAGE CHANNEL open → channel 1');
    expect(listing.entries[1]?.target).toMatchObject({ by: 'aid', name: 'ISD-R', aid: 'A0000005591010FFFFFFFF8900000100' });
    expect(listing.entries[2]?.decoded).toMatch(/GET RESPONSE \(to SELECT ISD-R\): FCI of ISD-R; SGP.22 2.2$/);
  });
});

describe('decodeT0Trace on broken captures', () => {
  it('a byte missing from response data: the rest still decodes', () => {
    const bytes = seedBytes();
    bytes.splice(30, 1); // inside the first GET RESPONSE data
    const listing = decodeT0Trace(hex(bytes));
    expect(listing.entries.map((e) => e.sw)).toEqual(SEED_SW);
    expect(listing.entries[1]?.response?.split(' ')).toHaveLength(0x26);
    expect(listing.problems).toEqual([{ offset: 10, entry: 2, message: expect.stringMatching(/1 data byte\(s\) fewer than announced/) }]);
  });

  it('an extra byte in response data: reported and skipped', () => {
    const bytes = seedBytes();
    bytes.splice(30, 0, 0xee);
    const listing = decodeT0Trace(hex(bytes));
    expect(listing.entries.map((e) => e.sw)).toEqual(SEED_SW);
    expect(listing.problems).toEqual([{ offset: 10, entry: 2, message: expect.stringMatching(/1 unexpected byte\(s\) before the status word: 0A/) }]);
  });

  it('garbage between commands is skipped and reported', () => {
    const bytes = seedBytes();
    bytes.splice(72, 0, 0xde, 0xad, 0xbe, 0xef); // before the first SELECT EF.ICCID
    const listing = decodeT0Trace(hex(bytes));
    expect(listing.entries.map((e) => e.sw)).toEqual(SEED_SW);
    expect(listing.problems).toEqual([{ offset: 72, message: '4 byte(s) not part of any command, skipped: DE AD BE EF' }]);
  });

  it('a capture cut in the middle: partial entry, then a problem', () => {
    const bytes = seedBytes().slice(0, 40);
    const listing = decodeT0Trace(hex(bytes));
    expect(listing.entries.map((e) => e.outcome)).toEqual(['complete', 'incomplete']);
    expect(listing.problems[0]?.message).toMatch(/ends during the data transfer/);
  });

  it('a header with no answer at the end of the capture', () => {
    const listing = decodeT0Trace(capture(t0Send('00 A4 00 04 02', '3F 00', '61 27'), '00 C0 00 00 27'));
    expect(listing.entries[1]).toMatchObject({ command: 'GET RESPONSE', outcome: 'no-answer', status: expect.stringMatching(/No answer/) });
  });

  it('a trace of pure garbage yields problems only', () => {
    const listing = decodeT0Trace('FF FF 60 61 62 63 64');
    expect(listing.entries).toEqual([]);
    expect(listing.problems).toHaveLength(1);
  });
});

describe('decodeT0Trace: ES10 over STORE DATA', () => {
  it('reassembles STORE DATA blocks and decodes request and response (digest §1.7 GetEID)', () => {
    const listing = decodeT0Trace(capture(
      t0Send('81 E2 11 00 03', 'BF 3E 03', '90 00'),
      t0Send('81 E2 91 01 03', '5C 01 5A', '61 15'),
      t0Receive('01 C0 00 00 15', 'BF 3E 12 5A 10 89 04 90 32 12 34 51 23 45 12 34 56 78 90 12 35', '90 00'),
    ));
    expect(listing.problems).toEqual([]);
    const [first, last, response] = listing.entries;
    expect(first?.decoded).toBe('STORE DATA block 0, 3 bytes');
    expect(last?.decoded).toBe('STORE DATA block 1 (last): ES10 GetEuiccDataRequest (BF3E), 6 bytes');
    expect(last?.details?.join('\n')).toMatch(/5C tagList: 5A/);
    expect(response?.decoded).toBe('GET RESPONSE (to STORE DATA): ES10 GetEuiccDataResponse (BF3E), 21 bytes');
    expect(response?.details?.join('\n')).toMatch(/5A eidValue: 89049032123451234512345678901235/);
  });
});
