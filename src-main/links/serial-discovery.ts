/**
 * Finds modem serial ports: /dev/ttyUSB* and /dev/ttyACM*, their /dev/serial/by-id names, and the
 * USB device behind each one (read from sysfs, so no udev daemon or root is needed).
 */
import { readdir, readFile, readlink, realpath } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { UsbModemModel } from './serial-usb-models.js';
import { findUsbModemModel } from './serial-usb-models.js';

export interface UsbPortInfo {
  readonly vid: string;
  readonly pid: string;
  readonly manufacturer?: string;
  readonly product?: string;
  readonly serial?: string;
  /** bInterfaceNumber of the USB interface the tty belongs to. */
  readonly interfaceNumber?: number;
  /** Kernel driver of that interface (option, qcserial, cdc_acm, …). */
  readonly driver?: string;
}

export interface ModemPort {
  /** /dev/ttyUSB2, /dev/ttyACM0, … */
  readonly path: string;
  /** Stable names under /dev/serial/by-id pointing at this port. */
  readonly byId: readonly string[];
  readonly usb?: UsbPortInfo;
  readonly model?: UsbModemModel;
  /** true/false when the model table says which interfaces carry AT; undefined when unknown. */
  readonly likelyAt?: boolean;
}

export interface DiscoveryOptions {
  /** Filesystem root, for tests with a fake /dev and /sys tree. */
  readonly root?: string;
}

const TTY_NAME = /^tty(USB|ACM)\d+$/;

async function readText(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    return undefined;
  }
}

/** Walks up from the tty's sysfs device to the USB interface (has bInterfaceNumber) and device (has idVendor). */
async function usbInfoFor(root: string, tty: string): Promise<UsbPortInfo | undefined> {
  let dir: string;
  try {
    dir = await realpath(join(root, 'sys/class/tty', tty, 'device'));
  } catch {
    return undefined;
  }
  let interfaceDir: string | undefined;
  for (let i = 0; i < 4; i++, dir = resolve(dir, '..')) {
    if (interfaceDir === undefined && (await readText(join(dir, 'bInterfaceNumber'))) !== undefined) interfaceDir = dir;
    const vid = await readText(join(dir, 'idVendor'));
    const pid = await readText(join(dir, 'idProduct'));
    if (vid === undefined || pid === undefined) continue;
    const ifNum = interfaceDir === undefined ? undefined : await readText(join(interfaceDir, 'bInterfaceNumber'));
    const driverLink = interfaceDir === undefined ? undefined : await readlink(join(interfaceDir, 'driver')).catch(() => undefined);
    return {
      vid: vid.toLowerCase(),
      pid: pid.toLowerCase(),
      manufacturer: await readText(join(dir, 'manufacturer')),
      product: await readText(join(dir, 'product')),
      serial: await readText(join(dir, 'serial')),
      interfaceNumber: ifNum === undefined ? undefined : parseInt(ifNum, 16),
      driver: driverLink === undefined ? undefined : basename(driverLink),
    };
  }
  return undefined;
}

/** Lists candidate modem ports, sorted by path. */
export async function listModemPorts(options: DiscoveryOptions = {}): Promise<ModemPort[]> {
  const root = options.root ?? '/';
  const devDir = join(root, 'dev');
  const ttys = (await readdir(devDir).catch(() => [] as string[])).filter((n) => TTY_NAME.test(n)).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const byIdDir = join(devDir, 'serial/by-id');
  const byIdNames = await readdir(byIdDir).catch(() => [] as string[]);
  const byIdTargets = await Promise.all(byIdNames.map(async (n) => ({ name: join('/dev/serial/by-id', n), target: basename(await readlink(join(byIdDir, n)).catch(() => '')) })));
  const ports: ModemPort[] = [];
  for (const tty of ttys) {
    const usb = await usbInfoFor(root, tty);
    const model = usb === undefined ? undefined : findUsbModemModel(usb.vid, usb.pid);
    const likelyAt = model?.atInterfaces === undefined || usb?.interfaceNumber === undefined ? undefined : model.atInterfaces.includes(usb.interfaceNumber);
    ports.push({ path: `/dev/${tty}`, byId: byIdTargets.filter((b) => b.target === tty).map((b) => b.name), usb, model, likelyAt });
  }
  return ports;
}
