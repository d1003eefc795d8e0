/**
 * Sending one SIM-access command (+CSIM, +CGLA, +CCHO, …) the way the modem's quirk profile needs:
 * bounded retry of the intermittent plain ERROR some firmwares give on long lines, and the timeout
 * that fits the APDU.
 */
import type { AtEngine, AtResult } from './engine.js';
import { AtCommandError } from './engine.js';
import type { AtQuirkProfile } from './quirks.js';

export interface SimCommandTimeouts {
  /** Ordinary APDUs. */
  readonly apduTimeoutMs: number;
  /**
   * STORE DATA (INS E2): the segment that completes a bound profile package makes the card install
   * the profile before it answers, which takes long on real eUICCs.
   */
  readonly longApduTimeoutMs: number;
}

export const DEFAULT_SIM_TIMEOUTS: SimCommandTimeouts = { apduTimeoutMs: 30_000, longApduTimeoutMs: 240_000 };

export function timeoutForApdu(apdu: Uint8Array, timeouts: SimCommandTimeouts): number {
  return apdu[1] === 0xe2 ? timeouts.longApduTimeoutMs : timeouts.apduTimeoutMs;
}

/**
 * Runs `command`; OK returns the result, anything else throws AtCommandError. Plain ERROR on a
 * long command is retried when the profile says the firmware drops those intermittently (the
 * command did not reach the card in the reported cases, so repeating it is safe).
 */
export async function runSimCommand(engine: AtEngine, profile: AtQuirkProfile, command: string, timeoutMs: number, signal?: AbortSignal): Promise<AtResult> {
  const retry = profile.plainErrorOnLongCommand;
  const attempts = retry !== undefined && command.length >= retry.minCommandLength ? 1 + retry.retries : 1;
  let result: AtResult | undefined;
  for (let i = 0; i < attempts; i++) {
    result = await engine.send(command, { timeoutMs, signal });
    if (result.final.outcome !== 'error') break;
  }
  if (result === undefined || result.final.outcome !== 'ok') throw new AtCommandError(result ?? { command, lines: [], final: { outcome: 'error', raw: 'ERROR' } });
  return result;
}
