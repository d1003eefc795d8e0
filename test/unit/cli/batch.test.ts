import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeviceSummary, PromptAnswer } from '../../../shared/api.js';
import type { BatchReport } from '../../../src-main/cli/commands-batch.js';
import { FAKE_QMI_ID, FAKE_VIRTUAL_ID, createFakeWorkbench, type FakeWorkbench, type FakeWorkbenchOptions } from '../../helpers/fake-workbench.js';
import { calledMethods, runEwb } from '../../helpers/cli-run.js';

const BENCH_1 = 'pcsc:Bench Reader 01';
const BENCH_2 = 'pcsc:Bench Reader 02';
const BENCH_EMPTY = 'pcsc:Bench Reader 03';
const BENCH: readonly DeviceSummary[] = [
  { id: BENCH_1, kind: 'pcsc', label: 'Bench Reader 01', status: 'present', cardType: 'euicc', accessMode: 'pcsc' },
  { id: BENCH_2, kind: 'pcsc', label: 'Bench Reader 02', status: 'present', cardType: 'euicc', accessMode: 'pcsc' },
  { id: BENCH_EMPTY, kind: 'pcsc', label: 'Bench Reader 03', status: 'absent', reason: 'No card in the reader.' },
];

const AC1 = 'LPA:1$smdp.example.com$04386-AGYFT-A74Y8-3F815';
const AC2 = 'LPA:1$smdp2.example.com$K2-7XQ';
const AC3 = 'LPA:1$smdp.example.com$THIRD-CODE-0003';
const CC_RIGHT = '739152';
const CC_WRONG = '864209';

const STEPS = ['authenticate-server', 'authenticate-client', 'consent', 'prepare-download', 'get-bound-profile-package', 'load-bound-profile-package', 'send-notifications', 'done'];

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ewb-batch-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, lines: readonly string[]): Promise<string> {
  const p = path.join(dir, name);
  await writeFile(p, `${lines.join('\n')}\n`);
  return p;
}

function bench(options: FakeWorkbenchOptions = {}): FakeWorkbench {
  return createFakeWorkbench({ extraDevices: BENCH, ...options });
}

const starts = (api: FakeWorkbench): unknown[][] => api.calls.filter(([m]) => m === 'startDownload').map(([, args]) => args);
const answers = (api: FakeWorkbench): Array<[string, PromptAnswer]> =>
  api.calls.filter(([m]) => m === 'answerPrompt').map(([, args]) => [args[0] as string, args[1] as PromptAnswer]);

describe('ewb batch download: devices and codes', () => {
  it('--all gives code i to present eUICC i (not the virtual one) and leaves the device without a code alone', async () => {
    const codes = await file('codes.txt', ['# bench 7, tray A', '', AC1, '   ', `  ${AC2}  `]);
    const api = bench();
    const run = await runEwb(['batch', 'download', '--codes', codes, '--all', '--yes', '--json'], api);
    expect(run.code).toBe(0);
    expect(starts(api)).toEqual([
      [FAKE_QMI_ID, { activationCode: AC1, autoConsent: true, confirmationCode: undefined }],
      [BENCH_1, { activationCode: AC2, autoConsent: true, confirmationCode: undefined }],
    ]);
    const report = JSON.parse(run.stdout) as BatchReport;
    expect(report).toMatchObject({ succeeded: 2, failed: 0 });
    expect(report.results.map((r) => [r.deviceId, r.activationCode, r.status])).toEqual([
      [FAKE_QMI_ID, AC1, 'succeeded'],
      [BENCH_1, AC2, 'succeeded'],
      [BENCH_2, undefined, 'skipped'],
    ]);
    // Each ICCID reported is the profile now on that device.
    for (const r of report.results.slice(0, 2)) {
      expect(r.iccid).toMatch(/^894447650000120200\d$/);
      expect((await api.listProfiles(r.deviceId)).map((p) => p.iccid)).toContain(r.iccid);
      expect(r.durationMs).toBeGreaterThanOrEqual(0);
    }
    expect(run.stderr).toMatch(/^\[pcsc:Bench Reader 02\]\s+no activation code left: left alone$/m);
  });

  it('--devices keeps the order given and includes the virtual eUICC when named', async () => {
    const codes = await file('codes.txt', [AC1, AC2]);
    const api = bench();
    const run = await runEwb(['batch', 'download', '--codes', codes, '--devices', `${BENCH_2}, ${FAKE_VIRTUAL_ID}`, '--yes', '--enable', '--json'], api);
    expect(run.code).toBe(0);
    expect(starts(api).map(([device, request]) => [device, (request as { activationCode: string }).activationCode])).toEqual([
      [BENCH_2, AC1],
      [FAKE_VIRTUAL_ID, AC2],
    ]);
    expect(starts(api).every(([, request]) => (request as { enableAfterInstall?: boolean }).enableAfterInstall === true)).toBe(true);
  });

  it('runs the downloads concurrently: every one is started before any finishes', async () => {
    const codes = await file('codes.txt', [AC1, AC2, AC3]);
    const api = bench();
    const order: string[] = [];
    api.subscribe((e) => {
      if (e.type === 'operation-finished') order.push(`finished ${e.result.operationId}`);
    });
    const start = api.startDownload.bind(api);
    api.startDownload = (deviceId, request) => {
      order.push(`start ${deviceId}`);
      return start(deviceId, request);
    };
    const run = await runEwb(['batch', 'download', '--codes', codes, '--devices', `${FAKE_QMI_ID},${BENCH_1},${BENCH_2}`, '--yes'], api);
    expect(run.code).toBe(0);
    expect(order.slice(0, 3)).toEqual([`start ${FAKE_QMI_ID}`, `start ${BENCH_1}`, `start ${BENCH_2}`]);
    expect(order.slice(3).sort()).toEqual(['finished op-1', 'finished op-2', 'finished op-3']);
  });
});

