/**
 * `ewb pki init`, `ewb sim make-profile|start|status|smdp|modem` for real: files on disk, servers on
 * loopback, a pty through socat — each long-running command stopped through its stop signal (Ctrl-C).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { createServer, connect as tcpConnect, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../shared/hex.js';
import { parseProfilePackage } from '../../src-main/codec/saip/index.js';
import { VPCD_CONTROL, VpcdFrameDecoder, encodeVpcdFrame } from '../../src-main/sim/vpcd/vpcd-protocol.js';
import { runEwb, startEwb } from '../helpers/cli-run.js';
import { repoRoot } from '../helpers/pki-fixtures.js';

let tmp: string;
let pkiDir: string;
const EID = '89049032123451234512345678900015';

async function filesUnder(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    out.set(path.relative(dir, full), toHex(new Uint8Array(await readFile(full))));
  }
  return out;
}

function hasSocat(): boolean {
  try {
    execFileSync('socat', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'ewb-cli-sim-'));
  pkiDir = path.join(tmp, 'pki');
  const run = await runEwb(['pki', 'init', pkiDir, '--seed', 'cli-integration', '--eid', EID, '--json']);
  expect(run.code).toBe(0);
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('ewb pki init', () => {
  it('writes the SGP.26 layout and reports the EID and CI key ids', async () => {
    const files = await filesUnder(pkiDir);
    for (const f of ['CertificateIssuer/CERT_CI_ECDSA_NIST.der', 'EUM/CERT_EUM_ECDSA_NIST.der', 'eUICC/CERT_EUICC_ECDSA_NIST.der', 'eUICC/SK_EUICC_ECDSA_NIST.pem', 'DPtls/CERT_S_SM_DP_TLS_NIST.pem', 'eUICC/EID']) {
      expect(files.has(f), f).toBe(true);
    }
    expect(await readFile(path.join(pkiDir, 'eUICC', 'EID'), 'utf8')).toBe(`${EID}\n`);
  });

  it('is deterministic with --seed and refuses to overwrite without --force', async () => {
    const again = path.join(tmp, 'pki-again');
    const other = path.join(tmp, 'pki-other');
    const run = await runEwb(['pki', 'init', again, '--seed', 'cli-integration', '--eid', EID, '--json']);
    expect(JSON.parse(run.stdout)).toMatchObject({ eid: EID, deterministic: true, smdpHost: 'testsmdpplus1.example.com' });
    expect(JSON.parse(run.stdout).ciPkIds).toHaveLength(2);
    expect(await filesUnder(again)).toEqual(await filesUnder(pkiDir));
    await runEwb(['pki', 'init', other, '--seed', 'another seed', '--eid', EID]);
    expect((await filesUnder(other)).get('eUICC/CERT_EUICC_ECDSA_NIST.der')).not.toBe((await filesUnder(pkiDir)).get('eUICC/CERT_EUICC_ECDSA_NIST.der'));
    const refused = await runEwb(['pki', 'init', again, '--seed', 'x']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('code:  PKI_DIR_EXISTS');
    expect((await runEwb(['pki', 'init', again, '--seed', 'x', '--force'])).code).toBe(0);
  });
});

describe('ewb sim make-profile', () => {
  it('writes a package that parses back with the given identity, padded to --size', async () => {
    const out = path.join(tmp, 'profiles', 'SPRING.der');
    const run = await runEwb(['sim', 'make-profile', '--iccid', '8944476500001224158', '--imsi', '001010123456789', '--spn', 'Spring Mobile', '--name', 'Spring 5G', '--size', '20k', '--out', out, '--json']);
    expect(run.code).toBe(0);
    const written = JSON.parse(run.stdout) as { path: string; bytes: number; iccid: string };
    const bytes = new Uint8Array(await readFile(out));
    expect(written).toEqual({ path: out, bytes: bytes.length, iccid: '8944476500001224158' });
    expect(bytes.length).toBeGreaterThanOrEqual(20 * 1024 * 0.9);
    const parsed = parseProfilePackage(bytes);
    expect(parsed.header.iccid).toBe('8944476500001224158');
    expect(parsed.header.profileType).toBe('Spring 5G');
    expect(parsed.decoded.imsi).toBe('001010123456789');
    expect(parsed.decoded.spn).toBe('Spring Mobile');
  });
});

describe('ewb sim start / status', () => {
  it('creates the card state without --vpcd and exits; status reads it back', async () => {
    const state = path.join(tmp, 'card-a.json');
    const run = await runEwb(['sim', 'start', '--state', state, '--pki', pkiDir, '--json']);
    expect(run.code).toBe(0);
    const facts = JSON.parse(run.stdout) as { eid: string; atr: string; blank: boolean; stateFile: string; profiles: number };
    expect(facts).toMatchObject({ eid: EID, blank: true, stateFile: state, profiles: 0 });
    expect(facts.atr).toMatch(/^3B[0-9A-F]+$/);
    expect(existsSync(state)).toBe(true);
    const status = await runEwb(['sim', 'status', '--state', state, '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ stateFile: state, eid: EID, atr: facts.atr, blank: true, profiles: [], notifications: [] });
    const human = await runEwb(['sim', 'status', '--state', state]);
    expect(human.stdout).toMatch(new RegExp(`^EID:\\s+${EID}$`, 'm'));
    expect(human.stdout).toContain('Profiles: none (blank card)');
  });

  it('status of a missing state file is a clear error', async () => {
    const run = await runEwb(['sim', 'status', '--state', path.join(tmp, 'nope.json')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('code:  SIM_STATE_MISSING');
  });

  it('--vpcd offers the card to a vpcd listener until stopped', async () => {
    const frames: Uint8Array[] = [];
    let resolveSocket: (s: Socket) => void = () => undefined;
    const connected = new Promise<Socket>((resolve) => (resolveSocket = resolve));
    const vpcd = createServer((s) => {
      const decoder = new VpcdFrameDecoder();
      s.on('data', (chunk: Buffer) => frames.push(...decoder.push(new Uint8Array(chunk))));
      resolveSocket(s);
    });
    await new Promise<void>((resolve) => vpcd.listen(0, '127.0.0.1', resolve));
    const address = vpcd.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const ewb = startEwb(['sim', 'start', '--vpcd', `127.0.0.1:${port}`, '--state', path.join(tmp, 'card-vpcd.json'), '--pki', pkiDir, '--json']);
    const facts = (await ewb.firstJson()) as { atr: string; vpcd: string };
    expect(facts.vpcd).toBe(`127.0.0.1:${port}`);
    const s = await connected;
    s.write(encodeVpcdFrame(Uint8Array.of(VPCD_CONTROL.getAtr)));
    for (let i = 0; i < 200 && frames.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(toHex(frames[0] ?? new Uint8Array()).toUpperCase()).toBe(facts.atr);
    const closed = new Promise((resolve) => s.once('close', resolve));
    const run = await ewb.stop();
    expect(run.code).toBe(0);
    await closed;
    vpcd.close();
  });
});

describe('ewb sim smdp', () => {
  it('serves HTTPS with the PKI’s TLS certificate, prints activation codes, stops on the signal', async () => {
    const ewb = startEwb(['sim', 'smdp', '--pki', pkiDir, '--order', 'SPRING:8944476500001224158', '--order', 'SUMMER', '--json']);
    const info = (await ewb.firstJson()) as { url: string; host: string; port: number; activationCodes: string[]; hostOverrides: string };
    expect(info.host).toBe('testsmdpplus1.example.com');
    expect(info.activationCodes).toEqual(['LPA:1$testsmdpplus1.example.com$SPRING', 'LPA:1$testsmdpplus1.example.com$SUMMER']);
    expect(info.hostOverrides).toBe(`testsmdpplus1.example.com=127.0.0.1:${info.port}`);
    const subject = await new Promise<string>((resolve, reject) => {
      const tls = tlsConnect({ host: '127.0.0.1', port: info.port, servername: info.host, rejectUnauthorized: false }, () => {
        const cert = tls.getPeerCertificate();
        tls.end();
        resolve(cert.subjectaltname ?? '');
      });
      tls.once('error', reject);
    });
    expect(subject).toContain('DNS:testsmdpplus1.example.com');
    const run = await ewb.stop();
    expect(run.code).toBe(0);
    const refused = await new Promise<string>((resolve) => {
      const c = tcpConnect(info.port, '127.0.0.1', () => resolve('connected'));
      c.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
  });

  it('a real SIGINT to the ewb process stops the server cleanly (exit 0)', async () => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'ewb.mjs'), 'sim', 'smdp', '--pki', pkiDir, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    for (let i = 0; i < 3000 && !stdout.trimEnd().endsWith('}'); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    const { port } = JSON.parse(stdout) as { port: number };
    expect(port).toBeGreaterThan(0);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });

  it('serves the default order when given none', async () => {
    const ewb = startEwb(['sim', 'smdp', '--pki', pkiDir, '--json']);
    const info = (await ewb.firstJson()) as { port: number; activationCodes: string[] };
    expect(info.activationCodes).toEqual(['LPA:1$testsmdpplus1.example.com$EWB-TEST-0001']);
    expect((await ewb.stop()).code).toBe(0);
  });
});

describe.runIf(hasSocat())('ewb sim modem', () => {
  it.each([
    ['--at', 'at'],
    ['--qmi', 'qmi'],
  ])('%s exposes a pty backed by the virtual eUICC until stopped', async (flag, kind) => {
    const link = path.join(tmp, `tty-${kind}`);
    const ewb = startEwb(['sim', 'modem', flag, '--link', link, '--state', path.join(tmp, `card-${kind}.json`), '--pki', pkiDir, '--json']);
    const facts = (await ewb.firstJson()) as { kind: string; pty: string; tryCommand: string; eid: string };
    expect(facts).toMatchObject({ kind, pty: link, eid: EID });
    expect(existsSync(link)).toBe(true);
    if (kind === 'qmi') expect(facts.tryCommand).toBe(`qmicli -d ${link} --device-open-qmi --uim-get-card-status`);
    expect((await ewb.stop()).code).toBe(0);
    expect(existsSync(link)).toBe(false);
  });
});
