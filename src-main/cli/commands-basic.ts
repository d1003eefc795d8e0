import { WorkbenchError } from '../../shared/errors.js';
import type { CliCommand } from './command.js';
import { EXIT, readAll, writeLine } from './io.js';

export const versionCommand: CliCommand = {
  name: 'version',
  summary: 'Print the versions of eSIM Workbench, Node.js and the SGP.22 level it implements',
  usage: 'version [--json]',
  async run(ctx) {
    const info = await (await ctx.api()).version();
    if (ctx.json) writeLine(ctx.io.stdout, JSON.stringify(info));
    else {
      writeLine(ctx.io.stdout, `${info.app} ${info.version}`);
      writeLine(ctx.io.stdout, `  SGP.22 ${info.sgp22} · Node.js ${info.node}${info.electron ? ` · Electron ${info.electron}` : ''} · ${info.platform}`);
    }
    return EXIT.ok;
  },
};

export const decodeCommand: CliCommand = {
  name: 'decode',
  summary: 'Decode a BER-TLV / SGP.22 blob (hex) into a readable tree',
  usage: 'decode <hex…|-> [--json]',
  details: [
    'The hex may contain spaces, colons, 0x prefixes and line breaks; `-` (or no argument) reads stdin,',
    'so APDU log lines can be pasted or piped. Corrupt input is decoded as far as possible and the',
    'place where it breaks is shown; the exit code is then 1.',
    '',
    'Example: ewb decode BF 2E 12 80 10 00112233445566778899AABBCCDDEEFF',
  ].join('\n'),
  async run(ctx) {
    const fromArgs = ctx.positionals.filter((p) => p !== '-').join(' ');
    const input = fromArgs.length > 0 ? fromArgs : await readAll(ctx.io.stdin);
    if (input.trim().length === 0) {
      throw new WorkbenchError('USAGE', 'Nothing to decode.', 'Give the hex as arguments, or pipe it on stdin: echo "BF2E00" | ewb decode -');
    }
    const result = await (await ctx.api()).decode(input);
    if (ctx.json) writeLine(ctx.io.stdout, JSON.stringify({ nodes: result.nodes, ...(result.error ? { error: result.error } : {}) }, null, 2));
    else {
      ctx.io.stdout.write(result.text.endsWith('\n') ? result.text : `${result.text}\n`);
      if (result.error) writeLine(ctx.io.stderr, `error at byte ${result.error.offset}: ${result.error.message}`);
    }
    return result.error ? EXIT.failed : EXIT.ok;
  },
};

