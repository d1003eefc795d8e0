import { describe, expect, it } from 'vitest';
import type { DeviceSummary } from '../../../shared/api.js';
import { WorkbenchError } from '../../../shared/errors.js';
import { FAKE_DEVICES, FAKE_QMI_ID, FAKE_VIRTUAL_ID, createFakeWorkbench } from '../../helpers/fake-workbench.js';
import { calledMethods, runEwb } from '../../helpers/cli-run.js';

const V = ['-d', FAKE_VIRTUAL_ID];

function withDevices(devices: DeviceSummary[]) {
  const api = createFakeWorkbench();
  api.listDevices = async () => devices;
  return api;
}

describe('ewb --help', () => {
  it('lists every command of the brief', async () => {
    const run = await runEwb(['--help']);
    expect(run.code).toBe(0);
    for (const name of [
      'device list',
      'chip info',
      'profile list',
      'profile enable',
      'profile disable',
      'profile delete',
      'profile nickname',
      'profile download',
      'notification list',
      'notification process',
      'notification remove',
      'config get',
      'config set-default-dp',
      'discovery',
      'env',
      'pki init',
      'sim make-profile',
      'sim start',
      'sim status',
      'sim smdp',
      'sim modem',
    ]) {
      expect(run.stdout).toContain(`  ${name} `);
    }
  });

  it('unknown command and unknown option are usage errors (2)', async () => {
    expect((await runEwb(['profile', 'frobnicate'])).code).toBe(2);
    const run = await runEwb(['profile', 'list', '--bogus']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('usage: ewb profile list');
  });
});

describe('ewb device list', () => {
  it('prints an aligned table with reasons', async () => {
    const run = await runEwb(['device', 'list']);
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^ID\s+KIND\s+STATUS\s+CARD\s+ACCESS\s+LABEL$/);
    const statusColumn = lines[0]?.indexOf('STATUS');
    expect(lines[1]?.indexOf('present')).toBe(statusColumn);
    expect(lines[3]).toMatch(/^pcsc:ACS ACR39U 00 00\s+pcsc\s+absent/);
    expect(run.stdout).toContain(`${FAKE_QMI_ID}: Modem refuses the blank eUICC; using QMI SAP.`);
  });

  it('--json prints DeviceSummary[]', async () => {
    const run = await runEwb(['device', 'list', '--json']);
    expect(JSON.parse(run.stdout)).toEqual(FAKE_DEVICES);
  });
});

describe('device choice', () => {
  it('uses --device as given', async () => {
    const api = createFakeWorkbench();
    await runEwb(['chip', 'info', ...V], api);
    expect(api.calls).toContainEqual(['getCardInfo', [FAKE_VIRTUAL_ID]]);
    expect(calledMethods(api)).not.toContain('listDevices');
  });

  it('without --device picks the only attached card (not the virtual one)', async () => {
    const api = createFakeWorkbench();
    const run = await runEwb(['chip', 'info'], api);
    expect(run.code).toBe(0);
    expect(api.calls).toContainEqual(['getCardInfo', [FAKE_QMI_ID]]);
  });

  it('falls back to the virtual eUICC when no hardware card is present', async () => {
    const api = withDevices(FAKE_DEVICES.filter((d) => d.id !== FAKE_QMI_ID));
    await runEwb(['profile', 'list'], api);
    expect(api.calls).toContainEqual(['listProfiles', [FAKE_VIRTUAL_ID]]);
  });

  it('prefers the virtual eUICC over guessing between two cards, and says so', async () => {
    const second: DeviceSummary = { id: 'pcsc:Other 01', kind: 'pcsc', label: 'Other', status: 'present' };
    const api = withDevices([...FAKE_DEVICES, second]);
    const run = await runEwb(['profile', 'list'], api);
    expect(api.calls).toContainEqual(['listProfiles', [FAKE_VIRTUAL_ID]]);
    expect(run.stderr).toContain('2 cards are attached; using the virtual eUICC');
  });

  it('no usable device → exit 3 with a clear error', async () => {
    const api = withDevices(FAKE_DEVICES.filter((d) => d.status !== 'present'));
    const run = await runEwb(['profile', 'list'], api);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('error: No card is available');
    expect(run.stderr).toContain('code:  DEVICE_NONE');
    const json = await runEwb(['profile', 'list', '--json'], api);
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout).error).toMatchObject({ code: 'DEVICE_NONE', details: { devices: [{ id: 'pcsc:ACS ACR39U 00 00', status: 'absent', reason: 'No card in the reader.' }] } });
  });

  it('two cards and no virtual eUICC → DEVICE_AMBIGUOUS (exit 3)', async () => {
    const api = withDevices([
      { id: 'pcsc:A', kind: 'pcsc', label: 'A', status: 'present' },
      { id: 'at:/dev/ttyUSB2', kind: 'at', label: 'B', status: 'present' },
    ]);
    const run = await runEwb(['chip', 'info', '--json'], api);
    expect(run.code).toBe(3);
    expect(JSON.parse(run.stdout).error.code).toBe('DEVICE_AMBIGUOUS');
  });

  it('a transport that cannot reach the card (pcscd down, card pulled, modem missing) → exit 3, not 1', async () => {
    for (const code of ['PCSC_UNAVAILABLE', 'PCSC_READER_NOT_FOUND', 'CARD_ABSENT', 'CARD_REMOVED', 'QMI_DEVICE_NOT_FOUND', 'AT_SIM_NOT_INSERTED', 'SERIAL_PORT_NOT_FOUND']) {
      const api = createFakeWorkbench();
      api.listProfiles = () => Promise.reject(new WorkbenchError(code, 'The card cannot be reached.', 'Check the reader.'));
      const run = await runEwb(['profile', 'list', '--json', ...V], api);
      expect({ code, exit: run.code }).toEqual({ code, exit: 3 });
      expect(JSON.parse(run.stdout).error.code).toBe(code);
    }
    const refused = createFakeWorkbench();
    refused.listProfiles = () => Promise.reject(new WorkbenchError('CARD_SW_ERROR', 'The card said no.', 'Hint.'));
    expect((await runEwb(['profile', 'list', '-d', FAKE_VIRTUAL_ID], refused)).code).toBe(1);
  });

  it('a device the API does not know → exit 3', async () => {
    const run = await runEwb(['chip', 'info', '-d', 'pcsc:nope']);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('No device "pcsc:nope"');
  });
});

