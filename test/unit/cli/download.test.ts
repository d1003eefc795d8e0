import { describe, expect, it } from 'vitest';
import type { PromptAnswer } from '../../../shared/api.js';
import { FAKE_EVENTS, FAKE_VIRTUAL_ID, createFakeWorkbench, type FakeWorkbench, type FakeWorkbenchOptions } from '../../helpers/fake-workbench.js';
import { calledMethods, runEwb } from '../../helpers/cli-run.js';

const AC = 'LPA:1$smdp.example.com$04386-AGYFT-A74Y8-3F815';
const V = ['-d', FAKE_VIRTUAL_ID];

/** A fake that also records when the CLI subscribes (to check it happens before the start). */
function recordingFake(options: FakeWorkbenchOptions = {}): FakeWorkbench {
  const api = createFakeWorkbench(options);
  const subscribe = api.subscribe.bind(api);
  api.subscribe = (listener) => {
    api.calls.push(['subscribe', []]);
    return subscribe(listener);
  };
  return api;
}

const answers = (api: FakeWorkbench): PromptAnswer[] => api.calls.filter(([m]) => m === 'answerPrompt').map(([, args]) => args[1] as PromptAnswer);

describe('ewb profile download', () => {
  it('subscribes before starting, shows one progress line per step and the preview, installs with --yes', async () => {
    const api = recordingFake();
    const run = await runEwb(['profile', 'download', '-a', AC, '--yes', ...V], api);
    expect(run.code).toBe(0);
    const methods = calledMethods(api);
    expect(methods.indexOf('subscribe')).toBeLessThan(methods.indexOf('startDownload'));
    expect(api.calls).toContainEqual(['startDownload', [FAKE_VIRTUAL_ID, { activationCode: AC, confirmationCode: undefined }]]);
    const progress = run.stderr.split('\n').filter((l) => /^\s*\d+% \d\/8 /.test(l));
    expect(progress.map((l) => l.replace(/^\s*\d+% \d\/8 /, '').split(':')[0])).toEqual([
      'authenticate-server',
      'authenticate-client',
      'consent',
      'prepare-download',
      'get-bound-profile-package',
      'load-bound-profile-package',
      'send-notifications',
      'done',
    ]);
    expect(run.stderr).toContain(' 71% 6/8 load-bound-profile-package: Installing the profile');
    expect(run.stderr).toMatch(/Name:\s+Demo 1 GB/);
    expect(run.stderr).toMatch(/Provider:\s+Demo Mobile/);
    expect(run.stderr).toMatch(/Policy rules:\s+ppr1/);
    expect(answers(api)).toEqual([{ promptId: 'op-1-consent', kind: 'consent', accept: true }]);
    expect(run.stdout).toBe('Profile 8944476500001202002 installed.\n1 notification sent to the SM-DP+.\n');
  });

  it('--json prints the OperationResult only; --enable and --imei reach the request', async () => {
    const api = createFakeWorkbench();
    const run = await runEwb(['profile', 'download', '-a', AC, '--yes', '--enable', '--imei', '356938035643809', '--json', ...V], api);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ operationId: 'op-1', status: 'succeeded', iccid: '8944476500001202002', notificationsSent: 1 });
    expect(api.calls).toContainEqual(['startDownload', [FAKE_VIRTUAL_ID, { activationCode: AC, imei: '356938035643809', enableAfterInstall: true, confirmationCode: undefined }]]);
    expect(run.stderr).not.toMatch(/\d\/8/);
    expect((await api.listProfiles(FAKE_VIRTUAL_ID)).find((p) => p.iccid === '8944476500001202002')?.state).toBe('enabled');
  });

  it('redraws one progress line in place on a terminal', async () => {
    const run = await runEwb(['profile', 'download', '-a', AC, '--yes', ...V], createFakeWorkbench(), { stderrTty: true });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('\r\u001b[2K[#################.......]  71% 6/8 load-bound-profile-package: Installing the profile');
    expect(run.stderr).toContain('\r\u001b[2K[########################] 100% 8/8 done: Profile installed\n');
  });

  it('refuses consent without --yes when nobody can be asked (exit 2, nothing installed)', async () => {
    const api = createFakeWorkbench();
    const run = await runEwb(['profile', 'download', '-a', AC, ...V], api);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('error: Not installing without your consent.');
    expect(run.stderr).toContain('hint:  Pass --yes to accept the profile shown above.');
    expect(answers(api)).toEqual([{ promptId: 'op-1-consent', kind: 'consent', accept: false }]);
    expect((await api.listProfiles(FAKE_VIRTUAL_ID)).length).toBe(2);
  });

  it('asks for consent on a terminal; "n" declines (exit 1)', async () => {
    const api = createFakeWorkbench();
    const run = await runEwb(['profile', 'download', '-a', AC, ...V], api, { tty: true, stdin: 'n\n' });
    expect(run.stderr).toContain('Install this profile? [y/N]');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('You declined the profile');
    expect(answers(api)).toEqual([{ promptId: 'op-1-consent', kind: 'consent', accept: false }]);
  });

  it('answers the confirmation-code prompt from --cc and never prints the code', async () => {
    const api = createFakeWorkbench({ confirmationCode: '7431' });
    const run = await runEwb(['profile', 'download', '-a', AC, '--cc', '7431', '--yes', ...V], api);
    expect(run.code).toBe(0);
    expect(answers(api)[0]).toEqual({ promptId: 'op-1-cc-0', kind: 'confirmation-code', code: '7431' });
    expect(run.stdout + run.stderr).not.toContain('7431');
  });

  it('without --cc and without a terminal: cancels and says to use --cc (exit 2)', async () => {
    const api = createFakeWorkbench({ confirmationCode: '7431' });
    const run = await runEwb(['profile', 'download', '-a', AC, '--yes', '--json', ...V], api);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout).error).toMatchObject({ code: 'USAGE', message: 'This profile needs a confirmation code.' });
    expect(JSON.parse(run.stdout).error.hint).toContain('--cc');
    expect(calledMethods(api)).toContain('cancelOperation');
  });

  it('a rejected --cc is not sent again: exit 1 without a terminal', async () => {
    const api = createFakeWorkbench({ confirmationCode: '7431' });
    const run = await runEwb(['profile', 'download', '-a', AC, '--cc', '0000', '--yes', ...V], api);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('error: The confirmation code was not accepted (2 attempts left).');
    expect(answers(api)).toEqual([{ promptId: 'op-1-cc-0', kind: 'confirmation-code', code: '0000' }]);
    expect(calledMethods(api)).toContain('cancelOperation');
  });

  it('asks the code (and the consent) on a terminal', async () => {
    const api = createFakeWorkbench({ confirmationCode: '7431' });
    const run = await runEwb(['profile', 'download', '-a', AC, ...V], api, { tty: true, stdin: '7431\ny\n' });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('Confirmation code: \n');
    expect(answers(api)).toEqual([
      { promptId: 'op-1-cc-0', kind: 'confirmation-code', code: '7431' },
      { promptId: 'op-1-consent', kind: 'consent', accept: true },
    ]);
    expect(run.stderr).not.toContain('7431');
  });

  it('a failed operation reports its error (exit 1)', async () => {
    const api = createFakeWorkbench({ confirmationCode: '7431' });
    const run = await runEwb(['profile', 'download', '-a', AC, '--yes', ...V], api, { tty: true, stdin: '1\n2\n3\n' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('The confirmation code was not accepted (1 attempt left).');
    expect(run.stderr).toContain('error: The confirmation code is wrong.');
    expect(run.stderr).toContain('code:  RSP_CONFIRMATION_CODE_WRONG');
  });

  it('Ctrl-C cancels the operation, waits for it and exits 130', async () => {
    const api = createFakeWorkbench();
    const controller = new AbortController();
    api.subscribe((event) => {
      if (event.type === 'operation-progress' && event.step === 'authenticate-client') controller.abort();
    });
    const run = await runEwb(['profile', 'download', '-a', AC, '--yes', ...V], api, { signal: controller.signal });
    expect(run.code).toBe(130);
    const methods = calledMethods(api);
    expect(methods.indexOf('cancelOperation')).toBeGreaterThan(methods.indexOf('startDownload'));
    expect(await api.waitForOperation('op-1')).toEqual({ operationId: 'op-1', status: 'cancelled' });
    expect(run.stderr).toContain('error: The download was cancelled.');
    expect((await api.listProfiles(FAKE_VIRTUAL_ID)).length).toBe(2);
  });

  it('Ctrl-C while the consent question waits also cancels (exit 130)', async () => {
    const api = createFakeWorkbench();
    const controller = new AbortController();
    api.subscribe((event) => {
      if (event.type === 'operation-prompt') setTimeout(() => controller.abort(), 5);
    });
    const run = await runEwb(['profile', 'download', '-a', AC, ...V], api, { tty: true, signal: controller.signal });
    expect(run.code).toBe(130);
    expect(calledMethods(api)).toContain('cancelOperation');
  });

  it('an operation that ends while the terminal question waits (timed out, cancelled elsewhere) does not leave ewb hanging', async () => {
    const api = createFakeWorkbench();
    api.subscribe((event) => {
      // Another front end (or the prompt's timeout) ends the operation; nobody types anything.
      if (event.type === 'operation-prompt') setTimeout(() => void api.cancelOperation(event.operationId), 5);
    });
    const run = await runEwb(['profile', 'download', '-a', AC, ...V], api, { tty: true });
    expect(run.code).toBe(130);
    expect(run.stderr).toContain('Install this profile? [y/N]');
    expect(run.stderr).toContain('error: The download was cancelled.');
    expect(answers(api)).toEqual([]);
  });

  it('usage errors: no activation code, bad IMEI; API errors: bad code (exit 1)', async () => {
    const api = createFakeWorkbench();
    expect((await runEwb(['profile', 'download', ...V], api)).code).toBe(2);
    expect((await runEwb(['profile', 'download', '-a', AC, '--imei', '12', ...V], api)).code).toBe(2);
    expect(calledMethods(api)).toEqual([]);
    const bad = await runEwb(['profile', 'download', '-a', 'smdp.example.com', '--json', ...V], api);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout).error.code).toBe('RSP_BAD_ACTIVATION_CODE');
  });
});

