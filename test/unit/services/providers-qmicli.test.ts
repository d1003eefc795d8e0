import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isWorkbenchError } from '../../../shared/errors.js';
import type { WorkbenchError } from '../../../shared/errors.js';
import { fromHex, toHex } from '../../../shared/hex.js';
import { QMICLI_DEVICES_ENV, QmicliDeviceProvider, nativeQmiId, parseQmicliDeviceId } from '../../../src-main/services/providers/qmicli-provider.js';
import { createFakeQmicli } from '../../helpers/qmicli-fake.js';
import type { FakeQmicli } from '../../helpers/qmicli-fake.js';

const ISD_R = 'A0000005591010FFFFFFFF8900000100';
const GET_EID_CH1 = '81E2910006BF3E035C015A';
const EID = '89049032123451234512345678901235';

let root: string;
let fakes: FakeQmicli[] = [];
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'ewb-qmicli-provider-'));
});
afterEach(async () => {
  await Promise.all(fakes.map((f) => f.cleanup()));
  fakes = [];
  await rm(root, { recursive: true, force: true });
});

async function fake(options: Parameters<typeof createFakeQmicli>[0] = {}): Promise<FakeQmicli> {
  const f = await createFakeQmicli(options);
  fakes.push(f);
  return f;
}

/** A fake /dev/cdc-wdmN bound to `driver` in sysfs (discovery only reads names and drivers). */
async function wdm(name: string, driver: string): Promise<void> {
  await mkdir(join(root, 'dev'), { recursive: true });
  await writeFile(join(root, 'dev', name), '');
  const device = join(root, 'sys/devices/usb1/1-1/1-1:1.8', name);
  await mkdir(join(root, 'sys/bus/usb/drivers', driver), { recursive: true });
  await mkdir(join(root, 'sys/class/usbmisc', name), { recursive: true });
  await mkdir(device, { recursive: true });
  await symlink(join(root, 'sys/bus/usb/drivers', driver), join(device, 'driver'));
  await symlink(device, join(root, 'sys/class/usbmisc', name, 'device'));
}

const provider = (f: FakeQmicli, extra: Partial<ConstructorParameters<typeof QmicliDeviceProvider>[0]> = {}): QmicliDeviceProvider =>
  new QmicliDeviceProvider({ binary: f.binary, env: {}, discoveryRoot: root, extraDevices: [f.device], ...extra });

describe('qmicli device ids', () => {
  it('qmicli:<device> and qmicli:proxy:<device>', () => {
    expect(parseQmicliDeviceId('qmicli:/dev/cdc-wdm0')).toEqual({ device: '/dev/cdc-wdm0', proxy: false });
    expect(parseQmicliDeviceId('qmicli:proxy:/dev/cdc-wdm0')).toEqual({ device: '/dev/cdc-wdm0', proxy: true });
    expect(() => parseQmicliDeviceId('qmi:/dev/cdc-wdm0')).toThrow(/not a QMICLI device id/);
  });

  it('names the native qmi: device of the same carrier', () => {
    expect(nativeQmiId({ device: '/dev/cdc-wdm0', proxy: false }, 'qmi')).toBe('qmi:/dev/cdc-wdm0');
    expect(nativeQmiId({ device: '/dev/cdc-wdm0', proxy: true }, 'qmi')).toBe('qmi:proxy:/dev/cdc-wdm0');
    expect(nativeQmiId({ device: '/dev/cdc-wdm1', proxy: false }, 'mbim')).toBe('qmi:mbim:/dev/cdc-wdm1');
    expect(nativeQmiId({ device: '/dev/cdc-wdm1', proxy: true }, 'mbim')).toBe('qmi:mbim-proxy:/dev/cdc-wdm1');
  });
});

