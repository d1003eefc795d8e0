/**
 * QMI modems reached through Debian's `qmicli` (the qmicli bridge) as a device provider:
 * `qmicli:<device>` (qmicli opens the device) and `qmicli:proxy:<device>` (`qmicli -p`, through
 * qmi-proxy, beside ModemManager). Devices are the discovered /dev/cdc-wdm* (MBIM-mode ones opened with
 * `--device-open-mbim`) plus the ones the user configured (option `extraDevices`, env
 * `EWB_QMICLI_DEVICES`).
 *
 * list() shows what `qmicli --uim-get-card-status` says; open() gives a channel transport on
 * qmicli ≥ 1.36. Older qmicli (Debian's 1.32) has no APDU options, so its cards are listed as
 * unavailable and open() names the native `qmi:` device to use instead.
 */
import type { DeviceSummary } from '../../../shared/api.js';
import { WorkbenchError } from '../../../shared/errors.js';
import { QmicliBridge } from '../../transports/qmicli/qmicli-bridge.js';
import type { QmicliBridgeOptions } from '../../transports/qmicli/qmicli-bridge.js';
import { QMICLI_UIM_APDU_SINCE, versionAtLeast } from '../../transports/qmicli/qmicli-output.js';
import type { QmicliCard, QmicliVersion } from '../../transports/qmicli/qmicli-output.js';
import type { DeviceProvider, OpenedDevice } from '../devices.js';
import { DevicesInUse, deviceIdBody, entriesOfEnv, reasonOf } from './device-transport.js';
import { discoverQmiDevices } from './qmi-provider.js';

/** Comma-separated devices (or `qmicli:` ids) listed besides the discovered ones. */
export const QMICLI_DEVICES_ENV = 'EWB_QMICLI_DEVICES';

const ID_FORM = '`qmicli:<device>` or `qmicli:proxy:<device>`, e.g. qmicli:/dev/cdc-wdm0';
const PROXY_PREFIX = 'proxy:';

export interface QmicliDeviceProviderOptions {
  /** Devices (`/dev/cdc-wdm0`, `proxy:/dev/cdc-wdm0`, a virtual modem's pty) or `qmicli:` ids. */
  readonly extraDevices?: readonly string[];
  /** Where `EWB_QMICLI_DEVICES` is read; default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Also list every discovered /dev/cdc-wdm*. Off by default: the native `qmi:` provider lists those,
   * and probing one QMUX device from two providers at once would mix their replies; the qmicli path
   * is chosen explicitly (EWB_QMICLI_DEVICES, `extraDevices`) or reached through the native fallback.
   */
  readonly discover?: boolean;
  /** Filesystem root of discovery (tests with a fake /dev and /sys). */
  readonly discoveryRoot?: string;
  /** qmicli binary; default `qmicli` from PATH. */
  readonly binary?: string;
  /** Force qmicli's open mode; default `mbim` for MBIM-mode modems found by discovery, else `qmi`. */
  readonly mode?: QmicliBridgeOptions['mode'];
  /** UIM slot, 1-based. Default 1. */
  readonly slot?: number;
  /** Per-run qmicli timeout, ms. */
  readonly timeoutMs?: number;
  /** Read card status of each device in list(). Default true. */
  readonly probeDevices?: boolean;
}

export interface QmicliDeviceId {
  readonly device: string;
  readonly proxy: boolean;
}

/** `qmicli:[proxy:]<device>` → the device and whether to go through qmi-proxy. */
export function parseQmicliDeviceId(deviceId: string): QmicliDeviceId {
  const body = deviceIdBody(deviceId, 'qmicli', ID_FORM);
  const proxy = body.startsWith(PROXY_PREFIX) && body.length > PROXY_PREFIX.length;
  return { device: proxy ? body.slice(PROXY_PREFIX.length) : body, proxy };
}

function versionText(v: QmicliVersion): string {
  return `${v.major}.${v.minor}.${v.micro}`;
}

const APDU_SINCE = versionText(QMICLI_UIM_APDU_SINCE).replace(/\.0$/, '');

/** How one slot's card status is shown, by qmicli's `Card state`. */
const CARD_STATES: Readonly<Record<string, (card: QmicliCard) => Pick<DeviceSummary, 'status' | 'reason'>>> = {
  present: (card) =>
    card.applications.length > 0
      ? { status: 'present' }
      : { status: 'present', reason: 'The card has no usable application (a blank eUICC?): if the modem refuses logical channels, use the native qmi: device (UIM SAP; qmicli has no SAP).' },
  absent: () => ({ status: 'absent' }),
  error: (card) => ({ status: 'unavailable', reason: `The modem reports a card error (${card.error ?? 'unknown'}); re-seat the card or power-cycle the modem.` }),
};

export class QmicliDeviceProvider implements DeviceProvider {
  readonly kind = 'qmicli' as const;
  readonly #options: QmicliDeviceProviderOptions;
  readonly #inUse = new DevicesInUse('qmicli');

  constructor(options: QmicliDeviceProviderOptions = {}) {
    this.#options = options;
  }

