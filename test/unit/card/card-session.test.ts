import { describe, expect, it } from 'vitest';
import { WorkbenchError } from '../../../shared/errors.js';
import { fromHex, toSpacedHex } from '../../../shared/hex.js';
import { ApduLog } from '../../../src-main/card/apdu-log.js';
import { CardSession } from '../../../src-main/card/card-session.js';
import type { CardSessionOptions } from '../../../src-main/card/card-session.js';
import type { CardTransport } from '../../../src-main/card/transport.js';
import { ScriptedChannelCard, ScriptedRawCard } from '../../helpers/scripted-card.js';
import type { ChannelStep, RawStep } from '../../helpers/scripted-card.js';
import { errorOf } from '../../helpers/rejections.js';

const ISD_R = 'A0000005591010FFFFFFFF8900000100';
/** FCI of the ISD-R: 6F { 84 AID, E0 { 82 SGP.22 version 2.2.0 } } — 27 bytes. */
const ISD_R_FCI = `6F 19 84 10 ${ISD_R} E0 05 82 03 02 02 00`;
const GET_EID = 'BF 3E 03 5C 01 5A';
const EID_RESPONSE = 'BF 3E 12 5A 10 89 04 90 32 12 34 51 23 45 12 34 56 78 90 12 35';

function session(card: CardTransport, options: CardSessionOptions = {}): { s: CardSession; log: ApduLog } {
  const log = new ApduLog();
  return { s: new CardSession(card, log, options), log };
}

/** Opening channel `ch` to the ISD-R on a raw card, with the FCI fetched through 61 1B. */
function openIsdR(ch: number): RawStep[] {
  const cla = ch < 4 ? ch : 0x40 | (ch - 4);
  const c = cla.toString(16).padStart(2, '0');
  return [
    { send: '00 70 00 00 01', reply: `${ch.toString(16).padStart(2, '0')} 90 00` },
    { send: `${c} A4 04 00 10 ${ISD_R}`, reply: '61 1B' },
    { send: `${c} C0 00 00 1B`, reply: `${ISD_R_FCI} 90 00` },
  ];
}

function closeStep(ch: number): RawStep {
  return { send: `00 70 80 ${ch.toString(16).padStart(2, '0')} 00`, reply: '90 00' };
}

function request(length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => i & 0xff);
}

function hexOf(bytes: Uint8Array): string {
  return toSpacedHex(bytes);
}

/** Hex as written in these tests, normalised to the spaced form. */
function norm(hex: string): string {
  return toSpacedHex(fromHex(hex));
}

