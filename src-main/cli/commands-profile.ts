/** `ewb profile list|enable|disable|delete|nickname`: ES10c profile management over WorkbenchApi. */
import type { ProfileOpResult, ProfileRef, ProfileSummary } from '../../shared/api.js';
import { WorkbenchError } from '../../shared/errors.js';
import type { CliCommand, CommandContext } from './command.js';
import { resolveDevice } from './commands-device.js';
import { formatTable, printAnswer } from './format.js';
import { EXIT, writeLine } from './io.js';
import { confirm, isInteractive } from './prompt.js';

/** An ICCID (18–20 digits, a trailing F of the padded form allowed) or an ISD-P AID (hex). */
export function parseProfileRef(text: string | undefined): ProfileRef {
  const value = (text ?? '').trim();
  const iccid = /^(\d{18,20})F?$/i.exec(value);
  if (iccid?.[1] !== undefined) return { iccid: iccid[1] };
  if (/^([0-9A-Fa-f]{2}){5,16}$/.test(value)) return { isdpAid: value.toUpperCase() };
  throw new WorkbenchError('USAGE', value === '' ? 'Name the profile by ICCID or ISD-P AID.' : `"${value}" is neither an ICCID nor an ISD-P AID.`, 'An ICCID is 18–20 digits, an AID 5–16 bytes of hex; see `ewb profile list`.');
}

function refText(ref: ProfileRef): string {
  return 'iccid' in ref ? ref.iccid : `ISD-P ${ref.isdpAid}`;
}

/**
 * Prints a management result: JSON prints it as is; a refusal of the card becomes an error with the
 * card's message and hint (exit code 1), with the ES10 result name in `details.result`.
 */
export function reportOpResult(ctx: CommandContext, result: ProfileOpResult, doneText: string): number {
  if (!result.ok) {
    throw new WorkbenchError('ES10_OPERATION_REFUSED', result.message, result.hint ?? 'See the card result in the details.', { details: { result: result.result } });
  }
  printAnswer(ctx, result, () => doneText);
  return EXIT.ok;
}

function expectArgs(ctx: CommandContext, count: number, usage: string): void {
  if (ctx.positionals.length !== count) throw new WorkbenchError('USAGE', `Expected ${count} argument${count === 1 ? '' : 's'}, got ${ctx.positionals.length}.`, `Usage: ewb ${usage}`);
}

function profileRow(p: ProfileSummary): string[] {
  return [p.iccid, p.state, p.nickname ?? '', p.profileName ?? '', p.serviceProviderName ?? '', p.profileClass ?? '', p.policyRules.join(',')];
}

export const profileListCommand: CliCommand = {
  name: 'profile list',
  summary: 'List the profiles installed on the eUICC',
  usage: 'profile list [--device ID] [--json]',
  async run(ctx) {
    const api = await ctx.api();
    const deviceId = await resolveDevice(ctx, api);
    const profiles = await api.listProfiles(deviceId);
    printAnswer(ctx, profiles, () => (profiles.length === 0 ? `No profiles on ${deviceId} (the eUICC is blank). Download one with \`ewb profile download -a <activation code>\`.` : formatTable(['ICCID', 'STATE', 'NICKNAME', 'NAME', 'PROVIDER', 'CLASS', 'RULES'], profiles.map(profileRow))));
    return EXIT.ok;
  },
};

function switchCommand(action: 'enable' | 'disable'): CliCommand {
  const usage = `profile ${action} <iccid|aid> [--no-refresh] [--device ID] [--json]`;
  return {
    name: `profile ${action}`,
    summary: action === 'enable' ? 'Enable a profile (the enabled one is disabled by the card)' : 'Disable the enabled profile',
    usage,
    details: '--no-refresh asks the eUICC not to refresh the terminal session (for a modem that should not reset).',
    options: { 'no-refresh': { type: 'boolean' } },
    async run(ctx) {
      expectArgs(ctx, 1, usage);
      const ref = parseProfileRef(ctx.positionals[0]);
      const api = await ctx.api();
      const deviceId = await resolveDevice(ctx, api);
      const options = { refresh: ctx.options['no-refresh'] !== true };
      const result = action === 'enable' ? await api.enableProfile(deviceId, ref, options) : await api.disableProfile(deviceId, ref, options);
      return reportOpResult(ctx, result, `Profile ${refText(ref)} ${action}d.`);
    },
  };
}

export const profileEnableCommand = switchCommand('enable');
export const profileDisableCommand = switchCommand('disable');

const DELETE_USAGE = 'profile delete <iccid|aid> [--yes] [--device ID] [--json]';
const NICKNAME_USAGE = 'profile nickname <iccid> <name> [--device ID] [--json]';

export const profileDeleteCommand: CliCommand = {
  name: 'profile delete',
  summary: 'Delete a disabled profile (asks first; --yes skips the question)',
  usage: DELETE_USAGE,
  details: 'Deleting cannot be undone: the operator has to issue a new profile. Without a terminal, --yes is required.',
  options: { yes: { type: 'boolean', short: 'y' } },
  async run(ctx) {
    expectArgs(ctx, 1, DELETE_USAGE);
    const ref = parseProfileRef(ctx.positionals[0]);
    const api = await ctx.api();
    const deviceId = await resolveDevice(ctx, api);
    if (ctx.options.yes !== true) {
      if (!isInteractive(ctx.io)) throw new WorkbenchError('USAGE', `Not deleting ${refText(ref)} without confirmation.`, 'Pass --yes to delete without a question.');
      const profile = (await api.listProfiles(deviceId)).find((p) => ('iccid' in ref ? p.iccid === ref.iccid : p.isdpAid === ref.isdpAid));
      const name = profile ? ` (${[profile.nickname, profile.profileName, profile.serviceProviderName].filter(Boolean).join(' · ')})` : '';
      if (!(await confirm(ctx.io, `Delete profile ${refText(ref)}${name}? This cannot be undone.`, ctx.signal))) {
        writeLine(ctx.io.stderr, 'Nothing deleted.');
        return EXIT.failed;
      }
    }
    return reportOpResult(ctx, await api.deleteProfile(deviceId, ref), `Profile ${refText(ref)} deleted.`);
  },
};

export const profileNicknameCommand: CliCommand = {
  name: 'profile nickname',
  summary: 'Set (or with "" clear) the nickname of a profile',
  usage: NICKNAME_USAGE,
  async run(ctx) {
    expectArgs(ctx, 2, NICKNAME_USAGE);
    const ref = parseProfileRef(ctx.positionals[0]);
    if (!('iccid' in ref)) throw new WorkbenchError('USAGE', 'A nickname is set by ICCID.', 'See the ICCID column of `ewb profile list`.');
    const nickname = ctx.positionals[1] ?? '';
    if (Buffer.byteLength(nickname, 'utf8') > 64) throw new WorkbenchError('USAGE', 'A nickname is at most 64 bytes (UTF-8).', 'Choose a shorter name.');
    const api = await ctx.api();
    const deviceId = await resolveDevice(ctx, api);
    const result = await api.setNickname(deviceId, ref.iccid, nickname);
    return reportOpResult(ctx, result, nickname === '' ? `Nickname of ${ref.iccid} cleared.` : `Nickname of ${ref.iccid} set to "${nickname}".`);
  },
};

export const PROFILE_COMMANDS: readonly CliCommand[] = [profileListCommand, profileEnableCommand, profileDisableCommand, profileDeleteCommand, profileNicknameCommand];
