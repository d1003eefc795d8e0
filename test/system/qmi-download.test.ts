/**
 * The product's reason to exist (seed 000), end to end: a BLANK virtual eUICC behind the virtual QMI
 * modem modelled on the seed's EM7455, reached the way users reach it — QmiDeviceProvider.open — and
 * provisioned by the LPA orchestrator against the test SM-DP+ on loopback. The modem refuses logical
 * channels, the provider falls back to UIM SAP and says so, the profile is installed and enabled, SAP
 * is disconnected, and the modem (re-probing, then restarted) now serves a provisioned card. Over the
 * QMUX pty and over the MBIM pty. Aborting during the BPP load still disconnects SAP and leaves no profile.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isWorkbenchError } from '../../shared/errors.js';
import type { WorkbenchError } from '../../shared/errors.js';
import { fromHex } from '../../shared/hex.js';
import { ApduLog } from '../../src-main/card/apdu-log.js';
import { CardSession } from '../../src-main/card/card-session.js';
import { toProfileSummary } from '../../src-main/euicc/index.js';
import { openQmuxLink } from '../../src-main/links/qmux-open.js';
import type { QmuxLocation } from '../../src-main/links/qmux-open.js';
import { QmiDeviceProvider, parseQmiDeviceId } from '../../src-main/services/providers/qmi-provider.js';
import { createVirtualEuicc } from '../../src-main/sim/euicc/virtual-euicc.js';
import type { VirtualEuicc } from '../../src-main/sim/euicc/virtual-euicc.js';
import type { QmiModemFraming } from '../../src-main/sim/qmi-modem/endpoints.js';
import { startVirtualQmiModem } from '../../src-main/sim/qmi-modem/start-virtual-qmi-modem.js';
import type { RunningVirtualQmiModem } from '../../src-main/sim/qmi-modem/start-virtual-qmi-modem.js';
import type { VirtualQmiModemEvent } from '../../src-main/sim/qmi-modem/virtual-qmi-modem.js';
import { QmuxConnection } from '../../src-main/transports/qmi/qmi-client.js';
import { QMI_NOTICE } from '../../src-main/transports/qmi/open-qmi-card.js';
import { UIM } from '../../src-main/transports/qmi/qmi-messages.js';
import { judgeSlot, parseCardStatus } from '../../src-main/transports/qmi/uim-status.js';
import type { UimCardStatus } from '../../src-main/transports/qmi/uim-status.js';
import { downloadThrough, emptyDiscoveryRoot, withDeviceEs10 } from '../helpers/modem-download.js';
import type { RspLab } from '../helpers/rsp-lab.js';
import { startRspLab } from '../helpers/rsp-lab.js';

const EVENT_TYPES: readonly VirtualQmiModemEvent['type'][] = ['refused', 'sap-connect', 'sap-disconnect'];

/** The modem's record of the access-mode story: refusals and SAP connect/disconnect, in order. */
function accessStory(modem: RunningVirtualQmiModem): string[] {
  return modem.modem.events.filter((e) => EVENT_TYPES.includes(e.type)).map((e) => (e.type === 'refused' ? `refused ${e.message} (${e.error})` : e.type));
}

async function cardStatusOf(location: QmuxLocation): Promise<UimCardStatus> {
  const connection = await QmuxConnection.open(await openQmuxLink(location));
  try {
    const client = await connection.allocateClient('uim');
    const status = parseCardStatus(await client.request('uim.getCardStatus', {}));
    await client.close();
    return status;
  } finally {
    await connection.close();
  }
}

interface Carrier {
  readonly name: string;
  readonly framing: QmiModemFraming;
  readonly id: (pty: string) => string;
}

const CARRIERS: readonly Carrier[] = [
  { name: 'QMUX on the cdc-wdm-style pty', framing: 'qmux', id: (pty) => `qmi:${pty}` },
  { name: 'QMI over MBIM (the seed modem runs in MBIM mode)', framing: 'mbim', id: (pty) => `qmi:mbim:${pty}` },
];