describe('T=0 procedure on a raw card', () => {
  it('follows a 61xx chain (several in a row, 6100 = 256) and concatenates the data', async () => {
    const a = request(16);
    const b = request(256);
    const c = request(5);
    const card = new ScriptedRawCard([
      { send: '00 CA DF 20', reply: '61 10' },
      { send: '00 C0 00 00 10', reply: `${hexOf(a)} 61 00` },
      { send: '00 C0 00 00 00', reply: `${hexOf(b)} 61 05` },
      { send: '00 C0 00 00 05', reply: `${hexOf(c)} 90 00` },
    ]);
    const { s, log } = session(card);
    const r = await s.transmit({ cla: 0x00, ins: 0xca, p1: 0xdf, p2: 0x20 });
    card.assertDone();
    expect(r.sw).toBe(0x9000);
    expect(r.data.length).toBe(277);
    expect(hexOf(r.data)).toBe(`${hexOf(a)} ${hexOf(b)} ${hexOf(c)}`);
    expect(log.entries().map((e) => e.sw)).toEqual(['6110', '6100', '6105', '9000']);
    expect(log.entries().map((e) => e.annotation)).toEqual(['GET DATA', 'GET DATA · GET RESPONSE', 'GET DATA · GET RESPONSE', 'GET DATA · GET RESPONSE']);
  });

  it('sends GET RESPONSE with the ISO class of the command channel', async () => {
    const card = new ScriptedRawCard([
      { send: '82 E2 91 00 01 AA', reply: '61 02' },
      { send: '02 C0 00 00 02', reply: 'BB CC 90 00' },
      { send: 'C5 E2 91 00 01 AA', reply: '61 01' },
      { send: '45 C0 00 00 01', reply: 'DD 90 00' }, // C5 = proprietary, channel 9
    ]);
    const { s } = session(card);
    expect(hexOf((await s.transmit({ cla: 0x82, ins: 0xe2, p1: 0x91, p2: 0, data: fromHex('AA') })).data)).toBe('BB CC');
    expect(hexOf((await s.transmit({ cla: 0xc5, ins: 0xe2, p1: 0x91, p2: 0, data: fromHex('AA') })).data)).toBe('DD');
    card.assertDone();
  });

  it('re-issues the same command with Le from 6Cxx', async () => {
    const card = new ScriptedRawCard([
      { send: '00 B0 00 00 00', reply: '6C 10' },
      { send: '00 B0 00 00 10', reply: `${hexOf(request(16))} 90 00` },
      { send: '00 CB 3F FF 02 5C 00 01', reply: '6C 08' },
      { send: '00 CB 3F FF 02 5C 00 08', reply: '61 08' },
      { send: '00 C0 00 00 08', reply: '01 02 03 04 05 06 07 08 90 00' },
    ]);
    const { s, log } = session(card);
    const r1 = await s.transmit({ cla: 0, ins: 0xb0, p1: 0, p2: 0, le: 256 });
    expect(r1.data.length).toBe(16);
    const r2 = await s.transmit({ cla: 0, ins: 0xcb, p1: 0x3f, p2: 0xff, data: fromHex('5C00'), le: 1 });
    expect(hexOf(r2.data)).toBe('01 02 03 04 05 06 07 08');
    card.assertDone();
    expect(log.entries()[1]?.annotation).toBe('READ BINARY · resent with Le=16');
  });

  it('fetches GSM 11.11 9Fxx responses with class A0', async () => {
    const fcp = hexOf(request(22));
    const card = new ScriptedRawCard([
      { send: 'A0 A4 00 00 02 7F 10', reply: '9F 16' },
      { send: 'A0 C0 00 00 16', reply: `${fcp} 90 00` },
    ]);
    const { s } = session(card);
    const r = await s.transmit({ cla: 0xa0, ins: 0xa4, p1: 0, p2: 0, data: fromHex('7F10') });
    expect(hexOf(r.data)).toBe(fcp);
    card.assertDone();
  });

  it('returns other status words as they are (no retry on 9300, 91xx or errors)', async () => {
    const card = new ScriptedRawCard([
      { send: '80 C2 00 00 02 D1 00', reply: '93 00' },
      { send: '80 C2 00 00 02 D1 00', reply: '91 20' },
      { send: '00 A4 00 04 02 6F 07', reply: '6A 82' },
    ]);
    const { s } = session(card);
    const envelope = { cla: 0x80, ins: 0xc2, p1: 0, p2: 0, data: fromHex('D100') };
    expect((await s.transmit(envelope)).sw).toBe(0x9300);
    expect((await s.transmit(envelope)).sw).toBe(0x9120);
    expect((await s.transmit({ cla: 0, ins: 0xa4, p1: 0, p2: 4, data: fromHex('6F07') })).sw).toBe(0x6a82);
    card.assertDone();
  });

  it('stops a card that answers 61xx forever', async () => {
    const steps: RawStep[] = [{ send: '00 CA 00 FE', reply: '61 01' }];
    for (let i = 0; i < 256; i++) steps.push({ send: '00 C0 00 00 01', reply: 'AA 61 01' });
    const card = new ScriptedRawCard(steps);
    const err = await errorOf(session(card).s.transmit({ cla: 0, ins: 0xca, p1: 0, p2: 0xfe }));
    expect(err.code).toBe('CARD_PROTOCOL_ERROR');
    card.assertDone();
  });

  it('stops a card that answers 6Cxx forever', async () => {
    const card = new ScriptedRawCard([
      { send: '00 B0 00 00 00', reply: '6C 10' },
      { send: '00 B0 00 00 10', reply: '6C 20' },
      { send: '00 B0 00 00 20', reply: '6C 30' },
    ]);
    const err = await errorOf(session(card).s.transmit({ cla: 0, ins: 0xb0, p1: 0, p2: 0, le: 256 }));
    expect(err.code).toBe('CARD_PROTOCOL_ERROR');
    card.assertDone();
  });

  it('never interleaves a GET RESPONSE chain with another command', async () => {
    const card = new ScriptedRawCard([
      { send: '00 CA 00 01', reply: '61 01' },
      { send: '00 C0 00 00 01', reply: '11 90 00' },
      { send: '00 CA 00 02', reply: '22 90 00' },
    ]);
    const { s } = session(card);
    const [r1, r2] = await Promise.all([s.transmit({ cla: 0, ins: 0xca, p1: 0, p2: 1 }), s.transmit({ cla: 0, ins: 0xca, p1: 0, p2: 2 })]);
    expect(hexOf(r1.data)).toBe('11');
    expect(hexOf(r2.data)).toBe('22');
    card.assertDone();
  });
});

