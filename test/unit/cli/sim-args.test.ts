import { describe, expect, it } from 'vitest';
import { defaultSimPaths, parseHostPort } from '../../../src-main/cli/commands-sim-common.js';
import { parseOrder, testIccidFor } from '../../../src-main/cli/commands-sim-servers.js';
import { calledMethods, runEwb } from '../../helpers/cli-run.js';
import { createFakeWorkbench } from '../../helpers/fake-workbench.js';

/** Luhn validity of a digit string including its check digit. */
function luhnValid(digits: string): boolean {
  let sum = 0;
  [...digits].reverse().forEach((c, i) => {
    let d = Number(c);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  });
  return sum % 10 === 0;
}

describe('sim argument helpers', () => {
  it('test ICCIDs are stable, 19 digits, test issuer prefix and a valid Luhn digit', () => {
    const iccid = testIccidFor('EWB-TEST-0001');
    expect(iccid).toMatch(/^89999\d{14}$/);
    expect(testIccidFor('EWB-TEST-0001')).toBe(iccid);
    expect(testIccidFor('EWB-TEST-0002')).not.toBe(iccid);
    expect(luhnValid(iccid)).toBe(true);
    expect(luhnValid('89014103211118510720')).toBe(true); // a printed ICCID, as a check of the checker
  });

  it('parses --order MATCHING_ID[:ICCID] into an order with a test-network profile', () => {
    expect(parseOrder('SPRING-2025:8944476500001224158')).toEqual({
      matchingId: 'SPRING-2025',
      profile: { iccid: '8944476500001224158', imsi: '001010001224158', spn: 'Workbench Test', profileName: 'Test SPRING-2025' },
    });
    expect(parseOrder('A1').profile?.iccid).toBe(testIccidFor('A1'));
    expect(() => parseOrder('bad id:123')).toThrow(/MATCHING_ID\[:ICCID\]/);
  });

  it('parses host:port and port', () => {
    expect(parseHostPort('127.0.0.1:35963', 'localhost', '--vpcd')).toEqual({ host: '127.0.0.1', port: 35963 });
    expect(parseHostPort('35964', '127.0.0.1', '--vpcd')).toEqual({ host: '127.0.0.1', port: 35964 });
    expect(() => parseHostPort('host:99999', 'x', '--vpcd')).toThrow(/not host:port/);
  });

  it('uses the card and PKI of the app’s embedded virtual eUICC by default', async () => {
    expect(await defaultSimPaths({ EWB_HOME: '/tmp/ewb' })).toEqual({ stateFile: '/tmp/ewb/sim/default.json', pkiDir: '/tmp/ewb/pki', pkiDirGiven: false });
    expect(await defaultSimPaths({ XDG_DATA_HOME: '/x/data', EWB_PKI_DIR: '/p' })).toEqual({ stateFile: '/x/data/esim-workbench/sim/default.json', pkiDir: '/p', pkiDirGiven: true });
  });
});

describe('sim command usage errors (exit 2, no API, nothing started)', () => {
  it.each([
    [['sim', 'modem']],
    [['sim', 'modem', '--at', '--qmi']],
    [['sim', 'modem', '--at', '--mbim']],
    [['sim', 'modem', '--at', '--profile', 'no-such-modem']],
    [['sim', 'modem', '--qmi', '--profile', 'no-such-modem']],
    [['sim', 'smdp', '--port', 'http']],
    [['sim', 'smdp', '--order', 'a b']],
    [['sim', 'start', '--vpcd', 'nowhere:']],
    [['sim', 'make-profile', '--iccid', '89', '--imsi', '001010123456789', '--spn', 'X', '--out', '/tmp/x.der']],
    [['sim', 'make-profile', '--imsi', '001010123456789', '--spn', 'X', '--out', '/tmp/x.der']],
    [['pki', 'init']],
    [['pki', 'init', '/tmp/x', '--eid', '1234']],
  ])('%j', async (argv) => {
    const api = createFakeWorkbench();
    const run = await runEwb(argv, api);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: .+\nhint: {2}.+\ncode: {2}USAGE\n$/);
    expect(calledMethods(api)).toEqual([]);
  });
});
