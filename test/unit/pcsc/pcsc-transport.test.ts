import { afterEach, describe, expect, it } from 'vitest';
import { isWorkbenchError } from '../../../shared/errors.js';
import { fromHex, toHex } from '../../../shared/hex.js';
import { ApduLog } from '../../../src-main/card/apdu-log.js';
import { CardSession } from '../../../src-main/card/card-session.js';
import { PcscContext } from '../../../src-main/links/pcsc-context.js';
import { Es10Applet } from '../../../src-main/sim/card/es10-applet.js';
import { PcscCardTransport } from '../../../src-main/transports/pcsc/pcsc-transport.js';
import { FakePcscDaemon, fakeCardOf } from '../../helpers/pcsc-fake.js';
import { echoHandler, makeCard } from '../../helpers/sim-card.js';

const READER = 'Fake Reader 00 00';
const ISD_R = 'A0000005591010FFFFFFFF8900000100';
let context: PcscContext | undefined;

afterEach(async () => {
  await context?.close();
  context = undefined;
});

function setUp(protocols?: readonly ('T=0' | 'T=1')[]): { daemon: FakePcscDaemon; ctx: PcscContext; card: ReturnType<typeof makeCard>['card'] } {
  const daemon = new FakePcscDaemon();
  daemon.addReader(READER);
  const { card } = makeCard({ applets: [new Es10Applet({ handler: echoHandler })] });
  daemon.insertCard(READER, fakeCardOf(card, protocols));
  const ctx = new PcscContext({ loadLibrary: async () => daemon.factory });
  context = ctx;
  return { daemon, ctx, card };
}

