/** `ewb sim make-profile|start|status`: the virtual eUICC and the SAIP packages it installs. */
import { readFile } from 'node:fs/promises';
import type { NotificationSummary, ProfileSummary } from '../../shared/api.js';
import { WorkbenchError } from '../../shared/errors.js';
import { parseProfileSize, writeProfilePackageFile } from '../codec/saip/index.js';
import { validateState, type EuiccState } from '../sim/euicc/state.js';
import { VpcdClient } from '../sim/vpcd/vpcd-client.js';
import { VPCD_DEFAULT_PORT } from '../sim/vpcd/vpcd-protocol.js';
import type { CliCommand, CommandContext } from './command.js';
import { CARD_OPTIONS, cardFacts, openVirtualCard, parseHostPort, stateFileFrom, stringOption, waitForStop } from './commands-sim-common.js';
import { formatBytes, formatFields, formatTable, printAnswer, printJson } from './format.js';
import { EXIT, writeLine } from './io.js';

const MAKE_USAGE = 'sim make-profile --iccid ICCID --imsi IMSI --spn NAME [--name PROFILE] [--size 20k] --out FILE [--json]';

function required(ctx: CommandContext, name: string): string {
  const value = stringOption(ctx, name);
  if (value === undefined || value === '') throw new WorkbenchError('USAGE', `--${name} is required.`, `Usage: ewb ${MAKE_USAGE}`);
  return value;
}

export const simMakeProfileCommand: CliCommand = {
  name: 'sim make-profile',
  summary: 'Write a minimal valid SAIP profile package (for the test SM-DP+)',
  usage: MAKE_USAGE,
  details: [
    'The package has a header, MF, USIM with EF.IMSI/SPN/AD, PIN/PUK and Milenage test keys (3GPP TS 35.208 set 1).',
    '--size pads it to about that many bytes (e.g. 20k, 100k), to try large downloads.',
    'Put it in the directory of `ewb sim smdp --profiles DIR`: the file name without extension becomes the matching ID.',
  ].join('\n'),
  options: { iccid: { type: 'string' }, imsi: { type: 'string' }, spn: { type: 'string' }, name: { type: 'string' }, size: { type: 'string' }, out: { type: 'string' } },
  async run(ctx) {
    if (ctx.positionals.length > 0) throw new WorkbenchError('USAGE', 'sim make-profile takes no arguments.', `Usage: ewb ${MAKE_USAGE}`);
    const iccid = required(ctx, 'iccid');
    const imsi = required(ctx, 'imsi');
    const spn = required(ctx, 'spn');
    const out = required(ctx, 'out');
    if (!/^\d{18,20}$/.test(iccid)) throw new WorkbenchError('USAGE', `ICCID "${iccid}" is not 18–20 digits.`, 'Example: --iccid 8944476500001224158');
    if (!/^\d{6,15}$/.test(imsi)) throw new WorkbenchError('USAGE', `IMSI "${imsi}" is not 6–15 digits.`, 'Example: --imsi 001010123456789 (MCC 001, MNC 01 are test networks).');
    const size = stringOption(ctx, 'size');
    const name = stringOption(ctx, 'name');
    const written = await writeProfilePackageFile({ iccid, imsi, spn, ...(name === undefined ? {} : { profileName: name }), ...(size === undefined ? {} : { size: parseProfileSize(size) }) }, out);
    printAnswer(ctx, written, () => `Profile package for ICCID ${written.iccid} written to ${written.path} (${formatBytes(written.bytes)}).`);
    return EXIT.ok;
  },
};

export const simStartCommand: CliCommand = {
  name: 'sim start',
  summary: 'Start the virtual eUICC; with --vpcd it becomes a card in pcscd’s vpcd reader until Ctrl-C',
  usage: 'sim start [--vpcd host:port] [--blank] [--state FILE] [--pki DIR] [--json]',
  details: [
    'Without --vpcd the card state is created (or checked) and its EID and ATR printed.',
    `--vpcd connects to the vsmartcard reader driver inside pcscd (default port ${VPCD_DEFAULT_PORT}); pcsc_scan then shows the card.`,
    '--blank empties the card (no profiles, no notifications): it answers like the blank eUICC of seed 000.',
    '--state FILE / --pki DIR: default the card of the app’s built-in virtual eUICC (data directory $EWB_HOME) and its PKI.',
  ].join('\n'),
  options: { vpcd: { type: 'string' }, blank: { type: 'boolean' }, ...CARD_OPTIONS },
  handlesInterrupt: true,
  async run(ctx) {
    if (ctx.positionals.length > 0) throw new WorkbenchError('USAGE', 'sim start takes no arguments.', 'See ewb sim start --help.');
    const vpcdText = stringOption(ctx, 'vpcd');
    const vpcd = vpcdText === undefined ? undefined : parseHostPort(vpcdText, '127.0.0.1', '--vpcd');
    const card = await openVirtualCard(ctx);
    try {
      const facts = { ...cardFacts(card), ...(vpcd ? { vpcd: `${vpcd.host}:${vpcd.port}` } : {}) };
      printAnswer(ctx, facts, () =>
        formatFields([
          ['EID', facts.eid],
          ['ATR', facts.atr],
          ['Profiles', facts.blank ? `${facts.profiles} (none enabled: blank)` : String(facts.profiles)],
          ['State file', facts.stateFile],
          ['PKI', facts.pkiDir],
        ]),
      );
      if (!vpcd) return EXIT.ok;
      const client = new VpcdClient({ card: card.euicc.card, host: vpcd.host, port: vpcd.port, log: (m) => writeLine(ctx.io.stderr, `vpcd: ${m}`) });
      client.start();
      writeLine(ctx.io.stderr, `Card offered to vpcd at ${vpcd.host}:${vpcd.port} (reconnects when pcscd restarts). Ctrl-C to stop.`);
      await waitForStop(ctx.signal);
      await client.stop();
      writeLine(ctx.io.stderr, 'Stopped.');
      return EXIT.ok;
    } finally {
      await card.euicc.close();
    }
  },
};

