/**
 * Runs `ewb` in-process for CLI tests: memory streams (optionally pretending to be a terminal) and an
 * injected WorkbenchApi (the fake by default) and stop signal.
 */
import { PassThrough } from 'node:stream';
import type { WorkbenchApi } from '../../shared/api.js';
import type { CliIo } from '../../src-main/cli/io.js';
import { runCli } from '../../src-main/cli/main.js';
import { createFakeWorkbench, type FakeWorkbench } from './fake-workbench.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliRunOptions {
  /** Text on stdin (written up front; the stream stays open when `tty`). */
  readonly stdin?: string;
  /** stdin is a terminal (questions are asked). */
  readonly tty?: boolean;
  /** stderr is a terminal (progress redrawn in place). */
  readonly stderrTty?: boolean;
  readonly signal?: AbortSignal;
}

/** Memory streams for one run; `stdout()` / `stderr()` return everything written so far. */
export function memoryIo(options: CliRunOptions = {}): { io: CliIo; stdout(): string; stderr(): string } {
  const stdin = new PassThrough();
  if (options.tty) Object.assign(stdin, { isTTY: true });
  if (options.stdin !== undefined) stdin.write(options.stdin);
  if (!options.tty) stdin.end();
  const capture = (tty: boolean) => {
    const stream = new PassThrough();
    if (tty) Object.assign(stream, { isTTY: true });
    let text = '';
    stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    return { stream, text: () => text };
  };
  const out = capture(false);
  const err = capture(options.stderrTty === true);
  return { io: { stdin, stdout: out.stream, stderr: err.stream }, stdout: out.text, stderr: err.text };
}

/** Runs `argv` against `api` (a fresh fake when omitted). */
export async function runEwb(argv: readonly string[], api: WorkbenchApi = createFakeWorkbench(), options: CliRunOptions = {}): Promise<CliRun> {
  const mem = memoryIo(options);
  const code = await runCli(argv, mem.io, { createApi: async () => api, ...(options.signal ? { signal: options.signal } : {}) });
  await new Promise((resolve) => setImmediate(resolve)); // let the capture streams flush
  return { code, stdout: mem.stdout(), stderr: mem.stderr() };
}

/** The methods a fake was called with, in order. */
export function calledMethods(api: FakeWorkbench): string[] {
  return api.calls.map(([method]) => method);
}

/** A long-running `ewb` command (a server) started in-process; `stop()` is its Ctrl-C. */
export interface RunningEwb {
  /** Resolves with the first JSON document the command printed on stdout. */
  firstJson(): Promise<unknown>;
  stop(): Promise<CliRun>;
  readonly finished: Promise<CliRun>;
}

export function startEwb(argv: readonly string[], api: WorkbenchApi = createFakeWorkbench()): RunningEwb {
  const controller = new AbortController();
  const mem = memoryIo();
  const finished = runCli(argv, mem.io, { createApi: async () => api, signal: controller.signal }).then(async (code) => {
    await new Promise((resolve) => setImmediate(resolve));
    return { code, stdout: mem.stdout(), stderr: mem.stderr() };
  });
  let ended = false;
  void finished.then(() => (ended = true));
  return {
    finished,
    async firstJson() {
      for (;;) {
        const text = mem.stdout();
        if (text.trimEnd().endsWith('}')) return JSON.parse(text) as unknown;
        if (ended) throw new Error(`ewb ${argv.join(' ')} ended before printing JSON:\n${mem.stdout()}\n${mem.stderr()}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    stop() {
      controller.abort();
      return finished;
    },
  };
}