describe('ewb chip info', () => {
  it('prints the card facts aligned', async () => {
    const run = await runEwb(['chip', 'info', ...V]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^EID:\s+89049032123451234512345678901235$/m);
    expect(run.stdout).toMatch(/^Free NV memory:\s+412672 bytes \(403\.0 KiB\)$/m);
    expect(run.stdout).toMatch(/^CI keys \(verify\):\s+F54172BDF98A95D65CBEB88A38A1C11D800A85C3$/m);
    expect(run.stdout).toMatch(/^Default SM-DP\+:\s+smdp\.example\.com$/m);
    expect(run.stdout).toMatch(/^Root SM-DS:\s+lpa\.ds\.gsma\.com$/m);
    const valueColumns = new Set(run.stdout.trim().split('\n').map((line) => /^[^:]+(?:\([^)]*\))?:\s+/.exec(line)?.[0].length));
    expect([...valueColumns]).toEqual([20]);
  });

  it('--json prints CardInfo', async () => {
    const api = createFakeWorkbench();
    const run = await runEwb(['chip', 'info', '--json', ...V], api);
    expect(JSON.parse(run.stdout)).toEqual(await api.getCardInfo(FAKE_VIRTUAL_ID));
  });
});

describe('ewb profile …', () => {
  it('list: a table, blank card message, JSON', async () => {
    const run = await runEwb(['profile', 'list', ...V]);
    expect(run.stdout.split('\n')[0]).toMatch(/^ICCID\s+STATE\s+NICKNAME\s+NAME\s+PROVIDER\s+CLASS\s+RULES$/);
    expect(run.stdout).toMatch(/^8944476500001224158\s+enabled\s+Work\s+Operational 1\s+Test Operator\s+operational$/m);
    expect(run.stdout).toMatch(/^8944476500001224166\s+disabled\s+Roaming 5 GB\s+Travel Data\s+operational\s+ppr2$/m);
    const blank = await runEwb(['profile', 'list', '-d', FAKE_QMI_ID]);
    expect(blank.stdout).toContain('No profiles on qmi:/dev/cdc-wdm0 (the eUICC is blank)');
    const api = createFakeWorkbench();
    const json = await runEwb(['profile', 'list', '--json', ...V], api);
    expect(JSON.parse(json.stdout)).toEqual(await api.listProfiles(FAKE_VIRTUAL_ID));
  });

  it('enable by ICCID (refresh on by default) and by ISD-P AID', async () => {
    const api = createFakeWorkbench();
    const run = await runEwb(['profile', 'enable', '8944476500001224166', ...V], api);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('Profile 8944476500001224166 enabled.\n');
    expect(api.calls).toContainEqual(['enableProfile', [FAKE_VIRTUAL_ID, { iccid: '8944476500001224166' }, { refresh: true }]]);
    const byAid = await runEwb(['profile', 'disable', 'a0000005591010ffffffff8900001100', '--no-refresh', ...V], api);
    expect(byAid.code).toBe(0);
    expect(api.calls).toContainEqual(['disableProfile', [FAKE_VIRTUAL_ID, { isdpAid: 'A0000005591010FFFFFFFF8900001100' }, { refresh: false }]]);
  });

  it('a refusal of the card → exit 1 with its message and hint; JSON error carries the ES10 result', async () => {
    const run = await runEwb(['profile', 'enable', '8944476500001224158', ...V]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('error: The profile is already enabled.');
    expect(run.stderr).toContain('hint:  Nothing to do.');
    const json = await runEwb(['profile', 'enable', '8944476500001224158', '--json', ...V]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      error: { code: 'ES10_OPERATION_REFUSED', message: 'The profile is already enabled.', hint: 'Nothing to do.', details: { result: 'profileNotInDisabledState' } },
    });
  });

  it('--json of a success prints the ProfileOpResult', async () => {
    const run = await runEwb(['profile', 'disable', '8944476500001224158', '--json', ...V]);
    expect(JSON.parse(run.stdout)).toEqual({ ok: true, result: 'ok', message: 'Done.' });
  });

  it('bad profile references and argument counts are usage errors', async () => {
    const api = createFakeWorkbench();
    expect((await runEwb(['profile', 'enable', 'hello', ...V], api)).code).toBe(2);
    expect((await runEwb(['profile', 'enable', ...V], api)).code).toBe(2);
    expect((await runEwb(['profile', 'nickname', '8944476500001224158', ...V], api)).code).toBe(2);
    expect(calledMethods(api)).toEqual([]);
  });

  it('delete refuses without --yes when stdin is not a terminal', async () => {
    const api = createFakeWorkbench();
    const run = await runEwb(['profile', 'delete', '8944476500001224166', ...V], api);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Pass --yes');
    expect(calledMethods(api)).not.toContain('deleteProfile');
  });

  it('delete --yes deletes; an enabled profile is refused with exit 1', async () => {
    const api = createFakeWorkbench();
    const run = await runEwb(['profile', 'delete', '8944476500001224166', '--yes', ...V], api);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('Profile 8944476500001224166 deleted.\n');
    expect((await api.listProfiles(FAKE_VIRTUAL_ID)).map((p) => p.iccid)).toEqual(['8944476500001224158']);
    const refused = await runEwb(['profile', 'delete', '8944476500001224158', '-y', ...V], api);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Disable it first.');
  });

  it('delete on a terminal asks, naming the profile; only y deletes', async () => {
    const api = createFakeWorkbench();
    const no = await runEwb(['profile', 'delete', '8944476500001224166', ...V], api, { tty: true, stdin: 'n\n' });
    expect(no.stderr).toContain('Delete profile 8944476500001224166 (Roaming 5 GB · Travel Data)? This cannot be undone. [y/N]');
    expect(no.code).toBe(1);
    expect(calledMethods(api)).not.toContain('deleteProfile');
    const yes = await runEwb(['profile', 'delete', '8944476500001224166', ...V], api, { tty: true, stdin: 'y\n' });
    expect(yes.code).toBe(0);
    expect(api.calls).toContainEqual(['deleteProfile', [FAKE_VIRTUAL_ID, { iccid: '8944476500001224166' }]]);
  });

  it('nickname sets and clears', async () => {
    const api = createFakeWorkbench();
    const set = await runEwb(['profile', 'nickname', '8944476500001224166', 'Holiday', ...V], api);
    expect(set.stdout).toBe('Nickname of 8944476500001224166 set to "Holiday".\n');
    expect((await api.listProfiles(FAKE_VIRTUAL_ID))[1]?.nickname).toBe('Holiday');
    await runEwb(['profile', 'nickname', '8944476500001224166', '', ...V], api);
    expect(api.calls).toContainEqual(['setNickname', [FAKE_VIRTUAL_ID, '8944476500001224166', '']]);
    expect((await runEwb(['profile', 'nickname', '8944476500001224166', 'x'.repeat(65), ...V], api)).code).toBe(2);
  });
});

