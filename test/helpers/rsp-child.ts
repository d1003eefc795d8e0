/** Spawns rsp-notification-child.ts (`node --import tsx`) and, in crash mode, kill -9s it once it printed QUEUED. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './pki-fixtures.js';

export interface ChildOutcome {
  readonly stdout: string;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export function runNotificationChild(o: { queueDir: string; card: string; serverAddress: string; mode: 'crash' | 'run'; pkiSeed: string }): Promise<ChildOutcome> {
  return new Promise((resolve, reject) => {
    const script = path.join(repoRoot, 'test/helpers/rsp-notification-child.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', script, o.queueDir, o.card, o.serverAddress, o.mode, o.pkiSeed], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (o.mode === 'crash' && stdout.includes('QUEUED')) child.kill('SIGKILL');
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => (code !== 0 && signal === null ? reject(new Error(`child failed (${code}): ${stderr}`)) : resolve({ stdout, code, signal })));
  });
}
