/**
 * Fault injection for the virtual card: what a flaky link or a pulled card does to an APDU exchange.
 * APDUs are counted from 1, from the moment a plan is set; STORE DATA sequences likewise (a sequence
 * starts with block P2 = 00), so a test can tear a BPP download at a chosen segment.
 */
import { WorkbenchError } from '../../../shared/errors.js';
import { STORE_DATA_INS } from './store-data.js';

export interface FaultPlan {
  /** Extra delay before every response (ms). */
  latencyMs?: number;
  /** Answer APDU number `apdu` with `sw` alone, without processing it. */
  statusWords?: readonly { apdu: number; sw: number }[];
  /** The card is pulled when APDU number `removeAtApdu` arrives; it is not processed. */
  removeAtApdu?: number;
  /**
   * Pull the card during STORE DATA sequence `sequence` (1-based) at block `block` (its P2):
   * 'before' = the block is not processed, 'after' = processed but the response is lost.
   */
  tearStoreData?: { sequence: number; block: number; when?: 'before' | 'after' };
}

/** What the card must do with one APDU. */
export interface FaultDecision {
  latencyMs: number;
  /** Answer with this status word instead of processing. */
  replaceSw?: number;
  /** Pull the card before processing. */
  removeBefore: boolean;
  /** Process, then pull the card and lose the response. */
  removeAfter: boolean;
}

export class FaultInjector {
  #plan: FaultPlan = {};
  #apdus = 0;
  #storeDataSequences = 0;

  constructor(plan: FaultPlan = {}) {
    this.set(plan);
  }

  /** Replaces the plan and restarts the counters. */
  set(plan: FaultPlan): void {
    for (const s of plan.statusWords ?? []) {
      if (!Number.isInteger(s.sw) || s.sw < 0 || s.sw > 0xffff) {
        throw new WorkbenchError('SIM_FAULT_INVALID', `Status word ${s.sw} is not two bytes.`, 'Give the status word as a number such as 0x6F00.');
      }
    }
    this.#plan = plan;
    this.#apdus = 0;
    this.#storeDataSequences = 0;
  }

  clear(): void {
    this.set({});
  }

  /** APDUs seen since the plan was set. */
  get apduCount(): number {
    return this.#apdus;
  }

  /** Called once per APDU, before the card processes it. */
  next(apdu: Uint8Array): FaultDecision {
    const n = ++this.#apdus;
    const plan = this.#plan;
    const decision: FaultDecision = { latencyMs: plan.latencyMs ?? 0, removeBefore: false, removeAfter: false };
    const isStoreData = apdu[1] === STORE_DATA_INS && ((apdu[0] ?? 0) & 0x80) !== 0 && apdu[0] !== 0xa0;
    if (isStoreData && apdu[3] === 0) this.#storeDataSequences++;
    const tear = plan.tearStoreData;
    if (isStoreData && tear !== undefined && this.#storeDataSequences === tear.sequence && apdu[3] === tear.block) {
      if ((tear.when ?? 'before') === 'before') decision.removeBefore = true;
      else decision.removeAfter = true;
    }
    if (plan.removeAtApdu === n) decision.removeBefore = true;
    const sw = plan.statusWords?.find((s) => s.apdu === n)?.sw;
    if (sw !== undefined) decision.replaceSw = sw;
    return decision;
  }
}
