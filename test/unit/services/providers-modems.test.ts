import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isWorkbenchError } from '../../../shared/errors.js';
import { AT_PORTS_ENV, AtDeviceProvider } from '../../../src-main/services/providers/at-provider.js';
import { QMI_DEVICES_ENV, QmiDeviceProvider, discoverQmiDevices, parseQmiDeviceId } from '../../../src-main/services/providers/qmi-provider.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'ewb-providers-'));
});
afterEach(async () => rm(root, { recursive: true, force: true }));

/** A fake /dev/cdc-wdmN bound to `driver` in sysfs. */
async function wdm(name: string, driver: string): Promise<void> {
  await mkdir(join(root, 'dev'), { recursive: true });
  await writeFile(join(root, 'dev', name), '');
  const device = join(root, 'sys/devices/usb1/1-1/1-1:1.8');
  await mkdir(join(root, 'sys/bus/usb/drivers', driver), { recursive: true });
  await mkdir(join(root, 'sys/class/usbmisc', name), { recursive: true });
  await mkdir(join(device, name), { recursive: true });
  await symlink(join(root, 'sys/bus/usb/drivers', driver), join(device, name, 'driver'));
  await symlink(join(device, name), join(root, 'sys/class/usbmisc', name, 'device'));
}

/** A fake ttyUSB port of a Sierra EM7455 (USB 1199:9071, AT on interface 3). */
async function tty(name: string, interfaceNumber: number): Promise<void> {
  const usbDev = join(root, 'sys/devices/usb2/2-1');
  const iface = join(usbDev, `2-1:1.${interfaceNumber}`);
  await mkdir(join(iface, name), { recursive: true });
  await writeFile(join(usbDev, 'idVendor'), '1199\n');
  await writeFile(join(usbDev, 'idProduct'), '9071\n');
  await writeFile(join(iface, 'bInterfaceNumber'), `0${interfaceNumber}\n`);
  await mkdir(join(root, 'sys/class/tty', name), { recursive: true });
  await symlink(join(iface, name), join(root, 'sys/class/tty', name, 'device'));
  await mkdir(join(root, 'dev'), { recursive: true });
  await writeFile(join(root, 'dev', name), '');
}

describe('QMI device ids', () => {
  const cases = [
    { id: 'qmi:/dev/cdc-wdm0', location: { kind: 'qmux-device', path: '/dev/cdc-wdm0' }, carrier: 'QMI' },
    { id: 'qmi:proxy:/dev/cdc-wdm0', location: { kind: 'qmi-proxy', devicePath: '/dev/cdc-wdm0' }, carrier: 'qmi-proxy' },
    { id: 'qmi:mbim:/dev/cdc-wdm1', location: { kind: 'mbim-device', path: '/dev/cdc-wdm1' }, carrier: 'MBIM' },
    { id: 'qmi:mbim-proxy:/dev/cdc-wdm1', location: { kind: 'mbim-proxy', devicePath: '/dev/cdc-wdm1' }, carrier: 'mbim-proxy' },
    { id: 'qmi:/tmp/ewb-qmi-modem-x/cdc-wdm', location: { kind: 'qmux-device', path: '/tmp/ewb-qmi-modem-x/cdc-wdm' }, carrier: 'QMI' },
  ] as const;
  for (const c of cases) {
    it(`${c.id} → ${c.location.kind}`, () => {
      const parsed = parseQmiDeviceId(c.id);
      expect(parsed.location).toEqual(c.location);
      expect(parsed.carrier).toBe(c.carrier);
    });
  }

  it('proxy socket names come from the options', () => {
    expect(parseQmiDeviceId('qmi:proxy:/dev/cdc-wdm0', { qmi: 'test-proxy' }).location).toEqual({ kind: 'qmi-proxy', devicePath: '/dev/cdc-wdm0', socketName: 'test-proxy' });
    expect(parseQmiDeviceId('qmi:mbim-proxy:/dev/cdc-wdm0', { mbim: 'test-mbim' }).location).toEqual({ kind: 'mbim-proxy', devicePath: '/dev/cdc-wdm0', socketName: 'test-mbim' });
  });

  it('rejects ids of other kinds', async () => {
    expect(() => parseQmiDeviceId('at:/dev/ttyUSB2')).toThrow(/not a QMI device id/);
    const err = await new QmiDeviceProvider({ env: {}, discoveryRoot: root }).open('qmi:').catch((e: unknown) => e);
    expect(isWorkbenchError(err, 'DEVICE_UNKNOWN')).toBe(true);
  });
});