describe('ewb batch download: checks before anything is sent', () => {
  it.each([
    {
      name: 'a malformed activation code',
      lines: [AC1, '# next one is broken', '', 'LPA:1$https://smdp.example.com/$X1'],
      error: /line 4: "https:\/\/smdp\.example\.com\/" is a URL; the SM-DP\+ address must be a plain host name\.\nhint: {2}Remove the scheme and path/,
    },
    { name: 'a wrong format version', lines: ['LPA:2$smdp.example.com$X'], error: /line 1: The activation code format is "2"; only format 1 exists\.\nhint: {2}A valid code starts with LPA:1\$/ },
    { name: 'a missing required confirmation code', lines: [AC1, 'LPA:1$smdp.example.com$CC-ORDER$$1'], error: /line 2: the activation code requires a confirmation code and none is given\./ },
    { name: 'a third column', lines: [`${AC1} ${CC_RIGHT} extra`], error: /line 1: more than two columns\./ },
    { name: 'an empty file', lines: ['# nothing yet'], error: /has no activation codes\./ },
  ])('$name stops the batch with exit 2, naming the line', async ({ lines, error }) => {
    const codes = await file('codes.txt', lines);
    const api = bench();
    const run = await runEwb(['batch', 'download', '--codes', codes, '--all', '--yes'], api);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(error);
    expect(run.stderr).toContain('code:  USAGE');
    expect(run.stderr).not.toContain(CC_RIGHT);
    expect(calledMethods(api)).not.toContain('startDownload');
    expect(run.stdout).toBe('');
  });

  it('refuses to start without --yes (exit 2, no call at all)', async () => {
    const codes = await file('codes.txt', [AC1]);
    const api = bench();
    const run = await runEwb(['batch', 'download', '--codes', codes, '--all'], api);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('error: A batch cannot ask for consent on every device.');
    expect(run.stderr).toContain('pass --yes');
    expect(api.calls).toEqual([]);
  });

  it('refuses more codes than devices (exit 2) and names no devices (exit 2)', async () => {
    const codes = await file('codes.txt', [AC1, AC2, AC3]);
    const api = bench();
    const tooMany = await runEwb(['batch', 'download', '--codes', codes, '--devices', `${BENCH_1},${BENCH_2}`, '--yes'], api);
    expect(tooMany.code).toBe(2);
    expect(tooMany.stderr).toContain('error: 3 activation codes but only 2 devices.');
    const none = await runEwb(['batch', 'download', '--codes', codes, '--yes'], api);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--devices ID,ID… or take every present eUICC with --all');
    expect(calledMethods(api)).not.toContain('startDownload');
  });

  it('stops on a named device without a card (exit 3) and on a report file that is neither .json nor .csv (exit 2)', async () => {
    const codes = await file('codes.txt', [AC1]);
    const api = bench();
    const empty = await runEwb(['batch', 'download', '--codes', codes, '--devices', `${BENCH_1},${BENCH_EMPTY}`, '--yes'], api);
    expect(empty.code).toBe(3);
    expect(empty.stderr).toContain(`error: ${BENCH_EMPTY} is absent: No card in the reader.`);
    const badReport = await runEwb(['batch', 'download', '--codes', codes, '--all', '--yes', '--report', path.join(dir, 'out.txt')], api);
    expect(badReport.code).toBe(2);
    expect(badReport.stderr).toContain('must end in .json or .csv');
    expect(calledMethods(api)).not.toContain('startDownload');
  });
});

