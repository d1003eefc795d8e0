/**
 * What the modem providers share: the opened transport carries the device id the user picked (the APDU
 * log and the card lock key on `info.id`, while a transport names itself after its own link, e.g.
 * `at-csim:/dev/ttyUSB2`); devices held open by an operation are not probed by list() (the port is
 * exclusive, and a probe would disturb the running session); configured ports from the environment;
 * and finding a typed error the card layer wrapped (CardSession turns transport failures into
 * CARD_IO_ERROR with the transport's error as cause).
 */
import type { DeviceKind, DeviceSummary } from '../../../shared/api.js';
import { WorkbenchError, isWorkbenchError } from '../../../shared/errors.js';
import type { CardTransport, TransportInfo } from '../../card/transport.js';

/** `transport` as seen under `deviceId`; `onClose` runs once after the transport closed. */
export function asDeviceTransport(transport: CardTransport, deviceId: string, onClose?: () => void): CardTransport {
  const info: TransportInfo = { ...transport.info, id: deviceId };
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= transport.close().finally(() => onClose?.());
    return closing;
  };
  if (transport.shape === 'raw') {
    const raw = transport;
    const reset = raw.reset?.bind(raw);
    return {
      shape: 'raw',
      info,
      getAtr: (signal) => raw.getAtr(signal),
      transmit: (command, signal) => raw.transmit(command, signal),
      ...(reset ? { reset } : {}),
      close,
    };
  }
  const channels = transport;
  const getAtr = channels.getAtr?.bind(channels);
  return {
    shape: 'channel',
    info,
    ...(getAtr ? { getAtr } : {}),
    openLogicalChannel: (aid, signal) => channels.openLogicalChannel(aid, signal),
    transmit: (channel, command, signal) => channels.transmit(channel, command, signal),
    closeLogicalChannel: (channel, signal) => channels.closeLogicalChannel(channel, signal),
    close,
  };
}

/** `err` itself or the first error in its cause chain with `code`. */
export function findWorkbenchError(err: unknown, code: string): WorkbenchError | undefined {
  for (let e: unknown = err, depth = 0; e !== undefined && depth < 8; e = e instanceof Error ? e.cause : undefined, depth++) {
    if (isWorkbenchError(e, code)) return e;
  }
  return undefined;
}

/** Comma-separated entries of an environment variable, trimmed, empty ones dropped. */
export function entriesOfEnv(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** The part of `deviceId` after `<kind>:`, or DEVICE_UNKNOWN naming the expected form. */
export function deviceIdBody(deviceId: string, kind: string, form: string): string {
  const prefix = `${kind}:`;
  if (!deviceId.startsWith(prefix) || deviceId.length === prefix.length) {
    throw new WorkbenchError('DEVICE_UNKNOWN', `"${deviceId}" is not a ${kind.toUpperCase()} device id.`, `${kind.toUpperCase()} devices are named ${form}; list them with \`ewb device list\`.`, { details: { deviceId } });
  }
  return deviceId.slice(prefix.length);
}

/** One line for the device list: message and hint of a WorkbenchError, else the text. */
export function reasonOf(err: unknown): string {
  if (isWorkbenchError(err)) return err.hint ? `${err.message} ${err.hint}` : err.message;
  return err instanceof Error ? err.message : String(err);
}

/** Devices this provider has open, with what list() said about them last. */
export class DevicesInUse {
  readonly #open = new Map<string, number>();
  readonly #last = new Map<string, DeviceSummary>();

  constructor(private readonly kind: DeviceKind) {}

  /** Keeps a fresh summary for the time the device is open. */
  remember(summary: DeviceSummary): DeviceSummary {
    this.#last.set(summary.id, summary);
    return summary;
  }

  /** The summary to show while an operation holds the device; undefined when it is free to probe. */
  whileOpen(deviceId: string, label: string): DeviceSummary | undefined {
    if ((this.#open.get(deviceId) ?? 0) === 0) return undefined;
    const last = this.#last.get(deviceId);
    return { ...(last ?? { id: deviceId, kind: this.kind, label, status: 'present' }), status: 'present', reason: 'In use by a running operation.' };
  }

  /** `transport` under `deviceId`, counted as open until it is closed. */
  track(transport: CardTransport, deviceId: string): CardTransport {
    this.#open.set(deviceId, (this.#open.get(deviceId) ?? 0) + 1);
    return asDeviceTransport(transport, deviceId, () => {
      const left = (this.#open.get(deviceId) ?? 1) - 1;
      if (left > 0) this.#open.set(deviceId, left);
      else this.#open.delete(deviceId);
    });
  }
}