describe('PcscCardTransport', () => {
  it('identifies itself by reader, connects shared and records the protocol PC/SC chose', async () => {
    const { ctx } = setUp(['T=0']);
    const transport = await PcscCardTransport.open(ctx, READER);
    expect(transport.info).toEqual({ id: `pcsc:${READER}`, label: `${READER} (PC/SC)`, kind: 'pcsc', maxCommandData: 255 });
    expect(transport.shape).toBe('raw');
    expect(transport.protocol).toBe('T=0');
    expect(transport.shareMode).toBe('shared');
    expect(toHex(await transport.getAtr()).toUpperCase()).toBe('3B979680B1FE451FC78031E073FE211FB1');
    await transport.close();
  });

  it('carries APDUs byte for byte; the card layer completes T=0 61xx and runs STORE DATA on a channel', async () => {
    const { ctx, daemon } = setUp();
    const transport = await PcscCardTransport.open(ctx, READER);
    expect(toHex(await transport.transmit(fromHex(`00A4040010${ISD_R}00`))).toUpperCase()).toBe('6121');
    const session = new CardSession(transport, new ApduLog());
    const answer = await session.withLogicalChannel(ISD_R, (ch) => ch.storeData(fromHex('BF2000')));
    expect(toHex(answer).toUpperCase()).toBe('3003BF2000');
    await session.close();
    expect(daemon.sent.map((s) => s.apdu)).toEqual([
      `00A4040010${ISD_R}00`,
      '0070000001',
      `01A4040010${ISD_R}`,
      '01C0000021',
      '81E2910003BF2000',
      '01C0000005',
      '0070800100',
    ]);
    expect(daemon.calls.at(-1)).toBe('disconnect 0');
  });

  it('a pulled card is CARD_REMOVED in the card layer; the re-inserted card is connected afresh', async () => {
    const { ctx, daemon, card } = setUp();
    const transport = await PcscCardTransport.open(ctx, READER);
    const session = new CardSession(transport, new ApduLog());
    daemon.removeCard(READER);
    const err = await session.selectAid(ISD_R).catch((e: unknown) => e);
    expect(isWorkbenchError(err, 'CARD_REMOVED')).toBe(true);
    expect((err as Error).message).toContain('the card was removed');
    await session.close();
    await expect(PcscCardTransport.open(ctx, READER)).rejects.toMatchObject({ code: 'CARD_ABSENT' });
    daemon.insertCard(READER, fakeCardOf(card));
    const again = await PcscCardTransport.open(ctx, READER);
    expect(toHex(await again.transmit(fromHex('0070000001')))).toBe('019000');
    await again.close();
  });

  it('exclusive access refused while another program holds the card: PCSC_READER_BUSY with the hint', async () => {
    const { ctx, daemon } = setUp();
    const release = daemon.holdExclusively(READER);
    const err = await PcscCardTransport.open(ctx, READER).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'PCSC_READER_BUSY', hint: expect.stringContaining('another LPA') });
    release();
    const transport = await PcscCardTransport.open(ctx, READER, { shareMode: 'exclusive' });
    expect(transport.shareMode).toBe('exclusive');
    expect(daemon.calls.at(-1)).toBe('connect exclusive 3');
    await transport.close();
  });

  it('reset: the card is reset through disconnect + connect; channels opened before are gone', async () => {
    const { ctx, daemon } = setUp();
    const transport = await PcscCardTransport.open(ctx, READER);
    expect(toHex(await transport.transmit(fromHex('0070000001')))).toBe('019000');
    const atr = await transport.reset();
    expect(toHex(atr).toUpperCase()).toBe('3B979680B1FE451FC78031E073FE211FB1');
    expect(daemon.calls.slice(-2)).toEqual(['disconnect 1', 'connect shared 3']);
    // Channel 1 was closed by the reset: the next open gets channel 1 again.
    expect(toHex(await transport.transmit(fromHex('0070000001')))).toBe('019000');
    await transport.close();
  });

  it('a card that never answers: PCSC_TIMEOUT, and close does not hang on it', async () => {
    const { ctx, daemon } = setUp();
    const transport = await PcscCardTransport.open(ctx, READER, { timeoutMs: 50 });
    daemon.hangTransmits();
    await expect(transport.transmit(fromHex('00A40000023F00'))).rejects.toMatchObject({ code: 'PCSC_TIMEOUT', hint: expect.stringContaining('re-insert') });
    await transport.close();
    await expect(transport.transmit(fromHex('00A40000023F00'))).rejects.toMatchObject({ code: 'PCSC_NOT_CONNECTED' });
  });

  it('an aborted exchange rejects with ABORTED; the next command waits for the daemon and goes through', async () => {
    const { ctx, daemon } = setUp();
    const transport = await PcscCardTransport.open(ctx, READER);
    const controller = new AbortController();
    const first = transport.transmit(fromHex('0070000001'), controller.signal);
    controller.abort();
    await expect(first).rejects.toMatchObject({ code: 'ABORTED' });
    expect(toHex(await transport.transmit(fromHex('0070000001')))).toBe('029000');
    expect(daemon.sent.map((s) => s.apdu)).toEqual(['0070000001', '0070000001']);
    await transport.close();
  });

  it('a forced protocol the card lacks: PCSC_PROTOCOL_MISMATCH', async () => {
    const { ctx } = setUp(['T=0']);
    await expect(PcscCardTransport.open(ctx, READER, { protocol: 'T=1' })).rejects.toMatchObject({ code: 'PCSC_PROTOCOL_MISMATCH' });
    // The failed connect left the reader free.
    const transport = await PcscCardTransport.open(ctx, READER);
    await transport.close();
  });

  it('an empty answer from a card that left the reader is CARD_REMOVED (vpcd answers a pulled card so)', async () => {
    const daemon = new FakePcscDaemon();
    daemon.addReader(READER);
    daemon.insertCard(READER, {
      atr: Uint8Array.of(0x3b, 0x00),
      transmit: async () => {
        daemon.removeCard(READER);
        return new Uint8Array(0);
      },
    });
    const ctx = new PcscContext({ loadLibrary: async () => daemon.factory });
    context = ctx;
    const transport = await PcscCardTransport.open(ctx, READER);
    await expect(transport.transmit(fromHex('00A40000023F00'))).rejects.toMatchObject({ code: 'CARD_REMOVED', details: { scardName: 'SCARD_W_REMOVED_CARD' } });
    await transport.close();
  });

  it('an empty answer while the card stays: PCSC_TRANSMIT_FAILED, not a removal', async () => {
    const daemon = new FakePcscDaemon();
    daemon.addReader(READER);
    daemon.insertCard(READER, { atr: Uint8Array.of(0x3b, 0x00), transmit: async () => Uint8Array.of(0x90) });
    const ctx = new PcscContext({ loadLibrary: async () => daemon.factory });
    context = ctx;
    const transport = await PcscCardTransport.open(ctx, READER);
    await expect(transport.transmit(fromHex('00A40000023F00'))).rejects.toMatchObject({ code: 'PCSC_TRANSMIT_FAILED', message: expect.stringContaining('1 byte(s), no status word') });
    await transport.close();
  });
});
