/**
 * QMI modems as a device provider: `qmi:<location>`, where the location names the carrier —
 * `/dev/cdc-wdm0` (QMUX on the device), `proxy:/dev/cdc-wdm0` (through qmi-proxy, beside
 * ModemManager), `mbim:/dev/cdc-wdm0` (QMI inside MBIM), `mbim-proxy:/dev/cdc-wdm0`. Devices come
 * from /dev/cdc-wdm* (QMUX or MBIM by the kernel driver in sysfs) plus the ones the user configured
 * (option `extraPorts`, env `EWB_QMI_DEVICES`; e.g. the pty of `ewb sim modem --qmi`).
 *
 * list() reads only card status (it never takes the card from the modem); open() picks the access mode
 * (logical channel, or UIM SAP for a blank eUICC the modem refuses) and returns the notice saying so.
 */
import { readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import type { DeviceSummary } from '../../../shared/api.js';
import { WorkbenchError } from '../../../shared/errors.js';
import { openQmuxLink } from '../../links/qmux-open.js';
import type { QmuxLocation } from '../../links/qmux-open.js';
import { QmuxConnection } from '../../transports/qmi/qmi-client.js';
import type { QmiClient } from '../../transports/qmi/qmi-client.js';
import { QMI_NOTICE, openQmiCard } from '../../transports/qmi/open-qmi-card.js';
import type { OpenedQmiCard, QmiCardMode } from '../../transports/qmi/open-qmi-card.js';
import { judgeSlot, parseCardStatus } from '../../transports/qmi/uim-status.js';
import type { SlotVerdict } from '../../transports/qmi/uim-status.js';
import { QmicliBridge } from '../../transports/qmicli/qmicli-bridge.js';
import type { QmicliBridgeOptions } from '../../transports/qmicli/qmicli-bridge.js';
import { QMICLI_UIM_APDU_SINCE, versionAtLeast } from '../../transports/qmicli/qmicli-output.js';
import type { DeviceProvider, OpenedDevice } from '../devices.js';
import { DevicesInUse, deviceIdBody, entriesOfEnv, findWorkbenchError, reasonOf } from './device-transport.js';

/** Comma-separated QMI locations (or `qmi:` ids) listed besides the discovered devices. */
export const QMI_DEVICES_ENV = 'EWB_QMI_DEVICES';

export interface QmiProxySockets {
  /** Abstract socket of qmi-proxy; default libqmi's `qmi-proxy`. */
  readonly qmi?: string;
  /** Abstract socket of mbim-proxy; default libmbim's `mbim-proxy`. */
  readonly mbim?: string;
}

interface LocationForm {
  readonly prefix: string;
  readonly carrier: string;
  readonly location: (device: string, sockets: QmiProxySockets) => QmuxLocation;
}

/** A bare path: QMUX on the device itself. */
const QMUX_DEVICE: LocationForm = { prefix: '', carrier: 'QMI', location: (p) => ({ kind: 'qmux-device', path: p }) };

/** The carriers a location names by prefix (first match wins). */
const LOCATION_FORMS: readonly LocationForm[] = [
  { prefix: 'proxy:', carrier: 'qmi-proxy', location: (devicePath, s) => ({ kind: 'qmi-proxy', devicePath, ...(s.qmi !== undefined ? { socketName: s.qmi } : {}) }) },
  { prefix: 'mbim-proxy:', carrier: 'mbim-proxy', location: (devicePath, s) => ({ kind: 'mbim-proxy', devicePath, ...(s.mbim !== undefined ? { socketName: s.mbim } : {}) }) },
  { prefix: 'mbim:', carrier: 'MBIM', location: (p) => ({ kind: 'mbim-device', path: p }) },
];

/** Kernel drivers of /dev/cdc-wdm* and the location prefix each needs. */
const WDM_DRIVERS: Readonly<Record<string, string>> = { qmi_wwan: '', cdc_mbim: 'mbim:' };

const ID_FORM = '`qmi:<device>`, `qmi:proxy:<device>`, `qmi:mbim:<device>` or `qmi:mbim-proxy:<device>`, e.g. qmi:/dev/cdc-wdm0';

export interface QmiDeviceProviderOptions {
  /** Locations (`/dev/cdc-wdm0`, `proxy:/dev/cdc-wdm0`, `mbim:<pty>` …) or `qmi:` ids to list besides discovered devices. */
  readonly extraPorts?: readonly string[];
  /** Where `EWB_QMI_DEVICES` is read; default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Filesystem root of discovery (tests with a fake /dev and /sys). */
  readonly discoveryRoot?: string;
  /** `auto` (default): logical channels, UIM SAP when the modem refuses them. */
  readonly mode?: QmiCardMode;
  /** UIM slot, 1-based. Default 1. */
  readonly slot?: number;
  /** Proxy socket names (tests run their own proxies). */
  readonly proxySockets?: QmiProxySockets;
  /** Per-request QMI timeout, ms. */
  readonly timeoutMs?: number;
  /** Read card status of each device in list(). Default true. */
  readonly probeDevices?: boolean;
  /** QMI protocol notes (unknown TLVs, SAP disconnect results). */
  readonly onLog?: (message: string) => void;
  /**
   * Makes the qmicli bridge that takes over when the device cannot be opened natively (busy or no
   * permission) and qmicli ≥ 1.36 is installed; `false` turns the fallback off. Default: `qmicli` from PATH.
   */
  readonly qmicliFallback?: ((options: QmicliBridgeOptions) => QmicliBridge) | false;
}

/** Native open failures the qmicli bridge may get past: ModemManager holding the device (→ `qmicli -p`), permissions. */
const QMICLI_FALLBACK_ON: Readonly<Record<string, { readonly proxy: boolean; readonly why: string }>> = {
  QMI_DEVICE_BUSY: { proxy: true, why: 'is held by another program (usually ModemManager)' },
  QMI_DEVICE_ACCESS: { proxy: false, why: 'cannot be opened natively (no permission)' },
};

interface ParsedLocation {
  readonly location: QmuxLocation;
  readonly carrier: string;
  readonly device: string;
}

/** `qmi:<location>` → where to reach the modem. */
export function parseQmiDeviceId(deviceId: string, sockets: QmiProxySockets = {}): ParsedLocation {
  const body = deviceIdBody(deviceId, 'qmi', ID_FORM);
  const form = LOCATION_FORMS.find((f) => body.startsWith(f.prefix) && body.length > f.prefix.length) ?? QMUX_DEVICE;
  const device = body.slice(form.prefix.length);
  return { location: form.location(device, sockets), carrier: form.carrier, device };
}

/** `qmi:` id of a configured entry (a location or already an id). */
function idOfEntry(entry: string): string {
  return entry.startsWith('qmi:') ? entry : `qmi:${entry}`;
}

/** /dev/cdc-wdm* as `qmi:` ids; MBIM-mode modems (cdc_mbim driver) get the `mbim:` carrier. */
export async function discoverQmiDevices(root = '/'): Promise<string[]> {
  const names = (await readdir(path.join(root, 'dev')).catch(() => [] as string[])).filter((n) => /^cdc-wdm\d+$/.test(n)).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  return Promise.all(
    names.map(async (name) => {
      const driver = path.basename(await readlink(path.join(root, 'sys/class/usbmisc', name, 'device/driver')).catch(() => ''));
      return `qmi:${WDM_DRIVERS[driver] ?? ''}/dev/${name}`;
    }),
  );
}

/** How list() shows a slot verdict. */
function summaryOfVerdict(verdict: SlotVerdict): Pick<DeviceSummary, 'status' | 'reason' | 'accessMode'> {
  switch (verdict.kind) {
    case 'absent':
      return { status: 'absent' };
    case 'usable':
      return { status: 'present', accessMode: 'logical-channel' };
    case 'no-usable-application':
      return { status: 'present', reason: 'The card has no usable application (a blank eUICC?): if the modem refuses logical channels, QMI UIM SAP is used.' };
    case 'sap-connected':
      return { status: 'present', accessMode: 'sap', reason: QMI_NOTICE['sap-connected'] };
    case 'error':
      return { status: 'unavailable', reason: `The modem reports a card error (QMI UIM card error ${verdict.errorCode}); re-seat the card or power-cycle the modem.` };
  }
}

export class QmiDeviceProvider implements DeviceProvider {
  readonly kind = 'qmi' as const;
  readonly #options: QmiDeviceProviderOptions;
  readonly #inUse = new DevicesInUse('qmi');

  constructor(options: QmiDeviceProviderOptions = {}) {
    this.#options = options;
  }

  async list(signal?: AbortSignal): Promise<DeviceSummary[]> {
    const discovered = await discoverQmiDevices(this.#options.discoveryRoot).catch(() => []);
    const configured = [...(this.#options.extraPorts ?? []), ...entriesOfEnv((this.#options.env ?? process.env)[QMI_DEVICES_ENV])].map(idOfEntry);
    const ids = [...new Set([...discovered, ...configured])];
    return Promise.all(ids.map((id) => this.#summary(id, signal)));
  }

  async open(deviceId: string, signal?: AbortSignal): Promise<OpenedDevice> {
    const { location, device } = parseQmiDeviceId(deviceId, this.#options.proxySockets);
    const notices: string[] = [];
    const onLog = this.#options.onLog;
    let opened: OpenedQmiCard;
    try {
      opened = await openQmiCard({
        location,
        mode: this.#options.mode ?? 'auto',
        slot: this.#options.slot ?? 1,
        onNotice: (m) => notices.push(m),
        ...(onLog ? { onLog: (_level: string, m: string) => onLog(m) } : {}),
        ...(this.#options.timeoutMs !== undefined ? { timeoutMs: this.#options.timeoutMs } : {}),
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      return this.#openThroughQmicli(err, deviceId, device, location, signal);
    }
    return { transport: this.#inUse.track(opened.transport, deviceId), accessMode: opened.mode === 'sap' ? 'sap' : 'logical-channel', notices };
  }

  /** The qmicli fallback: a channel transport through qmicli ≥ 1.36, else `nativeError` rethrown. */
  async #openThroughQmicli(nativeError: unknown, deviceId: string, device: string, location: QmuxLocation, signal: AbortSignal | undefined): Promise<OpenedDevice> {
    const factory = this.#options.qmicliFallback ?? ((o: QmicliBridgeOptions) => new QmicliBridge(o));
    const failure = Object.keys(QMICLI_FALLBACK_ON).map((code) => findWorkbenchError(nativeError, code)).find((e) => e !== undefined);
    const rule = failure && QMICLI_FALLBACK_ON[failure.code];
    if (!failure || !rule || factory === false) throw nativeError;
    const mbim = location.kind === 'mbim-device' || location.kind === 'mbim-proxy';
    const viaProxy = location.kind === 'qmi-proxy' || location.kind === 'mbim-proxy';
    const bridge = factory({ device, proxy: rule.proxy || viaProxy, mode: mbim ? 'mbim' : 'qmi' });
    const version = await bridge.version(signal).catch(() => undefined);
    if (!version || !versionAtLeast(version, QMICLI_UIM_APDU_SINCE)) throw nativeError;
    const v = `${version.major}.${version.minor}.${version.micro}`;
    try {
      const transport = await bridge.openChannelTransport(this.#options.slot ?? 1, signal);
      const notice = `${device} ${rule.why}: using qmicli ${v}${bridge.options.proxy ? ' through qmi-proxy' : ''} instead (logical channels only; qmicli has no UIM SAP for a blank eUICC).`;
      return { transport: this.#inUse.track(transport, deviceId), accessMode: 'qmicli', notices: [notice] };
    } catch (err) {
      throw new WorkbenchError(failure.code, failure.message, `${failure.hint} (qmicli ${v} could not open it either: ${reasonOf(err)})`, { cause: err, details: failure.details });
    }
  }

  /** One device's entry from card status; every failure becomes a status with a reason. */
  async #summary(id: string, signal: AbortSignal | undefined): Promise<DeviceSummary> {
    let parsed: ParsedLocation;
    try {
      parsed = parseQmiDeviceId(id, this.#options.proxySockets);
    } catch (err) {
      return { id, kind: 'qmi', label: id, status: 'unavailable', reason: reasonOf(err) };
    }
    const label = `${parsed.device} (${parsed.carrier}, slot ${this.#options.slot ?? 1})`;
    const held = this.#inUse.whileOpen(id, label);
    if (held !== undefined) return held;
    const base = { id, kind: 'qmi' as const, label };
    if (this.#options.probeDevices === false) return { ...base, status: 'present', reason: 'Not probed; the card is checked when an operation opens the modem.' };
    try {
      const verdict = await this.#readVerdict(parsed.location, signal);
      return this.#inUse.remember({ ...base, ...summaryOfVerdict(verdict) });
    } catch (err) {
      return { ...base, status: 'unavailable', reason: reasonOf(err) };
    }
  }

  async #readVerdict(location: QmuxLocation, signal: AbortSignal | undefined): Promise<SlotVerdict> {
    const link = await openQmuxLink(location, signal);
    const options = this.#options.timeoutMs !== undefined ? { timeoutMs: this.#options.timeoutMs } : {};
    const connection = await QmuxConnection.open(link, options, signal);
    let client: QmiClient | undefined;
    try {
      client = await connection.allocateClient('uim', signal ? { signal } : {});
      return judgeSlot(parseCardStatus(await client.request('uim.getCardStatus', {}, signal ? { signal } : {})), this.#options.slot ?? 1);
    } finally {
      await client?.close().catch(() => undefined);
      await connection.close();
    }
  }
}
