import { parseArgs } from 'node:util';
import type { WorkbenchApi } from '../../shared/api.js';
import { isWorkbenchError } from '../../shared/errors.js';
import { GLOBAL_OPTIONS, type CliCommand, type CommandContext } from './command.js';
import { CLI_COMMANDS } from './commands.js';
import { EXIT, writeLine, type CliIo } from './io.js';

/** How the CLI gets its WorkbenchApi; tests inject their own. */
export interface CliDeps {
  createApi(): Promise<WorkbenchApi & { close?(): Promise<void> }>;
  /** Stops long-running commands; default: SIGINT/SIGTERM of this process. */
  readonly signal?: AbortSignal;
}

const defaultDeps: CliDeps = {
  async createApi() {
    const { createWorkbench } = await import('../services/create-workbench.js');
    return createWorkbench();
  },
};

/** Runs `ewb` with `argv` (without node and script) and returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo, deps: CliDeps = defaultDeps): Promise<number> {
  const { command, rest } = findCommand(argv);
  if (!command) {
    const wantsHelp = argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help';
    (wantsHelp ? io.stdout : io.stderr).write(overallHelp());
    if (!wantsHelp) writeLine(io.stderr, `\nUnknown command: ${argv.join(' ')}`);
    return wantsHelp ? EXIT.ok : EXIT.usage;
  }

  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...rest], options: { ...GLOBAL_OPTIONS, ...command.options }, allowPositionals: true, strict: true });
  } catch (err) {
    writeLine(io.stderr, `ewb ${command.name}: ${err instanceof Error ? err.message : String(err)}`);
    writeLine(io.stderr, `usage: ewb ${command.usage}`);
    return EXIT.usage;
  }
  if (parsed.values.help === true) {
    io.stdout.write(commandHelp(command));
    return EXIT.ok;
  }

  let api: (WorkbenchApi & { close?(): Promise<void> }) | undefined;
  const interrupt = deps.signal === undefined && command.handlesInterrupt === true ? processInterrupt() : undefined;
  const signal = deps.signal ?? interrupt?.signal;
  const ctx: CommandContext = {
    io,
    positionals: parsed.positionals,
    options: parsed.values,
    json: parsed.values.json === true,
    api: async () => (api ??= await deps.createApi()),
    ...(signal === undefined ? {} : { signal }),
  };
  try {
    return await command.run(ctx);
  } catch (err) {
    return reportError(err, ctx);
  } finally {
    interrupt?.dispose();
    await api?.close?.();
  }
}

/**
 * SIGINT/SIGTERM abort the returned signal so the command can clean up (cancel its operation, close
 * its servers). A second signal while it does so ends the process at once with 130.
 */
function processInterrupt(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(EXIT.cancelled);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

function findCommand(argv: readonly string[]): { command?: CliCommand; rest: readonly string[] } {
  // Longest match first so `profile list` wins over a hypothetical `profile`.
  const sorted = [...CLI_COMMANDS].sort((a, b) => b.name.split(' ').length - a.name.split(' ').length);
  for (const command of sorted) {
    const words = command.name.split(' ');
    if (words.every((w, i) => argv[i] === w)) return { command, rest: argv.slice(words.length) };
  }
  return { rest: argv };
}

function reportError(err: unknown, ctx: CommandContext): number {
  const code = isWorkbenchError(err) ? err.code : 'INTERNAL_ERROR';
  const message = err instanceof Error ? err.message : String(err);
  const hint = isWorkbenchError(err) ? err.hint : 'Please report this with the command you ran.';
  if (ctx.json) {
    writeLine(ctx.io.stdout, JSON.stringify({ error: { code, message, hint, details: isWorkbenchError(err) ? err.details : {} } }));
  } else {
    writeLine(ctx.io.stderr, `error: ${message}`);
    writeLine(ctx.io.stderr, `hint:  ${hint}`);
    writeLine(ctx.io.stderr, `code:  ${code}`);
  }
  return exitCodeFor(code);
}

/**
 * Codes below the services that mean "no usable device or transport" (exit 3) although they do not
 * start with DEVICE_/TRANSPORT_: the subsystem is down, the reader/modem/card is not there.
 */
const NO_DEVICE_CODES: ReadonlySet<string> = new Set([
  'PCSC_UNAVAILABLE',
  'PCSC_NO_READERS',
  'PCSC_READER_NOT_FOUND',
  'PCSC_READER_UNAVAILABLE',
  'PCSC_READER_IN_USE',
  'CARD_ABSENT',
  'CARD_REMOVED',
  'QMI_DEVICE_NOT_FOUND',
  'QMI_DEVICE_OPEN',
  'QMI_DEVICE_ACCESS',
  'QMI_DEVICE_BUSY',
  'QMI_PROXY_UNAVAILABLE',
  'QMICLI_MISSING',
  'QMICLI_TOO_OLD',
  'AT_SIM_NOT_INSERTED',
  'AT_NOT_RESPONDING',
  'AT_MODEM_REFUSES_BLANK_EUICC',
  'SERIAL_PORT_NOT_FOUND',
  'SERIAL_PORT_OPEN_FAILED',
  'SERIAL_PORT_BUSY',
]);

/** Maps an error code to the documented exit code. */
export function exitCodeFor(code: string): number {
  if (code === 'USAGE') return EXIT.usage;
  if (code === 'ABORTED') return EXIT.cancelled;
  if (code.startsWith('DEVICE_') || code.startsWith('TRANSPORT_') || NO_DEVICE_CODES.has(code)) return EXIT.noDevice;
  return EXIT.failed;
}

function overallHelp(): string {
  const width = Math.max(...CLI_COMMANDS.map((c) => c.name.length));
  const rows = CLI_COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n');
  return [
    'ewb — eSIM Workbench command line',
    '',
    'usage: ewb <command> [options]',
    '',
    'commands:',
    rows,
    '',
    'options for every command:',
    '  --json           machine-readable output on stdout (errors too, as {"error": …})',
    '  -d, --device ID  the card to use (see `ewb device list`; default: the only one, else the virtual eUICC)',
    '  -h, --help       help for the command',
    '',
    'exit codes: 0 ok · 1 operation failed · 2 usage error · 3 no usable device · 130 cancelled',
    '',
  ].join('\n');
}

function commandHelp(command: CliCommand): string {
  return [`usage: ewb ${command.usage}`, '', command.summary, ...(command.details ? ['', command.details] : []), ''].join('\n');
}
