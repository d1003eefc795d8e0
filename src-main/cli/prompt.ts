/**
 * Questions to the person at the terminal (prompts go to stderr, answers come from stdin). Only asked
 * when stdin is a TTY: a script never hangs on a question, it gets an error naming the flag to pass.
 */
import type { Readable } from 'node:stream';
import { WorkbenchError, abortError } from '../../shared/errors.js';
import type { CliIo } from './io.js';

type TtyInput = Readable & { isTTY?: boolean; setRawMode?(raw: boolean): unknown };

/** True when someone can answer questions (stdin is a terminal). */
export function isInteractive(io: CliIo): boolean {
  return (io.stdin as TtyInput).isTTY === true;
}

/** True when stderr is a terminal (progress is redrawn in place). */
export function isTerminal(stream: unknown): boolean {
  return (stream as { isTTY?: boolean }).isTTY === true;
}

const CTRL_C = '\u0003';
const BACKSPACE = new Set(['\u007f', '\b']);

/**
 * Reads one line. `secret`: the terminal does not echo it (raw mode), so confirmation codes never
 * appear on screen. Bytes after the line are put back for the next question.
 */
function readLine(stdin: TtyInput, secret: boolean, signal: AbortSignal | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const raw = secret && typeof stdin.setRawMode === 'function';
    let text = '';
    const done = (settle: () => void): void => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      signal?.removeEventListener('abort', onAbort);
      if (raw) stdin.setRawMode?.(false);
      stdin.pause();
      settle();
    };
    const onData = (chunk: Buffer | string): void => {
      const input = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
      for (let i = 0; i < input.length; i++) {
        const ch = input[i] ?? '';
        if (ch === '\r' || ch === '\n') {
          const rest = input.slice(input[i + 1] === '\n' && ch === '\r' ? i + 2 : i + 1);
          // Detach and pause first: unshifting into a flowing stream would re-emit the rest at once.
          done(() => resolve(text));
          if (rest.length > 0) stdin.unshift(Buffer.from(rest, 'utf8'));
          return;
        }
        // In raw mode Ctrl-C arrives as a byte, not as SIGINT.
        if (raw && ch === CTRL_C) return done(() => reject(abortError('The question')));
        if (raw && BACKSPACE.has(ch)) text = text.slice(0, -1);
        else text += ch;
      }
    };
    const onEnd = (): void => done(() => reject(new WorkbenchError('USAGE', 'No answer: the input ended.', 'Pass the answer as an option instead (see --help).')));
    const onAbort = (): void => done(() => reject(abortError('The question')));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    if (raw) stdin.setRawMode?.(true);
    stdin.on('data', onData);
    stdin.on('end', onEnd);
    stdin.resume();
  });
}

/** Asks on stderr and returns the answer, trimmed. */
export async function ask(io: CliIo, question: string, options: { secret?: boolean; signal?: AbortSignal } = {}): Promise<string> {
  io.stderr.write(question);
  const answer = await readLine(io.stdin as TtyInput, options.secret === true, options.signal);
  if (options.secret === true) io.stderr.write('\n'); // the Enter was not echoed
  return answer.trim();
}

/** A y/N question: only `y` or `yes` (any case) is yes. */
export async function confirm(io: CliIo, question: string, signal?: AbortSignal): Promise<boolean> {
  const answer = await ask(io, `${question} [y/N] `, signal === undefined ? {} : { signal });
  return /^y(es)?$/i.test(answer);
}
