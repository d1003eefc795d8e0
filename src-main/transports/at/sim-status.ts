/**
 * What the modem says about its SIM (+CPIN?, +CCID), and the seed-000 diagnosis built on it:
 * a modem that refuses SIM access because the eUICC has no profile yet.
 */
import { WorkbenchError } from '../../../shared/errors.js';
import type { AtEngine } from './engine.js';
import { AtCommandError, valueAfterPrefix } from './engine.js';
import type { AtFinal } from './result-codes.js';
import { describeFinal } from './result-codes.js';
import { readUiccState, readUsatProfiles } from './usat.js';

export type SimReadiness = 'ready' | 'locked' | 'no-usable-sim' | 'unknown';

export interface SimStatus {
  readonly readiness: SimReadiness;
  /** +CPIN value (`READY`, `SIM PIN`, …) or the error the modem gave. */
  readonly cpin: string;
}

/** +CPIN values (27.007 §8.3) and what they mean for card access. */
const CPIN_VALUES: readonly { readonly value: string; readonly readiness: SimReadiness }[] = [
  { value: 'READY', readiness: 'ready' },
  { value: 'SIM PIN', readiness: 'locked' },
  { value: 'SIM PUK', readiness: 'locked' },
  { value: 'PH-SIM PIN', readiness: 'locked' },
  { value: 'SIM PIN2', readiness: 'ready' },
  { value: 'SIM PUK2', readiness: 'ready' },
  { value: 'NOT INSERTED', readiness: 'no-usable-sim' },
  { value: 'NOT READY', readiness: 'no-usable-sim' },
];

/** +CME errors that mean "no usable SIM in the slot". */
const NO_SIM_CME_CODES: readonly number[] = [10, 13, 15];

/** True for a failure that a modem gives when it will not talk to the card at all. */
export function isSimAccessRefusal(final: AtFinal): boolean {
  return final.outcome === 'error' || (final.outcome === 'cme' && final.code !== undefined && NO_SIM_CME_CODES.includes(final.code));
}

export async function readSimStatus(engine: AtEngine, signal?: AbortSignal): Promise<SimStatus> {
  const result = await engine.send('AT+CPIN?', { signal });
  if (result.final.outcome === 'ok') {
    const value = (valueAfterPrefix(result.lines, '+CPIN') ?? '').replace(/"/g, '').toUpperCase();
    return { readiness: CPIN_VALUES.find((v) => v.value === value)?.readiness ?? 'unknown', cpin: value };
  }
  return { readiness: isSimAccessRefusal(result.final) ? 'no-usable-sim' : 'unknown', cpin: describeFinal(result.final) };
}

/** ICCID from +CCID (or +ICCID, or a bare digits line), undefined when the modem has none. */
export async function readIccid(engine: AtEngine, signal?: AbortSignal): Promise<string | undefined> {
  for (const command of ['AT+CCID', 'AT+ICCID']) {
    const result = await engine.send(command, { signal, answerPrefixes: ['+CCID', '+ICCID'] });
    if (result.final.outcome !== 'ok') continue;
    const line = result.lines.find((l) => /[0-9]{18,20}F?/i.test(l));
    const iccid = line?.match(/([0-9]{18,20})F?/i)?.[1];
    if (iccid) return iccid;
  }
  return undefined;
}

export interface BlankRefusalFacts {
  readonly command: string;
  readonly final: string;
  readonly cpin: string;
  /** The modem sent a TERMINAL PROFILE (+CUSATR: 3) or reports a UICC state: a card is in the slot. */
  readonly cardSeen: boolean;
}

export function blankEuiccRefusalError(details: BlankRefusalFacts): WorkbenchError {
  return new WorkbenchError(
    'AT_MODEM_REFUSES_BLANK_EUICC',
    `The modem refuses to pass commands to the card (${details.command} → ${details.final}) and reports no usable SIM (${details.cpin}). ` +
      (details.cardSeen ? 'It did start up a card (it sent a TERMINAL PROFILE), so the slot is not empty. ' : 'If the slot is really empty, insert the eUICC first. ') +
      'At power-up it looked for EF.ICCID (2FE2), got 6A82 "file not found" because this eUICC has no profile yet, and now treats the slot as empty. ' +
      'The eUICC and its ISD-R are fine; this modem firmware simply will not let AT+CSIM or +CCHO reach a profile-less card.',
    'Reach the card another way: use the QMI transport of this tool (UIM SAP on the modem’s /dev/cdc-wdm port gives raw card access even without a profile), ' +
      'or put the eUICC in a PC/SC reader. Download the first profile over this computer’s own Internet connection (Wi-Fi or Ethernet); afterwards the modem accepts the card.',
    { details: { ...details } },
  );
}

/**
 * Turns a failed SIM-access command into the seed-000 diagnosis when it fits: the command was
 * refused (ERROR, +CME 10/13/15) and the modem reports no usable SIM. An explicit "SIM not
 * inserted" with no sign that the modem ever talked to a card is reported as an empty slot instead.
 * Otherwise returns `error` unchanged.
 */
export async function explainSimAccessFailure(engine: AtEngine, error: unknown, signal?: AbortSignal): Promise<unknown> {
  if (!(error instanceof AtCommandError) || !isSimAccessRefusal(error.result.final)) return error;
  const sim = await readSimStatus(engine, signal).catch(() => undefined);
  if (sim?.readiness !== 'no-usable-sim') return error;
  const cardSeen = await cardSeenByModem(engine, signal);
  const final = describeFinal(error.result.final);
  if (!cardSeen && error.result.final.code === 10) {
    return new WorkbenchError('AT_SIM_NOT_INSERTED', `The modem reports no SIM in the slot (${final}; +CPIN? → ${sim.cpin}).`, 'Insert the SIM or eUICC and check the modem’s slot selection. Some modems report a profile-less eUICC as missing: if one is inserted, use QMI SAP or a PC/SC reader as for a blank eUICC.', {
      details: { command: error.result.command.slice(0, 40), final, cpin: sim.cpin },
    });
  }
  return blankEuiccRefusalError({ command: error.result.command.slice(0, 40), final, cpin: sim.cpin, cardSeen });
}

/** Evidence that the modem talked to a card: a UICC TERMINAL PROFILE on record, or a UICC state. */
export async function cardSeenByModem(engine: AtEngine, signal?: AbortSignal): Promise<boolean> {
  const profiles = await readUsatProfiles(engine, signal).catch(() => []);
  if (profiles.some((p) => p.storage === 3 && p.profile.length > 0)) return true;
  // State 0 ("start-up in progress") is also what a firmware may report for an empty slot.
  return ((await readUiccState(engine, signal).catch(() => undefined))?.state ?? 0) >= 1;
}
