import { describe, expect, it } from 'vitest';
import { fromHex } from '../../../shared/hex.js';
import { decodeFileControl, keyReferenceName } from '../../../src-main/diag/fcp.js';

describe('decodeFileControl', () => {
  it('EF with records, sizes, SFI and life cycle', () => {
    const fcp = decodeFileControl(fromHex('62 19 82 05 42 21 00 1C 0A 83 02 6F 3A 8A 01 04 80 02 01 18 81 02 01 30 88 01 08'));
    expect(fcp).toMatchObject({ fid: '6F3A', fileType: 'shareable working linear fixed EF', lifeCycle: 'operational, deactivated' });
    expect(fcp.summary).toBe('FCP of EF.ADN; shareable working linear fixed EF; operational, deactivated');
    expect(fcp.details).toEqual([
      '62 FCP template',
      '  82 File descriptor: shareable working linear fixed EF, 28-byte records × 10',
      '  83 File identifier: 6F3A (EF.ADN)',
      '  8A Life cycle status: operational, deactivated (04)',
      '  80 File size: 280 bytes of data',
      '  81 Total file size: 304 bytes including structural information',
      '  88 Short file identifier: SFI 1',
    ]);
  });

  it('PIN status template: PS_DO bits map to the key references in order', () => {
    const fcp = decodeFileControl(fromHex('62 0F 82 02 78 21 C6 09 90 01 40 83 01 01 83 01 81'));
    expect(fcp.pinStatus).toEqual([
      { keyReference: 0x01, name: 'PIN1 (application PIN)', enabled: false },
      { keyReference: 0x81, name: 'PIN2 of application 1 (second PIN)', enabled: true },
    ]);
    expect(keyReferenceName(0x0a)).toBe('ADM1');
    expect(keyReferenceName(0x11)).toBe('Universal PIN');
  });

  it('non-templates and cut data are described, not thrown', () => {
    expect(decodeFileControl(fromHex('90 00')).summary).toBe('not a file control template: 90 00');
    expect(decodeFileControl(new Uint8Array(0)).summary).toBe('no data');
    const cut = decodeFileControl(fromHex('62 25 82 02 78 21 83 02 3F'));
    expect(cut.summary).toMatch(/^FCP of/);
    expect(cut.details[cut.details.length - 1]).toMatch(/decoding stopped/);
  });
});
