import { describe, expect, it } from 'vitest';
import { describeStatusWord, isSuccessStatusWord } from '../../../src-main/card/status-words.js';

describe('describeStatusWord', () => {
  it('6A82: file not found (exact row)', () => {
    expect(describeStatusWord(0x6a, 0x82)).toEqual({ sw: '6A82', meaning: 'File or application not found', category: 'error', source: 'ISO 7816-4' });
  });

  it('63C2: two retries left (low nibble interpreted)', () => {
    const info = describeStatusWord(0x63, 0xc2);
    expect(info.sw).toBe('63C2');
    expect(info.meaning).toContain('2 retries left');
    expect(info.category).toBe('warning');
    expect(describeStatusWord(0x63, 0xc0).meaning).toContain('0 retries left');
  });

  it('9F10: GSM 11.11 response length', () => {
    const info = describeStatusWord(0x9f, 0x10);
    expect(info.meaning).toMatch(/^16 response bytes available/);
    expect(info.category).toBe('procedure');
    expect(info.source).toBe('GSM 11.11');
  });

  it('9300: SIM Application Toolkit busy', () => {
    const info = describeStatusWord(0x93, 0x00);
    expect(info.meaning).toMatch(/toolkit busy/i);
    expect(info.category).toBe('error');
    expect(info.source).toBe('GSM 11.11');
  });

  it('6C10: resend with Le = 16', () => {
    expect(describeStatusWord(0x6c, 0x10)).toMatchObject({ sw: '6C10', meaning: 'Wrong Le: resend with Le = 16', category: 'procedure' });
  });

  it('61xx: response bytes available, 00 meaning 256', () => {
    expect(describeStatusWord(0x61, 0x27).meaning).toMatch(/^39 response bytes available/);
    expect(describeStatusWord(0x61, 0x00).meaning).toMatch(/^256 response bytes available/);
  });

  it('9Exx, 91xx, 920x and 98xx', () => {
    expect(describeStatusWord(0x9e, 0x0a)).toMatchObject({ category: 'procedure', source: 'GSM 11.11' });
    expect(describeStatusWord(0x9e, 0x0a).meaning).toMatch(/^10 response bytes available after a SIM data download error/);
    expect(describeStatusWord(0x91, 0x1a)).toMatchObject({ category: 'ok' });
    expect(describeStatusWord(0x91, 0x1a).meaning).toContain('proactive command pending (26 bytes');
    expect(describeStatusWord(0x92, 0x03).meaning).toBe('Command successful after 3 internal update retries');
    expect(describeStatusWord(0x92, 0x40)).toMatchObject({ meaning: 'Memory problem', category: 'error' });
    expect(describeStatusWord(0x98, 0x04).meaning).toMatch(/^Access condition not fulfilled/);
    expect(describeStatusWord(0x98, 0x40).meaning).toMatch(/blocked/);
    expect(describeStatusWord(0x98, 0x77)).toMatchObject({ meaning: 'Security status error (SW2 77)', category: 'error', source: 'GSM 11.11' });
  });

  it('prefers exact ISO rows over GSM SW1 families', () => {
    expect(describeStatusWord(0x67, 0x00).meaning).toBe('Wrong length (Lc or Le)');
    expect(describeStatusWord(0x67, 0x05)).toMatchObject({ meaning: 'Incorrect parameter P3 (length)', source: 'GSM 11.11' });
    expect(describeStatusWord(0x6e, 0x00).source).toBe('ISO 7816-4');
    expect(describeStatusWord(0x6d, 0x00).meaning).toBe('Instruction code not supported or invalid');
    expect(describeStatusWord(0x6b, 0x00).meaning).toBe('Wrong parameters P1-P2');
    expect(describeStatusWord(0x6f, 0x00).meaning).toBe('Technical problem, no precise diagnosis');
  });

  it('covers the status words the eUICC layer meets', () => {
    const expected: Record<string, string> = {
      '9000': 'ok',
      '6581': 'error',
      '6881': 'error',
      '6882': 'error',
      '6981': 'error',
      '6982': 'error',
      '6983': 'error',
      '6984': 'error',
      '6985': 'error',
      '6986': 'error',
      '6A80': 'error',
      '6A81': 'error',
      '6A84': 'error',
      '6A86': 'error',
      '6A88': 'error',
      '6283': 'warning',
    };
    for (const [sw, category] of Object.entries(expected)) {
      const info = describeStatusWord(parseInt(sw.slice(0, 2), 16), parseInt(sw.slice(2), 16));
      expect(info.sw).toBe(sw);
      expect(info.category, sw).toBe(category);
      expect(info.meaning, sw).not.toBe('Unknown status word');
      expect(info.meaning, sw).not.toMatch(/SW2/);
    }
  });

  it('falls back to a family row, then to unknown', () => {
    expect(describeStatusWord(0x6a, 0x99)).toMatchObject({ meaning: 'Wrong parameters (SW2 99)', category: 'error' });
    expect(describeStatusWord(0x12, 0x34)).toEqual({ sw: '1234', meaning: 'Unknown status word', category: 'error', source: '' });
    expect(describeStatusWord(0x90, 0x01)).toMatchObject({ meaning: 'Unknown status word', category: 'error' });
  });

  it('isSuccessStatusWord accepts ok and warnings only', () => {
    expect(isSuccessStatusWord(0x90, 0x00)).toBe(true);
    expect(isSuccessStatusWord(0x91, 0x10)).toBe(true);
    expect(isSuccessStatusWord(0x62, 0x83)).toBe(true);
    expect(isSuccessStatusWord(0x61, 0x10)).toBe(false);
    expect(isSuccessStatusWord(0x6a, 0x82)).toBe(false);
  });
});
