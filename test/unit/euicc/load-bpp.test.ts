import { describe, expect, it } from 'vitest';
import { fromHex, toSpacedHex } from '../../../shared/hex.js';
import { ProfileInstallationErrorReason } from '../../../src-main/codec/sgp22/index.js';
import type { BppProgress } from '../../../src-main/euicc/index.js';
import { segmentBoundProfilePackage, withEs10 } from '../../../src-main/euicc/index.js';
import type { RawStep } from '../../helpers/scripted-card.js';
import { ICCID, closeStep, es10Steps, norm, openIsdrSteps, scriptedSession, tlv } from '../../helpers/euicc-scripted.js';
import { BPP_PARTS, INITIALISE_SECURE_CHANNEL, ISDP_AID, bppOf, pirError, pirSuccess } from '../../helpers/euicc-fixtures.js';
import { errorOf } from '../../helpers/rejections.js';

const BPP = bppOf(BPP_PARTS);
const NO_TC = { sendTerminalCapability: false } as const;

/** Tag + length of a TLV written with tlv(): the full hex minus its content. */
function headerOf(full: string, content: readonly string[]): string {
  return full.slice(0, full.length - norm(content.join(' ')).length).trim();
}

/** The segments digest §3.5 prescribes for BPP_PARTS. */
function expectedSegments(): string[] {
  const { first87, the88s, second87 = '', the86s } = BPP_PARTS;
  const a0 = tlv('A0', first87);
  const a1 = tlv('A1', ...the88s);
  const a2 = tlv('A2', second87);
  const a3 = tlv('A3', ...the86s);
  return [
    `${headerOf(BPP, [INITIALISE_SECURE_CHANNEL, a0, a1, a2, a3])} ${INITIALISE_SECURE_CHANNEL}`,
    a0,
    headerOf(a1, the88s),
    ...the88s,
    a2,
    headerOf(a3, the86s),
    ...the86s,
  ].map(norm);
}

/** STORE DATA series for each segment; the last one answers `finalResponse`. */
function segmentSteps(segments: readonly string[], finalResponse: string, segmentSize = 255): RawStep[] {
  return segments.flatMap((segment, i) => es10Steps(1, segment, i === segments.length - 1 ? finalResponse : '', { segmentSize }));
}

describe('segmentBoundProfilePackage', () => {
  it('splits per digest §3.5: BF36 header + BF23; A0 whole; A1 header; each 88; A2 whole; A3 header; each 86', () => {
    const segments = segmentBoundProfilePackage(fromHex(BPP));
    expect(segments.map((s) => toSpacedHex(s.bytes))).toEqual(expectedSegments());
    expect(toSpacedHex(segments[0]!.bytes).slice(0, 8)).toBe('BF 36 82');
    expect(toSpacedHex(segments[6]!.bytes)).toBe('A3 82 01 A8');
    expect(segments.map((s) => s.label)).toEqual(['BF36 header + BF23', 'A0', 'A1 header', '88 #1', '88 #2', 'A2', 'A3 header', '86 #1', '86 #2', '86 #3']);
  });

  it('has no A2 segment when the package has no secondSequenceOf87', () => {
    const { second87: _unused, ...withoutA2 } = BPP_PARTS;
    const labels = segmentBoundProfilePackage(fromHex(bppOf(withoutA2))).map((s) => s.label);
    expect(labels).toEqual(['BF36 header + BF23', 'A0', 'A1 header', '88 #1', '88 #2', 'A3 header', '86 #1', '86 #2', '86 #3']);
  });

  it('rejects a package without profile elements (A3) or with an unknown part, before sending', () => {
    const noA3 = tlv('BF36', INITIALISE_SECURE_CHANNEL, tlv('A0', BPP_PARTS.first87), tlv('A1', ...BPP_PARTS.the88s));
    expect(() => segmentBoundProfilePackage(fromHex(noA3))).toThrow(expect.objectContaining({ code: 'ES10_BPP_INVALID' }));
    const extra = tlv('BF36', INITIALISE_SECURE_CHANNEL, tlv('A0', BPP_PARTS.first87), tlv('A1', ...BPP_PARTS.the88s), tlv('A3', ...BPP_PARTS.the86s), tlv('A5', '86 01 00'));
    expect(() => segmentBoundProfilePackage(fromHex(extra))).toThrow(expect.objectContaining({ code: 'ES10_BPP_INVALID' }));
    expect(() => segmentBoundProfilePackage(fromHex('BF 36 03 A0 01'))).toThrow(expect.objectContaining({ code: 'ES10_BPP_INVALID' }));
  });
});

