/**
 * Full profile downloads through the virtual AT modem's pseudo-terminal, one per quirk profile, reached
 * the way users reach them — AtDeviceProvider.open on `at:<pty>` — with the LPA orchestrator and one
 * test SM-DP+ on loopback. The seed modem (seed-em7455) only serves a card that already has a profile,
 * so it gets a provisioned card; with a blank card it is the seed-000 refusal: listed as unavailable
 * with the short reason, open() throws the explanation, and the card hears nothing after the modem's
 * own power-up look at it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isWorkbenchError } from '../../shared/errors.js';
import type { WorkbenchError } from '../../shared/errors.js';
import { toProfileSummary } from '../../src-main/euicc/index.js';
import { AT_BLANK_EUICC_REASON, AtDeviceProvider } from '../../src-main/services/providers/at-provider.js';
import type { RunningVirtualAtModem } from '../../src-main/sim/at-modem/pty.js';
import { startVirtualAtModem } from '../../src-main/sim/at-modem/pty.js';
import type { ModemSimCard } from '../../src-main/sim/at-modem/sim-card.js';
import { createProfile } from '../../src-main/sim/euicc/state.js';
import { createVirtualEuicc } from '../../src-main/sim/euicc/virtual-euicc.js';
import type { VirtualEuicc } from '../../src-main/sim/euicc/virtual-euicc.js';
import { AT_QUIRK_PROFILES } from '../../src-main/transports/at/quirks.js';
import { downloadThrough, emptyDiscoveryRoot, withDeviceEs10 } from '../helpers/modem-download.js';
import type { RspLab } from '../helpers/rsp-lab.js';
import { startRspLab } from '../helpers/rsp-lab.js';

/** The profile the seed modem needs to see before it serves the card at all. */
const EXISTING = { iccid: '8944476500001230001', imsi: '001010123000001', serviceProviderName: 'Existing Op', isdpAid: 'A0000005591010FFFFFFFF8900001F00' };

/** The card as the modem sees it, counting what reaches it. */
function countingCard(euicc: VirtualEuicc): { card: ModemSimCard; apdus: () => number } {
  let count = 0;
  return {
    card: {
      powerOn: () => euicc.card.powerOn(),
      transmit: (apdu) => {
        count++;
        return euicc.card.transmit(apdu);
      },
    },
    apdus: () => count,
  };
}

