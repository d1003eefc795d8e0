/**
 * What the virtual-hardware commands (`ewb sim …`, `ewb pki init`) share: where the default card and
 * PKI live, opening a virtual eUICC from the flags, and staying up until Ctrl-C / SIGTERM. These
 * commands run servers in this process, so they use the src-main/sim factories, not WorkbenchApi.
 */
import path from 'node:path';
import { WorkbenchError } from '../../shared/errors.js';
import { toHex } from '../../shared/hex.js';
import { loadPkiDir, type RspPki } from '../crypto/index.js';
import { createVirtualEuicc, defaultVirtualEuiccPaths, openOrCreateTestPki, type VirtualEuicc } from '../sim/euicc/virtual-euicc.js';
import type { CommandContext, OptionSpec } from './command.js';

/**
 * The card and PKI the embedded virtual eUICC of the workbench uses (its data directory: $EWB_HOME,
 * else $XDG_DATA_HOME/esim-workbench, else ~/.local/share/esim-workbench; $EWB_PKI_DIR for the PKI),
 * so `ewb sim …` and the app see the same card by default.
 */
export async function defaultSimPaths(env: NodeJS.ProcessEnv = process.env): Promise<{ stateFile: string; pkiDir: string; pkiDirGiven: boolean }> {
  // Loaded on demand: the other commands do not need the services' module graph.
  const { resolveDataDir } = await import('../services/create-workbench.js');
  const paths = defaultVirtualEuiccPaths(resolveDataDir({ env }));
  const pkiDir = env.EWB_PKI_DIR;
  return { stateFile: paths.stateFile, pkiDir: pkiDir ? path.resolve(pkiDir) : paths.pkiDir, pkiDirGiven: Boolean(pkiDir) };
}

export function stringOption(ctx: CommandContext, name: string): string | undefined {
  const value = ctx.options[name];
  return typeof value === 'string' ? value : undefined;
}

/** `--state FILE` and `--pki DIR` of every command that runs a virtual eUICC. */
export const CARD_OPTIONS: OptionSpec = { state: { type: 'string' }, pki: { type: 'string' } };

/**
 * The PKI from `--pki DIR` (or $EWB_PKI_DIR; it must exist), else the default one under the data
 * directory, generated on first use (test keys for loopback only).
 */
export async function pkiFrom(ctx: CommandContext): Promise<{ pki: RspPki; pkiDir: string }> {
  const given = stringOption(ctx, 'pki');
  if (given !== undefined) return { pki: await loadPkiDir(given), pkiDir: path.resolve(given) };
  const defaults = await defaultSimPaths();
  return { pki: defaults.pkiDirGiven ? await loadPkiDir(defaults.pkiDir) : await openOrCreateTestPki(defaults.pkiDir), pkiDir: defaults.pkiDir };
}

/** The state file from `--state FILE`, else the default card's. */
export async function stateFileFrom(ctx: CommandContext): Promise<string> {
  return path.resolve(stringOption(ctx, 'state') ?? (await defaultSimPaths()).stateFile);
}

export interface OpenedCard {
  readonly euicc: VirtualEuicc;
  readonly stateFile: string;
  readonly pkiDir: string;
}

/** A virtual eUICC from `--state`, `--pki` and `--blank`. */
export async function openVirtualCard(ctx: CommandContext, extra: { maxCommandData?: number } = {}): Promise<OpenedCard> {
  const { pki, pkiDir } = await pkiFrom(ctx);
  const stateFile = await stateFileFrom(ctx);
  const euicc = await createVirtualEuicc({ pki, stateFile, blank: ctx.options.blank === true, ...extra });
  return { euicc, stateFile, pkiDir };
}

/** What `sim start` / `sim modem` print about the card they run. */
export function cardFacts(card: OpenedCard): { eid: string; atr: string; blank: boolean; profiles: number; stateFile: string; pkiDir: string } {
  const state = card.euicc.state.state;
  return { eid: state.eid, atr: toHex(card.euicc.card.atr).toUpperCase(), blank: card.euicc.card.isBlank, profiles: state.profiles.length, stateFile: card.stateFile, pkiDir: card.pkiDir };
}

/** Resolves when `signal` aborts (Ctrl-C / SIGTERM); never without a signal. */
export function waitForStop(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    signal?.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** `host:port` or `port` → the pair; `what` names the flag in errors. */
export function parseHostPort(text: string, defaultHost: string, what: string): { host: string; port: number } {
  const m = /^(?:(.+):)?(\d{1,5})$/.exec(text.trim());
  const port = Number(m?.[2]);
  if (!m || port < 1 || port > 65535) throw new WorkbenchError('USAGE', `${what} "${text}" is not host:port.`, `Example: ${what} 127.0.0.1:35963`);
  return { host: m[1] ?? defaultHost, port };
}
