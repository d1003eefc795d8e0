import type { CliCommand } from './command.js';
import { batchDownloadCommand } from './commands-batch.js';
import { decodeCommand, versionCommand } from './commands-basic.js';
import { chipInfoCommand, configGetCommand, configSetDefaultDpCommand, envCommand } from './commands-card.js';
import { deviceListCommand } from './commands-device.js';
import { DIAG_COMMANDS } from './commands-diag.js';
import { discoveryCommand, profileDownloadCommand } from './commands-download.js';
import { NOTIFICATION_COMMANDS } from './commands-notification.js';
import { pkiInitCommand } from './commands-pki.js';
import { PROFILE_COMMANDS } from './commands-profile.js';
import { simMakeProfileCommand, simStartCommand, simStatusCommand } from './commands-sim-card.js';
import { simModemCommand, simSmdpCommand } from './commands-sim-servers.js';

/** Every `ewb` command, in the order `ewb --help` lists them. */
export const CLI_COMMANDS: readonly CliCommand[] = [
  versionCommand,
  decodeCommand,
  deviceListCommand,
  chipInfoCommand,
  ...PROFILE_COMMANDS,
  profileDownloadCommand,
  discoveryCommand,
  batchDownloadCommand,
  ...NOTIFICATION_COMMANDS,
  configGetCommand,
  configSetDefaultDpCommand,
  envCommand,
  ...DIAG_COMMANDS,
  pkiInitCommand,
  simStartCommand,
  simStatusCommand,
  simMakeProfileCommand,
  simSmdpCommand,
  simModemCommand,
];
