/**
 * AT modems as a device provider: one device per AT port (`at:<tty path>`), from discovery (ports whose
 * USB interface carries AT, or is not known not to) plus the ports the user configured (option
 * `extraPorts`, env `EWB_AT_PORTS`; e.g. the pty of `ewb sim modem --at`).
 *
 * The seed-000 condition — a modem that refuses a profile-less eUICC — is found here before any
 * operation starts: list() shows the modem as unavailable with the short reason, open() throws the
 * transport's AT_MODEM_REFUSES_BLANK_EUICC with its full explanation and what to use instead.
 */
import { ISD_R_AID } from '../../card/files.js';
import type { DeviceSummary } from '../../../shared/api.js';
import { fromHex } from '../../../shared/hex.js';
import { ApduLog } from '../../card/apdu-log.js';
import { CardSession } from '../../card/card-session.js';
import type { CardTransport } from '../../card/transport.js';
import { identifyCard } from '../../euicc/identify-card.js';
import { listModemPorts } from '../../links/serial-discovery.js';
import type { AtEngineOptions } from '../../transports/at/engine.js';
import type { PreparedAtModem } from '../../transports/at/modem.js';
import { createAtCardTransport, openAtModem } from '../../transports/at/modem.js';
import type { SimCommandTimeouts } from '../../transports/at/sim-command.js';
import { readSimStatus } from '../../transports/at/sim-status.js';
import type { DeviceProvider, OpenedDevice } from '../devices.js';
import { DevicesInUse, deviceIdBody, entriesOfEnv, findWorkbenchError, reasonOf } from './device-transport.js';

/** The device-list reason for the seed-000 condition (the full story is in the error open() throws). */
export const AT_BLANK_EUICC_REASON = 'Modem refuses the blank eUICC (no profile): use QMI UIM SAP or a PC/SC reader';

/** Comma-separated serial ports listed besides the discovered ones. */
export const AT_PORTS_ENV = 'EWB_AT_PORTS';

const REFUSED = 'AT_MODEM_REFUSES_BLANK_EUICC';
const NOT_INSERTED = 'AT_SIM_NOT_INSERTED';
/** STATUS without data: harmless on the basic channel the modem itself uses. */
const STATUS_NO_DATA = fromHex('80F2000C00');

export interface AtDeviceProviderOptions {
  /** Serial ports to list besides the discovered ones (a virtual modem's pty, a port discovery misses). */
  readonly extraPorts?: readonly string[];
  /** Where `EWB_AT_PORTS` is read; default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Filesystem root of discovery (tests with a fake /dev and /sys). */
  readonly discoveryRoot?: string;
  /** Quirk profile id for every modem; default: recognised from +CGMM / USB id. */
  readonly quirkProfile?: string;
  /** Force +CSIM (`raw`) or +CCHO/+CGLA (`channel`); default the quirk profile's preference. */
  readonly shape?: 'raw' | 'channel';
  readonly engine?: AtEngineOptions;
  readonly timeouts?: SimCommandTimeouts;
  /** Open each port in list() to report the card (eUICC or SIM, refused, absent). Default true. */
  readonly probePorts?: boolean;
  /** Where list()'s identification APDUs are logged; default a log of its own. */
  readonly log?: ApduLog;
}

interface PortEntry {
  readonly path: string;
  /** `vid:pid` from discovery, so the quirk profile can be chosen by USB id. */
  readonly usbId?: string;
  readonly label: string;
}

function accessModeOf(transport: CardTransport): string {
  return transport.shape === 'channel' ? 'logical-channel' : 'csim';
}

export class AtDeviceProvider implements DeviceProvider {
  readonly kind = 'at' as const;
  readonly #options: AtDeviceProviderOptions;
  readonly #log: ApduLog;
  readonly #inUse = new DevicesInUse('at');
  /** USB ids seen by the last discovery, by port. */
  readonly #usbIds = new Map<string, string>();

  constructor(options: AtDeviceProviderOptions = {}) {
    this.#options = options;
    this.#log = options.log ?? new ApduLog({ capacity: 200 });
  }