describe('ewb notification …', () => {
  it('list as a table and as NotificationSummary[]', async () => {
    const run = await runEwb(['notification', 'list', ...V]);
    expect(run.stdout).toMatch(/^SEQ\s+EVENT\s+ICCID\s+WHERE\s+ADDRESS\n7\s+install\s+8944476500001224158\s+card\s+smdp\.example\.com\n$/);
    const json = await runEwb(['notification', 'list', '--json', ...V]);
    expect(JSON.parse(json.stdout)).toEqual([{ seqNumber: 7, event: 'install', address: 'smdp.example.com', iccid: '8944476500001224158', where: 'card' }]);
  });

  it('process passes the sequence numbers (or none = all) and reports the counts', async () => {
    const api = createFakeWorkbench();
    const run = await runEwb(['notification', 'process', '7', '8', ...V], api);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('1 notification delivered.\n');
    expect(api.calls).toContainEqual(['processNotifications', [FAKE_VIRTUAL_ID, [7, 8]]]);
    const json = await runEwb(['notification', 'process', '--json', ...V], api);
    expect(JSON.parse(json.stdout)).toEqual({ sent: 0, failed: 0 });
    expect(api.calls).toContainEqual(['processNotifications', [FAKE_VIRTUAL_ID, undefined]]);
  });

  it('process exits 1 when a notification could not be delivered', async () => {
    const api = createFakeWorkbench();
    api.processNotifications = async () => ({ sent: 1, failed: 2 });
    const run = await runEwb(['notification', 'process', ...V], api);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('1 notification delivered, 2 failed (kept for the next try).\n');
  });

  it('remove takes one sequence number', async () => {
    const api = createFakeWorkbench();
    const run = await runEwb(['notification', 'remove', '7', '--json', ...V], api);
    expect(JSON.parse(run.stdout)).toEqual({ deviceId: FAKE_VIRTUAL_ID, removed: 7 });
    expect(api.calls).toContainEqual(['removeNotification', [FAKE_VIRTUAL_ID, 7]]);
    expect((await runEwb(['notification', 'remove', 'seven', ...V], api)).code).toBe(2);
    expect((await runEwb(['notification', 'remove', ...V], api)).code).toBe(2);
  });
});

