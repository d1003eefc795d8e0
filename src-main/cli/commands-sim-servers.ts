/**
 * `ewb sim smdp` and `ewb sim modem --at|--qmi`: the test SM-DP+ on loopback and the virtual modems on a
 * pseudo-terminal. Each runs until Ctrl-C / SIGTERM and then shuts down cleanly (exit code 0).
 */
import { createHash } from 'node:crypto';
import { WorkbenchError } from '../../shared/errors.js';
import type { DownloadOrderInput } from '../sim/smdp/index.js';
import { startTestSmdp } from '../sim/smdp/index.js';
import { startVirtualAtModem } from '../sim/at-modem/pty.js';
import { AT_QUIRK_PROFILES, findAtQuirkProfile } from '../transports/at/quirks.js';
import { QMI_MODEM_PROFILES, type QmiModemProfileName } from '../sim/qmi-modem/modem-profiles.js';
import { startVirtualQmiModem } from '../sim/qmi-modem/start-virtual-qmi-modem.js';
import type { CliCommand, CommandContext } from './command.js';
import { CARD_OPTIONS, cardFacts, openVirtualCard, pkiFrom, stringOption, waitForStop } from './commands-sim-common.js';
import { formatFields, printJson } from './format.js';
import { EXIT, writeLine } from './io.js';

/** Matching ID of the order a bare `ewb sim smdp` serves, so there is always something to download. */
export const DEFAULT_MATCHING_ID = 'EWB-TEST-0001';

