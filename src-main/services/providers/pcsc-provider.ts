/**
 * PC/SC readers as a device provider for the services layer: one device per reader
 * (`pcsc:<reader name>`), with the card's presence and, once probed, whether it is an eUICC or a
 * plain SIM. Without a usable PC/SC stack it lists one `unavailable` entry saying why; it never throws
 * from list().
 */
import type { DeviceSummary } from '../../../shared/api.js';
import { WorkbenchError, isWorkbenchError } from '../../../shared/errors.js';
import { ApduLog } from '../../card/apdu-log.js';
import { CardSession } from '../../card/card-session.js';
import type { PcscProtocolChoice, PcscReaderState, PcscShareMode } from '../../links/pcsc-context.js';
import { PcscContext } from '../../links/pcsc-context.js';
import type { DeviceProvider, OpenedDevice } from '../devices.js';
import type { CardType } from '../../euicc/identify-card.js';
import { identifyCard } from '../../euicc/identify-card.js';
import { PcscCardTransport, pcscTransportId } from '../../transports/pcsc/pcsc-transport.js';

export interface PcscDeviceProviderOptions {
  /** Shared with whoever listens to hotplug events; default a context of its own (closed by close()). */
  readonly context?: PcscContext;
  readonly shareMode?: PcscShareMode;
  readonly protocol?: PcscProtocolChoice;
  /** Per-APDU timeout of opened transports, ms. */
  readonly timeoutMs?: number;
  /** Probe each inserted card once (ISD-R, then MF) so the list says eUICC or SIM. Default true. */
  readonly identifyCards?: boolean;
  /** Where identification APDUs are logged; default a log of its own. */
  readonly log?: ApduLog;
}

const DEVICE_PREFIX = 'pcsc:';

/** The reader name of a `pcsc:<reader>` device id. */
export function readerOfDeviceId(deviceId: string): string {
  if (!deviceId.startsWith(DEVICE_PREFIX) || deviceId.length === DEVICE_PREFIX.length) {
    throw new WorkbenchError('DEVICE_UNKNOWN', `"${deviceId}" is not a PC/SC reader id.`, 'PC/SC devices are named `pcsc:<reader name>`; list them with `ewb device list`.', { details: { deviceId } });
  }
  return deviceId.slice(DEVICE_PREFIX.length);
}

/** Why a reader cannot be used right now, or undefined when it can. */
function readerProblem(state: PcscReaderState, connectedHere: boolean): string | undefined {
  if (state.unavailable) return 'pcscd cannot use this reader (driver problem); replug it or restart pcscd';
  if (state.mute) return 'a card is inserted but does not answer (mute): check that it sits the right way round, then re-insert it';
  if (state.exclusive && !connectedHere) return 'another program holds the card exclusively; close it to use the card here';
  return undefined;
}

export class PcscDeviceProvider implements DeviceProvider {
  readonly kind = 'pcsc' as const;
  readonly context: PcscContext;
  readonly #ownsContext: boolean;
  readonly #options: PcscDeviceProviderOptions;
  readonly #log: ApduLog;
  /** Identification per reader, valid for one insertion (pcscd's card event counter). */
  readonly #cardTypes = new Map<string, { readonly cardEvents: number; readonly type: CardType }>();
  readonly #probing = new Map<string, Promise<CardType>>();

  constructor(options: PcscDeviceProviderOptions = {}) {
    this.context = options.context ?? new PcscContext();
    this.#ownsContext = options.context === undefined;
    this.#options = options;
    this.#log = options.log ?? new ApduLog({ capacity: 200 });
  }

  async list(signal?: AbortSignal): Promise<DeviceSummary[]> {
    let readers: PcscReaderState[];
    try {
      readers = await this.context.readers(signal);
    } catch (err) {
      if (isWorkbenchError(err, 'ABORTED')) throw err;
      const reason = isWorkbenchError(err) ? `${err.message} ${err.hint}` : String(err);
      return [{ id: `${DEVICE_PREFIX}*`, kind: 'pcsc', label: 'PC/SC readers', status: 'unavailable', reason }];
    }
    return Promise.all(readers.map((r) => this.#summary(r, signal)));
  }

  async open(deviceId: string, signal?: AbortSignal): Promise<OpenedDevice> {
    const reader = readerOfDeviceId(deviceId);
    const transport = await PcscCardTransport.open(this.context, reader, {
      shareMode: this.#options.shareMode,
      protocol: this.#options.protocol,
      timeoutMs: this.#options.timeoutMs,
      signal,
    });
    return { transport, accessMode: 'pcsc' };
  }

  async close(): Promise<void> {
    if (this.#ownsContext) await this.context.close();
  }

  async #summary(state: PcscReaderState, signal: AbortSignal | undefined): Promise<DeviceSummary> {
    const base = { id: pcscTransportId(state.name), kind: 'pcsc' as const, label: `${state.name} (PC/SC)` };
    const problem = readerProblem(state, this.context.connectedHere(state.name));
    if (problem !== undefined) return { ...base, status: 'unavailable', reason: problem };
    if (!state.cardPresent) return { ...base, status: 'absent' };
    return { ...base, status: 'present', accessMode: 'pcsc', cardType: await this.#cardType(state, signal) };
  }

  /** The card's type for this insertion, probing it once when enabled; 'unknown' when it cannot be probed now. */
  async #cardType(state: PcscReaderState, signal: AbortSignal | undefined): Promise<CardType> {
    const known = this.#cardTypes.get(state.name);
    if (known !== undefined && known.cardEvents === state.cardEvents) return known.type;
    if (this.#options.identifyCards === false || this.context.connectedHere(state.name)) return 'unknown';
    let probe = this.#probing.get(state.name);
    if (probe === undefined) {
      probe = this.#probe(state.name, signal).finally(() => this.#probing.delete(state.name));
      this.#probing.set(state.name, probe);
    }
    const type = await probe.catch(() => 'unknown' as const);
    if (type !== 'unknown') this.#cardTypes.set(state.name, { cardEvents: state.cardEvents, type });
    return type;
  }

  async #probe(reader: string, signal: AbortSignal | undefined): Promise<CardType> {
    const transport = await PcscCardTransport.open(this.context, reader, { shareMode: 'shared', timeoutMs: this.#options.timeoutMs, signal });
    const session = new CardSession(transport, this.#log);
    try {
      return await identifyCard(session, { signal });
    } finally {
      await session.close();
    }
  }
}
