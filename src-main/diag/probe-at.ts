/**
 * The AT modem probe in the report's shape: wraps the AT transport's `probeAtModem` (identity, SIM
 * state, +CUSATA/+CUSATR, which SIM-access commands work, the blank-eUICC refusal of seed 000) and
 * turns what the modem says into DiagnosisFacts, so the same rules diagnose it.
 */
import type { DiagModemProbe } from '../../shared/api.js';
import type { AtEngine } from '../transports/at/engine.js';
import { openAtModem } from '../transports/at/modem.js';
import { probeAtModem, type AtModemProbe, type ProbeAtModemOptions } from '../transports/at/probe.js';
import type { SimReadiness } from '../transports/at/sim-status.js';
import type { DiagnosisFacts } from './facts.js';
import { recommendation } from './probe-recommend.js';
import type { ProbeRecorder } from './probe-recorder.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** What a modem probe contributes: its section of the report and its facts for the rules. */
export interface ModemProbeResult {
  readonly modem: DiagModemProbe;
  readonly facts: Partial<DiagnosisFacts>;
}

const READINESS_MEANING: Readonly<Record<SimReadiness, string>> = {
  ready: 'SIM ready',
  locked: 'SIM locked: a PIN or PUK is needed',
  'no-usable-sim': 'the modem sees no usable SIM',
  unknown: 'state not recognised',
};

/** The TERMINAL PROFILE the modem last sent to the card (+CUSATR storage 3): proof a card was started up. */
function terminalProfileOf(probe: AtModemProbe): string | undefined {
  const p = probe.usat.profiles.find((u) => u.storage === 3)?.profile;
  return p !== undefined && p.length > 0 ? p : undefined;
}

function modemFacts(probe: AtModemProbe): DiagModemProbe['facts'] {
  const facts: { label: string; value: string; meaning?: string }[] = [];
  const add = (label: string, value: string | undefined, meaning?: string): void => {
    if (value !== undefined && value !== '') facts.push({ label, value, ...(meaning ? { meaning } : {}) });
  };
  add('Manufacturer (+CGMI)', probe.manufacturer);
  add('Model (+CGMM)', probe.model);
  add('Revision (+CGMR)', probe.revision);
  add('IMEI (+CGSN)', probe.imei);
  add('Quirk profile', `${probe.quirkProfile.label} (${probe.quirkProfile.id})`, probe.quirkProfile.reason);
  add('SIM state (+CPIN?)', probe.sim.cpin, READINESS_MEANING[probe.sim.readiness]);
  add('ICCID (+CCID)', probe.iccid ?? 'none reported');
  if (probe.cfun) add('Functionality (+CFUN?)', String(probe.cfun.mode), probe.cfun.meaning);
  const state = probe.usat.uiccState;
  if (state) add('UICC state (+CUSATA)', String(state.state), state.meaning + (state.additionalProfileSupport === undefined ? '' : `; additional TERMINAL PROFILE after activation ${state.additionalProfileSupport ? '' : 'not '}supported`));
  for (const p of probe.usat.profiles) add(`USAT profile ${p.storage} (+CUSATR)`, p.profile || 'empty', p.meaning);
  add('ISD-R', probe.euicc, probe.euicc === 'unknown' ? 'no SIM access worked, so the ISD-R could not be tried' : undefined);
  return facts;
}

