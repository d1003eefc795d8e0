/**
 * Raw card over QMI UIM SAP (TRANSPORTS.md §2.3): SAP Connection 0x003C connects the host to the card
 * (condition "allow always", so an active data call does not block it), SAP Request 0x003D carries
 * GET ATR / SEND APDU / RESET, and SAP Connection with operation "disconnect" hands the card back to
 * the modem. This is the rescue path for a blank eUICC the modem refuses (ARCHITECTURE.md).
 *
 * While connected the modem cannot use the card at all, so the disconnect is sent on close(), when an
 * APDU exchange is aborted, and when the modem stops answering — never left to chance.
 */
import { WorkbenchError, isWorkbenchError, throwIfAborted } from '../../../shared/errors.js';
import type { RawCardTransport, TransportInfo } from '../../card/transport.js';
import type { QmiClient, QmiRequestOptions } from './qmi-client.js';
import { qmiBytes } from './qmi-codec.js';
import type { QmiRecord } from './qmi-fields.js';
import { UIM } from './qmi-messages.js';

/** SAP Connection request (0x003C). */
export function qmiUimSapConnection(
  client: QmiClient,
  slot: number,
  operation: keyof typeof UIM.sapOperation,
  options: QmiRequestOptions & { condition?: keyof typeof UIM.sapCondition; disconnectMode?: keyof typeof UIM.sapDisconnectMode } = {},
): Promise<QmiRecord> {
  const values: Record<string, number> = { operation: UIM.sapOperation[operation], slot };
  if (options.condition !== undefined) values.connectionCondition = UIM.sapCondition[options.condition];
  if (options.disconnectMode !== undefined) values.disconnectMode = UIM.sapDisconnectMode[options.disconnectMode];
  return client.request('uim.sapConnection', values, options);
}

/** SAP Request (0x003D). */
export function qmiUimSapRequest(client: QmiClient, slot: number, request: keyof typeof UIM.sapRequest, apdu?: Uint8Array, options: QmiRequestOptions = {}): Promise<QmiRecord> {
  return client.request('uim.sapRequest', { request: UIM.sapRequest[request], slot, ...(apdu ? { apdu } : {}) }, options);
}

export interface QmiUimSapOptions {
  readonly slot: number;
  readonly info: TransportInfo;
  /** Called at the end of close(), e.g. to release the client id and the link. */
  readonly release?: () => Promise<void>;
  /** Notes for the log (disconnect sent, disconnect failed). */
  readonly onLog?: (message: string) => void;
}

/** Errors after which the SAP session is not trusted any more: disconnect at once. */
const FATAL_CODES: ReadonlySet<string> = new Set(['ABORTED', 'QMI_TIMEOUT']);

export class QmiUimSapTransport implements RawCardTransport {
  readonly shape = 'raw' as const;
  readonly info: TransportInfo;
  private connected = true;
  private closed = false;
  private disconnecting: Promise<void> | undefined;

  private constructor(
    private readonly client: QmiClient,
    private readonly options: QmiUimSapOptions,
  ) {
    this.info = options.info;
  }

  /**
   * Connects SAP on `options.slot` with condition "allow always". `NoEffect` (26) means a SAP session
   * is already up on this slot — left by a crashed run of ours — and is taken over.
   */
  static async connect(client: QmiClient, options: QmiUimSapOptions, signal?: AbortSignal): Promise<QmiUimSapTransport> {
    try {
      await qmiUimSapConnection(client, options.slot, 'connect', { condition: 'allowAlways', ...(signal ? { signal } : {}) });
    } catch (err) {
      if (!(isWorkbenchError(err, 'QMI_PROTOCOL_ERROR') && err.details.qmiError === 26)) {
        throw new WorkbenchError('QMI_SAP_CONNECT_FAILED', `SAP connection to the card in slot ${options.slot} failed: ${(err as Error).message}`, 'The modem may forbid SAP (security setting) or the card is busy; power-cycle the SIM and retry.', {
          cause: err,
          details: isWorkbenchError(err) ? { ...err.details } : {},
        });
      }
      options.onLog?.('SAP was already connected on this slot (left by an earlier session); taking it over.');
    }
    return new QmiUimSapTransport(client, options);
  }

  async getAtr(signal?: AbortSignal): Promise<Uint8Array> {
    return qmiBytes(await this.exchange('getAtr', undefined, signal), 'atr');
  }

  async transmit(command: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    return qmiBytes(await this.exchange('sendApdu', command, signal), 'response');
  }

  async reset(signal?: AbortSignal): Promise<Uint8Array> {
    await this.exchange('resetSim', undefined, signal);
    return this.getAtr(signal);
  }

  private async exchange(request: keyof typeof UIM.sapRequest, apdu: Uint8Array | undefined, signal?: AbortSignal): Promise<QmiRecord> {
    if (!this.connected) {
      throw new WorkbenchError('QMI_SAP_DISCONNECTED', 'The SAP session with the card has ended.', 'Open the card again.');
    }
    try {
      throwIfAborted(signal, 'SAP request');
      return await qmiUimSapRequest(this.client, this.options.slot, request, apdu, signal ? { signal } : {});
    } catch (err) {
      if (isWorkbenchError(err) && FATAL_CODES.has(err.code)) await this.disconnect();
      throw err;
    }
  }

  /** Sends SAP disconnect once; later calls wait for the same attempt. */
  private disconnect(): Promise<void> {
    if (!this.connected && this.disconnecting === undefined) return Promise.resolve();
    this.connected = false;
    this.disconnecting ??= qmiUimSapConnection(this.client, this.options.slot, 'disconnect', { disconnectMode: 'immediate' }).then(
      () => this.options.onLog?.(`SAP disconnected from slot ${this.options.slot}; the modem has the card back.`),
      (err: unknown) => this.options.onLog?.(`SAP disconnect failed: ${(err as Error).message}. Power-cycle the SIM (or the modem) to give it the card back.`),
    );
    return this.disconnecting;
  }

  /** Disconnects SAP (always), then releases the client. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.disconnect();
    await this.options.release?.();
  }
}
