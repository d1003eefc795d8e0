import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { isWorkbenchError } from '../../../shared/errors.js';
import { formatBytes, formatFields, formatTable } from '../../../src-main/cli/format.js';
import { ProgressView } from '../../../src-main/cli/progress.js';
import { ask, confirm } from '../../../src-main/cli/prompt.js';
import { memoryIo } from '../../helpers/cli-run.js';

function sink(): { stream: PassThrough; text(): string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (c: Buffer) => (text += c.toString()));
  return { stream, text: () => text };
}

describe('format', () => {
  it('aligns table columns and does not pad the last one', () => {
    expect(formatTable(['A', 'LONGER', 'C'], [['xxxx', 'y', 'z'], ['', 'yy', '']])).toBe('A     LONGER  C\nxxxx  y       z\n      yy');
  });

  it('aligns field values and leaves out empty ones', () => {
    expect(formatFields([['EID', '89'], ['Nothing', undefined], ['Free memory', '1 KiB'], ['Empty', '']])).toBe('EID:          89\nFree memory:  1 KiB');
  });

  it('formats byte counts', () => {
    expect(formatBytes(512)).toBe('512 bytes');
    expect(formatBytes(20480)).toBe('20480 bytes (20.0 KiB)');
  });
});

describe('ProgressView', () => {
  it('writes one line per step when not a terminal, with step number and percentage', () => {
    const out = sink();
    const view = new ProgressView(out.stream, false);
    view.update('load-bound-profile-package', 60, 'Installing');
    view.update('load-bound-profile-package', 80, 'Installing');
    view.update('send-notifications', 90, 'Sending');
    view.update('vendor-step', undefined, 'Other');
    expect(out.text()).toBe(' 60% 6/8 load-bound-profile-package: Installing\n 90% 7/8 send-notifications: Sending\nvendor-step: Other\n');
  });

  it('redraws in place on a terminal and ends the line on pause', () => {
    const out = sink();
    const view = new ProgressView(out.stream, true);
    view.update('authenticate-server', 0, 'Authenticating');
    view.update('done', 100, 'Installed');
    view.pause();
    view.pause();
    expect(out.text()).toBe(`\r\u001b[2K[........................]   0% 1/8 authenticate-server: Authenticating\r\u001b[2K[########################] 100% 8/8 done: Installed\n`);
  });
});

describe('prompts', () => {
  it('reads secrets in raw mode without echo: backspace edits, Enter ends, raw mode restored', async () => {
    const mem = memoryIo({ tty: true });
    const modes: boolean[] = [];
    Object.assign(mem.io.stdin, { setRawMode: (raw: boolean) => modes.push(raw) });
    const answer = ask(mem.io, 'Code: ', { secret: true });
    (mem.io.stdin as PassThrough).write('12\u007f3\r');
    expect(await answer).toBe('13');
    expect(modes).toEqual([true, false]);
    expect(mem.stderr()).toBe('Code: \n');
  });

  it('Ctrl-C in raw mode aborts the question', async () => {
    const mem = memoryIo({ tty: true });
    Object.assign(mem.io.stdin, { setRawMode: () => undefined });
    const answer = ask(mem.io, 'Code: ', { secret: true });
    (mem.io.stdin as PassThrough).write('12\u0003');
    const err: unknown = await answer.catch((e: unknown) => e);
    expect(isWorkbenchError(err, 'ABORTED')).toBe(true);
  });

  it('answers typed ahead are kept for the next question', async () => {
    const mem = memoryIo({ tty: true, stdin: 'first\r\nyes\n' });
    expect(await ask(mem.io, '1? ')).toBe('first');
    expect(await confirm(mem.io, '2?')).toBe(true);
    expect(mem.stderr()).toBe('1? 2? [y/N] ');
  });

  it('only y/yes confirm; the end of input is an error, an abort too', async () => {
    expect(await confirm(memoryIo({ tty: true, stdin: 'sure\n' }).io, 'Go?')).toBe(false);
    const ended = memoryIo({ stdin: '' });
    expect(isWorkbenchError(await ask(ended.io, 'x').catch((e: unknown) => e), 'USAGE')).toBe(true);
    const controller = new AbortController();
    const pending = ask(memoryIo({ tty: true }).io, 'x', { signal: controller.signal });
    controller.abort();
    expect(isWorkbenchError(await pending.catch((e: unknown) => e), 'ABORTED')).toBe(true);
  });
});
