/**
 * The bookkeeping of a live probe: an ordered list of steps, the APDUs each step sent (taken from the
 * card layer's ApduLog, the one place exchanges are logged), and a finding for every step that failed.
 * A step that throws never ends the probe — except a cancellation, which must stop it.
 */
import type { DiagProbeStep, DiagStepStatus } from '../../shared/api.js';
import { isWorkbenchError } from '../../shared/errors.js';
import type { ApduLog, ApduLogEntry } from '../card/apdu-log.js';
import type { Finding } from './diagnose.js';

/** What a step reports when it did not throw. */
export interface StepOutcome<T> {
  readonly status: DiagStepStatus;
  readonly result: string;
  readonly details?: readonly string[];
  readonly value?: T;
}

/** Why each probe step can fail, for the finding a failed step becomes. Adding a step is adding a row. */
export const PROBE_STEP_CAUSES: Readonly<Record<string, string>> = {
  atr: 'The transport could not report the Answer To Reset: the card is not powered, not inserted, or the link dropped.',
  mf: 'The card did not answer a SELECT of the master file: no card access on the basic channel, or the card is not responding.',
  iccid: 'EF.ICCID could not be read through this transport.',
  dir: 'EF.DIR could not be read through this transport.',
  isdr: 'The ISD-R could not be reached: no logical channel could be opened, or the modem refused access to the card.',
  eid: 'The ISD-R did not return the EID (ES10c.GetEID).',
  ecasd: 'The ECASD could not be selected on a logical channel.',
  usim: 'The USIM application could not be selected.',
  pin: 'The PIN status could not be queried.',
  'open-card': 'The device could not be opened for card access: the transport refused, or no card is reachable through it.',
  'at-modem': 'The AT port could not be opened or the modem did not answer AT commands.',
  'qmi-modem': 'The QMI device could not be opened or the modem did not answer QMI requests.',
};

const GENERIC_CAUSE = 'The card or the transport refused this step.';
const GENERIC_FIX = 'Look at the APDU log of this report for the exchange; retry once, and reconnect the device if it repeats.';

function errorParts(err: unknown): { code: string; message: string; hint?: string } {
  if (isWorkbenchError(err)) return { code: err.code, message: err.message, hint: err.hint };
  return { code: 'INTERNAL_ERROR', message: err instanceof Error ? err.message : String(err) };
}

export class ProbeRecorder {
  readonly steps: DiagProbeStep[] = [];
  /** Findings of failed steps, in step order. */
  readonly stepFindings: Finding[] = [];
  /** Every APDU exchanged while recording, oldest first. */
  readonly apdus: ApduLogEntry[] = [];
  /** Notes on how the card was reached (SAP fallback …). */
  readonly notices: string[] = [];
  private current: number[] | undefined;
  private readonly unsubscribers: (() => void)[] = [];

  /**
   * Collects the APDUs `log` records from now on, until {@link stop}; with `transportId`, only that
   * transport's (a shared log also carries other devices' traffic).
   */
  watch(log: ApduLog, transportId?: string): void {
    this.unsubscribers.push(
      log.onEntry((entry) => {
        if (transportId !== undefined && entry.transportId !== transportId) return;
        this.apdus.push(entry);
        this.current?.push(entry.seq);
      }),
    );
  }

  stop(): void {
    for (const u of this.unsubscribers.splice(0)) u();
  }

  /** Records a step that did not run, with the reason. */
  skip(id: string, title: string, reason: string): void {
    this.steps.push({ id, title, status: 'skipped', result: reason });
  }

  /**
   * Runs one step. Its APDUs are tagged with it; an error marks it failed and becomes a finding
   * (ABORTED is rethrown). Returns the step's value, or undefined when it failed or gave none.
   */
  async step<T>(id: string, title: string, run: () => Promise<StepOutcome<T>>): Promise<T | undefined> {
    const seqs: number[] = [];
    const outer = this.current;
    this.current = seqs;
    try {
      const outcome = await run();
      this.steps.push({ id, title, status: outcome.status, result: outcome.result, ...(outcome.details?.length ? { details: outcome.details } : {}), ...(seqs.length ? { apduSeqs: seqs } : {}) });
      return outcome.value;
    } catch (err) {
      if (isWorkbenchError(err, 'ABORTED')) throw err;
      this.fail(id, title, err, seqs);
      return undefined;
    } finally {
      this.current = outer;
    }
  }

  /** Records a failed step and its finding. */
  fail(id: string, title: string, err: unknown, seqs: readonly number[] = []): void {
    const { code, message, hint } = errorParts(err);
    this.steps.push({ id, title, status: 'failed', result: message, details: [`error code ${code}`], ...(seqs.length ? { apduSeqs: [...seqs] } : {}) });
    this.stepFindings.push({
      ruleId: `probe-step-failed:${id}`,
      severity: 'warning',
      title: `Probe step failed: ${title}`,
      symptom: message,
      cause: PROBE_STEP_CAUSES[id] ?? GENERIC_CAUSE,
      fix: hint ?? GENERIC_FIX,
      evidence: [`${title} → ${code}`],
    });
  }
}