  async list(signal?: AbortSignal): Promise<DeviceSummary[]> {
    const ports = await this.#ports();
    return Promise.all(ports.map((p) => this.#summary(p, signal)));
  }

  async open(deviceId: string, signal?: AbortSignal): Promise<OpenedDevice> {
    const path = deviceIdBody(deviceId, 'at', '`at:<serial port>`, e.g. at:/dev/ttyUSB2');
    const prepared = await this.#openModem(path, signal);
    try {
      const transport = createAtCardTransport(prepared.engine, prepared.selection.profile, { shape: this.#options.shape, timeouts: this.#options.timeouts, ownsEngine: true });
      const notices = await checkCardAccess(prepared, transport, signal);
      return { transport: this.#inUse.track(transport, deviceId), accessMode: accessModeOf(transport), notices };
    } catch (err) {
      await prepared.engine.close();
      throw err;
    }
  }

  async #ports(): Promise<PortEntry[]> {
    const ports = new Map<string, PortEntry>();
    const discovered = await listModemPorts(this.#options.discoveryRoot !== undefined ? { root: this.#options.discoveryRoot } : {}).catch(() => []);
    for (const p of discovered) {
      if (p.likelyAt === false) continue;
      const usbId = p.usb ? `${p.usb.vid}:${p.usb.pid}` : undefined;
      if (usbId !== undefined) this.#usbIds.set(p.path, usbId);
      ports.set(p.path, { path: p.path, ...(usbId !== undefined ? { usbId } : {}), label: `${p.model?.model ?? p.usb?.product ?? 'Modem'} on ${p.path} (AT)` });
    }
    const configured = [...(this.#options.extraPorts ?? []), ...entriesOfEnv((this.#options.env ?? process.env)[AT_PORTS_ENV])];
    for (const path of configured) if (!ports.has(path)) ports.set(path, { path, label: `Modem on ${path} (AT)` });
    return [...ports.values()];
  }

  #openModem(path: string, signal: AbortSignal | undefined): Promise<PreparedAtModem> {
    const usbId = this.#usbIds.get(path);
    return openAtModem(path, {
      ...(this.#options.quirkProfile !== undefined ? { profile: this.#options.quirkProfile } : {}),
      ...(usbId !== undefined ? { usbId } : {}),
      ...(this.#options.engine !== undefined ? { engine: this.#options.engine } : {}),
      ...(signal ? { signal } : {}),
    });
  }

  /** One port's entry; every failure becomes a status with a reason (list never throws). */
  async #summary(port: PortEntry, signal: AbortSignal | undefined): Promise<DeviceSummary> {
    const id = `at:${port.path}`;
    const held = this.#inUse.whileOpen(id, port.label);
    if (held !== undefined) return held;
    const base = { id, kind: 'at' as const, label: port.label };
    if (this.#options.probePorts === false) return { ...base, status: 'present', reason: 'Not probed; the card is checked when an operation opens the modem.' };
    let prepared: PreparedAtModem;
    try {
      prepared = await this.#openModem(port.path, signal);
    } catch (err) {
      return { ...base, status: 'unavailable', reason: reasonOf(err) };
    }
    const { engine, identity, selection } = prepared;
    const label = `${identity.model ?? selection.profile.label} on ${port.path} (AT)`;
    const transport = createAtCardTransport(engine, selection.profile, { shape: this.#options.shape, timeouts: this.#options.timeouts, ownsEngine: false });
    const session = new CardSession(transport, this.#log);
    try {
      const cardType = await identifyCard(session, signal ? { signal } : {});
      return this.#inUse.remember({ ...base, label, status: 'present', cardType, accessMode: accessModeOf(transport) });
    } catch (err) {
      if (findWorkbenchError(err, REFUSED)) return this.#inUse.remember({ ...base, label, status: 'unavailable', reason: AT_BLANK_EUICC_REASON });
      const empty = findWorkbenchError(err, NOT_INSERTED);
      if (empty) return { ...base, label, status: 'absent', reason: empty.message };
      // A channel-only modem cannot SELECT the MF on the basic channel: a card is there, its type unknown.
      if (findWorkbenchError(err, 'CARD_NO_BASIC_CHANNEL')) return this.#inUse.remember({ ...base, label, status: 'present', cardType: 'unknown', accessMode: accessModeOf(transport) });
      return { ...base, label, status: 'unavailable', reason: reasonOf(err) };
    } finally {
      await session.close().catch(() => undefined);
      await engine.close();
    }
  }
}

/**
 * When the modem reports no usable SIM, one SIM access tells a blank eUICC the modem still serves from
 * one it refuses (seed 000) or an empty slot; those two are thrown as the transport's typed errors.
 * Returns the notices for the user.
 */
async function checkCardAccess(prepared: PreparedAtModem, transport: CardTransport, signal: AbortSignal | undefined): Promise<string[]> {
  const sim = await readSimStatus(prepared.engine, signal);
  if (sim.readiness !== 'no-usable-sim') return [];
  try {
    if (transport.shape === 'channel') {
      const { channel } = await transport.openLogicalChannel(fromHex(ISD_R_AID), signal);
      await transport.closeLogicalChannel(channel, signal);
    } else {
      await transport.transmit(STATUS_NO_DATA, signal);
    }
  } catch (err) {
    const known = findWorkbenchError(err, REFUSED) ?? findWorkbenchError(err, NOT_INSERTED);
    if (known) throw known;
    // Anything else (a plain SIM without an ISD-R, a slow card) is for the operation to report in context.
    return [];
  }
  return [`the modem reports no usable SIM (${sim.cpin}) but passes commands to the card: a blank eUICC can be provisioned through it`];
}

