/** `ewb notification list|process|remove`: pending notifications on the card and in the local queue. */
import { WorkbenchError } from '../../shared/errors.js';
import { singleArgument } from './command.js';
import type { CliCommand } from './command.js';
import { resolveDevice } from './commands-device.js';
import { formatTable, printAnswer, printJson } from './format.js';
import { EXIT, writeLine } from './io.js';

function parseSeq(text: string): number {
  if (!/^\d{1,9}$/.test(text)) throw new WorkbenchError('USAGE', `"${text}" is not a sequence number.`, 'Use the SEQ column of `ewb notification list`.');
  return Number(text);
}

export const notificationListCommand: CliCommand = {
  name: 'notification list',
  summary: 'List notifications waiting to be sent to SM-DP+ servers',
  usage: 'notification list [--device ID] [--json]',
  details: 'WHERE is `card` (still only on the eUICC) or `queued` (saved locally, waiting for delivery).',
  async run(ctx) {
    const api = await ctx.api();
    const list = await api.listNotifications(await resolveDevice(ctx, api));
    printAnswer(ctx, list, () => (list.length === 0 ? 'No pending notifications.' : formatTable(['SEQ', 'EVENT', 'ICCID', 'WHERE', 'ADDRESS'], list.map((n) => [String(n.seqNumber), n.event, n.iccid ?? '', n.where, n.address]))));
    return EXIT.ok;
  },
};

export const notificationProcessCommand: CliCommand = {
  name: 'notification process',
  summary: 'Send pending notifications (all, or the given sequence numbers)',
  usage: 'notification process [seq…] [--device ID] [--json]',
  details: 'A notification is removed from the card only after its server accepted it. Exit code 1 when one could not be delivered (it stays queued).',
  async run(ctx) {
    const seqs = ctx.positionals.map(parseSeq);
    const api = await ctx.api();
    const result = await api.processNotifications(await resolveDevice(ctx, api), seqs.length > 0 ? seqs : undefined);
    if (ctx.json) printJson(ctx.io.stdout, result);
    else {
      writeLine(ctx.io.stdout, `${result.sent} notification${result.sent === 1 ? '' : 's'} delivered${result.failed > 0 ? `, ${result.failed} failed (kept for the next try)` : ''}.`);
    }
    return result.failed > 0 ? EXIT.failed : EXIT.ok;
  },
};

const REMOVE_USAGE = 'notification remove <seq> [--device ID] [--json]';

export const notificationRemoveCommand: CliCommand = {
  name: 'notification remove',
  summary: 'Remove a notification from the card without sending it',
  usage: REMOVE_USAGE,
  details: 'The SM-DP+ then never learns about that event; use it for notifications whose server is gone.',
  async run(ctx) {
    const seqNumber = parseSeq(singleArgument(ctx, 'one sequence number', REMOVE_USAGE));
    const api = await ctx.api();
    const deviceId = await resolveDevice(ctx, api);
    await api.removeNotification(deviceId, seqNumber);
    printAnswer(ctx, { deviceId, removed: seqNumber }, () => `Notification ${seqNumber} removed.`);
    return EXIT.ok;
  },
};

export const NOTIFICATION_COMMANDS: readonly CliCommand[] = [notificationListCommand, notificationProcessCommand, notificationRemoveCommand];
