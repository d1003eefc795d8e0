/**
 * `ewb profile download` and `ewb discovery`: a download as a WorkbenchApi operation, followed through
 * its events — progress on stderr, the confirmation-code and consent prompts answered from the flags
 * or asked at the terminal, Ctrl-C cancelling it cleanly.
 */
import type { DiscoveredEvent, DownloadRequest, OperationPrompt, OperationResult, PromptAnswer, WorkbenchApi, WorkbenchEvent } from '../../shared/api.js';
import { WorkbenchError, abortError, isWorkbenchError } from '../../shared/errors.js';
import type { CliCommand, CommandContext, OptionSpec } from './command.js';
import { resolveDevice } from './commands-device.js';
import { formatFields, formatList, formatTable, printJson } from './format.js';
import { EXIT, writeLine } from './io.js';
import { ProgressView } from './progress.js';
import { ask, confirm, isInteractive, isTerminal } from './prompt.js';

/** What the user decided up front, from the flags. */
export interface DownloadChoices {
  readonly confirmationCode?: string;
  readonly imei?: string;
  /** Accept the consent prompt without asking. */
  readonly yes: boolean;
  readonly enable: boolean;
}

const DOWNLOAD_OPTIONS: OptionSpec = {
  cc: { type: 'string' },
  imei: { type: 'string' },
  yes: { type: 'boolean', short: 'y' },
  enable: { type: 'boolean' },
};

function choicesFrom(ctx: CommandContext): DownloadChoices {
  const { cc, imei } = ctx.options;
  if (typeof imei === 'string' && !/^\d{15}$/.test(imei)) throw new WorkbenchError('USAGE', 'The IMEI must be 15 digits.', 'Give the IMEI without spaces or dashes, or leave --imei out.');
  return {
    ...(typeof cc === 'string' ? { confirmationCode: cc } : {}),
    ...(typeof imei === 'string' ? { imei } : {}),
    yes: ctx.options.yes === true,
    enable: ctx.options.enable === true,
  };
}

function toError(err: unknown): WorkbenchError {
  if (isWorkbenchError(err)) return err;
  return new WorkbenchError('INTERNAL_ERROR', err instanceof Error ? err.message : String(err), 'Please report this with the command you ran.');
}