describe('ewb discovery', () => {
  it('lists events with their activation codes', async () => {
    const api = createFakeWorkbench();
    const run = await runEwb(['discovery', '--smds', 'smds.example.com', ...V], api);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^#\s+EVENT ID\s+SM-DP\+\s+ACTIVATION CODE\n1\s+EVT-0001\s+smdp\.example\.com\s+LPA:1\$smdp\.example\.com\$EVT-0001\n/);
    expect(api.calls).toContainEqual(['discoverProfiles', [FAKE_VIRTUAL_ID, { smdsAddress: 'smds.example.com' }]]);
    expect(calledMethods(api)).not.toContain('startDownload');
    const json = await runEwb(['discovery', '--json', ...V], api);
    expect(JSON.parse(json.stdout)).toEqual(FAKE_EVENTS);
  });

  it('--download N --yes downloads that event', async () => {
    const api = createFakeWorkbench();
    const run = await runEwb(['discovery', '--download', '2', '--yes', '--json', ...V], api);
    expect(run.code).toBe(0);
    expect(api.calls).toContainEqual(['startDownload', [FAKE_VIRTUAL_ID, { activationCode: 'LPA:1$smdp2.example.com$EVT-0002', confirmationCode: undefined }]]);
    expect(JSON.parse(run.stdout)).toMatchObject({ events: FAKE_EVENTS, download: { status: 'succeeded' } });
    expect((await runEwb(['discovery', '--download', '3', ...V], api)).code).toBe(2);
  });

  it('offers the download on a terminal', async () => {
    const api = createFakeWorkbench();
    const run = await runEwb(['discovery', ...V], api, { tty: true, stdin: '1\ny\n' });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('Download one? Number 1–2, Enter for none:');
    expect(api.calls).toContainEqual(['startDownload', [FAKE_VIRTUAL_ID, { activationCode: 'LPA:1$smdp.example.com$EVT-0001', confirmationCode: undefined }]]);
    expect(run.stdout).toContain('installed.');
  });
});
