import { describe, expect, it } from 'vitest';
import { ES9_STATUS_CODES, es9ServedStatusRows } from '../../../src-main/codec/sgp22/es9-status.js';
import { describeEs9Status } from '../../../src-main/rsp/es9-status.js';
import { ES9_STATUS, findStatus } from '../../../src-main/sim/smdp/status.js';

describe('the SGP.22 ES9+/ES11 status table', () => {
  it('lists each subject/reason pair and each key once', () => {
    const pairs = ES9_STATUS_CODES.map((r) => `${r.subject}/${r.reason}`);
    expect(new Set(pairs).size).toBe(pairs.length);
    const keys = es9ServedStatusRows().map((r) => r.key);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('gives both ends the same row: the server answers by key, the LPA explains the same codes', () => {
    expect(ES9_STATUS.ccRefused).toEqual({ subjectCode: '8.2.7', reasonCode: '3.8', message: 'Confirmation code refused' });
    expect(describeEs9Status('8.2.7', '3.8').message).toBe('The confirmation code is wrong.');
    for (const row of es9ServedStatusRows()) {
      expect(findStatus(row.subject, row.reason)?.message).toBe(row.serverMessage);
      expect(describeEs9Status(row.subject, row.reason)).toEqual({ message: row.message, hint: row.hint });
    }
  });

  it('does not serve rows only real servers send', () => {
    expect(findStatus('8.8.5', '4.1')).toBeUndefined();
    expect(describeEs9Status('8.8.5', '4.1').message).toBe('The download order has expired.');
  });
});
