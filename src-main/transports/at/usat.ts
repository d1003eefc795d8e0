/**
 * USAT profile and UICC state reading (3GPP TS 27.007 §12.2, seed 002) for diagnostics.
 * A modem that sent a TERMINAL PROFILE (+CUSATR: 3) has talked to a card, which tells a blank eUICC
 * apart from an empty slot.
 */
import type { AtEngine } from './engine.js';

/** <UICC_state> of +CUSATA / +CUSATS. */
export const UICC_STATES: readonly { readonly state: number; readonly meaning: string }[] = [
  { state: 0, meaning: 'UICC start-up in progress, before profile download' },
  { state: 1, meaning: 'UICC start-up halted and ready for profile download (+CUSATD=2)' },
  { state: 2, meaning: 'Profile download completed, UICC start-up continuing' },
  { state: 3, meaning: 'UICC awaiting PIN verification' },
  { state: 4, meaning: 'UICC active' },
];

/** <profile_storage> of +CUSATR. */
export const USAT_PROFILE_STORAGES: readonly { readonly storage: number; readonly meaning: string }[] = [
  { storage: 0, meaning: 'TE profile (set with +CUSATW)' },
  { storage: 1, meaning: 'MT profile (set with +CUSATW)' },
  { storage: 2, meaning: 'MT default profile' },
  { storage: 3, meaning: 'UICC profile: the TERMINAL PROFILE last sent to the UICC' },
  { storage: 4, meaning: 'UICC EF.UST (USIM service table)' },
  { storage: 5, meaning: 'MT-only facilities' },
];

export interface UiccState {
  readonly state: number;
  readonly meaning: string;
  /** "Additional TERMINAL PROFILE after UICC activation" supported, when reported. */
  readonly additionalProfileSupport?: boolean;
}

export interface UsatProfile {
  readonly storage: number;
  readonly meaning: string;
  /** Upper-case hex, possibly empty. */
  readonly profile: string;
}

export function parseCusata(line: string | undefined): UiccState | undefined {
  const m = line === undefined ? null : /^\+CUSATA:\s*(\d+)(?:\s*,\s*(\d+))?/i.exec(line);
  if (m === null) return undefined;
  const state = Number(m[1]);
  return {
    state,
    meaning: UICC_STATES.find((s) => s.state === state)?.meaning ?? `unknown state ${state}`,
    additionalProfileSupport: m[2] === undefined ? undefined : m[2] === '1',
  };
}

export function parseCusatr(lines: readonly string[]): UsatProfile[] {
  const out: UsatProfile[] = [];
  for (const line of lines) {
    const m = /^\+CUSATR:\s*(\d+)\s*,\s*"?([0-9A-Fa-f]*)"?/i.exec(line);
    if (m === null) continue;
    const storage = Number(m[1]);
    out.push({ storage, meaning: USAT_PROFILE_STORAGES.find((s) => s.storage === storage)?.meaning ?? `storage ${storage}`, profile: (m[2] ?? '').toUpperCase() });
  }
  return out;
}

/** +CUSATA state; tries the execution form `=0` first and the read form some firmwares use. */
export async function readUiccState(engine: AtEngine, signal?: AbortSignal): Promise<UiccState | undefined> {
  for (const command of ['AT+CUSATA=0', 'AT+CUSATA?']) {
    const result = await engine.send(command, { signal });
    const state = parseCusata(result.lines.find((l) => /^\+CUSATA:/i.test(l)));
    if (state) return state;
  }
  return undefined;
}

export async function readUsatProfiles(engine: AtEngine, signal?: AbortSignal): Promise<UsatProfile[]> {
  const result = await engine.send('AT+CUSATR', { signal });
  return result.final.outcome === 'ok' ? parseCusatr(result.lines) : [];
}
