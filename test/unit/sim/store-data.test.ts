import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../shared/hex.js';
import { parseCommandApdu } from '../../../src-main/card/apdu.js';
import { parseTlv } from '../../../src-main/codec/ber-tlv.js';
import { cardStatusError } from '../../../src-main/sim/card/applet.js';
import { Es10Applet, buildIsdrFci } from '../../../src-main/sim/card/es10-applet.js';
import { StoreDataAssembler } from '../../../src-main/sim/card/store-data.js';
import { makeCard } from '../../helpers/sim-card.js';

function block(p1: number, p2: number, data: string) {
  const bytes = fromHex(data);
  return parseCommandApdu(Uint8Array.of(0x80, 0xe2, p1, p2, bytes.length, ...bytes));
}

describe('StoreDataAssembler', () => {
  it('reassembles blocks 00, 01, 02 (P1 11, 11, 91) into one TLV', () => {
    const a = new StoreDataAssembler();
    expect(a.push(block(0x11, 0, 'BF2105'))).toEqual({ kind: 'more' });
    expect(a.pending).toBe(true);
    expect(a.push(block(0x11, 1, '0102'))).toEqual({ kind: 'more' });
    const done = a.push(block(0x91, 2, '030405'));
    expect(done.kind === 'complete' && toHex(done.request)).toBe('bf21050102030405');
    expect(a.pending).toBe(false);
  });

  it('rejects blocks out of order with 6A86 and starts over', () => {
    const a = new StoreDataAssembler();
    a.push(block(0x11, 0, 'BF2105'));
    expect(a.push(block(0x11, 2, '0102'))).toEqual({ kind: 'error', sw: 0x6a86 });
    expect(a.push(block(0x91, 1, '0102'))).toEqual({ kind: 'error', sw: 0x6a86 });
    expect(a.push(block(0x91, 0, 'BF2E00')).kind).toBe('complete');
  });

  it('rejects a bad P1, an empty block, an oversized request and accepts a piece of a TLV', () => {
    const a = new StoreDataAssembler(8);
    expect(a.push(block(0x01, 0, 'BF2E00'))).toEqual({ kind: 'error', sw: 0x6a86 });
    expect(a.push(parseCommandApdu(fromHex('80E2910000')))).toEqual({ kind: 'error', sw: 0x6700 });
    expect(a.push(block(0x11, 0, 'BF2E06010203'))).toEqual({ kind: 'more' });
    expect(a.push(block(0x91, 1, '040506'))).toEqual({ kind: 'error', sw: 0x6a84 });
    // Pieces of a TLV are legal (LoadBoundProfilePackage sends the BF36 header with BF23 alone).
    expect(a.push(block(0x91, 0, 'BF3681A0BF2300'))).toEqual({ kind: 'complete', request: fromHex('BF3681A0BF2300') });
  });

  it('restarts when a new block 00 arrives mid-sequence', () => {
    const a = new StoreDataAssembler();
    a.push(block(0x11, 0, 'BF2105'));
    const done = a.push(block(0x91, 0, 'BF2E00'));
    expect(done.kind === 'complete' && toHex(done.request)).toBe('bf2e00');
  });
});

describe('Es10Applet', () => {
  it('hands one request to the handler per sequence and returns its response', async () => {
    const seen: string[] = [];
    const handler = async (request: Uint8Array, ctx: { channel: number }) => {
      seen.push(`${ctx.channel}:${toHex(request)}`);
      return request[1] === 0x36 ? null : fromHex('BF3E125A1089049032123451234512345678901235');
    };
    const { send } = makeCard({ protocol: 'T=0', handler });
    expect(await send('0070000001')).toBe('019000');
    expect(await send('01A4040C10A0000005591010FFFFFFFF8900000100')).toBe('9000');
    expect(await send('81E2910006BF3E035C015A')).toBe('6115');
    expect(await send('81C0000015')).toBe('BF3E125A10890490321234512345123456789012359000');
    // Three-block request (digest §1.4 shape); intermediate blocks answer 9000 without data.
    expect(await send('81E2110003BF3607')).toBe('9000');
    expect(await send('81E2110103A00102')).toBe('9000');
    expect(await send('81E2910204030101FF')).toBe('9000');
    expect(seen).toEqual(['1:bf3e035c015a', '1:bf3607a00102030101ff']);
  });

  it('answers the status word of a cardStatusError and 6F00 for other handler failures', async () => {
    const handler = async (request: Uint8Array) => {
      if (request[1] === 0x36) throw cardStatusError(0x6a88, 'no BPP session');
      throw new Error('bug');
    };
    const { send } = makeCard({ protocol: 'T=1', handler });
    await send('00A4040C10A0000005591010FFFFFFFF8900000100');
    expect(await send('80E2910003BF3600')).toBe('6A88');
    expect(await send('80E2910003BF2E00')).toBe('6F00');
    expect(await send('80E2910103BF2E00')).toBe('6A86');
  });

  it('answers 6A80 when the handler cannot parse the request', async () => {
    const handler = async (request: Uint8Array) => {
      parseTlv(request); // a handler that parses, as the ISD-R does
      return null;
    };
    const { send } = makeCard({ protocol: 'T=1', handler });
    await send('00A4040C10A0000005591010FFFFFFFF8900000100');
    expect(await send('80E2910004BF2E0500')).toBe('6A80'); // length claims 5 bytes, 0 follow
    expect(await send('80E2910003BF2E00')).toBe('9000');
  });

  it('uses the configured AID and FCI, and builds the placeholder FCI with E0 { 82 version }', async () => {
    const aid = fromHex('A0000005591010FFFFFFFF8900050500');
    const applet = new Es10Applet({ aid, handler: async () => null });
    const { send } = makeCard({ protocol: 'T=1', applets: [applet] });
    expect(await send('00A4040010A0000005591010FFFFFFFF890005050000')).toBe(toHex(buildIsdrFci(aid)).toUpperCase() + '9000');
    expect(toHex(buildIsdrFci(aid, [2, 5, 0])).endsWith('e0058203020500')).toBe(true);
    expect(await send('00A4040010A0000005591010FFFFFFFF890000010000')).toBe('6A82');
  });
});