describe('loadBoundProfilePackage', () => {
  it('sends each segment as its own STORE DATA series (P2 from 00 each time) and returns the final PIR', async () => {
    const segments = expectedSegments();
    const pir = pirSuccess(7);
    const { card, session } = scriptedSession([...openIsdrSteps(1), ...segmentSteps(segments, pir), closeStep(1)]);
    const progress: BppProgress[] = [];
    const result = await withEs10(session, (es10) => es10.loadBoundProfilePackage(fromHex(BPP), { onProgress: (p) => progress.push(p) }), NO_TC);
    card.assertDone();

    expect(result).toMatchObject({ ok: true, seqNumber: 7, iccid: ICCID, isdpAid: ISDP_AID.replace(/ /g, ''), segmentsSent: 10, segmentsTotal: 10 });
    expect(toSpacedHex(result.raw)).toBe(pir);
    expect(progress.map((p) => [p.index, p.total, p.bytes])).toEqual(segments.map((s, i) => [i, 10, fromHex(s).length]));

    // P1/P2 of every STORE DATA: one 91 00 per segment, except 86 #2 (300 bytes) = 11 00 + 91 01.
    const headers = card.sent.filter((c) => c.startsWith('81 E2')).map((c) => c.slice(6, 11));
    expect(headers).toEqual(['91 00', '91 00', '91 00', '91 00', '91 00', '91 00', '91 00', '91 00', '11 00', '91 01', '91 00']);
  });

  it('stops sending as soon as a segment returns a BF37 (error PIR) and maps its reason', async () => {
    const segments = expectedSegments();
    const pir = pirError(8, '02', '09'); // storeMetadata, iccidAlreadyExistsOnEuicc
    const firstFour = segments.slice(0, 4); // …, A1 header, 88 #1 → BF37
    const { card, session } = scriptedSession([...openIsdrSteps(1), ...segmentSteps(firstFour, pir), closeStep(1)]);
    const result = await withEs10(session, (es10) => es10.loadBoundProfilePackage(fromHex(BPP)), NO_TC);
    card.assertDone();
    const reason = ProfileInstallationErrorReason.lookup(9);
    expect(result).toMatchObject({ ok: false, seqNumber: 8, segmentsSent: 4, segmentsTotal: 10 });
    expect(result.failure).toMatchObject({ bppCommand: 'storeMetadata', reason: reason.name, reasonCode: 9, hint: reason.hint });
    expect(result.failure?.message).toContain(reason.message);
    expect(toSpacedHex(result.raw)).toBe(pir);
  });

  it('checks the signal between segments; abort closes the channel', async () => {
    const segments = expectedSegments();
    const abort = new AbortController();
    const { card, session } = scriptedSession([...openIsdrSteps(1), ...segmentSteps(segments.slice(0, 3), ''), closeStep(1)]);
    const err = await errorOf(
      withEs10(
        session,
        (es10) =>
          es10.loadBoundProfilePackage(fromHex(BPP), {
            onProgress: (p) => {
              if (p.index === 2) abort.abort();
            },
          }),
        { ...NO_TC, signal: abort.signal },
      ),
    );
    expect(err.code).toBe('ABORTED');
    card.assertDone();
    expect(card.sent.at(-1)).toBe(norm('00 70 80 01 00'));
  });

  it('a status word error mid-package (6A88) propagates and the channel closes', async () => {
    const segments = expectedSegments();
    const steps = [...segmentSteps(segments.slice(0, 2), ''), ...es10Steps(1, segments[2]!, '', { sw: '6A 88' })];
    const { card, session } = scriptedSession([...openIsdrSteps(1), ...steps, closeStep(1)]);
    const err = await errorOf(withEs10(session, (es10) => es10.loadBoundProfilePackage(fromHex(BPP)), NO_TC));
    expect(err.code).toBe('CARD_SW_ERROR');
    card.assertDone();
  });

  it('no PIR after the last segment → ES10_BAD_RESPONSE', async () => {
    const { card, session } = scriptedSession([...openIsdrSteps(1), ...segmentSteps(expectedSegments(), ''), closeStep(1)]);
    const err = await errorOf(withEs10(session, (es10) => es10.loadBoundProfilePackage(fromHex(BPP)), NO_TC));
    expect(err.code).toBe('ES10_BAD_RESPONSE');
    card.assertDone();
  });

  it('an invalid package sends nothing', async () => {
    const { card, session } = scriptedSession([...openIsdrSteps(1), closeStep(1)]);
    const err = await errorOf(withEs10(session, (es10) => es10.loadBoundProfilePackage(fromHex('BF 36 03 A0 01 00')), NO_TC));
    expect(err.code).toBe('ES10_BPP_INVALID');
    card.assertDone();
  });

  it('at the 120-byte compatibility segment size, long segments chain in blocks of 120', async () => {
    const segments = expectedSegments();
    const { card, session } = scriptedSession([...openIsdrSteps(1), ...segmentSteps(segments, pirSuccess(7), 120), closeStep(1)], { storeDataSegmentSize: 120 });
    const result = await withEs10(session, (es10) => es10.loadBoundProfilePackage(fromHex(BPP)), NO_TC);
    card.assertDone();
    expect(result.ok).toBe(true);
    // 86 #2 is 304 bytes: 120 + 120 + 64.
    const series = card.sent.filter((c) => c.startsWith('81 E2')).map((c) => c.slice(6, 14));
    expect(series.slice(-4)).toEqual(['11 00 78', '11 01 78', '91 02 40', '91 00 12']);
  });
});
