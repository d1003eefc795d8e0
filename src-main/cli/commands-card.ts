/** `ewb chip info`, `ewb config get|set-default-dp` and `ewb env`: what the eUICC and the workbench are. */
import { WorkbenchError } from '../../shared/errors.js';
import { singleArgument } from './command.js';
import type { CliCommand } from './command.js';
import { resolveDevice } from './commands-device.js';
import { reportOpResult } from './commands-profile.js';
import { formatBytes, formatFields, formatList, printAnswer, printJson } from './format.js';
import { EXIT, writeLine } from './io.js';

const bytes = (n: number | undefined): string | undefined => (n === undefined ? undefined : formatBytes(n));

export const chipInfoCommand: CliCommand = {
  name: 'chip info',
  summary: 'Show the eUICC: EID, SGP.22 version, firmware, free memory, CI keys, addresses',
  usage: 'chip info [--device ID] [--json]',
  async run(ctx) {
    const api = await ctx.api();
    const info = await api.getCardInfo(await resolveDevice(ctx, api));
    printAnswer(ctx, info, () =>
      formatFields([
        ['Device', info.deviceId],
        ['EID', info.eid],
        ['ATR', info.atr],
        ['SGP.22 (SVN)', info.svn],
        ['Profile version', info.profileVersion],
        ['Firmware', info.firmwareVersion],
        ['Category', info.euiccCategory],
        ['Free NV memory', bytes(info.freeNvMemory)],
        ['Free RAM', bytes(info.freeVolatileMemory)],
        ['Installed apps', info.installedApplications?.toString()],
        ['CI keys (verify)', formatList(info.ciPkIdsForVerification)],
        ['CI keys (sign)', formatList(info.ciPkIdsForSigning)],
        ['RSP capabilities', formatList(info.rspCapabilities)],
        ['UICC capabilities', formatList(info.uiccCapabilities)],
        ['Default SM-DP+', info.defaultDpAddress || 'not set'],
        ['Root SM-DS', info.rootDsAddress || 'not set'],
      ]),
    );
    return EXIT.ok;
  },
};

export const configGetCommand: CliCommand = {
  name: 'config get',
  summary: 'Show the addresses configured on the eUICC (default SM-DP+, root SM-DS)',
  usage: 'config get [--device ID] [--json]',
  details: 'JSON: {"deviceId", "defaultDpAddress", "rootDsAddress"} (an address the card has not set is absent).',
  async run(ctx) {
    const api = await ctx.api();
    const info = await api.getCardInfo(await resolveDevice(ctx, api));
    const config = {
      deviceId: info.deviceId,
      ...(info.defaultDpAddress ? { defaultDpAddress: info.defaultDpAddress } : {}),
      ...(info.rootDsAddress ? { rootDsAddress: info.rootDsAddress } : {}),
    };
    printAnswer(ctx, config, () =>
      formatFields([
        ['Default SM-DP+', info.defaultDpAddress || 'not set'],
        ['Root SM-DS', info.rootDsAddress || 'not set'],
      ]),
    );
    return EXIT.ok;
  },
};

const SET_DP_USAGE = 'config set-default-dp <address|""> [--device ID] [--json]';

export const configSetDefaultDpCommand: CliCommand = {
  name: 'config set-default-dp',
  summary: 'Set (or with "" clear) the default SM-DP+ address of the eUICC',
  usage: SET_DP_USAGE,
  details: 'The address is a host name (FQDN), optionally with a port, as in an activation code.',
  async run(ctx) {
    const address = singleArgument(ctx, 'one SM-DP+ address', SET_DP_USAGE);
    if (address !== '' && !/^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(address)) {
      throw new WorkbenchError('USAGE', `"${address}" is not an SM-DP+ address.`, 'Write the host name only, e.g. smdp.example.com — no https:// and no path.');
    }
    const api = await ctx.api();
    const result = await api.setDefaultDpAddress(await resolveDevice(ctx, api), address);
    return reportOpResult(ctx, result, address === '' ? 'Default SM-DP+ address cleared.' : `Default SM-DP+ address set to ${address}.`);
  },
};

export const envCommand: CliCommand = {
  name: 'env',
  summary: 'Show the data directory, the virtual eUICC and the local test SM-DP+ (with activation codes)',
  usage: 'env [--json]',
  async run(ctx) {
    const env = await (await ctx.api()).environment();
    if (ctx.json) {
      printJson(ctx.io.stdout, env);
      return EXIT.ok;
    }
    writeLine(
      ctx.io.stdout,
      formatFields([
        ['Data directory', env.dataDir],
        ['Virtual eUICC', env.virtualEuicc ? `${env.virtualEuicc.deviceId} (EID ${env.virtualEuicc.eid})` : 'off'],
        ['Test SM-DP+', env.testSmdp?.address ?? 'not running'],
      ]),
    );
    const codes = env.testSmdp?.activationCodes ?? [];
    if (codes.length > 0) {
      writeLine(ctx.io.stdout, '\nActivation codes of the test SM-DP+ (try `ewb profile download -a <code>`):');
      for (const code of codes) writeLine(ctx.io.stdout, `  ${code}`);
    }
    if (env.insecureTls) writeLine(ctx.io.stderr, 'warning: TLS verification of SM-DP+ servers is OFF (insecure option). Never use this with real operators.');
    return EXIT.ok;
  },
};

