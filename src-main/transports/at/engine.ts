/**
 * The AT command engine: one command at a time over a SerialLink, answers separated from echo and
 * unsolicited result codes, per-command timeouts, and re-synchronisation after anything went wrong
 * so the port stays usable.
 *
 * Why re-synchronise: after a timeout the modem may still answer the old command later, and after
 * line noise we cannot trust where a line ended. Before the next command the engine sends `AT`
 * until it gets OK, then waits for the line to go quiet, discarding whatever late answer arrives.
 */
import type { SerialLink } from '../../links/serial-port.js';
import type { SerialLine } from '../../links/serial-lines.js';
import { SerialLineSplitter } from '../../links/serial-lines.js';
import { WorkbenchError, abortError, throwIfAborted } from '../../../shared/errors.js';
import type { AtFinal } from './result-codes.js';
import { describeFinal, parseFinalResult } from './result-codes.js';
import type { AtUrc } from './urcs.js';
import { matchUrc } from './urcs.js';

export interface AtCommandOptions {
  /** Default: the engine's `defaultTimeoutMs`. A BPP-sized +CGLA may need minutes (240 s is allowed). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Extra line prefixes that belong to the answer besides the one named by the command. */
  answerPrefixes?: readonly string[];
}

export interface AtResult {
  readonly command: string;
  /** Information lines of the answer, without echo and URCs. */
  readonly lines: readonly string[];
  readonly final: AtFinal;
}

export interface AtEngineOptions {
  defaultTimeoutMs?: number;
  /** Longest command line the modem accepts, including `AT` (quirk profile; Telit: 400). */
  maxCommandLine?: number;
  resyncAttempts?: number;
  resyncTimeoutMs?: number;
  /** How long the line must stay silent after a resync OK before the next command goes out. */
  quietMs?: number;
}

export type AtNoise = { readonly kind: 'garbage' | 'truncated' | 'stray-final'; readonly line: string };
export type AtTrace = { readonly direction: 'tx' | 'rx'; readonly text: string };

interface Pending {
  readonly command: string;
  readonly prefixes: readonly string[];
  readonly acceptNumeric: boolean;
  readonly lines: string[];
  echoPossible: boolean;
  finish(result: AtFinal | WorkbenchError): void;
}

