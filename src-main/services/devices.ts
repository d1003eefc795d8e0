import type { DeviceKind, DeviceSummary } from '../../shared/api.js';
import { WorkbenchError } from '../../shared/errors.js';
import type { CardTransport } from '../card/transport.js';

/** A transport opened for one operation, with what the user should be told about how. */
export interface OpenedDevice {
  readonly transport: CardTransport;
  /** E.g. "logical channels refused by the modem (blank eUICC): using QMI UIM SAP". */
  readonly notices?: readonly string[];
  /** How APDUs reach the card (`pcsc`, `sap`, `logical-channel`, `csim`, `in-process`…). */
  readonly accessMode?: string;
}

/**
 * One family of devices (virtual, PC/SC readers, AT modems, QMI modems). A provider whose
 * subsystem is missing (no pcscd, no modem) lists nothing or lists its devices as `unavailable`
 * with a reason — it never makes the app fail to start.
 */
export interface DeviceProvider {
  readonly kind: DeviceKind;
  list(signal?: AbortSignal): Promise<DeviceSummary[]>;
  /** Opens the device for one operation; the caller closes the transport. */
  open(deviceId: string, signal?: AbortSignal): Promise<OpenedDevice>;
  /** Releases background resources (servers, watchers). */
  close?(): Promise<void>;
}

/** All providers behind one list/open, routed by the device id prefix (`virtual:`, `pcsc:` …). */
export class DeviceManager {
  constructor(private readonly providers: readonly DeviceProvider[]) {}

  async list(signal?: AbortSignal): Promise<DeviceSummary[]> {
    const lists = await Promise.all(
      this.providers.map(async (p) => {
        try {
          return await p.list(signal);
        } catch (err) {
          // One broken subsystem must not hide the others; show it as an unavailable entry.
          const reason = err instanceof Error ? err.message : String(err);
          return [{ id: `${p.kind}:*`, kind: p.kind, label: `${p.kind} devices`, status: 'unavailable', reason } satisfies DeviceSummary];
        }
      }),
    );
    return lists.flat();
  }

  async open(deviceId: string, signal?: AbortSignal): Promise<OpenedDevice> {
    return (await this.#providerFor(deviceId, signal)).open(deviceId, signal);
  }

  /** The device to use when the user named none: the only present card, else the virtual eUICC. */
  async defaultDeviceId(signal?: AbortSignal): Promise<string> {
    const devices = await this.list(signal);
    const present = devices.filter((d) => d.status === 'present');
    const hardware = present.filter((d) => d.kind !== 'virtual');
    if (hardware.length > 1) {
      throw new WorkbenchError('DEVICE_AMBIGUOUS', `${hardware.length} cards are attached; which one?`, 'Choose one with --device (see `ewb device list`).', {
        details: { devices: hardware.map((d) => d.id) },
      });
    }
    const pick = hardware[0] ?? present.find((d) => d.kind === 'virtual');
    if (!pick) {
      throw new WorkbenchError('DEVICE_NONE', 'No card is available.', 'Insert a card or attach a reader/modem; without hardware the virtual eUICC is used when it is enabled.', {
        details: { devices: devices.map((d) => d.id) },
      });
    }
    return pick.id;
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.providers.map((p) => p.close?.()));
  }

  async #providerFor(deviceId: string, signal?: AbortSignal): Promise<DeviceProvider> {
    const kind = deviceId.split(':', 1)[0];
    const candidates = this.providers.filter((p) => p.kind === kind);
    // Several providers of one kind (e.g. two virtual eUICCs on a bench): the one listing the device opens it.
    for (const provider of candidates.length > 1 ? candidates : []) {
      if ((await provider.list(signal).catch(() => [])).some((d) => d.id === deviceId)) return provider;
    }
    const provider = candidates[0];
    if (!provider) {
      throw new WorkbenchError('DEVICE_UNKNOWN', `Unknown device "${deviceId}".`, 'List the devices with `ewb device list` and use one of the ids shown.', { details: { deviceId } });
    }
    return provider;
  }
}
