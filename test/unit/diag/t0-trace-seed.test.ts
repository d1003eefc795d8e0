import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeT0Trace, formatTraceListing } from '../../../src-main/diag/t0-trace.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const fixture = readFileSync(path.join(repoRoot, 'test/fixtures/diag/seed-000-trace.txt'), 'utf8');

/** The Wireshark view quoted in seed 000, as (command, file, SW, status keyword). */
const WIRESHARK_VIEW: readonly [string, string | undefined, string, RegExp][] = [
  ['SELECT', 'MF', '6127', /39 response bytes available/],
  ['GET RESPONSE', undefined, '9000', /Normal ending/],
  ['TERMINAL CAPABILITY', undefined, '9000', /Normal ending/],
  ['SELECT', 'EF.ICCID', '6A82', /not found/],
  ['SELECT', 'EF.PL', '6A82', /not found/],
  ['SELECT', 'EF.ICCID', '6A82', /not found/],
  ['TERMINAL PROFILE', undefined, '9000', /Normal ending/],
  ['SELECT', 'EF.DIR', '6A82', /not found/],
  ['SELECT', 'MF', '6127', /39 response bytes available/],
  ['GET RESPONSE', undefined, '9000', /Normal ending/],
];
const FIDS = ['3F00', undefined, undefined, '2FE2', '2F05', '2FE2', undefined, '2F00', '3F00', undefined];

describe('seed 000: Sierra EM7455 + blank Infineon eUICC T=0 trace', () => {
  const listing = decodeT0Trace(fixture);

  it('fixture is the seed line, byte for byte', () => {
    const seed = path.resolve(repoRoot, '..', 'shared', 'seeds', '000_7e444c8cf66b0aef.txt');
    if (!existsSync(seed)) return;
    expect(readFileSync(seed, 'utf8')).toContain(fixture.trim());
  });

  it('decodes exactly the 10 commands of the Wireshark view, in order, without problems', () => {
    expect(listing.format).toBe('hex');
    expect(listing.byteCount).toBe(207);
    expect(listing.problems).toEqual([]);
    expect(listing.atr).toBeUndefined();
    expect(listing.entries).toHaveLength(10);
    listing.entries.forEach((e, i) => {
      const [command, file, sw, status] = WIRESHARK_VIEW[i] ?? ['', undefined, '', /$^/];
      expect(e.no).toBe(i + 1);
      expect(e.command).toBe(command);
      expect(e.sw).toBe(sw);
      expect(e.status).toMatch(status);
      expect(e.outcome).toBe('complete');
      expect(e.target?.fid).toBe(FIDS[i]);
      if (file) {
        expect(e.target?.name).toBe(file);
        expect(e.decoded).toContain(file);
      }
    });
  });

  it('reassembles headers, data and responses byte for byte', () => {
    const [select, getResponse, termCap, iccid] = listing.entries;
    expect(select?.header).toBe('00 A4 00 04 02');
    expect(select?.data).toBe('3F 00');
    expect(getResponse?.header).toBe('00 C0 00 00 27');
    expect(getResponse?.response?.split(' ')).toHaveLength(0x27);
    expect(getResponse?.response?.startsWith('62 25 82 02 78 21 83 02 3F 00')).toBe(true);
    expect(termCap?.data).toBe('A9 05 81 00 82 01 01');
    expect(iccid?.header).toBe('00 A4 08 04 02');
    expect(iccid?.target?.path).toBe('3F00/2FE2');
    const tp = listing.entries[6];
    expect(tp?.data?.split(' ')).toHaveLength(30);
    expect(tp?.decoded).toContain('30 bytes: 37 09 E8 CE');
  });

  it('decodes the FCP of the MF from GET RESPONSE', () => {
    const gr = listing.entries[1];
    expect(gr?.decoded).toMatch(/FCP of MF/);
    expect(gr?.decoded).toMatch(/operational, activated/);
    expect(gr?.details).toEqual(expect.arrayContaining([
      expect.stringMatching(/82 File descriptor: shareable DF\/ADF/),
      expect.stringMatching(/83 File identifier: 3F00 \(MF\)/),
      expect.stringMatching(/83 Available memory: 796602 bytes/),
      expect.stringMatching(/87 Supported system commands: TERMINAL CAPABILITY supported/),
      expect.stringMatching(/8B Security attributes \(referenced\): EF.ARR 2F06, record 01/),
      expect.stringMatching(/C6 PIN status template: ADM1: enabled/),
    ]));
    expect(listing.entries[2]?.decoded).toBe('TERMINAL CAPABILITY: extended logical channels supported; UICC-CLF interface supported');
    expect(listing.entries[4]?.notes?.join(' ')).toMatch(/EF.ELP/);
  });

  it('formats a protocol-analyzer table with one row per command', () => {
    const text = formatTraceListing(listing);
    const rows = text.split('\n').filter((l) => /^ {0,2}\d{1,3} {2}/.test(l));
    expect(rows).toHaveLength(10);
    expect(rows[3]).toMatch(/^\s+4\s+SELECT\s+6A82\s+SELECT EF.ICCID by path \/2FE2.* : File or application not found$/);
    expect(text).not.toContain('Problems:');
  });
});