describe('digest §1.7: GetEID on channel 1, byte for byte', () => {
  it('opens, selects the ISD-R, sends STORE DATA, fetches the response and closes', async () => {
    const card = new ScriptedRawCard([
      { send: '00 70 00 00 01', reply: '01 90 00' },
      { send: `01 A4 04 00 10 ${ISD_R}`, reply: '61 1B' },
      { send: '01 C0 00 00 1B', reply: `${ISD_R_FCI} 90 00` },
      { send: `81 E2 91 00 06 ${GET_EID}`, reply: '61 15' },
      { send: '01 C0 00 00 15', reply: `${EID_RESPONSE} 90 00` },
      { send: '00 70 80 01 00', reply: '90 00' },
    ]);
    const { s, log } = session(card);
    let selectFci = '';
    const eid = await s.withLogicalChannel(ISD_R, async (ch) => {
      expect(ch.channel).toBe(1);
      selectFci = hexOf(ch.selectResponse?.data ?? new Uint8Array());
      return ch.storeData(fromHex(GET_EID), { annotation: 'STORE DATA → ES10c.GetEID' });
    });
    card.assertDone();
    expect(hexOf(eid)).toBe(EID_RESPONSE);
    expect(selectFci).toBe(norm(ISD_R_FCI));
    expect(log.entries().map((e) => [e.channel, e.annotation])).toEqual([
      [0, 'MANAGE CHANNEL open'],
      [1, `SELECT AID ${ISD_R} (ISD-R)`],
      [1, `SELECT AID ${ISD_R} (ISD-R) · GET RESPONSE`],
      [1, 'STORE DATA → ES10c.GetEID'],
      [1, 'STORE DATA → ES10c.GetEID · GET RESPONSE'],
      [0, 'MANAGE CHANNEL close 1'],
    ]);
    expect(log.entries()[4]?.response).toBe(`${EID_RESPONSE} 90 00`);
  });
});

describe('logical channels 4–19 on a raw card', () => {
  it.each([
    [4, '40', 'C0'],
    [19, '4F', 'CF'],
  ])('channel %i uses ISO CLA %s and proprietary CLA %s', async (ch, iso, prop) => {
    const chHex = ch.toString(16).padStart(2, '0').toUpperCase();
    const card = new ScriptedRawCard([
      ...openIsdR(ch),
      { send: `${prop} E2 91 00 06 ${GET_EID}`, reply: '61 15' },
      { send: `${iso} C0 00 00 15`, reply: `${EID_RESPONSE} 90 00` },
      { send: `00 70 80 ${chHex} 00`, reply: '90 00' },
    ]);
    const { s } = session(card);
    const eid = await s.withLogicalChannel(ISD_R, (c) => c.storeData(fromHex(GET_EID)));
    expect(hexOf(eid)).toBe(EID_RESPONSE);
    card.assertDone();
  });

  it('moves a caller CLA onto the channel keeping ISO/proprietary', async () => {
    const card = new ScriptedRawCard([...openIsdR(3), { send: '83 CA 00 5A', reply: '90 00' }, { send: '03 C0 00 00 05', reply: '6A 86' }, closeStep(3)]);
    const { s } = session(card);
    await s.withLogicalChannel(ISD_R, async (c) => {
      await c.transmit({ cla: 0x80, ins: 0xca, p1: 0, p2: 0x5a });
      expect((await c.transmit({ cla: 0x00, ins: 0xc0, p1: 0, p2: 0, le: 5 })).sw).toBe(0x6a86);
    });
    card.assertDone();
  });
});