describe('QmicliDeviceProvider.list', () => {
  it('does not list discovered modems unless asked (the native qmi: provider lists them)', async () => {
    const f = await fake();
    await wdm('cdc-wdm0', 'qmi_wwan');
    const ids = (await provider(f).list()).map((d) => d.id);
    expect(ids).not.toContain('qmicli:/dev/cdc-wdm0');
    expect(ids).toEqual([`qmicli:${f.device}`]); // the configured one only
  });

  it('lists discovered and configured devices once each, opening MBIM-mode modems with --device-open-mbim', async () => {
    const f = await fake();
    await wdm('cdc-wdm0', 'qmi_wwan');
    await wdm('cdc-wdm1', 'cdc_mbim');
    const p = provider(f, { discover: true, extraDevices: [f.device, 'qmicli:/dev/cdc-wdm0'], env: { [QMICLI_DEVICES_ENV]: `proxy:${f.device}, ${f.device}` } });
    const list = await p.list();
    expect(list.map((d) => [d.id, d.status])).toEqual([
      ['qmicli:/dev/cdc-wdm0', 'unavailable'],
      ['qmicli:/dev/cdc-wdm1', 'unavailable'],
      [`qmicli:${f.device}`, 'present'],
      [`qmicli:proxy:${f.device}`, 'present'],
    ]);
    // The discovered devices do not exist outside the fake root: qmicli's own error is the reason.
    expect(list[0]?.reason).toContain("couldn't create QmiDevice");
    expect(list[2]).toEqual({ id: `qmicli:${f.device}`, kind: 'qmicli', label: `${f.device} (qmicli 1.36.0, slot 1)`, status: 'present', accessMode: 'qmicli' });
    expect(list[3]?.label).toBe(`${f.device} (qmicli 1.36.0 via qmi-proxy, slot 1)`);
    const calls = await f.calls();
    expect(calls[0]).toBe('--version');
    expect(calls.slice(1).sort()).toEqual(
      [
        '-d /dev/cdc-wdm0 --device-open-qmi --uim-get-card-status',
        '-d /dev/cdc-wdm1 --device-open-mbim --uim-get-card-status',
        `-d ${f.device} --device-open-qmi --uim-get-card-status`,
        `-d ${f.device} -p --device-open-qmi --uim-get-card-status`,
      ].sort(),
    );
  });

  const states = [
    { card: 'blank', status: 'present', reason: /no usable application \(a blank eUICC\?\).*native qmi: device \(UIM SAP/ },
    { card: 'absent', status: 'absent', reason: undefined },
    { card: 'error', status: 'unavailable', reason: /card error \(no-atr-received\)/ },
  ] as const;
  for (const s of states) {
    it(`shows qmicli's card status: ${s.card} → ${s.status}`, async () => {
      const f = await fake({ card: s.card });
      const [entry] = await provider(f).list();
      expect(entry?.status).toBe(s.status);
      if (s.reason) expect(entry?.reason).toMatch(s.reason);
      else expect(entry?.reason).toBeUndefined();
    });
  }

  it('on qmicli 1.32 a present card is unavailable, with the card status and the native device to use', async () => {
    const f = await fake({ version: '1.32.2' });
    expect(await provider(f).list()).toEqual([
      {
        id: `qmicli:${f.device}`,
        kind: 'qmicli',
        label: `${f.device} (qmicli 1.32.2, slot 1)`,
        status: 'unavailable',
        reason: `Card present (usim (2) ready), but APDUs through qmicli need libqmi ≥ 1.36; this machine has qmicli 1.32.2. Use the native QMI device qmi:${f.device} (it needs no qmicli; qmi:proxy:${f.device} coexists with ModemManager through qmi-proxy).`,
      },
    ]);
  });

  it('qmicli missing: one unavailable entry saying how to install it, and nothing when there are no devices', async () => {
    const missing = join(root, 'no-such-qmicli');
    const p = new QmicliDeviceProvider({ binary: missing, env: { [QMICLI_DEVICES_ENV]: '/dev/cdc-wdm7' }, discoveryRoot: root });
    expect(await p.list()).toEqual([{ id: 'qmicli:*', kind: 'qmicli', label: 'qmicli bridge', status: 'unavailable', reason: `${missing} is not installed. Install it: \`apt-get install libqmi-utils\`.` }]);
    expect(await new QmicliDeviceProvider({ binary: missing, env: {}, discoveryRoot: root }).list()).toEqual([]);
  });

  it('without probing, lists the configured devices as present and runs only --version', async () => {
    const f = await fake();
    const list = await provider(f, { probeDevices: false }).list();
    expect(list.map((d) => [d.id, d.status])).toEqual([[`qmicli:${f.device}`, 'present']]);
    expect(await f.calls()).toEqual(['--version']);
  });
});

describe('QmicliDeviceProvider.open', () => {
  it('qmicli ≥ 1.36: a channel transport keeping one client id, an APDU round trip, and the client released at close', async () => {
    const f = await fake();
    await f.respond(GET_EID_CH1, `BF3E125A10${EID}9000`);
    const id = `qmicli:${f.device}`;
    const opened = await provider(f).open(id);
    expect(opened.accessMode).toBe('qmicli');
    const t = opened.transport;
    expect(t.shape).toBe('channel');
    if (t.shape !== 'channel') return;
    expect(t.info).toMatchObject({ id, kind: 'qmicli' });
    const { channel } = await t.openLogicalChannel(fromHex(ISD_R));
    expect(channel).toBe(1);
    expect(toHex(await t.transmit(channel, fromHex(GET_EID_CH1))).toUpperCase()).toBe(`BF3E125A10${EID}9000`);
    expect(toHex(await t.transmit(channel, fromHex('81F2000000'))).toUpperCase()).toBe('6D00');
    await t.close();
    const dev = `-d ${f.device} --device-open-qmi`;
    expect(await f.calls()).toEqual([
      '--version',
      `${dev} --uim-noop --client-no-release-cid`,
      `${dev} --client-cid=7 --client-no-release-cid --uim-open-logical-channel=1,${ISD_R}`,
      `${dev} --client-cid=7 --client-no-release-cid --uim-send-apdu=1,1,${GET_EID_CH1}`,
      `${dev} --client-cid=7 --client-no-release-cid --uim-send-apdu=1,1,81F2000000`,
      `${dev} --client-cid=7 --client-no-release-cid --uim-close-logical-channel=1,1`,
      `${dev} --client-cid=7 --uim-noop`,
    ]);
  });

  it('qmicli:proxy: runs qmicli with -p', async () => {
    const f = await fake();
    const opened = await provider(f).open(`qmicli:proxy:${f.device}`);
    await opened.transport.close();
    expect((await f.calls())[1]).toBe(`-d ${f.device} -p --device-open-qmi --uim-noop --client-no-release-cid`);
  });

  it('qmicli 1.32: QMICLI_TOO_OLD with the detected version, pointing at the native qmi: device; the modem is not touched', async () => {
    const f = await fake({ version: '1.32.2' });
    const err = (await provider(f)
      .open(`qmicli:${f.device}`)
      .catch((e: unknown) => e)) as WorkbenchError;
    expect(isWorkbenchError(err, 'QMICLI_TOO_OLD')).toBe(true);
    expect(err.message).toBe('APDUs through qmicli need libqmi ≥ 1.36; this machine has qmicli 1.32.2.');
    expect(err.hint).toBe(`Use the native QMI device qmi:${f.device} (it needs no qmicli; qmi:proxy:${f.device} coexists with ModemManager through qmi-proxy).`);
    expect(err.details).toMatchObject({ version: '1.32.2', nativeDeviceId: `qmi:${f.device}` });
    expect(await f.calls()).toEqual(['--version']);
  });

  it('rejects ids of other kinds', async () => {
    const f = await fake();
    expect(isWorkbenchError(await provider(f).open('qmi:/dev/cdc-wdm0').catch((e: unknown) => e), 'DEVICE_UNKNOWN')).toBe(true);
  });
});
