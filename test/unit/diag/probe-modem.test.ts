import { describe, expect, it } from 'vitest';
import { atModemSection, probeAtEngine } from '../../../src-main/diag/probe-at.js';
import { mergeFacts } from '../../../src-main/diag/probe-facts.js';
import { probeQmiModem } from '../../../src-main/diag/probe-qmi.js';
import { ProbeRecorder } from '../../../src-main/diag/probe-recorder.js';
import { probeReport } from '../../../src-main/diag/report.js';
import { emptyFacts } from '../../../src-main/diag/facts.js';
import { VirtualAtModem } from '../../../src-main/sim/at-modem/interpreter.js';
import { AtEngine } from '../../../src-main/transports/at/engine.js';
import { prepareAtModem } from '../../../src-main/transports/at/modem.js';
import type { QmuxLink } from '../../../src-main/links/qmux-link.js';
import { WorkbenchError } from '../../../shared/errors.js';
import { virtualModemLink } from '../../helpers/at-links.js';
import { TEST_PROFILE, makeCard } from '../../helpers/sim-card.js';

async function atEngine(profile: string, blank: boolean): Promise<AtEngine> {
  const modem = new VirtualAtModem({ card: makeCard(blank ? {} : { profile: { ...TEST_PROFILE, pin1Enabled: false } }).card, profile });
  await modem.powerUp();
  const engine = new AtEngine(virtualModemLink(modem), { defaultTimeoutMs: 2000, quietMs: 10 });
  await prepareAtModem(engine);
  return engine;
}

describe('AT modem probe (virtual AT modem)', () => {
  it('seed-em7455 with a blank eUICC: the refusal finding and QMI SAP recommended', async () => {
    const rec = new ProbeRecorder();
    const engine = await atEngine('seed-em7455', true);
    const result = await probeAtEngine(engine, rec);
    expect(result.modem).toMatchObject({ kind: 'at', available: true, recommendation: { transport: 'qmi-sap' } });
    expect(result.modem.access.map((a) => [a.method.split(' ')[0], a.works])).toEqual([['AT+CSIM', false], ['AT+CCHO/+CGLA', false], ['AT+CRSM', false]]);
    expect(result.modem.facts).toContainEqual({ label: 'SIM state (+CPIN?)', value: '+CME ERROR 10 (SIM not inserted)', meaning: 'the modem sees no usable SIM' });
    expect(result.modem.facts).toContainEqual({ label: 'UICC state (+CUSATA)', value: '2', meaning: expect.stringMatching(/^Profile download completed/) });
    expect(result.modem.facts.find((f) => f.label === 'Model (+CGMM)')?.value).toBe('EM7455');
    expect(result.modem.transcript).toContain('> AT+CPIN?');
    expect(result.facts).toMatchObject({ hostApduRefused: true, modemGaveUp: true, iccidStatus: 'absent', terminalProfileSent: true });

    const report = probeReport({ target: 'at:/dev/ttyUSB2', recorder: rec, modems: [result], now: new Date('2025-01-01T12:00:00Z') });
    expect(report.findings.map((f) => f.ruleId)).toEqual(['modem-rejects-blank-card']);
    expect(report.findings[0]?.evidence).toEqual([
      '+CPIN? → +CME ERROR 10 (SIM not inserted): the modem reports no usable SIM',
      expect.stringMatching(/^\+CUSATR: 3 shows the TERMINAL PROFILE the modem sent \(3709E8CE119C0007…\)/),
      'AT+CSIM=10,"80F2000C00" → ERROR: host APDU access refused',
      'the modem refused host APDU access (AT+CSIM / logical channel)',
    ]);
    expect(report.probe?.recommendation).toMatchObject({ transport: 'qmi-sap', nextStep: expect.stringMatching(/QMI UIM SAP/) });
    await engine.close();
  });

  it('generic modem with a provisioned card: AT access works, nothing to diagnose', async () => {
    const rec = new ProbeRecorder();
    const engine = await atEngine('generic', false);
    const result = await probeAtEngine(engine, rec);
    expect(result.modem.recommendation?.transport).toMatch(/^at-/);
    expect(result.facts).toMatchObject({ iccidStatus: 'present', isdrSelectable: true });
    expect(result.facts.hostApduRefused).toBeUndefined();
    const report = probeReport({ target: 'at:x', recorder: rec, modems: [result] });
    expect(report.findings).toEqual([]);
    await engine.close();
  });

  it('the AT section maps +CUSATA and the access checks', () => {
    const section = atModemSection({
      path: '/dev/x',
      ati: [],
      quirkProfile: { id: 'generic', label: 'Generic', reason: 'default' },
      sim: { readiness: 'locked', cpin: 'SIM PIN' },
      usat: { uiccState: { state: 3, meaning: 'UICC awaiting PIN verification' }, profiles: [] },
      access: { csim: { works: true, detail: 'ok' }, channel: { works: false, detail: 'no' }, crsm: { works: true, detail: 'ok' } },
      euicc: 'present',
      recommendation: { transport: 'at-csim', reason: 'raw' },
      transcript: [],
    });
    expect(section.facts).toMatchObject({ pinStatus: 'required', isdrSelectable: true });
    expect(section.modem.facts).toContainEqual({ label: 'UICC state (+CUSATA)', value: '3', meaning: 'UICC awaiting PIN verification' });
    expect(section.modem.recommendation?.nextStep).toMatch(/\+CSIM/);
  });
});

describe('QMI modem probe degrades gracefully', () => {
  it('a QMI device that cannot be used: "QMI probe unavailable: <reason>", a failed step, no crash', async () => {
    const dead: QmuxLink = {
      description: 'dead-link',
      write: async () => {
        throw new WorkbenchError('QMI_LINK_CLOSED', 'the device went away', 'replug');
      },
      onData: () => undefined,
      onClose: () => undefined,
      close: async () => undefined,
    };
    const rec = new ProbeRecorder();
    const result = await probeQmiModem({ kind: 'link', link: dead }, rec);
    expect(result.modem.available).toBe(false);
    expect(result.modem.unavailableReason).toMatch(/^QMI probe unavailable: .*went away/);
    expect(rec.steps.map((s) => [s.id, s.status])).toEqual([['qmi-modem', 'failed']]);
    expect(rec.stepFindings[0]?.ruleId).toBe('probe-step-failed:qmi-modem');
  });
});

describe('facts of several probes', () => {
  it('the card probe wins, lists are joined', () => {
    const merged = mergeFacts({ ...emptyFacts('probe'), iccidStatus: 'present', pinEvidence: ['a'] }, { iccidStatus: 'absent', hostApduRefused: true, pinEvidence: ['b'], terminalProfileSent: true });
    expect(merged).toMatchObject({ iccidStatus: 'present', hostApduRefused: true, pinEvidence: ['a', 'b'], terminalProfileSent: true });
  });
});