describe('QMI discovery and list', () => {
  it('finds /dev/cdc-wdm* and tells QMI from MBIM by the kernel driver', async () => {
    await wdm('cdc-wdm0', 'qmi_wwan');
    await wdm('cdc-wdm1', 'cdc_mbim');
    await wdm('cdc-wdm2', 'unknown_driver');
    await writeFile(join(root, 'dev/ttyUSB0'), '');
    expect(await discoverQmiDevices(root)).toEqual(['qmi:/dev/cdc-wdm0', 'qmi:mbim:/dev/cdc-wdm1', 'qmi:/dev/cdc-wdm2']);
  });

  it('lists discovered and configured devices once each, without probing when asked', async () => {
    await wdm('cdc-wdm0', 'qmi_wwan');
    const provider = new QmiDeviceProvider({ discoveryRoot: root, probeDevices: false, extraPorts: ['proxy:/dev/cdc-wdm0', 'qmi:/dev/cdc-wdm0'], env: { [QMI_DEVICES_ENV]: 'mbim:/tmp/pty-mbim, /dev/cdc-wdm0' } });
    const list = await provider.list();
    expect(list.map((d) => [d.id, d.label])).toEqual([
      ['qmi:/dev/cdc-wdm0', '/dev/cdc-wdm0 (QMI, slot 1)'],
      ['qmi:proxy:/dev/cdc-wdm0', '/dev/cdc-wdm0 (qmi-proxy, slot 1)'],
      ['qmi:mbim:/tmp/pty-mbim', '/tmp/pty-mbim (MBIM, slot 1)'],
    ]);
    expect(list.every((d) => d.kind === 'qmi' && d.status === 'present')).toBe(true);
  });

  it('never throws from list: a missing device and a proxy nobody runs are unavailable with reasons', async () => {
    const provider = new QmiDeviceProvider({ discoveryRoot: root, env: {}, extraPorts: [join(root, 'cdc-wdm9'), `proxy:${join(root, 'cdc-wdm9')}`], proxySockets: { qmi: `ewb-nobody-${process.pid}` } });
    const [missing, proxy] = await provider.list();
    expect(missing).toMatchObject({ status: 'unavailable', reason: expect.stringContaining('does not exist') });
    expect(proxy).toMatchObject({ status: 'unavailable', reason: expect.stringContaining('qmi-proxy is not running') });
  });
});

describe('AT discovery and list', () => {
  it('lists the AT interface of a known modem, skips its other ports, and adds configured ports once', async () => {
    await tty('ttyUSB0', 0);
    await tty('ttyUSB2', 3);
    const provider = new AtDeviceProvider({ discoveryRoot: root, probePorts: false, extraPorts: ['/tmp/ttyAT0', '/dev/ttyUSB2'], env: { [AT_PORTS_ENV]: '/tmp/ttyAT1,/tmp/ttyAT0' } });
    const list = await provider.list();
    expect(list.map((d) => [d.id, d.label])).toEqual([
      ['at:/dev/ttyUSB2', 'EM7455 / MC7455 on /dev/ttyUSB2 (AT)'],
      ['at:/tmp/ttyAT0', 'Modem on /tmp/ttyAT0 (AT)'],
      ['at:/tmp/ttyAT1', 'Modem on /tmp/ttyAT1 (AT)'],
    ]);
    expect(list.every((d) => d.kind === 'at' && d.status === 'present')).toBe(true);
  });

  it('never throws from list: a configured port that does not exist is unavailable', async () => {
    const provider = new AtDeviceProvider({ discoveryRoot: root, env: { [AT_PORTS_ENV]: join(root, 'ttyUSB9') } });
    expect(await provider.list()).toEqual([{ id: `at:${join(root, 'ttyUSB9')}`, kind: 'at', label: `Modem on ${join(root, 'ttyUSB9')} (AT)`, status: 'unavailable', reason: expect.stringContaining('does not exist') }]);
  });

  it('open rejects ids of other kinds and names a missing port', async () => {
    const provider = new AtDeviceProvider({ discoveryRoot: root, env: {} });
    expect(isWorkbenchError(await provider.open('qmi:/dev/cdc-wdm0').catch((e: unknown) => e), 'DEVICE_UNKNOWN')).toBe(true);
    expect(isWorkbenchError(await provider.open(`at:${join(root, 'ttyUSB9')}`).catch((e: unknown) => e), 'SERIAL_PORT_NOT_FOUND')).toBe(true);
  });
});
