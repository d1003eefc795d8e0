/**
 * probeDevice end to end over virtual hardware: the seed-000 situation behind a QMI modem (EM7455
 * refuses logical channels to the blank eUICC, SAP reaches it), the same behind the AT modem on a
 * real pty, and a provisioned virtual eUICC. The probes see only what a real front end would.
 */
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { probeDevice, renderDiagnosticReport } from '../../src-main/services/diagnostics.js';
import { startVirtualAtModem, type RunningVirtualAtModem } from '../../src-main/sim/at-modem/pty.js';
import { QMI_MODEM_PROFILES } from '../../src-main/sim/qmi-modem/modem-profiles.js';
import { VirtualQmiModem } from '../../src-main/sim/qmi-modem/virtual-qmi-modem.js';
import { openAtModem, createAtCardTransport } from '../../src-main/transports/at/modem.js';
import { openQmiCard } from '../../src-main/transports/qmi/open-qmi-card.js';
import { PROBE_EID, virtualProbeTransport, eidHandler } from '../helpers/diag-probe.js';
import { MemoryQmuxLink } from '../helpers/qmi-memory-link.js';
import { makeCard } from '../helpers/sim-card.js';
import { EcasdApplet, Es10Applet } from '../../src-main/sim/card/es10-applet.js';

const NOW = new Date('2025-01-01T12:00:00Z');
const blankEuicc = () => makeCard({ applets: [new Es10Applet({ handler: eidHandler }), new EcasdApplet()] }).card;

describe('probeDevice: blank eUICC behind the seed EM7455 (QMI)', () => {
  it('modem refuses logical channels, the card is reached over SAP: blank-eUICC findings, recommended qmi-sap', async () => {
    const modem = new VirtualQmiModem(blankEuicc(), QMI_MODEM_PROFILES['sierra-em7455']);
    await modem.start();
    const report = await probeDevice(
      'qmi:/dev/cdc-wdm0',
      {
        modemOf: () => ({ kind: 'qmi', location: { kind: 'link', link: new MemoryQmuxLink(modem) } }),
        open: async () => {
          const notices: string[] = [];
          const opened = await openQmiCard({ location: { kind: 'link', link: new MemoryQmuxLink(modem) }, onNotice: (m) => notices.push(m) });
          return { transport: opened.transport, notices, accessMode: opened.mode };
        },
      },
      { now: NOW },
    );
    const probe = report.probe;
    expect(report.findings.map((f) => f.ruleId)).toEqual(['blank-euicc', 'modem-rejects-blank-card']);
    expect(probe?.modems[0]).toMatchObject({ kind: 'qmi', available: true, recommendation: { transport: 'qmi-sap' } });
    expect(probe?.modems[0]?.access[0]).toMatchObject({ method: 'QMI Open Logical Channel (ISD-R)', works: false });
    expect(probe?.notices).toEqual(['logical channels refused by the modem (blank eUICC): using QMI UIM SAP']);
    expect(probe?.card).toMatchObject({ isdr: 'present', iccidStatus: 'absent', eid: PROBE_EID });
    expect(probe?.recommendation.transport).toBe('qmi-sap');
    expect(probe?.recommendation.nextStep).toMatch(/first profile/);
    expect(report.apduLog?.[0]).toMatchObject({ command: '00 A4 00 04 02 3F 00', deviceId: 'qmi:/dev/cdc-wdm0' });
    expect(report.summary).toMatch(/^2 finding\(s\), most important: eUICC without an enabled profile\. Recommended transport: qmi-sap\.$/);
    const md = renderDiagnosticReport(report, 'markdown').content;
    expect(md).toContain('## Modem (QMI) memory');
    expect(md).toContain('QMI Open Logical Channel (ISD-R)');
  });
});

describe('probeDevice: virtual eUICC and missing transports', () => {
  it('a provisioned virtual eUICC: no findings, EID and ICCID, recommended the virtual transport', async () => {
    const report = await probeDevice('virtual:default', {
      open: async () => ({ transport: virtualProbeTransport({ iccid: '8944476500001234567', imsi: '001010123456789', pin1Enabled: false }) }),
      describe: async () => ({ id: 'virtual:default', kind: 'virtual', label: 'Virtual eUICC', status: 'present' }),
    });
    expect(report.findings).toEqual([]);
    expect(report.device).toEqual({ id: 'virtual:default', label: 'Virtual eUICC', kind: 'virtual' });
    expect(report.probe?.modems).toEqual([]);
    expect(report.probe?.card).toMatchObject({ iccid: '8944476500001234567', eid: PROBE_EID, usim: 'present' });
    expect(report.probe?.recommendation.transport).toBe('virtual');
  });

  it('a device that cannot be opened: a failed step and its finding, still a report', async () => {
    const report = await probeDevice('pcsc:Reader 0', {
      open: async () => {
        throw Object.assign(new Error('No card in the reader.'), {});
      },
    });
    expect(report.probe?.steps.map((s) => [s.id, s.status])).toEqual([['open-card', 'failed']]);
    expect(report.findings.map((f) => f.ruleId)).toEqual(['probe-step-failed:open-card']);
    expect(report.probe?.recommendation.transport).toBe('none');
  });

  it('a QMI device that is not there: "QMI probe unavailable", the card part still runs', async () => {
    const report = await probeDevice('qmi:/nonexistent/cdc-wdm9', { open: async () => ({ transport: virtualProbeTransport() }) });
    expect(report.probe?.modems[0]?.unavailableReason).toMatch(/^QMI probe unavailable: /);
    expect(report.probe?.card?.isdr).toBe('present');
  });
});

const socat = existsSync('/usr/bin/socat');

describe.skipIf(!socat)('probeDevice: blank eUICC behind the seed EM7455 (AT, on a pty)', () => {
  let running: RunningVirtualAtModem | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  it('refusal finding, card access skipped, recommended qmi-sap', async () => {
    running = await startVirtualAtModem({ card: blankEuicc(), profile: 'seed-em7455' });
    const path = running.path;
    const report = await probeDevice(`at:${path}`, {
      open: async () => {
        const { engine, selection } = await openAtModem(path);
        return { transport: createAtCardTransport(engine, selection.profile, { ownsEngine: true }) };
      },
    });
    expect(report.findings.map((f) => f.ruleId)).toEqual(['modem-rejects-blank-card']);
    expect(report.probe?.modems[0]).toMatchObject({ kind: 'at', label: path, available: true });
    expect(report.probe?.steps.find((s) => s.id === 'open-card')?.status).toBe('skipped');
    expect(report.probe?.recommendation.transport).toBe('qmi-sap');
  });
});
