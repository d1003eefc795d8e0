import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toSpacedHex } from '../../../shared/hex.js';
import { parseAtr } from '../../../src-main/diag/atr.js';
import { diagnose } from '../../../src-main/diag/diagnose.js';
import { factsFromTrace } from '../../../src-main/diag/facts.js';
import { decodeT0Trace, formatTraceListing } from '../../../src-main/diag/t0-trace.js';

const RUNS = 2000;
const bytes = fc.uint8Array({ minLength: 1, maxLength: 300 });
/** Byte streams biased towards T=0 structure: headers, procedure bytes and status words mixed with noise. */
const t0ish = fc
  .array(fc.oneof(fc.constantFrom(0x00, 0x80, 0xa0, 0xa4, 0xc0, 0xb0, 0x20, 0xe2, 0x3b, 0xff, 0x60, 0x61, 0x6c, 0x90, 0x6a, 0x82), fc.integer({ min: 0, max: 255 })), { maxLength: 400 })
  .map((a) => Uint8Array.from(a));

describe('bounded fuzzing of the diag decoders', () => {
  it('parseAtr never throws on non-empty input and stays within it', () => {
    fc.assert(
      fc.property(bytes, (b) => {
        const atr = parseAtr(b);
        expect(atr.length).toBeLessThanOrEqual(b.length);
        expect(atr.fields.length).toBeGreaterThan(0);
      }),
      { numRuns: RUNS },
    );
  });

  it('decodeT0Trace never throws, accounts for its bytes, and the rest of the pipeline copes', () => {
    fc.assert(
      fc.property(fc.oneof(bytes, t0ish), (b) => {
        const listing = decodeT0Trace(b);
        expect(listing.byteCount).toBe(b.length);
        for (const e of listing.entries) expect(e.offset).toBeLessThan(b.length);
        expect(typeof formatTraceListing(listing)).toBe('string');
        expect(Array.isArray(diagnose(factsFromTrace(listing)))).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('decodeT0Trace accepts any text (hex dumps, CSV-like lines, junk)', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 300 }),
      t0ish.map((b) => toSpacedHex(b)),
      fc.array(fc.tuple(fc.double({ min: 0, max: 10, noNaN: true }), fc.integer({ min: 0, max: 255 }), fc.constantFrom('T', 'C', '', 'x')), { maxLength: 80 })
        .map((rows) => ['Time [s],Value,Dir', ...rows.map(([t, v, d]) => `${t},0x${v.toString(16)},${d}`)].join('\n')),
    );
    fc.assert(
      fc.property(text, (t) => {
        expect(() => decodeT0Trace(t)).not.toThrow();
      }),
      { numRuns: RUNS },
    );
  });
});