/** Runs one download to its end and returns the successful result; every other ending throws. */
export async function runDownload(ctx: CommandContext, api: WorkbenchApi, deviceId: string, request: DownloadRequest, choices: DownloadChoices): Promise<OperationResult> {
  const progress = ctx.json ? undefined : new ProgressView(ctx.io.stderr, isTerminal(ctx.io.stderr));
  const say = (text: string): void => {
    progress?.pause();
    writeLine(ctx.io.stderr, text);
  };
  let operationId: string | undefined;
  const early: WorkbenchEvent[] = [];
  const answering: Promise<void>[] = [];
  /** Why the CLI itself ended the operation (refused consent, missing code, Ctrl-C). */
  let reason: WorkbenchError | undefined;
  let codeOffered = false;
  // Ends questions still open at the terminal once the operation is over (prompt timed out, cancelled elsewhere).
  const questions = new AbortController();
  const questionSignal = ctx.signal === undefined ? questions.signal : AbortSignal.any([ctx.signal, questions.signal]);

  const stop = async (why: WorkbenchError): Promise<void> => {
    reason ??= why;
    if (operationId !== undefined) await api.cancelOperation(operationId).catch(() => undefined);
  };

  const answerFor = async (prompt: OperationPrompt): Promise<PromptAnswer> => {
    const signal = { signal: questionSignal };
    if (prompt.kind === 'confirmation-code') {
      // The first request is answered from --cc; another one means the card/server rejected it.
      if (choices.confirmationCode !== undefined && !codeOffered) {
        codeOffered = true;
        return { promptId: prompt.promptId, kind: 'confirmation-code', code: choices.confirmationCode };
      }
      const attempts = prompt.attemptsLeft === undefined ? '' : ` (${prompt.attemptsLeft} attempt${prompt.attemptsLeft === 1 ? '' : 's'} left)`;
      if (!isInteractive(ctx.io)) {
        throw codeOffered
          ? new WorkbenchError('RSP_CONFIRMATION_CODE_REJECTED', `The confirmation code was not accepted${attempts}.`, 'Check the code the operator gave you and pass it with --cc.')
          : new WorkbenchError('USAGE', 'This profile needs a confirmation code.', 'Pass it with --cc CODE (the operator gives it with the QR code).');
      }
      say(codeOffered ? `The confirmation code was not accepted${attempts}.` : `This profile needs a confirmation code${attempts}.`);
      codeOffered = true;
      const code = await ask(ctx.io, 'Confirmation code: ', { secret: true, ...signal });
      if (code === '') throw abortError('The download');
      return { promptId: prompt.promptId, kind: 'confirmation-code', code };
    }
    const p = prompt.preview;
    say('\nThe SM-DP+ offers this profile:');
    say(
      formatFields([
        ['  Name', p.profileName],
        ['  Provider', p.serviceProviderName],
        ['  ICCID', p.iccid],
        ['  Class', p.profileClass],
        ['  Policy rules', formatList(p.policyRules)],
        ['  SM-DP+', p.smdpAddress],
      ]),
    );
    if (choices.yes) return { promptId: prompt.promptId, kind: 'consent', accept: true };
    if (!isInteractive(ctx.io)) {
      reason ??= new WorkbenchError('USAGE', 'Not installing without your consent.', 'Pass --yes to accept the profile shown above.');
      return { promptId: prompt.promptId, kind: 'consent', accept: false };
    }
    const accept = await confirm(ctx.io, 'Install this profile?', questionSignal);
    if (!accept) reason ??= new WorkbenchError('DOWNLOAD_DECLINED', 'You declined the profile; nothing was installed.', 'Run the download again to install it after all.');
    return { promptId: prompt.promptId, kind: 'consent', accept };
  };

  const handle = (event: WorkbenchEvent): void => {
    if (event.type === 'operation-progress' && event.operationId === operationId) progress?.update(event.step, event.percent, event.message);
    else if (event.type === 'operation-prompt' && event.operationId === operationId) {
      const id = operationId;
      answering.push(
        answerFor(event.prompt)
          .then((answer) => api.answerPrompt(id, answer))
          .catch((err: unknown) => (questions.signal.aborted ? undefined : stop(toError(err)))),
      );
    } else if (event.type === 'notice' && (event.deviceId === undefined || event.deviceId === deviceId)) say(`${event.level}: ${event.message}`);
  };

  // Subscribe before starting so no event of the operation is missed.
  const unsubscribe = api.subscribe((event) => (operationId === undefined ? early.push(event) : handle(event)));
  const onAbort = (): void => void stop(abortError('The download'));
  try {
    const started = await api.startDownload(deviceId, {
      ...request,
      ...(choices.imei === undefined ? {} : { imei: choices.imei }),
      ...(choices.enable ? { enableAfterInstall: true } : {}),
    });
    operationId = started.operationId;
    for (const event of early.splice(0)) handle(event);
    if (ctx.signal?.aborted) onAbort();
    ctx.signal?.addEventListener('abort', onAbort, { once: true });
    const result = await api.waitForOperation(operationId);
    questions.abort();
    await Promise.all(answering);
    progress?.pause();
    if (result.status === 'succeeded') return result;
    if (reason) throw reason;
    if (result.status === 'failed' && result.error) {
      const e = result.error;
      throw new WorkbenchError(e.code, e.message, e.hint, { details: e.details });
    }
    throw result.status === 'cancelled' ? abortError('The download') : new WorkbenchError('DOWNLOAD_FAILED', 'The download failed.', 'Check the APDU log and try again.');
  } finally {
    ctx.signal?.removeEventListener('abort', onAbort);
    unsubscribe();
  }
}

function printInstalled(ctx: CommandContext, result: OperationResult, enabled: boolean): void {
  writeLine(ctx.io.stdout, `Profile ${result.iccid ?? '(ICCID not reported)'} installed${enabled ? ' and enabled' : ''}.`);
  if (result.notificationsSent !== undefined) writeLine(ctx.io.stdout, `${result.notificationsSent} notification${result.notificationsSent === 1 ? '' : 's'} sent to the SM-DP+.`);
}

const DOWNLOAD_USAGE = 'profile download -a <activation code> [--cc CODE] [--imei IMEI] [--yes] [--enable] [--device ID] [--json]';