describe('STORE DATA segmentation', () => {
  it('splits a 300-byte request at 120: 11/00, 11/01, 91/02 with Lc 78, 78, 3C (CLA 81 on channel 1)', async () => {
    const req = request(300);
    const card = new ScriptedRawCard([
      ...openIsdR(1),
      { send: `81 E2 11 00 78 ${hexOf(req.subarray(0, 120))}`, reply: '90 00' },
      { send: `81 E2 11 01 78 ${hexOf(req.subarray(120, 240))}`, reply: '90 00' },
      { send: `81 E2 91 02 3C ${hexOf(req.subarray(240))}`, reply: 'AB CD 90 00' },
      closeStep(1),
    ]);
    const { s, log } = session(card, { storeDataSegmentSize: 120 });
    expect(s.storeDataSegmentSize).toBe(120);
    const out = await s.withLogicalChannel(ISD_R, (c) => c.storeData(req, { annotation: 'STORE DATA → ES10b.LoadBoundProfilePackage' }));
    expect(hexOf(out)).toBe('AB CD');
    card.assertDone();
    expect(log.entries().slice(3, 6).map((e) => e.annotation)).toEqual([
      'STORE DATA → ES10b.LoadBoundProfilePackage [block 1/3]',
      'STORE DATA → ES10b.LoadBoundProfilePackage [block 2/3]',
      'STORE DATA → ES10b.LoadBoundProfilePackage [block 3/3]',
    ]);
  });

  it('splits a 300-byte request at 255 (default): 11/00 Lc FF, 91/01 Lc 2D', async () => {
    const req = request(300);
    const card = new ScriptedRawCard([
      ...openIsdR(1),
      { send: `81 E2 11 00 FF ${hexOf(req.subarray(0, 255))}`, reply: '90 00' },
      { send: `81 E2 91 01 2D ${hexOf(req.subarray(255))}`, reply: '61 02' },
      { send: '01 C0 00 00 02', reply: 'AB CD 90 00' },
      closeStep(1),
    ]);
    const { s } = session(card);
    expect(hexOf(await s.withLogicalChannel(ISD_R, (c) => c.storeData(req)))).toBe('AB CD');
    card.assertDone();
  });

  it("respects the transport's maxCommandData when smaller", async () => {
    const req = request(250);
    const card = new ScriptedRawCard(
      [
        ...openIsdR(2),
        { send: `82 E2 11 00 64 ${hexOf(req.subarray(0, 100))}`, reply: '90 00' },
        { send: `82 E2 11 01 64 ${hexOf(req.subarray(100, 200))}`, reply: '90 00' },
        { send: `82 E2 91 02 32 ${hexOf(req.subarray(200))}`, reply: '90 00' },
        closeStep(2),
      ],
      { maxCommandData: 100 },
    );
    const { s } = session(card, { storeDataSegmentSize: 120 });
    expect(s.storeDataSegmentSize).toBe(100);
    expect((await s.withLogicalChannel(ISD_R, (c) => c.storeData(req))).length).toBe(0);
    card.assertDone();
  });

  it('accepts 91xx on the last block', async () => {
    const card = new ScriptedRawCard([...openIsdR(1), { send: '81 E2 91 00 03 BF 31 00', reply: '80 01 00 91 10' }, closeStep(1)]);
    const { s } = session(card);
    expect(hexOf(await s.withLogicalChannel(ISD_R, (c) => c.storeData(fromHex('BF3100'))))).toBe('80 01 00');
    card.assertDone();
  });

  it('storeDataDetailed hands over the final SW: 61xx → GET RESPONSE → data with 91 10', async () => {
    const card = new ScriptedRawCard([
      ...openIsdR(1),
      { send: '81 E2 91 00 03 BF 31 00', reply: '61 06' },
      { send: '01 C0 00 00 06', reply: 'BF 31 03 80 01 00 91 10' },
      { send: '81 E2 91 00 03 BF 31 00', reply: 'BF 31 03 80 01 00 90 00' },
      closeStep(1),
    ]);
    const { s } = session(card);
    const [pending, plain] = await s.withLogicalChannel(ISD_R, async (c) => [await c.storeDataDetailed(fromHex('BF3100')), await c.storeDataDetailed(fromHex('BF3100'))] as const);
    expect({ data: hexOf(pending.data), sw: pending.sw }).toEqual({ data: 'BF 31 03 80 01 00', sw: 0x9110 });
    expect({ data: hexOf(plain.data), sw: plain.sw }).toEqual({ data: 'BF 31 03 80 01 00', sw: 0x9000 });
    card.assertDone();
  });

  it('stops at an intermediate block that does not answer 9000 and reports the SW meaning', async () => {
    const req = request(200);
    const card = new ScriptedRawCard([...openIsdR(1), { send: `81 E2 11 00 78 ${hexOf(req.subarray(0, 120))}`, reply: '6A 86' }, closeStep(1)]);
    const { s } = session(card, { storeDataSegmentSize: 120 });
    const err = await errorOf(s.withLogicalChannel(ISD_R, (c) => c.storeData(req, { annotation: 'STORE DATA → ES10b.LoadBoundProfilePackage' })));
    expect(err.code).toBe('CARD_SW_ERROR');
    expect(err.message).toContain('6A86');
    expect(err.message).toContain('Incorrect parameters P1-P2');
    expect(err.details).toMatchObject({ sw: '6A86', block: 0, blocks: 2 });
    card.assertDone();
  });

  it('reports an error SW on the last block', async () => {
    const card = new ScriptedRawCard([...openIsdR(1), { send: `81 E2 91 00 06 ${GET_EID}`, reply: '6A 88' }, closeStep(1)]);
    const err = await errorOf(session(card).s.withLogicalChannel(ISD_R, (c) => c.storeData(fromHex(GET_EID))));
    expect(err).toMatchObject({ code: 'CARD_SW_ERROR' });
    expect(err.details.meaning).toBe('Referenced data or application not found');
    card.assertDone();
  });

  it('rejects segment sizes outside 6–255', () => {
    const card = new ScriptedRawCard([]);
    for (const bad of [5, 256, 12.5]) {
      expect(() => new CardSession(card, new ApduLog(), { storeDataSegmentSize: bad })).toThrow(expect.objectContaining({ code: 'CARD_OPTION_INVALID' }));
    }
    expect(new CardSession(card, new ApduLog(), { storeDataSegmentSize: 6 }).storeDataSegmentSize).toBe(6);
  });
});

