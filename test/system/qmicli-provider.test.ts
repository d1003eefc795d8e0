/**
 * QmicliDeviceProvider with the REAL Debian qmicli (1.32) against the virtual QMI modem pty: list shows
 * the card status qmicli reads; open refuses with QMICLI_TOO_OLD naming the detected version and the
 * native qmi: device, which does open the same modem.
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isWorkbenchError } from '../../shared/errors.js';
import type { WorkbenchError } from '../../shared/errors.js';
import { QmiDeviceProvider } from '../../src-main/services/providers/qmi-provider.js';
import { QMICLI_DEVICES_ENV, QmicliDeviceProvider } from '../../src-main/services/providers/qmicli-provider.js';
import { startVirtualQmiModem } from '../../src-main/sim/qmi-modem/start-virtual-qmi-modem.js';
import type { RunningVirtualQmiModem } from '../../src-main/sim/qmi-modem/start-virtual-qmi-modem.js';
import { QmicliBridge } from '../../src-main/transports/qmicli/qmicli-bridge.js';
import { emptyDiscoveryRoot } from '../helpers/modem-download.js';
import { createScriptedEuicc } from '../helpers/qmi-scripted-card.js';
import type { ScriptedEuicc } from '../helpers/qmi-scripted-card.js';

const cidBalance = (m: RunningVirtualQmiModem): number => m.modem.events.filter((e) => e.type === 'cid-allocated').length - m.modem.events.filter((e) => e.type === 'cid-released').length;

describe('QmicliDeviceProvider with real qmicli 1.32 on the virtual QMI modem pty', () => {
  let card: ScriptedEuicc;
  let modem: RunningVirtualQmiModem;
  let pty: string;
  let discoveryRoot: string;
  let version: string;
  beforeAll(async () => {
    card = createScriptedEuicc();
    modem = await startVirtualQmiModem({ card, endpoints: [{ kind: 'pty' }] });
    pty = modem.ptyPath ?? '';
    discoveryRoot = await emptyDiscoveryRoot();
    const v = await new QmicliBridge({ device: pty }).version();
    version = `${v.major}.${v.minor}.${v.micro}`;
  });
  afterAll(async () => {
    await modem?.close();
    await rm(discoveryRoot, { recursive: true, force: true });
  });

  it('this machine has a qmicli without APDU options (Debian 1.32)', () => {
    expect(version).toMatch(/^1\.(3[0-5]|[12]\d)\./);
  });

  it("list shows the card status read by real qmicli (blank, then provisioned), leaking no client id", async () => {
    const provider = new QmicliDeviceProvider({ env: { [QMICLI_DEVICES_ENV]: pty }, discoveryRoot });
    const tooOld = `APDUs through qmicli need libqmi ≥ 1.36; this machine has qmicli ${version}. Use the native QMI device qmi:${pty} (it needs no qmicli; qmi:proxy:${pty} coexists with ModemManager through qmi-proxy).`;
    expect(await provider.list()).toEqual([
      { id: `qmicli:${pty}`, kind: 'qmicli', label: `${pty} (qmicli ${version}, slot 1)`, status: 'unavailable', reason: `Card present (no application), but ${tooOld}` },
    ]);
    card.provisioned = true;
    await new QmicliBridge({ device: pty }).powerCycle(1);
    try {
      const [entry] = await provider.list();
      expect(entry?.reason).toBe(`Card present (usim (2) ready), but ${tooOld}`);
    } finally {
      card.provisioned = false;
      await new QmicliBridge({ device: pty }).powerCycle(1);
    }
    expect(cidBalance(modem)).toBe(0);
  });

  it('a device qmicli cannot open is unavailable with its error', async () => {
    const missing = `${discoveryRoot}/cdc-wdm9`;
    const [entry] = await new QmicliDeviceProvider({ extraDevices: [missing], env: {}, discoveryRoot }).list();
    expect(entry).toMatchObject({ id: `qmicli:${missing}`, status: 'unavailable', reason: expect.stringContaining("couldn't create QmiDevice") });
  });

  it('open: QMICLI_TOO_OLD with the detected version; the native qmi: device it names opens the modem', async () => {
    const err = (await new QmicliDeviceProvider({ env: {}, discoveryRoot })
      .open(`qmicli:${pty}`)
      .catch((e: unknown) => e)) as WorkbenchError;
    expect(isWorkbenchError(err, 'QMICLI_TOO_OLD')).toBe(true);
    expect(err.message).toBe(`APDUs through qmicli need libqmi ≥ 1.36; this machine has qmicli ${version}.`);
    expect(err.details['nativeDeviceId']).toBe(`qmi:${pty}`);
    const native = await new QmiDeviceProvider({ env: {}, discoveryRoot, qmicliFallback: false }).open(String(err.details['nativeDeviceId']));
    try {
      // The blank card behind the seed modem: logical channels refused, UIM SAP used.
      expect(native.accessMode).toBe('sap');
    } finally {
      await native.transport.close();
    }
    expect(cidBalance(modem)).toBe(0);
  });
});
