/**
 * Private network namespaces for the QMI system tests: abstract unix sockets (`qmi-proxy`,
 * `mbim-proxy`) are per network namespace, so a test proxy never clashes with the system's one.
 * Needs root (or CAP_SYS_ADMIN), which the system-test machines have.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function run(cmd: string, args: readonly string[], timeoutMs = 20_000): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A long-running process started in a fresh network namespace (`unshare -n`). */
export class NetnsProcess {
  private constructor(readonly child: ChildProcess) {}

  static start(cmd: string, args: readonly string[]): NetnsProcess {
    return new NetnsProcess(spawn('unshare', ['-n', '--', cmd, ...args], { stdio: ['pipe', 'pipe', 'pipe'] }));
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error('process did not start');
    return this.child.pid;
  }

  /** Runs a command inside this process's network namespace. */
  exec(cmd: string, args: readonly string[], timeoutMs?: number): Promise<CommandResult> {
    return run('nsenter', [`--net=/proc/${this.pid}/ns/net`, '--', cmd, ...args], timeoutMs);
  }

  /** Waits until an abstract socket `name` is listening in the namespace. */
  async waitForAbstractSocket(name: string): Promise<void> {
    for (let i = 0; i < 300; i++) {
      const r = await this.exec('cat', ['/proc/net/unix']);
      if (r.stdout.split('\n').some((l) => l.trim().endsWith(` @${name}`))) return;
      if (this.child.exitCode !== null) break;
      await sleep(20);
    }
    throw new Error(`abstract socket @${name} did not appear in netns of pid ${this.pid} (exit ${this.child.exitCode})`);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    await exited;
  }
}