/** `+CSIM` for `AT+CSIM=…`, `!GSTATUS` for `AT!GSTATUS?`; undefined for basic commands like ATI. */
function answerPrefixOf(command: string): string | undefined {
  return /^AT([+!^$#%*][A-Z0-9]+)/i.exec(command)?.[1]?.toUpperCase();
}

/** Basic-command lines such as `ATE0V1` (no extended command), where V/Z/&F change the result format. */
function resultFormatAfter(command: string): 'verbose' | 'numeric' | undefined {
  const basic = /^AT([A-Z0-9&]*)$/i.exec(command)?.[1]?.toUpperCase();
  if (basic === undefined) return undefined;
  const v = /V([01]?)/.exec(basic.replace(/&[A-Z]\d*/g, ''));
  if (v) return v[1] === '0' ? 'numeric' : 'verbose';
  return /Z|&F/.test(basic) ? 'verbose' : undefined;
}

function isEcho(line: string, command: string): boolean {
  const l = line.toUpperCase();
  const c = command.toUpperCase();
  // Some firmwares echo only the start of very long lines.
  return l === c || (l.length >= 2 && l.startsWith('AT') && c.startsWith(l));
}

export class AtCommandError extends WorkbenchError {
  constructor(readonly result: AtResult) {
    const what = describeFinal(result.final);
    super(
      'AT_COMMAND_FAILED',
      `The modem answered ${what} to ${result.command.slice(0, 60)}${result.command.length > 60 ? '…' : ''}.`,
      result.final.outcome === 'error' ? 'Plain ERROR carries no reason; enable detailed errors with AT+CMEE=2 to see why.' : 'See the error meaning; the modem refused the command.',
      { details: { command: result.command, outcome: result.final.outcome, code: result.final.code, meaning: result.final.meaning, lines: [...result.lines] } },
    );
  }
}

export class AtEngine {
  readonly defaultTimeoutMs: number;
  maxCommandLine: number;
  private readonly resyncAttempts: number;
  private readonly resyncTimeoutMs: number;
  private readonly quietMs: number;
  private readonly splitter: SerialLineSplitter;
  private readonly urcListeners = new Set<(urc: AtUrc) => void>();
  private readonly noiseListeners = new Set<(noise: AtNoise) => void>();
  private readonly traceListeners = new Set<(trace: AtTrace) => void>();
  private readonly unsubscribe: (() => void)[] = [];
  private pending: Pending | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private format: 'verbose' | 'numeric' = 'verbose';
  private needsResync = false;
  private lastRxAt = 0;
  private closedError: WorkbenchError | undefined;

  constructor(
    private readonly link: SerialLink,
    options: AtEngineOptions = {},
  ) {
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? 5_000;
    this.maxCommandLine = options.maxCommandLine ?? 2_048;
    this.resyncAttempts = options.resyncAttempts ?? 3;
    this.resyncTimeoutMs = options.resyncTimeoutMs ?? 1_000;
    this.quietMs = options.quietMs ?? 100;
    this.splitter = new SerialLineSplitter((line) => this.onLine(line));
    this.unsubscribe.push(
      link.onData((chunk) => {
        this.lastRxAt = Date.now();
        this.splitter.push(chunk);
      }),
      link.onClose((error) => {
        this.closedError = error ?? new WorkbenchError('SERIAL_PORT_CLOSED', `${link.path} was closed.`, 'Open the modem again.');
        this.pending?.finish(this.closedError);
      }),
    );
  }

  get path(): string {
    return this.link.path;
  }

  onUrc(listener: (urc: AtUrc) => void): () => void {
    this.urcListeners.add(listener);
    return () => this.urcListeners.delete(listener);
  }

  /** Garbage bytes, truncated lines and finals that arrived with no command running. */
  onNoise(listener: (noise: AtNoise) => void): () => void {
    this.noiseListeners.add(listener);
    return () => this.noiseListeners.delete(listener);
  }

  /** Every command sent and line received, for diagnostics transcripts. */
  onTrace(listener: (trace: AtTrace) => void): () => void {
    this.traceListeners.add(listener);
    return () => this.traceListeners.delete(listener);
  }

  /** Sends `command` (without CR) and resolves with its answer whatever the final result code. */
  send(command: string, options: AtCommandOptions = {}): Promise<AtResult> {
    if (command.length + 1 > this.maxCommandLine) {
      return Promise.reject(
        new WorkbenchError('AT_COMMAND_TOO_LONG', `The command is ${command.length + 1} characters; this modem accepts at most ${this.maxCommandLine}.`, 'Send less data per command (the card layer uses the transport’s maxCommandData for STORE DATA segments).', {
          details: { length: command.length + 1, max: this.maxCommandLine },
        }),
      );
    }
    return this.enqueue(async () => {
      throwIfAborted(options.signal, command);
      if (this.needsResync) await this.resyncNow(options.signal);
      const prefix = answerPrefixOf(command);
      const result = await this.exec(command, { ...options, answerPrefixes: [...(prefix === undefined ? [] : [prefix]), ...(options.answerPrefixes ?? [])] }, false);
      if (result.final.outcome === 'ok') this.format = resultFormatAfter(command) ?? this.format;
      return result;
    });
  }

  /** Sends `command` and returns its information lines; anything but OK throws AtCommandError. */
  async run(command: string, options: AtCommandOptions = {}): Promise<readonly string[]> {
    const result = await this.send(command, options);
    if (result.final.outcome !== 'ok') throw new AtCommandError(result);
    return result.lines;
  }

  /** Brings the modem back to a known state: `AT` until OK, then a quiet line. */
  resync(signal?: AbortSignal): Promise<void> {
    return this.enqueue(() => this.resyncNow(signal));
  }

  async close(): Promise<void> {
    for (const u of this.unsubscribe) u();
    this.pending?.finish(new WorkbenchError('SERIAL_PORT_CLOSED', `${this.link.path} was closed.`, 'Open the modem again.'));
    await this.link.close();
  }

  private enqueue<T>(job: () => Promise<T>): Promise<T> {
    const run = this.queue.then(job, job);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async resyncNow(signal: AbortSignal | undefined): Promise<void> {
    this.splitter.reset();
    for (let attempt = 1; attempt <= this.resyncAttempts; attempt++) {
      try {
        const result = await this.exec('AT', { timeoutMs: this.resyncTimeoutMs, signal }, true);
        if (result.final.outcome !== 'ok') continue;
        await this.waitQuiet(signal);
        this.needsResync = false;
        return;
      } catch (err) {
        if (!(err instanceof WorkbenchError) || err.code !== 'AT_TIMEOUT') throw err;
      }
    }
    throw new WorkbenchError('AT_NOT_RESPONDING', `The modem on ${this.link.path} does not answer AT any more.`, 'Check that this is the AT port of the modem (not NMEA or diagnostics), that no other program uses it, and power-cycle the modem if needed.', {
      details: { path: this.link.path, attempts: this.resyncAttempts },
    });
  }

  private async waitQuiet(signal: AbortSignal | undefined): Promise<void> {
    for (let i = 0; i < 20; i++) {
      throwIfAborted(signal, 'AT resynchronisation');
      const silentFor = Date.now() - this.lastRxAt;
      if (silentFor >= this.quietMs) return;
      await new Promise((r) => setTimeout(r, this.quietMs - silentFor));
    }
  }

  private exec(command: string, options: AtCommandOptions, acceptNumeric: boolean): Promise<AtResult> {
    if (this.closedError) return Promise.reject(this.closedError);
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    return new Promise<AtResult>((resolve, reject) => {
      const lines: string[] = [];
      const cleanup = (): void => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        if (this.pending === pending) this.pending = undefined;
      };
      const pending: Pending = {
        command,
        prefixes: options.answerPrefixes ?? [],
        acceptNumeric: acceptNumeric || this.format === 'numeric' || resultFormatAfter(command) === 'numeric',
        lines,
        echoPossible: true,
        finish: (outcome) => {
          cleanup();
          if (outcome instanceof WorkbenchError) reject(outcome);
          else resolve({ command, lines, final: outcome });
        },
      };
      const onAbort = (): void => {
        this.needsResync = true;
        pending.finish(abortError(command));
      };
      const timer = setTimeout(() => {
        this.needsResync = true;
        const partial = this.splitter.pending();
        pending.finish(
          new WorkbenchError('AT_TIMEOUT', `The modem did not finish answering ${command.slice(0, 60)} within ${(timeoutMs / 1000).toFixed(1)} s.`, 'The port is re-synchronised before the next command. If this repeats, check that this is the AT port and that the SIM is not busy.', {
            details: { command, timeoutMs, linesSoFar: [...lines], partialLine: partial },
          }),
        );
      }, timeoutMs);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.pending = pending;
      this.emitTrace({ direction: 'tx', text: command });
      this.link.write(`${command}\r`).catch((err: unknown) => pending.finish(err instanceof WorkbenchError ? err : new WorkbenchError('SERIAL_PORT_IO_ERROR', `Writing to ${this.link.path} failed.`, 'Reconnect the modem.', { cause: err })));
    });
  }

  private onLine(line: SerialLine): void {
    if (line.garbage || line.truncated) {
      this.needsResync = true;
      for (const l of this.noiseListeners) l({ kind: line.truncated ? 'truncated' : 'garbage', line: line.text });
    }
    const text = line.text;
    if (text.length === 0) return;
    this.emitTrace({ direction: 'rx', text });
    const p = this.pending;
    if (p === undefined) {
      if (parseFinalResult(text, this.format === 'numeric')) {
        for (const l of this.noiseListeners) l({ kind: 'stray-final', line: text });
      } else {
        this.emitUrc({ kind: matchUrc(text)?.kind ?? 'unknown', line: text });
      }
      return;
    }
    if (p.echoPossible && isEcho(text, p.command)) {
      p.echoPossible = false;
      return;
    }
    p.echoPossible = false;
    const final = parseFinalResult(text, p.acceptNumeric);
    if (final) {
      p.finish(final);
      return;
    }
    const upper = text.toUpperCase();
    if (p.prefixes.some((prefix) => upper.startsWith(`${prefix}:`) || upper === prefix)) {
      p.lines.push(text);
      return;
    }
    const urc = matchUrc(text);
    if (urc) this.emitUrc({ kind: urc.kind, line: text });
    else p.lines.push(text);
  }

  private emitUrc(urc: AtUrc): void {
    for (const l of this.urcListeners) l(urc);
  }

  private emitTrace(trace: AtTrace): void {
    for (const l of this.traceListeners) l(trace);
  }
}

/** The value after `+X: ` in an answer line with that prefix, or undefined. */
export function valueAfterPrefix(lines: readonly string[], prefix: string): string | undefined {
  const line = lines.find((l) => l.toUpperCase().startsWith(`${prefix.toUpperCase()}:`));
  return line?.slice(prefix.length + 1).trim();
}
