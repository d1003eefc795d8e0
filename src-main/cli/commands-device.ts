/**
 * `ewb device list`, and how every card command picks its device: `--device ID`, else the only card
 * attached (not counting the virtual eUICC), else the built-in virtual eUICC.
 */
import type { DeviceSummary, WorkbenchApi } from '../../shared/api.js';
import { WorkbenchError } from '../../shared/errors.js';
import type { CliCommand, CommandContext } from './command.js';
import { formatTable, printJson } from './format.js';
import { EXIT, writeLine } from './io.js';

/** The device a card command talks to (see the module comment). */
export async function resolveDevice(ctx: CommandContext, api: WorkbenchApi): Promise<string> {
  const given = ctx.options.device;
  if (typeof given === 'string' && given !== '') return given;
  const devices = await api.listDevices();
  const present = devices.filter((d) => d.status === 'present');
  const hardware = present.filter((d) => d.kind !== 'virtual');
  const only = hardware.length === 1 ? hardware[0] : undefined;
  if (only) return only.id;
  const virtual = present.find((d) => d.kind === 'virtual');
  if (virtual) {
    if (hardware.length > 1 && !ctx.json) {
      writeLine(ctx.io.stderr, `note: ${hardware.length} cards are attached; using the virtual eUICC. Choose one with --device (see \`ewb device list\`).`);
    }
    return virtual.id;
  }
  if (hardware.length > 1) {
    throw new WorkbenchError('DEVICE_AMBIGUOUS', `${hardware.length} cards are attached: ${hardware.map((d) => d.id).join(', ')}.`, 'Choose one with --device ID.', {
      details: { devices: hardware.map((d) => d.id) },
    });
  }
  throw new WorkbenchError('DEVICE_NONE', 'No card is available: no reader or modem has a card, and the virtual eUICC is off.', 'Insert a card, or check `ewb device list` for why a device is unavailable.', {
    details: { devices: devices.map((d) => ({ id: d.id, status: d.status, ...(d.reason === undefined ? {} : { reason: d.reason }) })) },
  });
}

function deviceRow(d: DeviceSummary): string[] {
  return [d.id, d.kind, d.status, d.cardType ?? '', d.accessMode ?? '', d.label];
}

export const deviceListCommand: CliCommand = {
  name: 'device list',
  summary: 'List readers, modems and virtual eUICCs, with their card status',
  usage: 'device list [--json]',
  details: 'The ID column is what --device takes. A reason line under a device says why it cannot be used, or how it is reached.',
  async run(ctx) {
    const devices = await (await ctx.api()).listDevices();
    if (ctx.json) {
      printJson(ctx.io.stdout, devices);
      return EXIT.ok;
    }
    if (devices.length === 0) {
      writeLine(ctx.io.stdout, 'No devices found.');
      return EXIT.ok;
    }
    writeLine(ctx.io.stdout, formatTable(['ID', 'KIND', 'STATUS', 'CARD', 'ACCESS', 'LABEL'], devices.map(deviceRow)));
    const notes = devices.filter((d) => d.reason !== undefined);
    if (notes.length > 0) writeLine(ctx.io.stdout);
    for (const d of notes) writeLine(ctx.io.stdout, `${d.id}: ${d.reason ?? ''}`);
    return EXIT.ok;
  },
};