export const profileDownloadCommand: CliCommand = {
  name: 'profile download',
  summary: 'Download and install a profile from an activation code (the text under the QR code)',
  usage: DOWNLOAD_USAGE,
  details: [
    'Progress goes to stderr; the result (the installed ICCID) to stdout.',
    '--cc CODE     the confirmation code, when the operator gave one; otherwise it is asked without echo',
    '              (without a terminal the download stops and says to pass --cc). It is never printed.',
    '--yes         accept the profile the SM-DP+ offers; otherwise you are asked after seeing its name,',
    '              provider and policy rules (without a terminal the download stops).',
    '--enable      enable the profile after installing it.',
    '--imei IMEI   the 15-digit IMEI to report to the SM-DP+.',
    'Ctrl-C cancels the download on card and server (exit code 130).',
    '',
    "Example: ewb profile download -a 'LPA:1$smdp.example.com$04386-AGYFT-A74Y8-3F815' --yes",
  ].join('\n'),
  options: { 'activation-code': { type: 'string', short: 'a' }, ...DOWNLOAD_OPTIONS },
  handlesInterrupt: true,
  async run(ctx) {
    const code = ctx.options['activation-code'];
    if (typeof code !== 'string' || code.trim() === '' || ctx.positionals.length > 0) {
      throw new WorkbenchError('USAGE', 'Give the activation code with -a.', `Usage: ewb ${DOWNLOAD_USAGE}`);
    }
    const choices = choicesFrom(ctx);
    const api = await ctx.api();
    const deviceId = await resolveDevice(ctx, api);
    const result = await runDownload(ctx, api, deviceId, { activationCode: code.trim() }, choices);
    if (ctx.json) printJson(ctx.io.stdout, result);
    else printInstalled(ctx, result, choices.enable);
    return EXIT.ok;
  },
};

function eventRows(events: readonly DiscoveredEvent[]): string[][] {
  return events.map((e, i) => [String(i + 1), e.eventId, e.smdpAddress, e.activationCode]);
}

/** `--download N` (1-based), or on a terminal the user's pick; undefined = no download. */
async function pickEvent(ctx: CommandContext, events: readonly DiscoveredEvent[]): Promise<DiscoveredEvent | undefined> {
  const given = ctx.options.download;
  if (typeof given === 'string') {
    const n = /^\d+$/.test(given) ? Number(given) : NaN;
    const event = events[n - 1];
    if (!event) throw new WorkbenchError('USAGE', `There is no event ${given}; ${events.length} found.`, 'Use the # column of the list.');
    return event;
  }
  if (ctx.json || events.length === 0 || !isInteractive(ctx.io)) return undefined;
  const answer = await ask(ctx.io, `Download one? Number 1–${events.length}, Enter for none: `, ctx.signal === undefined ? {} : { signal: ctx.signal });
  if (answer === '') return undefined;
  const event = /^\d+$/.test(answer) ? events[Number(answer) - 1] : undefined;
  if (!event) throw new WorkbenchError('USAGE', `"${answer}" is not one of the events 1–${events.length}.`, 'Run it again and pick a number from the # column.');
  return event;
}

export const discoveryCommand: CliCommand = {
  name: 'discovery',
  summary: 'Ask the SM-DS for profiles waiting for this eUICC, and download one',
  usage: 'discovery [--smds ADDRESS] [--download N [--yes] [--cc CODE] [--enable]] [--device ID] [--json]',
  details: [
    "Uses the eUICC's root SM-DS unless --smds is given. Each event comes with the activation code that downloads it.",
    '--download N downloads event N of the list (the download options are those of `ewb profile download`);',
    'on a terminal you are offered the choice. JSON: the list of events, or {"events": […], "download": result} with --download.',
  ].join('\n'),
  options: { smds: { type: 'string' }, download: { type: 'string' }, ...DOWNLOAD_OPTIONS },
  handlesInterrupt: true,
  async run(ctx) {
    const choices = choicesFrom(ctx);
    const smds = ctx.options.smds;
    const api = await ctx.api();
    const deviceId = await resolveDevice(ctx, api);
    const events = await api.discoverProfiles(deviceId, typeof smds === 'string' ? { smdsAddress: smds } : {});
    if (!ctx.json) {
      if (events.length === 0) writeLine(ctx.io.stdout, 'No profiles are waiting for this eUICC.');
      else writeLine(ctx.io.stdout, formatTable(['#', 'EVENT ID', 'SM-DP+', 'ACTIVATION CODE'], eventRows(events)));
    }
    const chosen = await pickEvent(ctx, events);
    if (!chosen) {
      if (ctx.json) printJson(ctx.io.stdout, events);
      return EXIT.ok;
    }
    const result = await runDownload(ctx, api, deviceId, { activationCode: chosen.activationCode }, choices);
    if (ctx.json) printJson(ctx.io.stdout, { events, download: result });
    else printInstalled(ctx, result, choices.enable);
    return EXIT.ok;
  },
};