describe('ewb batch download: confirmation codes, output, exit codes', () => {
  it('answers each operation with its own line’s confirmation code, never prints one, and exits 1 when one fails', async () => {
    const codes = await file('codes.txt', [`${AC1}\t${CC_RIGHT}`, `${AC2}   ${CC_WRONG}`]);
    const reportFile = path.join(dir, 'reports', 'bench.csv');
    const api = bench({ confirmationCode: CC_RIGHT });
    const run = await runEwb(['batch', 'download', '--codes', codes, '--devices', `${FAKE_QMI_ID},${BENCH_1}`, '--yes', '--report', reportFile], api);
    expect(run.code).toBe(1);
    expect(answers(api)).toEqual([
      ['op-1', { promptId: 'op-1-cc-0', kind: 'confirmation-code', code: CC_RIGHT }],
      ['op-2', { promptId: 'op-2-cc-0', kind: 'confirmation-code', code: CC_WRONG }],
    ]);
    expect(api.calls).toContainEqual(['cancelOperation', ['op-2']]);
    const csv = await readFile(reportFile, 'utf8');
    for (const text of [run.stdout, run.stderr, csv]) {
      expect(text).not.toContain(CC_RIGHT);
      expect(text).not.toContain(CC_WRONG);
    }
    expect(run.stdout).toMatch(/^qmi:\/dev\/cdc-wdm0\s+04386…F815\s+\d+\.\d s\s+installed 894447650000120200\d$/m);
    expect(run.stdout).toMatch(/^pcsc:Bench Reader 01\s+K2-7XQ\s+\d+\.\d s\s+RSP_CONFIRMATION_CODE_REJECTED: The confirmation code was not accepted \(2 attempts left\)\.$/m);
    expect(run.stdout).toMatch(/\n1 succeeded, 1 failed\.\n$/);
    expect(run.stderr).toMatch(/^\[pcsc:Bench Reader 01\]\s+failed: The confirmation code was not accepted \(2 attempts left\)\. \(RSP_CONFIRMATION_CODE_REJECTED\)$/m);
  });

  it('takes confirmation codes from --cc-file in code order', async () => {
    const codes = await file('codes.txt', [AC1, '# the CC file skips comments too', AC2]);
    const ccs = await file('ccs.txt', [CC_WRONG, '', CC_RIGHT]);
    const api = bench({ confirmationCode: CC_RIGHT });
    const run = await runEwb(['batch', 'download', '--codes', codes, '--cc-file', ccs, '--devices', `${BENCH_1},${BENCH_2}`, '--yes', '--json'], api);
    expect(run.code).toBe(1);
    expect(answers(api).map(([op, a]) => [op, a.kind === 'confirmation-code' ? a.code : ''])).toEqual([
      ['op-1', CC_WRONG],
      ['op-2', CC_RIGHT],
    ]);
    const report = JSON.parse(run.stdout) as BatchReport;
    expect(report.results.map((r) => [r.deviceId, r.status, r.error?.code])).toEqual([
      [BENCH_1, 'failed', 'RSP_CONFIRMATION_CODE_REJECTED'],
      [BENCH_2, 'succeeded', undefined],
    ]);
    expect(report).toMatchObject({ succeeded: 1, failed: 1 });
    const mismatch = await runEwb(['batch', 'download', '--codes', codes, '--cc-file', await file('one.txt', [CC_RIGHT]), '--all', '--yes'], bench());
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr).toContain('has 2 activation codes but the confirmation-code file has 1 codes.');
  });

  it('shows one prefixed progress line per device and step on stderr, never two devices on one line', async () => {
    const codes = await file('codes.txt', [AC1, AC2]);
    const run = await runEwb(['batch', 'download', '--codes', codes, '--devices', `${FAKE_QMI_ID},${BENCH_1}`, '--yes'], bench(), { stderrTty: true });
    expect(run.code).toBe(0);
    const lines = run.stderr.trimEnd().split('\n');
    const prefix = /^\[(qmi:\/dev\/cdc-wdm0|pcsc:Bench Reader 01)\] +\s*\d+% \d\/8 ([a-z-]+): [^[]+$/;
    expect(lines.every((l) => prefix.test(l))).toBe(true);
    // Even on a terminal: no bar redrawn in place, which concurrent downloads would garble.
    expect(run.stderr).not.toContain('\r');
    expect(run.stderr).not.toContain('\u001b');
    for (const device of [FAKE_QMI_ID, BENCH_1]) {
      const steps = lines.filter((l) => l.startsWith(`[${device}]`)).map((l) => prefix.exec(l)?.[2]);
      expect(steps).toEqual(STEPS);
    }
    expect(run.stdout.split('\n')[0]).toMatch(/^DEVICE\s+MATCHING ID\s+DURATION\s+RESULT$/);
    expect(run.stdout).toMatch(/\n2 succeeded, 0 failed\.\n$/);
  });

  it('--report writes the --json document as JSON, and as CSV with one row per device', async () => {
    const codes = await file('codes.txt', [AC1, AC2]);
    const jsonFile = path.join(dir, 'bench.json');
    const run = await runEwb(['batch', 'download', '--codes', codes, '--all', '--yes', '--json', '--report', jsonFile], bench());
    expect(run.code).toBe(0);
    expect(JSON.parse(await readFile(jsonFile, 'utf8'))).toEqual(JSON.parse(run.stdout));

    const csvFile = path.join(dir, 'bench.csv');
    const csvRun = await runEwb(['batch', 'download', '--codes', codes, '--all', '--yes', '--report', csvFile], bench());
    expect(csvRun.code).toBe(0);
    const rows = (await readFile(csvFile, 'utf8')).split('\r\n');
    expect(rows[0]).toBe('deviceId,activationCode,status,iccid,errorCode,errorMessage,durationMs');
    expect(rows[1]).toMatch(/^qmi:\/dev\/cdc-wdm0,LPA:1\$smdp\.example\.com\$04386-AGYFT-A74Y8-3F815,succeeded,894447650000120200\d,,,\d+$/);
    expect(rows[2]).toMatch(/^pcsc:Bench Reader 01,LPA:1\$smdp2\.example\.com\$K2-7XQ,succeeded,894447650000120200\d,,,\d+$/);
    expect(rows.slice(3)).toEqual(['pcsc:Bench Reader 02,,skipped,,,,0', '']);
  });

  it('Ctrl-C cancels every running download, waits for them and exits 130', async () => {
    const codes = await file('codes.txt', [AC1, AC2]);
    const api = bench();
    const controller = new AbortController();
    api.subscribe((e) => {
      if (e.type === 'operation-progress' && e.step === 'authenticate-client') controller.abort();
    });
    const run = await runEwb(['batch', 'download', '--codes', codes, '--all', '--yes', '--json'], api, { signal: controller.signal });
    expect(run.code).toBe(130);
    expect(api.calls.filter(([m]) => m === 'cancelOperation').map(([, args]) => args[0]).sort()).toEqual(['op-1', 'op-2']);
    expect((await api.waitForOperation('op-1')).status).toBe('cancelled');
    expect((await api.waitForOperation('op-2')).status).toBe('cancelled');
    const report = JSON.parse(run.stdout) as BatchReport;
    expect(report.results.map((r) => [r.status, r.error?.code])).toEqual([
      ['cancelled', 'ABORTED'],
      ['cancelled', 'ABORTED'],
      ['skipped', undefined],
    ]);
    expect(report).toMatchObject({ succeeded: 0, failed: 2 });
  });
});
