import { afterEach, describe, expect, it } from 'vitest';
import { toHex } from '../../../shared/hex.js';
import type { PcscEvent, PcscReaderState } from '../../../src-main/links/pcsc-context.js';
import { PcscContext, cardEventsBetween, readerStateOf } from '../../../src-main/links/pcsc-context.js';
import { libraryLoadError } from '../../../src-main/links/pcsc-library.js';
import { FakePcscDaemon, fakeCardOf } from '../../helpers/pcsc-fake.js';
import { makeCard } from '../../helpers/sim-card.js';

const READER = 'Fake Reader 00 00';
let context: PcscContext | undefined;

afterEach(async () => {
  await context?.close();
  context = undefined;
});

function started(daemon: FakePcscDaemon): { ctx: PcscContext; events: PcscEvent[] } {
  const ctx = new PcscContext({ loadLibrary: async () => daemon.factory });
  context = ctx;
  const events: PcscEvent[] = [];
  ctx.on((e) => events.push(e));
  return { ctx, events };
}

const summary = (e: PcscEvent): string => {
  switch (e.type) {
    case 'reader-added':
      return `reader-added ${e.reader.name} present=${e.reader.cardPresent}`;
    case 'card-inserted':
      return `card-inserted ${e.reader} ${toHex(e.atr).toUpperCase()}${e.mute ? ' mute' : ''}`;
    case 'unavailable':
      return `unavailable ${e.error.code}`;
    default:
      return `${e.type} ${e.reader}`;
  }
};

describe('reader state decoding', () => {
  it('splits the flags and the card event counter', () => {
    const s = readerStateOf('R', { state: 0x00030122, atr: Uint8Array.of(0x3b, 0x00) });
    expect(s).toEqual({ name: 'R', cardPresent: true, atr: Uint8Array.of(0x3b, 0x00), mute: false, exclusive: false, inUse: true, unavailable: false, cardEvents: 3 });
    expect(readerStateOf('R', { state: 0x00040012, atr: new Uint8Array(0) })).toMatchObject({ cardPresent: false, cardEvents: 4 });
    expect(readerStateOf('R', { state: 0x00010220 })).toMatchObject({ cardPresent: true, mute: true, atr: new Uint8Array(0) });
  });

  it('a card swapped between two reports shows as removed then inserted', () => {
    const before: PcscReaderState = readerStateOf('R', { state: 0x00010020, atr: Uint8Array.of(1) });
    const after: PcscReaderState = readerStateOf('R', { state: 0x00030020, atr: Uint8Array.of(2) });
    expect(cardEventsBetween(before, after).map((e) => e.type)).toEqual(['card-removed', 'card-inserted']);
    expect(cardEventsBetween(before, { ...before, inUse: true })).toEqual([]);
  });
});

