/**
 * `ewb diag atr|trace|probe` through runCli with captured streams, backed by the fake WorkbenchApi
 * (whose diagnostics calls are the real functions of src-main/services/diagnostics.ts).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src-main/cli/main.js';
import { EXIT } from '../../src-main/cli/io.js';
import { createFakeWorkbench, FAKE_PCSC_ID, FAKE_QMI_ID, type FakeWorkbench } from '../helpers/fake-workbench.js';
import { repoRoot } from '../helpers/sim-card.js';

const SEED = path.join(repoRoot, 'test/fixtures/diag/seed-000-trace.txt');
const ATR = '3B 97 96 80 B1 FE 45 1F C7 80 31 E0 73 FE 21 1F B1';
const dir = mkdtempSync(path.join(tmpdir(), 'ewb-diag-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function ewb(argv: string[], stdin = ''): Promise<{ code: number; out: string; err: string; api: FakeWorkbench }> {
  const api = createFakeWorkbench();
  const io = { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough() };
  let out = '';
  let err = '';
  io.stdout.on('data', (d: Buffer) => (out += d.toString()));
  io.stderr.on('data', (d: Buffer) => (err += d.toString()));
  io.stdin.end(stdin);
  const code = await runCli(argv, io, { createApi: async () => api });
  return { code, out, err, api };
}

describe('ewb diag trace', () => {
  it('seed 000: the 10 commands of the Wireshark view and the blank-eUICC diagnosis', async () => {
    const { code, out, err } = await ewb(['diag', 'trace', SEED]);
    expect(err).toBe('');
    expect(code).toBe(EXIT.ok);
    const rows = out.split('\n').filter((l) => /^ {0,2}\d{1,3} {2}/.test(l));
    expect(rows).toHaveLength(10);
    expect(rows.map((r) => r.slice(18, 40).trim())).toEqual(['SELECT', 'GET RESPONSE', 'TERMINAL CAPABILITY', 'SELECT', 'SELECT', 'SELECT', 'TERMINAL PROFILE', 'SELECT', 'SELECT', 'GET RESPONSE']);
    expect(rows[3]).toMatch(/6A82\s+SELECT .*EF\.ICCID.* : .*not found/);
    expect(out).toContain('[ERROR] eUICC without an enabled profile (blank-euicc)');
    expect(out).toContain('[ERROR] The modem treats the slot as empty and blocks APDU access (modem-rejects-blank-card)');
    expect(out).toMatch(/Fix: .*QMI UIM SAP/);
  });

  it('reads stdin with -, prints JSON with --json and writes a Markdown report', async () => {
    const file = path.join(dir, 'seed.md');
    const { code, out, err } = await ewb(['diag', 'trace', '-', '--json', '--report', file], readFileSync(SEED, 'utf8'));
    expect(code).toBe(EXIT.ok);
    const report = JSON.parse(out) as { kind: string; trace: { entries: unknown[] }; findings: { ruleId: string }[] };
    expect(report.kind).toBe('trace');
    expect(report.trace.entries).toHaveLength(10);
    expect(report.findings.map((f) => f.ruleId)).toEqual(['blank-euicc', 'modem-rejects-blank-card']);
    expect(err).toBe(`Report written to ${file} (markdown).\n`);
    const md = readFileSync(file, 'utf8');
    expect(md).toContain('## Trace listing (10 commands, 207 bytes)');
    expect(md).toContain('`blank-euicc`');
  });

  it('a capture with garbage exits 1; a missing file or a bad report extension is a usage error', async () => {
    expect((await ewb(['diag', 'trace', '-'], '00 A4 00 04 02 3F 00 61 27 ZZ 11 22')).code).toBe(EXIT.failed);
    const missing = await ewb(['diag', 'trace', path.join(dir, 'nope.txt')]);
    expect(missing.code).toBe(EXIT.usage);
    expect(missing.err).toMatch(/^error: Cannot read .*nope\.txt/);
    const badExt = await ewb(['diag', 'trace', SEED, '--report', 'x.pdf']);
    expect(badExt.code).toBe(EXIT.usage);
    expect(badExt.api.calls.some(([m]) => m === 'analyzeTrace')).toBe(false);
    expect((await ewb(['diag', 'trace'])).code).toBe(EXIT.usage);
  });
});

describe('ewb diag atr', () => {
  it('prints the field table and the findings', async () => {
    const { code, out } = await ewb(['diag', 'atr', ...ATR.split(' ')]);
    expect(code).toBe(EXIT.ok);
    expect(out).toMatch(/^ATR 3B 97 96 80 B1 FE 45 1F C7 80 31 E0 73 FE 21 1F B1\n {4}T=0, T=1, T=15 · Fi 512 \/ Di 32/);
    expect(out).toMatch(/\nTA1 +96 +Fi=512 \(f max 5 MHz\), Di=32/);
    expect(out).toMatch(/\nTCK +B1 +Check byte: correct/);
    expect(out).toContain('No known problem pattern found.');
  });

  it('a bad TCK exits 1 with the finding; --json prints the report; an empty ATR is a usage error', async () => {
    const bad = await ewb(['diag', 'atr', `${ATR.slice(0, -2)}B2`]);
    expect(bad.code).toBe(EXIT.failed);
    expect(bad.out).toContain('[ERROR] ATR check byte (TCK) is wrong (atr-bad-tck)');
    const json = await ewb(['diag', 'atr', '--json', ATR]);
    expect(JSON.parse(json.out)).toMatchObject({ kind: 'atr', atr: { hex: ATR, protocols: [0, 1] } });
    const empty = await ewb(['diag', 'atr', '-'], '');
    expect(empty.code).toBe(EXIT.usage);
  });
});

describe('ewb diag probe', () => {
  it('probes the default device and writes an HTML report', async () => {
    const file = path.join(dir, 'probe.html');
    const { code, out, api } = await ewb(['diag', 'probe', '--report', file]);
    expect(code).toBe(EXIT.ok);
    expect(api.calls.find(([m]) => m === 'probeDevice')).toEqual(['probeDevice', [undefined]]);
    expect(out).toContain('Live probe');
    expect(out).toMatch(/Transport: +virtual/);
    expect(readFileSync(file, 'utf8')).toMatch(/^<!doctype html>/);
  });

  it('--device: the blank eUICC behind the QMI modem, recommended qmi-sap', async () => {
    const { code, out } = await ewb(['diag', 'probe', '--device', FAKE_QMI_ID]);
    expect(code).toBe(EXIT.ok);
    expect(out).toContain('[ERROR] eUICC without an enabled profile (blank-euicc)');
    expect(out).toMatch(/Transport: +qmi-sap/);
    expect(out).toContain('Modem (QMI) /dev/cdc-wdm0');
  });

  it('a device without a card: the API error and exit 3; extra arguments are a usage error', async () => {
    const absent = await ewb(['diag', 'probe', '-d', FAKE_PCSC_ID, '--json']);
    expect(absent.code).toBe(EXIT.noDevice);
    expect(JSON.parse(absent.out)).toMatchObject({ error: { code: 'DEVICE_NO_CARD' } });
    expect((await ewb(['diag', 'probe', 'extra'])).code).toBe(EXIT.usage);
  });
});