/** What the modem's answers say about the card, in the rules' terms. */
function factsFromAtProbe(probe: AtModemProbe): Partial<DiagnosisFacts> {
  const facts: Mutable<Partial<DiagnosisFacts>> = {};
  const terminalProfile = terminalProfileOf(probe);
  const modemEvidence: string[] = [];
  if (probe.sim.readiness === 'no-usable-sim') {
    facts.modemGaveUp = true;
    modemEvidence.push(`+CPIN? → ${probe.sim.cpin}: the modem reports no usable SIM`);
    if (terminalProfile) modemEvidence.push(`+CUSATR: 3 shows the TERMINAL PROFILE the modem sent (${terminalProfile.slice(0, 16)}…): a card is in the slot and was started up`);
  }
  if (probe.blankEuiccRefusal) {
    facts.hostApduRefused = true;
    // The refusal diagnosis rests on the modem's start-up: EF.ICCID answered 6A82 (transports/at/sim-status.ts).
    facts.iccidStatus = 'absent';
    modemEvidence.push(`${String(probe.blankEuiccRefusal.details.command ?? 'AT+CSIM')} → ${String(probe.blankEuiccRefusal.details.final ?? 'ERROR')}: host APDU access refused`);
  }
  if (probe.iccid !== undefined) facts.iccidStatus = 'present';
  if (probe.euicc !== 'unknown') facts.isdrSelectable = probe.euicc === 'present';
  if (probe.sim.cpin === 'SIM PIN') {
    facts.pinStatus = 'required';
    facts.pinEvidence = ['+CPIN? answered SIM PIN: the modem waits for PIN1'];
  } else if (probe.sim.cpin === 'SIM PUK') {
    facts.pinStatus = 'blocked';
    facts.pinEvidence = ['+CPIN? answered SIM PUK: PIN1 is blocked, the PUK is needed'];
  }
  if (terminalProfile) facts.terminalProfileSent = true;
  if (modemEvidence.length > 0) facts.modemEvidence = modemEvidence;
  return facts;
}

/** The AT probe result as the report's modem section. */
export function atModemSection(probe: AtModemProbe): ModemProbeResult {
  const { csim, channel, crsm } = probe.access;
  return {
    modem: {
      kind: 'at',
      label: probe.path,
      available: true,
      facts: modemFacts(probe),
      access: [
        { method: 'AT+CSIM (raw APDUs)', works: csim.works, detail: csim.detail },
        { method: 'AT+CCHO/+CGLA (logical channel)', works: channel.works, detail: channel.detail },
        { method: 'AT+CRSM (restricted SIM access)', works: crsm.works, detail: crsm.detail },
      ],
      recommendation: recommendation(probe.recommendation.transport, probe.recommendation.reason),
      transcript: probe.transcript.map((t) => `${t.direction === 'tx' ? '>' : '<'} ${t.text}`),
    },
    facts: factsFromAtProbe(probe),
  };
}

function unavailable(label: string, reason: string): ModemProbeResult {
  return { modem: { kind: 'at', label, available: false, unavailableReason: `AT probe unavailable: ${reason}`, facts: [], access: [], transcript: [] }, facts: {} };
}

/** Probes the modem behind an open, initialised engine (the step and its failure are recorded). */
export async function probeAtEngine(engine: AtEngine, rec: ProbeRecorder, opts: ProbeAtModemOptions = {}): Promise<ModemProbeResult> {
  const result = await rec.step('at-modem', `AT modem ${engine.path}`, async () => {
    const probe = await probeAtModem(engine, opts);
    const section = atModemSection(probe);
    return { status: probe.recommendation.transport.startsWith('at-') ? 'ok' : 'warning', result: `${probe.model ?? 'modem'}: ${probe.recommendation.reason}`, value: section };
  });
  return result ?? unavailable(engine.path, rec.steps.at(-1)?.result ?? 'the modem did not answer');
}

/** Opens the AT port at `path`, probes the modem and closes the port again. */
export async function probeAtPort(path: string, rec: ProbeRecorder, opts: ProbeAtModemOptions = {}): Promise<ModemProbeResult> {
  const opened = await rec.step('at-modem', `Open AT port ${path}`, async () => {
    const modem = await openAtModem(path, { ...(opts.profile ? { profile: opts.profile } : {}), ...(opts.usbId ? { usbId: opts.usbId } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
    return { status: 'ok', result: `${path} answers AT commands`, value: modem };
  });
  if (opened === undefined) return unavailable(path, rec.steps.at(-1)?.result ?? 'the port could not be opened');
  try {
    return await probeAtEngine(opened.engine, rec, opts);
  } finally {
    await opened.engine.close();
  }
}
