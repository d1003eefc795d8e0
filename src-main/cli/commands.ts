import type { CliCommand } from './command.js';
import { decodeCommand, versionCommand } from './commands-basic.js';

/** Every `ewb` command, in the order `ewb --help` lists them. */
export const CLI_COMMANDS: readonly CliCommand[] = [versionCommand, decodeCommand];