/** Luhn check digit over `digits` (ICCIDs end with one). */
function luhn(digits: string): string {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

/** A stable test ICCID for a matching ID: 89 (telecom) 999 (test issuer), 13 digits from its hash, check digit. */
export function testIccidFor(matchingId: string): string {
  const hash = createHash('sha256').update(matchingId).digest();
  const body = `89999${Array.from(hash.subarray(0, 13), (b) => String(b % 10)).join('')}`;
  return body + luhn(body);
}

/** `MATCHING_ID[:ICCID]` → an order with a generated package (test network IMSI 00101…). */
export function parseOrder(text: string): DownloadOrderInput {
  const m = /^([A-Za-z0-9._-]{1,64})(?::(\d{18,20}))?$/.exec(text);
  if (!m?.[1]) throw new WorkbenchError('USAGE', `--order "${text}" is not MATCHING_ID[:ICCID].`, 'Example: --order SPRING-2025 or --order SPRING-2025:8944476500001224158');
  const iccid = m[2] ?? testIccidFor(m[1]);
  return { matchingId: m[1], profile: { iccid, imsi: `00101${iccid.slice(-10)}`, spn: 'Workbench Test', profileName: `Test ${m[1]}` } };
}

function orderInputs(ctx: CommandContext): DownloadOrderInput[] {
  const given = ctx.options.order;
  const texts = Array.isArray(given) ? given.filter((v): v is string => typeof v === 'string') : typeof given === 'string' ? [given] : [];
  if (texts.length === 0 && stringOption(ctx, 'profiles') === undefined) return [parseOrder(DEFAULT_MATCHING_ID)];
  return texts.map(parseOrder);
}

function portOption(ctx: CommandContext): number {
  const text = stringOption(ctx, 'port') ?? '0';
  const port = /^\d{1,5}$/.test(text) ? Number(text) : -1;
  if (port < 0 || port > 65535) throw new WorkbenchError('USAGE', `--port "${text}" is not a port number.`, 'Give 1–65535, or 0 for any free port.');
  return port;
}

export const simSmdpCommand: CliCommand = {
  name: 'sim smdp',
  summary: 'Run the test SM-DP+ on loopback and print the activation codes of its orders',
  usage: 'sim smdp [--port N] [--pki DIR] [--profiles DIR] [--order MATCHING_ID[:ICCID]]… [--json]',
  details: [
    'Serves ES9+ over HTTPS on 127.0.0.1 with the PKI’s SM-DP+ TLS certificate, until Ctrl-C.',
    '--profiles DIR  every *.der|*.saip|*.bin file becomes an order named after the file (see `ewb sim make-profile`).',
    '--order ID[:ICCID]  an order with a generated test profile (repeatable). With neither, one order',
    `                    ${DEFAULT_MATCHING_ID} is served.`,
    'The eUICC must trust the same PKI (`ewb sim start --pki DIR`), and the LPA must reach the SM-DP+ host name',
    'on 127.0.0.1 (the activation codes carry the port). JSON: {url, host, port, activationCodes} once listening.',
  ].join('\n'),
  options: { port: { type: 'string' }, pki: { type: 'string' }, profiles: { type: 'string' }, order: { type: 'string', multiple: true } },
  handlesInterrupt: true,
  async run(ctx) {
    if (ctx.positionals.length > 0) throw new WorkbenchError('USAGE', 'sim smdp takes no arguments.', 'See ewb sim smdp --help.');
    const port = portOption(ctx);
    const orders = orderInputs(ctx);
    const profilesDir = stringOption(ctx, 'profiles');
    const { pki, pkiDir } = await pkiFrom(ctx);
    const smdp = await startTestSmdp({ pki, listen: { host: '127.0.0.1', port }, orders, ...(profilesDir === undefined ? {} : { profilesDir }) });
    try {
      const released = smdp.orders.list().filter((o) => o.state === 'released' && o.matchingId !== '');
      const activationCodes = released.map((o) => smdp.activationCode(o.matchingId, { withPort: false, confirmationCodeRequired: o.confirmationCodeRequired }));
      // The LPA dials the FQDN of the TLS certificate; this route sends it to the loopback server.
      const hostOverrides = `${smdp.host}=127.0.0.1:${smdp.port}`;
      if (ctx.json) printJson(ctx.io.stdout, { url: smdp.url, host: smdp.host, port: smdp.port, pkiDir, activationCodes, hostOverrides });
      else {
        writeLine(ctx.io.stdout, `Test SM-DP+ ${smdp.host} listening on ${smdp.url} (PKI ${pkiDir})`);
        writeLine(ctx.io.stdout, `In the LPA's shell: export EWB_HOST_OVERRIDES=${hostOverrides} EWB_PKI_DIR=${pkiDir}`);
        writeLine(ctx.io.stdout, 'Activation codes:');
        released.forEach((o, i) => writeLine(ctx.io.stdout, `  ${activationCodes[i] ?? ''}   ICCID ${o.iccid}`));
        writeLine(ctx.io.stderr, 'Ctrl-C to stop.');
      }
      await waitForStop(ctx.signal);
    } finally {
      await smdp.close();
    }
    if (!ctx.json) writeLine(ctx.io.stderr, 'Stopped.');
    return EXIT.ok;
  },
};

const MODEM_USAGE = 'sim modem --at [--profile NAME] | --qmi [--mbim] [--profile NAME]  [--state FILE] [--pki DIR] [--blank] [--link PATH] [--json]';

function qmiProfile(name: string | undefined): QmiModemProfileName | undefined {
  if (name === undefined) return undefined;
  if (name in QMI_MODEM_PROFILES) return name as QmiModemProfileName;
  throw new WorkbenchError('USAGE', `No QMI modem profile "${name}".`, `Choose one of: ${Object.keys(QMI_MODEM_PROFILES).join(', ')}.`);
}

function atProfile(name: string | undefined): string | undefined {
  if (name === undefined || findAtQuirkProfile(name)) return name;
  throw new WorkbenchError('USAGE', `No AT quirk profile "${name}".`, `Choose one of: ${AT_QUIRK_PROFILES.map((p) => p.id).join(', ')}.`);
}

export const simModemCommand: CliCommand = {
  name: 'sim modem',
  summary: 'Run a virtual AT or QMI modem with the virtual eUICC in its slot, on a pseudo-terminal',
  usage: MODEM_USAGE,
  details: [
    '--at   an AT modem (+CSIM, +CCHO/+CGLA/+CCHC, +CRSM, +CUSATA); --profile picks a quirk profile,',
    `       e.g. seed-em7455 (answers ERROR to +CSIM while the card is blank). Profiles: ${AT_QUIRK_PROFILES.map((p) => p.id).join(', ')}.`,
    '--qmi  a QMI modem (QMUX; --mbim: QMI inside MBIM) that real qmicli can open; it refuses logical channels',
    `       to a blank card like the seed modem but allows UIM SAP. Profiles: ${Object.keys(QMI_MODEM_PROFILES).join(', ')}.`,
    '--link PATH  where to create the pty symlink (default: a temporary directory). Needs socat. Runs until Ctrl-C.',
  ].join('\n'),
  options: { at: { type: 'boolean' }, qmi: { type: 'boolean' }, mbim: { type: 'boolean' }, profile: { type: 'string' }, link: { type: 'string' }, blank: { type: 'boolean' }, ...CARD_OPTIONS },
  handlesInterrupt: true,
  async run(ctx) {
    const at = ctx.options.at === true;
    const qmi = ctx.options.qmi === true;
    if (at === qmi || ctx.positionals.length > 0) throw new WorkbenchError('USAGE', 'Choose one modem: --at or --qmi.', `Usage: ewb ${MODEM_USAGE}`);
    if (at && ctx.options.mbim === true) throw new WorkbenchError('USAGE', '--mbim applies to --qmi only.', `Usage: ewb ${MODEM_USAGE}`);
    const profile = stringOption(ctx, 'profile');
    const link = stringOption(ctx, 'link');
    const atQuirks = at ? atProfile(profile) : undefined;
    const qmiBehaviour = qmi ? qmiProfile(profile) : undefined;
    const card = await openVirtualCard(ctx);
    try {
      const modem = at
        ? await startVirtualAtModem({ card: card.euicc.card, ...(atQuirks === undefined ? {} : { profile: atQuirks }), ...(link === undefined ? {} : { ptyPath: link }) })
        : await startVirtualQmiModem({
            card: card.euicc.card,
            ...(qmiBehaviour === undefined ? {} : { profile: qmiBehaviour }),
            endpoints: [{ kind: 'pty', framing: ctx.options.mbim === true ? 'mbim' : 'qmux', ...(link === undefined ? {} : { link }) }],
          });
      try {
        const ptyPath = 'path' in modem ? modem.path : (modem.ptyPath ?? '');
        const tryCommand = at ? `socat -,raw,echo=0 ${ptyPath}   (then type ATI, AT+CSIM=…)` : `qmicli -d ${ptyPath} --device-open-${ctx.options.mbim === true ? 'mbim' : 'qmi'} --uim-get-card-status`;
        const facts = { kind: at ? 'at' : ctx.options.mbim === true ? 'qmi-mbim' : 'qmi', pty: ptyPath, tryCommand, ...cardFacts(card) };
        if (ctx.json) printJson(ctx.io.stdout, facts);
        else {
          writeLine(
            ctx.io.stdout,
            formatFields([
              [at ? 'AT modem' : 'QMI modem', ptyPath],
              ['Try', tryCommand],
              ['Card EID', facts.eid],
              ['Card', facts.blank ? 'blank (no profile enabled)' : `${facts.profiles} profile(s)`],
              ['State file', facts.stateFile],
            ]),
          );
          writeLine(ctx.io.stderr, 'Ctrl-C to stop.');
        }
        await waitForStop(ctx.signal);
      } finally {
        await modem.close();
      }
    } finally {
      await card.euicc.close();
    }
    if (!ctx.json) writeLine(ctx.io.stderr, 'Stopped.');
    return EXIT.ok;
  },
};