describe('first-profile download into a blank eUICC behind the virtual QMI modem, through QmiDeviceProvider', () => {
  let lab: RspLab;
  let discoveryRoot: string;
  let ptyDir: string;
  beforeAll(async () => {
    lab = await startRspLab();
    discoveryRoot = await emptyDiscoveryRoot();
    ptyDir = await mkdtemp(path.join(os.tmpdir(), 'ewb-qmi-download-'));
  });
  afterAll(async () => {
    await lab?.close();
    await rm(ptyDir, { recursive: true, force: true });
  });

  for (const [index, carrier] of CARRIERS.entries()) {
    it(`${carrier.name}: refused channel → SAP notice → installed and enabled → SAP disconnected → provisioned card after restart`, async () => {
      const profile = { iccid: `894944999999999100${index}`, imsi: `00101000000010${index}`, spn: `QMI Tel ${index}` };
      const matchingId = `QMI-FIRST-${index}`;
      lab.smdp.orders.add({ matchingId, profile });
      const euicc = await createVirtualEuicc({ pki: lab.pki, blank: true });
      // A stable device path across the modem restart, as /dev/cdc-wdm0 is.
      const pty = path.join(ptyDir, `cdc-wdm${index}`);
      let modem = await startVirtualQmiModem({ card: euicc.card, endpoints: [{ kind: 'pty', framing: carrier.framing, link: pty }] });
      try {
        const deviceId = carrier.id(pty);
        const provider = new QmiDeviceProvider({ extraPorts: [deviceId.slice('qmi:'.length)], env: {}, discoveryRoot });

        const before = await provider.list();
        expect(before).toEqual([expect.objectContaining({ id: deviceId, kind: 'qmi', status: 'present', reason: expect.stringContaining('no usable application') })]);

        const { result, opened, log } = await downloadThrough(provider, deviceId, lab, matchingId, { request: { enableAfterInstall: true } });
        expect(opened.accessMode).toBe('sap');
        expect(opened.notices).toEqual([QMI_NOTICE['blank-card-refused']]);
        expect(opened.transport.info.id).toBe(deviceId);
        expect(new Set(log.entries().map((e) => e.transportId))).toEqual(new Set([deviceId]));
        expect(result.iccid).toBe(profile.iccid);
        expect(result.enabled).toBe(true);
        expect(lab.smdp.orders.get(matchingId)?.state).toBe('installed');

        // Refused logical channel (AccessDenied 82), then one SAP session, disconnected when the session closed.
        expect(accessStory(modem)).toEqual(['refused uim.openLogicalChannel (82)', 'sap-connect', 'sap-disconnect']);
        const sapApdus = modem.modem.events.filter((e) => e.type === 'card-apdu' && e.via === 'sap');
        expect(sapApdus.some((e) => e.type === 'card-apdu' && e.command[1] === 0xe2 && e.command.length > 200)).toBe(true);
        // On SAP disconnect the modem took the card back and probed it: now usable.
        expect(modem.modem.events.filter((e) => e.type === 'card-probed').map((e) => e.type === 'card-probed' && e.usable)).toEqual([false, true]);

        // A modem restart (reboot, re-probe from power-up) sees a provisioned card.
        await modem.close();
        modem = await startVirtualQmiModem({ card: euicc.card, endpoints: [{ kind: 'pty', framing: carrier.framing, link: pty }] });
        const status = await cardStatusOf(parseQmiDeviceId(deviceId).location);
        expect(judgeSlot(status, 1)).toEqual({ kind: 'usable' });
        const usimAid = status.cards[0]?.applications.find((a) => a.type === UIM.appType.usim)?.aid;
        expect(usimAid).toBeDefined();
        expect(await provider.list()).toEqual([expect.objectContaining({ id: deviceId, status: 'present', accessMode: 'logical-channel' })]);

        await withDeviceEs10(provider, deviceId, async (es10, reopened) => {
          expect(reopened.accessMode).toBe('logical-channel');
          expect(reopened.notices).toEqual([]);
          const profiles = (await es10.getProfilesInfo()).map(toProfileSummary);
          expect(profiles).toEqual([expect.objectContaining({ iccid: profile.iccid, state: 'enabled', serviceProviderName: profile.spn })]);
        });
        // EF.ICCID of the new profile, read by the host on a logical channel to the USIM.
        const reopened = await provider.open(deviceId);
        const session = new CardSession(reopened.transport, new ApduLog());
        try {
          const usim = await session.openLogicalChannel(usimAid ?? new Uint8Array(), { returns: 'fcp' });
          await session.selectPath('3F00/2FE2', { channel: usim.channel });
          const iccid = await session.transmit({ cla: usim.channel, ins: 0xb0, p1: 0, p2: 0, le: 10 });
          expect(iccid.sw).toBe(0x9000);
          expect(iccid.data).toEqual(fromHex(`${profile.iccid}F`.replace(/(.)(.)/g, '$2$1')));
          await usim.close();
        } finally {
          await session.close();
        }
        expect(accessStory(modem)).toEqual([]);
      } finally {
        await modem.close();
        await euicc.close();
      }
    });
  }

  it('abort during the BPP load: SAP disconnect still sent, and the card holds no half profile', async () => {
    lab.smdp.orders.add({ matchingId: 'QMI-ABORT', profile: { iccid: '8949449999999991009', imsi: '001010000000109', spn: 'QMI Abort' } });
    const euicc: VirtualEuicc = await createVirtualEuicc({ pki: lab.pki, blank: true });
    const modem = await startVirtualQmiModem({ card: euicc.card, endpoints: [{ kind: 'pty' }] });
    try {
      const deviceId = `qmi:${modem.ptyPath ?? ''}`;
      const provider = new QmiDeviceProvider({ env: {}, discoveryRoot });
      const controller = new AbortController();
      const err = await downloadThrough(provider, deviceId, lab, 'QMI-ABORT', {
        signal: controller.signal,
        onProgress: (step, percent) => {
          if (step === 'load-bound-profile-package' && (percent ?? 0) > 0) controller.abort();
        },
      }).catch((e: unknown) => e);
      expect(isWorkbenchError(err, 'ABORTED')).toBe(true);
      expect((err as WorkbenchError).details['step']).toBe('load-bound-profile-package');
      // The first BPP segment (STORE DATA carrying the BF36 header) had reached the card through SAP.
      expect(modem.modem.events.some((e) => e.type === 'card-apdu' && e.via === 'sap' && e.command[1] === 0xe2 && e.command[5] === 0xbf && e.command[6] === 0x36)).toBe(true);
      expect(lab.smdp.orders.get('QMI-ABORT')?.state).not.toBe('installed');
      expect(accessStory(modem)).toEqual(['refused uim.openLogicalChannel (82)', 'sap-connect', 'sap-disconnect']);
      expect(euicc.state.state.profiles).toEqual([]);

      // Read again, never assumed: through the provider the card lists no profile.
      await withDeviceEs10(provider, deviceId, async (es10, opened) => {
        expect(opened.accessMode).toBe('sap');
        expect(await es10.getProfilesInfo()).toEqual([]);
      });
      expect(accessStory(modem).filter((s) => s === 'sap-disconnect')).toHaveLength(2);
    } finally {
      await modem.close();
      await euicc.close();
    }
  });
});