/** The card's profiles in the API's shape, so `sim status --json` reads like `profile list --json`. */
function profilesOf(state: EuiccState): ProfileSummary[] {
  return state.profiles.map((p) => ({
    iccid: p.iccid,
    isdpAid: p.isdpAid,
    state: p.state,
    ...(p.nickname === undefined ? {} : { nickname: p.nickname }),
    serviceProviderName: p.serviceProviderName,
    profileName: p.profileName,
    profileClass: p.profileClass,
    policyRules: p.pprs,
    ...(p.profileOwner ? { owner: p.profileOwner } : {}),
  }));
}

function notificationsOf(state: EuiccState): NotificationSummary[] {
  return state.notifications.pending.map((n) => ({ seqNumber: n.seqNumber, event: n.event, address: n.notificationAddress, ...(n.iccid === undefined ? {} : { iccid: n.iccid }), where: 'card' as const }));
}

export const simStatusCommand: CliCommand = {
  name: 'sim status',
  summary: 'Show a virtual eUICC’s state file: EID, profiles, pending notifications',
  usage: 'sim status [--state FILE] [--json]',
  details: 'Reads the file only (the card need not run). JSON: {stateFile, eid, atr, protocol, blank, defaultDpAddress, rootDsAddress, freeMemory, profiles: ProfileSummary[], notifications: NotificationSummary[]}.',
  options: { state: { type: 'string' } },
  async run(ctx) {
    const stateFile = await stateFileFrom(ctx);
    let text: string;
    try {
      text = await readFile(stateFile, 'utf8');
    } catch (err) {
      throw new WorkbenchError('SIM_STATE_MISSING', `No virtual eUICC state at ${stateFile}.`, 'Create one with `ewb sim start` (or pass --state FILE).', { cause: err, details: { stateFile } });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new WorkbenchError('SIM_STATE_INVALID', `${stateFile} is not valid JSON.`, 'Restore it from a backup or delete it to start with a blank card.', { cause: err, details: { stateFile } });
    }
    const state = validateState(parsed, stateFile);
    const profiles = profilesOf(state);
    const notifications = notificationsOf(state);
    const status = {
      stateFile,
      eid: state.eid,
      atr: state.config.atr,
      protocol: state.config.protocol,
      blank: !state.profiles.some((p) => p.state === 'enabled'),
      defaultDpAddress: state.defaultDpAddress,
      rootDsAddress: state.rootDsAddress,
      freeMemory: state.freeMemory,
      profiles,
      notifications,
    };
    if (ctx.json) {
      printJson(ctx.io.stdout, status);
      return EXIT.ok;
    }
    writeLine(
      ctx.io.stdout,
      formatFields([
        ['State file', stateFile],
        ['EID', status.eid],
        ['ATR', `${status.atr} (${status.protocol})`],
        ['Default SM-DP+', status.defaultDpAddress || 'not set'],
        ['Root SM-DS', status.rootDsAddress || 'not set'],
        ['Free memory', `${formatBytes(state.freeMemory.nonVolatile)} NV, ${formatBytes(state.freeMemory.volatile)} RAM`],
      ]),
    );
    writeLine(ctx.io.stdout);
    if (profiles.length === 0) writeLine(ctx.io.stdout, 'Profiles: none (blank card)');
    else writeLine(ctx.io.stdout, formatTable(['ICCID', 'STATE', 'NICKNAME', 'NAME', 'PROVIDER', 'CLASS'], profiles.map((p) => [p.iccid, p.state, p.nickname ?? '', p.profileName ?? '', p.serviceProviderName ?? '', p.profileClass ?? ''])));
    writeLine(ctx.io.stdout);
    if (notifications.length === 0) writeLine(ctx.io.stdout, 'Pending notifications: none');
    else writeLine(ctx.io.stdout, formatTable(['SEQ', 'EVENT', 'ICCID', 'ADDRESS'], notifications.map((n) => [String(n.seqNumber), n.event, n.iccid ?? '', n.address])));
    return EXIT.ok;
  },
};
