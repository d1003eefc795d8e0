/**
 * Runs the real Debian pcscd with vsmartcard's vpcd reader for system tests: reuses a pcscd that is
 * already serving the vpcd port, otherwise starts `pcscd -f` as a child owned by the test (stock
 * /etc/reader.conf.d/vpcd) and stops it afterwards.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const VPCD_DRIVER = '/usr/lib/pcsc/drivers/serial/libifdvpcd.so';
export const VPCD_READER_CONF = '/etc/reader.conf.d/vpcd';

function onPath(binary: string): boolean {
  return (process.env.PATH ?? '/usr/bin:/usr/sbin').split(':').some((d) => existsSync(`${d}/${binary}`)) || existsSync(`/usr/sbin/${binary}`);
}

/** What is missing to run pcscd + vpcd system tests (empty = all there). */
export function missingPcscTools(): string[] {
  const missing = ['pcscd', 'pcsc_scan', 'scriptor'].filter((b) => !onPath(b));
  for (const f of [VPCD_DRIVER, VPCD_READER_CONF]) if (!existsSync(f)) missing.push(f);
  return missing;
}

/** Whether a TCP socket listens on `port` (read from /proc, so no connection disturbs the vpcd driver). */
export function tcpListening(port: number): boolean {
  const hexPort = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[1]?.endsWith(hexPort) && cols[3] === '0A') return true;
    }
  }
  return false;
}

function runningSystemPcscd(): boolean {
  try {
    const pid = Number(readFileSync('/run/pcscd/pcscd.pid', 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) return false;
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface PcscdHandle {
  /** Whether this test started pcscd (and will stop it). */
  readonly owned: boolean;
  /** pcscd's output when owned (APDU log with -a). */
  output(): string;
  stop(): Promise<void>;
}

export async function startPcscd(port: number): Promise<PcscdHandle> {
  if (tcpListening(port)) return { owned: false, output: () => '', stop: async () => undefined };
  if (runningSystemPcscd() || existsSync('/run/pcscd/pcscd.comm')) {
    // A system pcscd (possibly socket-activated and idle): wake it with a client call, then it must serve vpcd.
    await run('pcsc_scan', ['-r'], { timeout: 5000 }).catch(() => undefined);
    await waitFor(() => tcpListening(port), 5000, `the running system pcscd to listen on vpcd port ${port}`).catch(() => {
      throw new Error(`A system pcscd is running but nothing listens on vpcd port ${port}: install vsmartcard-vpcd and restart pcscd, or stop the system pcscd (systemctl stop pcscd.socket pcscd).`);
    });
    return { owned: false, output: () => '', stop: async () => undefined };
  }
  let out = '';
  const child: ChildProcess = spawn('pcscd', ['-f', '-a'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitFor(() => child.exitCode !== null || tcpListening(port), 10_000, 'pcscd to load the vpcd reader');
  if (child.exitCode !== null) throw new Error(`pcscd exited with ${child.exitCode}:\n${out}`);
  return {
    owned: true,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const killTimer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killTimer);
    },
  };
}

/** `pcsc_scan -n -c` (list cards once, no ATR database lookup, which would try the network). */
export async function pcscScanCards(): Promise<string> {
  const { stdout } = await run('pcsc_scan', ['-n', '-c'], { timeout: 10_000 });
  return stdout.replace(/\r/g, '');
}

/** Runs scriptor with APDUs (hex, one per line) on `reader`; returns the response lines without `< `. */
export async function scriptor(reader: string, apdus: readonly string[], protocol?: 'T=0' | 'T=1'): Promise<{ responses: string[]; output: string }> {
  const args = ['-r', reader, ...(protocol ? ['-p', protocol] : [])];
  const child = spawn('scriptor', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  child.stdin.end(apdus.map((a) => `${a}\n`).join(''));
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await new Promise<void>((resolve) => child.once('exit', () => resolve()));
  clearTimeout(timer);
  // A response starts with "< " and may continue on following lines until ": <meaning>".
  const responses: string[] = [];
  let current: string | undefined;
  for (const line of output.split('\n')) {
    if (line.startsWith('< ')) current = '';
    if (current === undefined) continue;
    const body = line.replace(/^< /, '');
    const [hex, meaning] = body.split(' : ');
    current += (hex ?? '').replace(/\s+/g, '');
    if (meaning !== undefined) {
      responses.push(current.toUpperCase());
      current = undefined;
    }
  }
  return { responses, output };
}
