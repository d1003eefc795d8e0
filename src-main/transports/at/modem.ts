/**
 * Opening an AT modem: port, engine, a known command state (no echo, verbose finals, numeric
 * +CME errors), identity, and the quirk profile; then a card transport of the right shape.
 */
import type { CardTransport } from '../../card/transport.js';
import type { OpenSerialOptions } from '../../links/serial-port.js';
import { openSerialLink } from '../../links/serial-port.js';
import type { AtEngineOptions } from './engine.js';
import { AtEngine } from './engine.js';
import type { AtQuirkProfile, QuirkSelection } from './quirks.js';
import { selectAtQuirkProfile } from './quirks.js';
import { AtChannelTransport } from './channel-transport.js';
import { AtCsimTransport } from './csim-transport.js';
import type { SimCommandTimeouts } from './sim-command.js';

export interface ModemIdentityInfo {
  readonly ati: readonly string[];
  readonly manufacturer?: string;
  readonly model?: string;
  readonly revision?: string;
  readonly imei?: string;
}

/** Resync, then echo off, verbose result codes, numeric +CME errors (mapped by the table). */
export async function initializeAtEngine(engine: AtEngine, signal?: AbortSignal): Promise<void> {
  await engine.resync(signal);
  await engine.send('ATE0', { signal });
  await engine.send('ATV1', { signal });
  // Some firmwares lack +CMEE; plain ERROR then stays the only failure form, which is handled too.
  await engine.send('AT+CMEE=1', { signal });
}

async function firstValue(engine: AtEngine, command: string, signal?: AbortSignal): Promise<string | undefined> {
  const result = await engine.send(command, { signal });
  if (result.final.outcome !== 'ok') return undefined;
  const prefix = command.slice(2);
  const line = result.lines.find((l) => l.trim().length > 0);
  return line?.replace(new RegExp(`^\\${prefix}:\\s*`, 'i'), '').replace(/^"|"$/g, '').trim();
}

/** ATI and +CGMI/+CGMM/+CGMR/+CGSN, each optional. */
export async function identifyModem(engine: AtEngine, signal?: AbortSignal): Promise<ModemIdentityInfo> {
  const ati = await engine.send('ATI', { signal });
  return {
    ati: ati.final.outcome === 'ok' ? ati.lines : [],
    manufacturer: await firstValue(engine, 'AT+CGMI', signal),
    model: await firstValue(engine, 'AT+CGMM', signal),
    revision: await firstValue(engine, 'AT+CGMR', signal),
    imei: await firstValue(engine, 'AT+CGSN', signal),
  };
}

export interface PrepareAtModemOptions {
  /** Quirk profile id chosen by the user. */
  readonly profile?: string;
  /** USB `vid:pid` of the modem, from discovery. */
  readonly usbId?: string;
  readonly signal?: AbortSignal;
}

export interface PreparedAtModem {
  readonly engine: AtEngine;
  readonly identity: ModemIdentityInfo;
  readonly selection: QuirkSelection;
}

/** Initialises an engine, identifies the modem and applies its quirk profile's line limit. */
export async function prepareAtModem(engine: AtEngine, options: PrepareAtModemOptions = {}): Promise<PreparedAtModem> {
  await initializeAtEngine(engine, options.signal);
  const identity = await identifyModem(engine, options.signal);
  const atiModel = identity.ati.find((l) => /^Model:/i.test(l))?.replace(/^Model:\s*/i, '');
  const selection = selectAtQuirkProfile({ override: options.profile, usbId: options.usbId, model: identity.model ?? atiModel });
  engine.maxCommandLine = Math.min(engine.maxCommandLine, selection.profile.maxCommandLine);
  return { engine, identity, selection };
}

export interface OpenAtModemOptions extends PrepareAtModemOptions, OpenSerialOptions {
  readonly engine?: AtEngineOptions;
}

/** Opens the port at `path` and prepares the modem on it. */
export async function openAtModem(path: string, options: OpenAtModemOptions = {}): Promise<PreparedAtModem> {
  const link = await openSerialLink(path, options);
  const engine = new AtEngine(link, options.engine);
  try {
    return await prepareAtModem(engine, options);
  } catch (err) {
    await engine.close();
    throw err;
  }
}

export interface AtCardTransportOptions {
  /** Force a shape; default: the profile's preference, or raw when the modem has no +CCHO. */
  readonly shape?: 'raw' | 'channel';
  readonly timeouts?: SimCommandTimeouts;
  readonly ownsEngine?: boolean;
}

/** The card transport the profile calls for: +CCHO/+CGLA (channel) or +CSIM (raw). */
export function createAtCardTransport(engine: AtEngine, profile: AtQuirkProfile, options: AtCardTransportOptions = {}): CardTransport {
  const channelOk = profile.commands.ccho && profile.commands.cgla;
  const shape = options.shape ?? (channelOk && profile.preferred === 'channel' ? 'channel' : 'raw');
  const transportOptions = { profile, timeouts: options.timeouts, ownsEngine: options.ownsEngine };
  return shape === 'channel' ? new AtChannelTransport(engine, transportOptions) : new AtCsimTransport(engine, transportOptions);
}