  async list(signal?: AbortSignal): Promise<DeviceSummary[]> {
    const modes = this.#options.discover === true ? await this.#discovered() : new Map<string, 'qmi' | 'mbim'>();
    const configured = [...(this.#options.extraDevices ?? []), ...entriesOfEnv((this.#options.env ?? process.env)[QMICLI_DEVICES_ENV])].map((e) => (e.startsWith('qmicli:') ? e : `qmicli:${e}`));
    const ids = [...new Set([...[...modes.keys()].map((device) => `qmicli:${device}`), ...configured])];
    if (ids.length === 0) return [];
    let version: QmicliVersion;
    try {
      version = await this.#bridge({ device: '', proxy: false }, 'qmi').version(signal);
    } catch (err) {
      // qmicli missing (or broken): one entry says so, instead of the same reason on every device.
      return [{ id: 'qmicli:*', kind: 'qmicli', label: 'qmicli bridge', status: 'unavailable', reason: reasonOf(err) }];
    }
    return Promise.all(ids.map((id) => this.#summary(id, version, modes, signal)));
  }

  async open(deviceId: string, signal?: AbortSignal): Promise<OpenedDevice> {
    const parsed = parseQmicliDeviceId(deviceId);
    const mode = this.#options.mode ?? (await this.#discovered()).get(parsed.device) ?? 'qmi';
    const bridge = this.#bridge(parsed, mode);
    const version = await bridge.version(signal);
    if (!versionAtLeast(version, QMICLI_UIM_APDU_SINCE)) throw tooOldError(version, parsed, mode);
    const transport = await bridge.openChannelTransport(this.#options.slot ?? 1, signal);
    return { transport: this.#inUse.track(transport, deviceId), accessMode: 'qmicli', notices: [] };
  }

  #bridge(id: QmicliDeviceId, mode: NonNullable<QmicliBridgeOptions['mode']>): QmicliBridge {
    const o = this.#options;
    return new QmicliBridge({
      device: id.device,
      proxy: id.proxy,
      mode,
      ...(o.binary !== undefined ? { binary: o.binary } : {}),
      ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
    });
  }

  /** Discovered /dev/cdc-wdm* with qmicli's open mode for each (named, since auto mode needs sysfs, which a pty has not). */
  async #discovered(): Promise<Map<string, 'qmi' | 'mbim'>> {
    const discovered = await discoverQmiDevices(this.#options.discoveryRoot).catch(() => []);
    return new Map(discovered.map((id) => [nativeDevice(id), id.startsWith('qmi:mbim:') ? 'mbim' : 'qmi']));
  }

  /** One device's entry from qmicli's card status; every failure becomes a status with a reason. */
  async #summary(id: string, version: QmicliVersion, modes: ReadonlyMap<string, 'qmi' | 'mbim'>, signal: AbortSignal | undefined): Promise<DeviceSummary> {
    let parsed: QmicliDeviceId;
    try {
      parsed = parseQmicliDeviceId(id);
    } catch (err) {
      return { id, kind: 'qmicli', label: id, status: 'unavailable', reason: reasonOf(err) };
    }
    const slot = this.#options.slot ?? 1;
    const label = `${parsed.device} (qmicli ${versionText(version)}${parsed.proxy ? ' via qmi-proxy' : ''}, slot ${slot})`;
    const held = this.#inUse.whileOpen(id, label);
    if (held !== undefined) return held;
    const base = { id, kind: 'qmicli' as const, label };
    if (this.#options.probeDevices === false) return { ...base, status: 'present', reason: 'Not probed; the card is checked when an operation opens the modem.' };
    const mode = this.#options.mode ?? modes.get(parsed.device) ?? 'qmi';
    let card: QmicliCard | undefined;
    try {
      card = (await this.#bridge(parsed, mode).cardStatus(signal)).cards.find((c) => c.slot === slot);
    } catch (err) {
      return { ...base, status: 'unavailable', reason: reasonOf(err) };
    }
    if (!card) return { ...base, status: 'absent', reason: `qmicli shows no card in slot ${slot}.` };
    const judged = (CARD_STATES[card.state] ?? (() => ({ status: 'unavailable', reason: `Unknown card state '${card.state}'.` })))(card);
    if (judged.status === 'present' && !versionAtLeast(version, QMICLI_UIM_APDU_SINCE)) {
      // Listing it as present would offer a device every operation fails on (and make the default-device pick ambiguous).
      const tooOld = tooOldError(version, parsed, mode);
      const applications = card.applications.map((a) => `${a.type} ${a.state}`).join(', ') || 'no application';
      return { ...base, status: 'unavailable', reason: `Card present (${applications}), but ${tooOld.message} ${tooOld.hint}` };
    }
    return this.#inUse.remember({ ...base, ...judged, ...(judged.status === 'present' ? { accessMode: 'qmicli' } : {}) });
  }
}

/** `qmi:[mbim:]<device>` (a discovered id) → the device path. */
function nativeDevice(qmiId: string): string {
  return qmiId.replace(/^qmi:(mbim:)?/, '');
}

/** The native `qmi:` id for the same device and carrier. */
export function nativeQmiId(id: QmicliDeviceId, mode: QmicliBridgeOptions['mode']): string {
  const carrier = mode === 'mbim' ? (id.proxy ? 'mbim-proxy:' : 'mbim:') : id.proxy ? 'proxy:' : '';
  return `qmi:${carrier}${id.device}`;
}

function tooOldError(version: QmicliVersion, id: QmicliDeviceId, mode: QmicliBridgeOptions['mode']): WorkbenchError {
  const native = nativeQmiId(id, mode);
  const shared = nativeQmiId({ ...id, proxy: true }, mode);
  return new WorkbenchError(
    'QMICLI_TOO_OLD',
    `APDUs through qmicli need libqmi ≥ ${APDU_SINCE}; this machine has qmicli ${versionText(version)}.`,
    `Use the native QMI device ${native} (it needs no qmicli; ${shared} coexists with ModemManager through qmi-proxy).`,
    { details: { version: versionText(version), device: id.device, nativeDeviceId: native } },
  );
}
