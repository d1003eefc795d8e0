import type { ParseArgsConfig } from 'node:util';
import type { WorkbenchApi } from '../../shared/api.js';
import { WorkbenchError } from '../../shared/errors.js';
import type { CliIo } from './io.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** What a command body receives. */
export interface CommandContext {
  readonly io: CliIo;
  readonly positionals: readonly string[];
  readonly options: Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;
  /** `--json`: machine output on stdout, nothing else there. */
  readonly json: boolean;
  /** The in-process WorkbenchApi, created on first use (commands like `decode` need no device). */
  api(): Promise<WorkbenchApi>;
  /**
   * Aborts on SIGINT/SIGTERM for commands with `handlesInterrupt` (tests pass their own). A download
   * cancels its operation; a server shuts down cleanly.
   */
  readonly signal?: AbortSignal;
}

/** One row of the command table: adding a command is adding a row. */
export interface CliCommand {
  /** Words that select it, e.g. `decode`, `profile list`. */
  readonly name: string;
  readonly summary: string;
  /** Usage line after `ewb `. */
  readonly usage: string;
  /** Extra help text (examples, notes). */
  readonly details?: string;
  readonly options?: OptionSpec;
  /**
   * The command stops cleanly through `ctx.signal` on Ctrl-C / SIGTERM (servers, downloads). Other
   * commands keep Node's default: the process ends at once.
   */
  readonly handlesInterrupt?: boolean;
  run(ctx: CommandContext): Promise<number>;
}

/** Options every command accepts. */
export const GLOBAL_OPTIONS: OptionSpec = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  device: { type: 'string', short: 'd' },
};

/** The one positional argument a command takes; `what` completes "Give …", e.g. "one sequence number". */
export function singleArgument(ctx: CommandContext, what: string, usage: string): string {
  const value = ctx.positionals[0];
  if (value === undefined || ctx.positionals.length !== 1) throw new WorkbenchError('USAGE', `Give ${what}.`, `Usage: ewb ${usage}`);
  return value;
}