describe('withLogicalChannel always closes', () => {
  it('closes on error and rethrows the original error', async () => {
    const card = new ScriptedRawCard([...openIsdR(1), closeStep(1)]);
    const { s } = session(card);
    const boom = new Error('euicc layer failed');
    await expect(
      s.withLogicalChannel(ISD_R, async () => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    card.assertDone();
  });

  it('closes on abort, sending nothing after the abort but the close', async () => {
    const controller = new AbortController();
    const req = request(200);
    const card = new ScriptedRawCard([
      ...openIsdR(1),
      { send: `81 E2 11 00 78 ${hexOf(req.subarray(0, 120))}`, reply: '90 00', onSend: () => controller.abort() },
      closeStep(1),
    ]);
    const { s } = session(card, { storeDataSegmentSize: 120 });
    const err = await errorOf(s.withLogicalChannel(ISD_R, (c) => c.storeData(req, { signal: controller.signal }), { signal: controller.signal }));
    expect(err.code).toBe('ABORTED');
    card.assertDone();
  });

  it('does not open anything when already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const card = new ScriptedRawCard([]);
    const err = await errorOf(session(card).s.withLogicalChannel(ISD_R, async () => 1, { signal: controller.signal }));
    expect(err.code).toBe('ABORTED');
    card.assertDone();
  });

  it('closes the channel again when SELECT is refused', async () => {
    const card = new ScriptedRawCard([
      { send: '00 70 00 00 01', reply: '02 90 00' },
      { send: `02 A4 04 00 10 ${ISD_R}`, reply: '6A 88' },
      closeStep(2),
    ]);
    const err = await errorOf(session(card).s.openLogicalChannel(ISD_R));
    expect(err.code).toBe('CARD_SW_ERROR');
    expect(err.details.sw).toBe('6A88');
    expect(err.hint).toMatch(/AID/);
    card.assertDone();
  });

  it('reports a refused MANAGE CHANNEL', async () => {
    const card = new ScriptedRawCard([{ send: '00 70 00 00 01', reply: '68 81' }]);
    const err = await errorOf(session(card).s.openLogicalChannel(ISD_R));
    expect(err).toMatchObject({ code: 'CARD_SW_ERROR' });
    expect(err.message).toContain('Logical channel not supported');
    card.assertDone();
  });

  it('treats a status word on close as closed, and refuses use after close', async () => {
    const card = new ScriptedRawCard([...openIsdR(1), { send: '00 70 80 01 00', reply: '68 81' }]);
    const { s } = session(card);
    const ch = await s.openLogicalChannel(ISD_R);
    await ch.close();
    await ch.close(); // idempotent: no second MANAGE CHANNEL
    expect(ch.closed).toBe(true);
    const err = await errorOf(ch.storeData(fromHex(GET_EID)));
    expect(err.code).toBe('CHANNEL_CLOSED');
    card.assertDone();
  });
});

describe('SELECT helpers', () => {
  it('select by FID, path and AID with the P2 choice', async () => {
    const card = new ScriptedRawCard([
      { send: '00 A4 00 04 02 2F E2', reply: '62 0A 82 01 41 83 02 2F E2 80 01 0A 90 00' },
      { send: '00 A4 08 0C 04 7F FF 6F 07', reply: '90 00' },
      { send: '00 A4 08 04 02 2F 00', reply: '90 00' },
      { send: '00 A4 04 00 07 A0 00 00 00 87 10 02', reply: '90 00' },
    ]);
    const { s } = session(card);
    const fcp = await s.selectFid('2FE2');
    expect(hexOf(fcp.data.subarray(0, 2))).toBe('62 0A');
    await s.selectPath('3F00/7FFF/6F07', { returns: 'none' });
    await s.selectPath(fromHex('2F00'));
    await s.selectAid('A0000000871002', { returns: 'fci' });
    card.assertDone();
  });

  it('throws CARD_SW_ERROR with the meaning on 6A82', async () => {
    const card = new ScriptedRawCard([{ send: '00 A4 00 04 02 2F E2', reply: '6A 82' }]);
    const err = await errorOf(session(card).s.selectFid('2FE2'));
    expect(err.code).toBe('CARD_SW_ERROR');
    expect(err.message).toContain('SELECT 2FE2 (EF.ICCID)');
    expect(err.message).toContain('File or application not found');
    card.assertDone();
  });
});

describe('transport failures', () => {
  it('maps a removed card to CARD_REMOVED and logs the failed exchange', async () => {
    const card = new ScriptedRawCard([{ send: '00 A4 00 04 02 2F E2', fail: new Error('SCardTransmit: SCARD_W_REMOVED_CARD') }]);
    const { s, log } = session(card);
    const err = await errorOf(s.selectFid('2FE2'));
    expect(err.code).toBe('CARD_REMOVED');
    expect(err.hint).toMatch(/Re-insert/);
    expect(log.entries()[0]).toMatchObject({ response: '', sw: '' });
    expect(log.entries()[0]?.error).toMatch(/^CARD_REMOVED/);
    card.assertDone();
  });

  it('recognises the removal codes of the transports', async () => {
    const card = new ScriptedRawCard([
      { send: '00 CA 00 FE', fail: new WorkbenchError('CARD_REMOVED', 'The card was removed.', 'Insert it.') },
      { send: '00 CA 00 FE', fail: new WorkbenchError('CARD_ABSENT', 'The modem sees no card in slot 1.', 'Insert it.') },
    ]);
    const { s } = session(card);
    for (let i = 0; i < 2; i++) {
      const err = await errorOf(s.transmit({ cla: 0, ins: 0xca, p1: 0, p2: 0xfe }));
      expect(err.code).toBe('CARD_REMOVED');
      expect(err.details.transportCode).toBe(i === 0 ? 'CARD_REMOVED' : 'CARD_ABSENT');
    }
    card.assertDone();
  });

  it('maps other failures to CARD_IO_ERROR keeping the cause', async () => {
    const cause = new Error('write EIO');
    const card = new ScriptedRawCard([{ send: '00 CA 00 FE', fail: cause }]);
    const err = await errorOf(session(card).s.transmit({ cla: 0, ins: 0xca, p1: 0, p2: 0xfe }));
    expect(err.code).toBe('CARD_IO_ERROR');
    expect(err.cause).toBe(cause);
    expect(err.details).toMatchObject({ transportId: 'scripted:raw' });
  });
});

describe('PIN redaction through the session', () => {
  it('the PIN digits appear nowhere in the log, the listeners or the text export', async () => {
    const card = new ScriptedRawCard([{ send: '00 20 00 01 08 37 33 39 31 FF FF FF FF', reply: '63 C2' }]);
    const { s, log } = session(card);
    const heard: unknown[] = [];
    log.onEntry((e) => heard.push(e));
    const r = await s.transmit({ cla: 0, ins: 0x20, p1: 0, p2: 1, data: fromHex('37333931FFFFFFFF') });
    expect(r.sw).toBe(0x63c2);
    const entry = log.entries()[0];
    expect(entry).toMatchObject({ command: '00 20 00 01 08 ** ** ** ** ** ** ** **', redacted: true, annotation: 'VERIFY', sw: '63C2' });
    for (const text of [JSON.stringify(log.entries()), JSON.stringify(heard), log.toTextLines().join('\n')]) {
      for (const pin of ['37 33 39 31', '37333931', '7391']) expect(text).not.toContain(pin);
    }
    card.assertDone();
  });
});

describe('session lifecycle', () => {
  it('getAtr and close (closing the channels it opened)', async () => {
    const card = new ScriptedRawCard([...openIsdR(1), closeStep(1)], { atr: '3B 02 14 50' });
    const { s } = session(card);
    expect(hexOf(await s.getAtr())).toBe('3B 02 14 50');
    await s.openLogicalChannel(ISD_R);
    await s.close();
    expect(card.closed).toBe(true);
    card.assertDone();
    const err = await errorOf(s.transmit({ cla: 0, ins: 0xca, p1: 0, p2: 0xfe }));
    expect(err.code).toBe('CARD_SESSION_CLOSED');
  });

  it('logAnnotations: false leaves commands without annotation unnamed', async () => {
    const card = new ScriptedRawCard([{ send: '00 CA 00 FE', reply: '90 00' }]);
    const { s, log } = session(card, { logAnnotations: false });
    await s.transmit({ cla: 0, ins: 0xca, p1: 0, p2: 0xfe });
    expect(log.entries()[0]?.annotation).toBeUndefined();
  });
});

describe('channel transports (modem-managed channels)', () => {
  it('runs GetEID on the channel the modem opened', async () => {
    const steps: ChannelStep[] = [
      { open: ISD_R, channel: 2, selectResponse: `${ISD_R_FCI} 90 00` },
      { on: 2, send: `82 E2 91 00 06 ${GET_EID}`, reply: '61 15' },
      { on: 2, send: '02 C0 00 00 15', reply: `${EID_RESPONSE} 90 00` },
      { close: 2 },
    ];
    const card = new ScriptedChannelCard(steps);
    const { s, log } = session(card);
    const eid = await s.withLogicalChannel(ISD_R, async (ch) => {
      expect(hexOf(ch.selectResponse?.data ?? new Uint8Array())).toBe(norm(ISD_R_FCI));
      return ch.storeData(fromHex(GET_EID), { annotation: 'STORE DATA → ES10c.GetEID' });
    });
    expect(hexOf(eid)).toBe(EID_RESPONSE);
    expect(log.entries().map((e) => e.channel)).toEqual([2, 2]);
    card.assertDone();
  });

  it('fetches an FCI the modem left behind 61xx, on channel 5 (CLA 41)', async () => {
    const card = new ScriptedChannelCard([
      { open: ISD_R, channel: 5, selectResponse: '61 1B' },
      { on: 5, send: '41 C0 00 00 1B', reply: `${ISD_R_FCI} 90 00` },
      { on: 5, send: `C1 E2 91 00 06 ${GET_EID}`, reply: `${EID_RESPONSE} 90 00` },
      { close: 5 },
    ]);
    const { s } = session(card);
    await s.withLogicalChannel(ISD_R, async (ch) => {
      expect(hexOf(ch.selectResponse?.data ?? new Uint8Array())).toBe(norm(ISD_R_FCI));
      expect(hexOf(await ch.storeData(fromHex(GET_EID)))).toBe(EID_RESPONSE);
    });
    card.assertDone();
  });

  it('closes on error and maps a refused open', async () => {
    const card = new ScriptedChannelCard([{ open: ISD_R, channel: 1 }, { close: 1 }, { open: ISD_R, fail: new Error('+CME ERROR: 10') }]);
    const { s } = session(card);
    await expect(s.withLogicalChannel(ISD_R, () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    const err = await errorOf(s.openLogicalChannel(ISD_R));
    expect(err.code).toBe('CARD_REMOVED');
    card.assertDone();
  });

  it('closes the modem channel when fetching the FCI fails or the SELECT answer is truncated', async () => {
    const card = new ScriptedChannelCard([
      { open: ISD_R, channel: 5, selectResponse: '61 1B' },
      { on: 5, send: '41 C0 00 00 1B', fail: new Error('+CME ERROR: 10') },
      { close: 5 },
      { open: ISD_R, channel: 6, selectResponse: '90' },
      { close: 6 },
    ]);
    const { s } = session(card);
    expect((await errorOf(s.openLogicalChannel(ISD_R))).code).toBe('CARD_REMOVED');
    expect((await errorOf(s.openLogicalChannel(ISD_R))).code).toBe('APDU_RESPONSE_TOO_SHORT');
    card.assertDone();
  });

  it('refuses basic-channel commands and reports a missing ATR', async () => {
    const card = new ScriptedChannelCard([]);
    const { s } = session(card);
    expect((await errorOf(s.transmit({ cla: 0, ins: 0xa4, p1: 0, p2: 4, data: fromHex('3F00') }))).code).toBe('CARD_NO_BASIC_CHANNEL');
    expect((await errorOf(s.getAtr())).code).toBe('CARD_ATR_UNAVAILABLE');
    card.assertDone();
  });
});

describe('scripted card helper', () => {
  it('reports a mismatch with a diff, even if the code under test swallowed it', async () => {
    const card = new ScriptedRawCard([{ send: '80 E2 11 00 02 AA BB', reply: '90 00' }]);
    await card.transmit(fromHex('80 E2 91 00 02 AA BB')).catch(() => undefined);
    expect(() => card.assertDone()).toThrow(/step 1 of 1 does not match \(first difference at token 2\)\n {2}expected: 80 E2 11 00 02 AA BB\n {2}actual: {3}80 E2 91 00 02 AA BB/);
  });

  it('reports unconsumed steps', () => {
    const card = new ScriptedRawCard([{ send: '00 70 00 00 01', reply: '01 90 00' }]);
    expect(() => card.assertDone()).toThrow(/1 step\(s\) left:\n {2}00 70 00 00 01/);
  });
});