describe('ewb config …', () => {
  it('get shows the configured addresses', async () => {
    const run = await runEwb(['config', 'get', ...V]);
    expect(run.stdout).toBe('Default SM-DP+:  smdp.example.com\nRoot SM-DS:      lpa.ds.gsma.com\n');
    const json = await runEwb(['config', 'get', '--json', ...V]);
    expect(JSON.parse(json.stdout)).toEqual({ deviceId: FAKE_VIRTUAL_ID, defaultDpAddress: 'smdp.example.com', rootDsAddress: 'lpa.ds.gsma.com' });
  });

  it('set-default-dp sets, clears, and rejects URLs', async () => {
    const api = createFakeWorkbench();
    const run = await runEwb(['config', 'set-default-dp', 'smdp.example.org', ...V], api);
    expect(run.stdout).toBe('Default SM-DP+ address set to smdp.example.org.\n');
    expect(api.calls).toContainEqual(['setDefaultDpAddress', [FAKE_VIRTUAL_ID, 'smdp.example.org']]);
    expect((await runEwb(['config', 'set-default-dp', '', ...V], api)).stdout).toBe('Default SM-DP+ address cleared.\n');
    const bad = await runEwb(['config', 'set-default-dp', 'https://smdp.example.org/x', ...V], api);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('no https://');
  });
});

describe('ewb env', () => {
  it('shows data dir, virtual eUICC and the test SM-DP+ codes', async () => {
    const run = await runEwb(['env']);
    expect(run.stdout).toMatch(/^Data directory:\s+\/home\/tech\/\.local\/share\/esim-workbench$/m);
    expect(run.stdout).toMatch(/^Virtual eUICC:\s+virtual:default \(EID 89049032123451234512345678901235\)$/m);
    expect(run.stdout).toContain('  LPA:1$testsmdpplus1.example.com:8443$EWB-TEST-0001');
    const json = await runEwb(['env', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ insecureTls: false, testSmdp: { address: 'testsmdpplus1.example.com:8443' } });
  });

  it('warns when TLS verification is off', async () => {
    const api = createFakeWorkbench();
    const env = await api.environment();
    api.environment = async () => ({ ...env, insecureTls: true });
    expect((await runEwb(['env'], api)).stderr).toContain('warning: TLS verification of SM-DP+ servers is OFF');
  });
});