describe('profile download through the virtual AT modem for every quirk profile, through AtDeviceProvider', () => {
  let lab: RspLab;
  let discoveryRoot: string;
  let running: RunningVirtualAtModem | undefined;
  let euicc: VirtualEuicc | undefined;

  beforeAll(async () => {
    lab = await startRspLab();
    discoveryRoot = await emptyDiscoveryRoot();
  });
  afterEach(async () => {
    await running?.close();
    await euicc?.close();
    running = undefined;
    euicc = undefined;
  });
  afterAll(async () => {
    await lab?.close();
    await rm(discoveryRoot, { recursive: true, force: true });
  });

  for (const [index, quirks] of AT_QUIRK_PROFILES.entries()) {
    const provisioned = quirks.refusesBlankCard;
    it(`${quirks.id}: ${provisioned ? 'a card with a profile' : 'a blank eUICC'} gets a new profile over ${quirks.preferred === 'channel' && quirks.commands.ccho ? '+CCHO/+CGLA' : '+CSIM'}`, async () => {
      const n = String(index).padStart(2, '0');
      const profile = { iccid: `89494499999999920${n}`, imsi: `0010100000002${n}`, spn: `AT Tel ${n}` };
      const matchingId = `AT-${quirks.id}`;
      lab.smdp.orders.add({ matchingId, profile });
      euicc = await createVirtualEuicc({ pki: lab.pki, blank: true });
      if (provisioned) await euicc.state.transaction((draft) => void draft.profiles.push(createProfile(EXISTING)));
      running = await startVirtualAtModem({ card: euicc.card, profile: quirks.id });
      const deviceId = `at:${running.path}`;
      const provider = new AtDeviceProvider({ extraPorts: [running.path], env: {}, discoveryRoot });
      const accessMode = quirks.preferred === 'channel' && quirks.commands.ccho ? 'logical-channel' : 'csim';

      expect(await provider.list()).toEqual([expect.objectContaining({ id: deviceId, kind: 'at', status: 'present', cardType: 'euicc', accessMode })]);

      const { result, opened, log } = await downloadThrough(provider, deviceId, lab, matchingId);
      expect(opened.accessMode).toBe(accessMode);
      expect(opened.transport.info.id).toBe(deviceId);
      // Recognised from the modem's +CGMM answer: the transport runs with this quirk profile.
      expect(opened.transport.info.label).toContain(quirks.label);
      expect(new Set(log.entries().map((e) => e.transportId))).toEqual(new Set([deviceId]));
      expect(opened.notices).toEqual(provisioned ? [] : [expect.stringContaining('blank eUICC can be provisioned')]);
      expect(result.iccid).toBe(profile.iccid);
      expect(lab.smdp.orders.get(matchingId)?.state).toBe('installed');

      await withDeviceEs10(provider, deviceId, async (es10) => {
        const profiles = (await es10.getProfilesInfo()).map(toProfileSummary);
        expect(profiles.map((p) => [p.iccid, p.state])).toEqual([...(provisioned ? [[EXISTING.iccid, 'enabled']] : []), [profile.iccid, 'disabled']]);
      });
    });
  }

  it('seed-em7455 with a blank eUICC: listed as refused, open() explains, and nothing reaches the card after power-up', async () => {
    euicc = await createVirtualEuicc({ pki: lab.pki, blank: true });
    const counted = countingCard(euicc);
    running = await startVirtualAtModem({ card: counted.card, profile: 'seed-em7455' });
    const afterPowerUp = counted.apdus();
    expect(afterPowerUp).toBeGreaterThan(0);
    const deviceId = `at:${running.path}`;
    const provider = new AtDeviceProvider({ env: { EWB_AT_PORTS: ` ${running.path} ,` }, discoveryRoot });

    expect(await provider.list()).toEqual([{ id: deviceId, kind: 'at', label: expect.stringContaining('EM7455'), status: 'unavailable', reason: AT_BLANK_EUICC_REASON }]);

    const err = await provider.open(deviceId).catch((e: unknown) => e);
    expect(isWorkbenchError(err, 'AT_MODEM_REFUSES_BLANK_EUICC')).toBe(true);
    const e = err as WorkbenchError;
    expect(e.message).toMatch(/EF\.ICCID \(2FE2\), got 6A82 .* no profile yet/);
    expect(e.message).toContain('It did start up a card (it sent a TERMINAL PROFILE)');
    expect(e.hint).toMatch(/QMI .*UIM SAP/);
    expect(e.hint).toContain('PC/SC reader');
    expect(counted.apdus()).toBe(afterPowerUp);

    // The port was released: it opens again (and is refused again, for the same reason).
    expect(isWorkbenchError(await provider.open(deviceId).catch((x: unknown) => x), 'AT_MODEM_REFUSES_BLANK_EUICC')).toBe(true);
  });

  it('lists a configured port that does not exist as unavailable, and open names it', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ewb-at-missing-'));
    try {
      const missing = path.join(dir, 'ttyUSB9');
      const provider = new AtDeviceProvider({ extraPorts: [missing], env: {}, discoveryRoot });
      expect(await provider.list()).toEqual([expect.objectContaining({ id: `at:${missing}`, status: 'unavailable', reason: expect.stringContaining('does not exist') })]);
      expect(isWorkbenchError(await provider.open(`at:${missing}`).catch((x: unknown) => x), 'SERIAL_PORT_NOT_FOUND')).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