describe('PcscContext', () => {
  it('starts with no readers at all (the first scan is awaited, not guessed)', async () => {
    const { ctx } = started(new FakePcscDaemon());
    expect(await ctx.readers()).toEqual([]);
    expect(ctx.availability).toEqual({ state: 'available' });
  });

  it('reports readers and card hotplug as events, with the ATR', async () => {
    const daemon = new FakePcscDaemon();
    daemon.addReader(READER);
    const { ctx, events } = started(daemon);
    expect((await ctx.readers()).map((r) => [r.name, r.cardPresent])).toEqual([[READER, false]]);
    const { card } = makeCard();
    daemon.insertCard(READER, fakeCardOf(card));
    const present = await ctx.waitForReader(READER, (s) => s?.cardPresent === true);
    expect(toHex(present?.atr ?? new Uint8Array(0)).toUpperCase()).toBe('3B979680B1FE451FC78031E073FE211FB1');
    daemon.removeCard(READER);
    await ctx.waitForReader(READER, (s) => s?.cardPresent === false);
    daemon.addReader('Second 00 00');
    await ctx.waitForReader('Second 00 00', (s) => s !== undefined);
    daemon.removeReader('Second 00 00');
    await ctx.waitForReader('Second 00 00', (s) => s === undefined);
    expect(events.map(summary)).toEqual([
      `reader-added ${READER} present=false`,
      `card-inserted ${READER} 3B979680B1FE451FC78031E073FE211FB1`,
      `card-removed ${READER}`,
      'reader-added Second 00 00 present=false',
      'reader-removed Second 00 00',
    ]);
  });

  it('unplugging a reader with a card reports the card removed, then the reader', async () => {
    const daemon = new FakePcscDaemon();
    daemon.addReader(READER);
    daemon.insertCard(READER, fakeCardOf(makeCard().card));
    const { ctx, events } = started(daemon);
    expect((await ctx.readers())[0]?.cardPresent).toBe(true);
    daemon.removeReader(READER);
    await ctx.waitForReader(READER, (s) => s === undefined);
    expect(events.map(summary).slice(1)).toEqual([`card-removed ${READER}`, `reader-removed ${READER}`]);
  });

  it('a mute card is present without ATR', async () => {
    const daemon = new FakePcscDaemon();
    daemon.addReader(READER);
    const { ctx, events } = started(daemon);
    await ctx.start();
    daemon.insertCard(READER, { atr: new Uint8Array(0), mute: true, transmit: async () => new Uint8Array(0) });
    expect(await ctx.waitForReader(READER, (s) => s?.cardPresent === true)).toMatchObject({ mute: true, atr: new Uint8Array(0) });
    expect(events.map(summary)).toContain(`card-inserted ${READER}  mute`);
  });

  it('without pcscd: PCSC_UNAVAILABLE with how to start it; when pcscd comes back the next call works', async () => {
    const daemon = new FakePcscDaemon();
    daemon.running = false;
    const { ctx } = started(daemon);
    const err = await ctx.readers().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'PCSC_UNAVAILABLE', hint: expect.stringContaining('sudo systemctl start pcscd') });
    expect((err as Error).message).toContain('pcscd) is not running');
    expect(ctx.availability).toMatchObject({ state: 'unavailable', error: { code: 'PCSC_UNAVAILABLE' } });
    daemon.start();
    daemon.addReader(READER);
    expect((await ctx.readers()).map((r) => r.name)).toEqual([READER]);
    expect(ctx.availability.state).toBe('available');
  });

  it('pcscd going away: the readers go, listeners hear why, open connections fail with it', async () => {
    const daemon = new FakePcscDaemon();
    daemon.addReader(READER);
    daemon.insertCard(READER, fakeCardOf(makeCard().card));
    const { ctx, events } = started(daemon);
    const connection = await ctx.connect(READER);
    daemon.stop();
    expect(events.map(summary).slice(-3)).toEqual([`card-removed ${READER}`, `reader-removed ${READER}`, 'unavailable PCSC_UNAVAILABLE']);
    await expect(connection.transmit(Uint8Array.of(0, 0xa4, 0, 0))).rejects.toMatchObject({ code: 'PCSC_UNAVAILABLE' });
    await expect(ctx.readers()).rejects.toMatchObject({ code: 'PCSC_UNAVAILABLE' });
  });

  it('a missing binding is reported with the reason, every time it is asked', async () => {
    let loads = 0;
    const ctx = new PcscContext({
      loadLibrary: async () => {
        loads++;
        throw libraryLoadError(new Error("Cannot find module 'pcsclite'"));
      },
    });
    context = ctx;
    await expect(ctx.start()).rejects.toMatchObject({ code: 'PCSC_UNAVAILABLE', hint: expect.stringContaining('npm rebuild pcsclite') });
    await expect(ctx.readers()).rejects.toMatchObject({ code: 'PCSC_UNAVAILABLE' });
    expect(loads).toBe(2);
  });

  it('connects shared with T=0|T=1 by default and records the negotiated protocol; one connection per reader', async () => {
    const daemon = new FakePcscDaemon();
    daemon.addReader(READER);
    daemon.insertCard(READER, fakeCardOf(makeCard().card, ['T=1', 'T=0']));
    const { ctx } = started(daemon);
    const connection = await ctx.connect(READER);
    expect(connection.protocol).toBe('T=1');
    expect(connection.shareMode).toBe('shared');
    expect(daemon.calls).toEqual(['connect shared 3']);
    expect(ctx.connectedHere(READER)).toBe(true);
    await expect(ctx.connect(READER)).rejects.toMatchObject({ code: 'PCSC_READER_IN_USE' });
    await connection.close();
    expect(daemon.calls).toEqual(['connect shared 3', 'disconnect 0']);
    const forced = await ctx.connect(READER, { protocol: 'T=0', shareMode: 'exclusive' });
    expect(forced.protocol).toBe('T=0');
    expect(daemon.calls[2]).toBe('connect exclusive 1');
    await forced.close();
  });

  it('unknown reader: PCSC_READER_NOT_FOUND naming the readers there are', async () => {
    const daemon = new FakePcscDaemon();
    daemon.addReader(READER);
    const { ctx } = started(daemon);
    await expect(ctx.connect('Nope')).rejects.toMatchObject({ code: 'PCSC_READER_NOT_FOUND', details: { readers: [READER] } });
  });
});
