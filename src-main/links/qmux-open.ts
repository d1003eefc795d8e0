/**
 * Where a QMI modem is reached, as data, and the one function that opens it. The device manager stores
 * a `QmuxLocation`; the QMI transports open it through `openQmuxLink`.
 */
import type { QmuxLink } from './qmux-link.js';
import { CharDeviceQmuxLink } from './qmux-char-device.js';
import { connectQmiProxy } from './qmux-proxy-socket.js';
import { connectMbimProxy, openMbimQmuxDevice } from './qmux-mbim.js';

export type QmuxLocation =
  /** QMUX on the character device itself (exclusive; fails while ModemManager holds it). */
  | { readonly kind: 'qmux-device'; readonly path: string }
  /** QMUX through qmi-proxy (shares the device with ModemManager). */
  | { readonly kind: 'qmi-proxy'; readonly devicePath: string; readonly socketName?: string; readonly spawnProxy?: string }
  /** QMI inside MBIM on the MBIM control device (modem in MBIM mode). */
  | { readonly kind: 'mbim-device'; readonly path: string }
  /** QMI inside MBIM through mbim-proxy. */
  | { readonly kind: 'mbim-proxy'; readonly devicePath: string; readonly socketName?: string };

export function openQmuxLink(location: QmuxLocation, signal?: AbortSignal): Promise<QmuxLink> {
  switch (location.kind) {
    case 'qmux-device':
      return CharDeviceQmuxLink.open(location.path);
    case 'qmi-proxy':
      return connectQmiProxy({
        devicePath: location.devicePath,
        ...(location.socketName !== undefined ? { socketName: location.socketName } : {}),
        ...(location.spawnProxy !== undefined ? { spawnProxy: location.spawnProxy } : {}),
        ...(signal ? { signal } : {}),
      });
    case 'mbim-device':
      return openMbimQmuxDevice(location.path);
    case 'mbim-proxy':
      return connectMbimProxy(location.devicePath, location.socketName !== undefined ? { socketName: location.socketName } : {});
  }
}

/** The device path a location is about (for ids and labels). */
export function qmuxLocationDevice(location: QmuxLocation): string {
  return 'path' in location ? location.path : location.devicePath;
}
