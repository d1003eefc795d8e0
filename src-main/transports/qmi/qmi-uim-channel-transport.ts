/**
 * Channel card over QMI UIM: Open Logical Channel 0x0042 by AID, Send APDU 0x003B on the channel,
 * Logical Channel 0x003F (close form) — the path lpac's `qmi` backend uses. Refused by modems that do
 * not accept a profile-less eUICC; openQmiCard then falls back to QmiUimSapTransport.
 */
import { WorkbenchError, isWorkbenchError, throwIfAborted } from '../../../shared/errors.js';
import { bytesEqual, concatBytes } from '../../../shared/hex.js';
import type { ChannelCardTransport, OpenedChannel, TransportInfo } from '../../card/transport.js';
import type { QmiClient } from './qmi-client.js';
import { qmiBytes, qmiNumber } from './qmi-codec.js';
import type { QmiRecord } from './qmi-fields.js';

export interface QmiUimChannelOptions {
  readonly slot: number;
  readonly info: TransportInfo;
  /** Called at the end of close(), e.g. to release the client id and the link. */
  readonly release?: () => Promise<void>;
  /** A channel opened while probing, handed out by the first openLogicalChannel for its AID. */
  readonly preopened?: { readonly aid: Uint8Array; readonly channel: OpenedChannel };
}

/** Wraps the modem's refusal to open a channel in a code the fallback recognises. */
export function logicalChannelRefused(err: WorkbenchError): WorkbenchError {
  return new WorkbenchError('QMI_LOGICAL_CHANNEL_REFUSED', `The modem refused to open a logical channel: ${err.message}`, 'Blank eUICCs are often refused; the QMI UIM SAP path gives raw access instead.', {
    cause: err,
    details: { ...err.details },
  });
}

export class QmiUimChannelTransport implements ChannelCardTransport {
  readonly shape = 'channel' as const;
  readonly info: TransportInfo;
  private readonly slot: number;
  private preopened: QmiUimChannelOptions['preopened'];
  private readonly open = new Set<number>();
  private closed = false;

  constructor(
    private readonly client: QmiClient,
    private readonly options: QmiUimChannelOptions,
  ) {
    this.info = options.info;
    this.slot = options.slot;
    this.preopened = options.preopened;
    if (this.preopened) this.open.add(this.preopened.channel.channel);
  }

  async getAtr(signal?: AbortSignal): Promise<Uint8Array> {
    const answer = await this.client.request('uim.getAtr', { slot: this.slot }, signal ? { signal } : {});
    return qmiBytes(answer, 'atr');
  }

  async openLogicalChannel(aid: Uint8Array, signal?: AbortSignal): Promise<OpenedChannel> {
    this.assertOpen();
    throwIfAborted(signal, 'Opening a logical channel');
    if (this.preopened && bytesEqual(this.preopened.aid, aid)) {
      const channel = this.preopened.channel;
      this.preopened = undefined;
      return channel;
    }
    let answer: QmiRecord;
    try {
      answer = await this.client.request('uim.openLogicalChannel', { slot: this.slot, aid }, signal ? { signal } : {});
    } catch (err) {
      throw isWorkbenchError(err, 'QMI_PROTOCOL_ERROR') ? logicalChannelRefused(err) : err;
    }
    const channel = qmiNumber(answer, 'channelId');
    this.open.add(channel);
    return { channel, ...selectResponse(answer) };
  }

  async transmit(channel: number, command: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    this.assertOpen();
    const values: QmiRecord = channel === 0 ? { slot: this.slot, apdu: command } : { slot: this.slot, apdu: command, channelId: channel };
    // Long answers come as Send APDU indications keyed by a token; listen before asking.
    const chunks = new Map<number, { total: number; parts: Map<number, Uint8Array> }>();
    let settle: (() => void) | undefined;
    const stop = this.client.onIndication('uim.sendApdu', (v) => {
      const token = qmiNumber(v, 'token');
      const entry = chunks.get(token) ?? { total: qmiNumber(v, 'totalLength'), parts: new Map() };
      entry.parts.set(qmiNumber(v, 'chunkOffset'), qmiBytes(v, 'chunk'));
      chunks.set(token, entry);
      settle?.();
    });
    try {
      const answer = await this.client.request('uim.sendApdu', values, signal ? { signal } : {});
      if (answer.longResponseToken === undefined) return qmiBytes(answer, 'response');
      const token = qmiNumber(answer, 'longResponseToken');
      const total = qmiNumber(answer, 'longResponseLength');
      const complete = (): Uint8Array | undefined => {
        const entry = chunks.get(token);
        if (entry === undefined) return undefined;
        const have = [...entry.parts.values()].reduce((n, p) => n + p.length, 0);
        if (have < total) return undefined;
        return concatBytes(...[...entry.parts.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]));
      };
      return await new Promise<Uint8Array>((resolve, reject) => {
        const timer = setTimeout(() => reject(new WorkbenchError('QMI_TIMEOUT', 'The modem did not deliver the whole long APDU response.', 'Try again; if it persists the firmware drops Send APDU indications.')), this.client.connection.defaultTimeoutMs);
        settle = () => {
          const whole = complete();
          if (whole) {
            clearTimeout(timer);
            resolve(whole);
          }
        };
        settle();
      });
    } finally {
      stop();
    }
  }

  async closeLogicalChannel(channel: number, signal?: AbortSignal): Promise<void> {
    this.assertOpen();
    this.open.delete(channel);
    await this.client.request('uim.logicalChannel', { slot: this.slot, channelId: channel }, signal ? { signal } : {});
  }

  /** Closes channels still open (best effort), then releases the client. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const channel of this.open) {
      await this.client.request('uim.logicalChannel', { slot: this.slot, channelId: channel }).catch(() => undefined);
    }
    this.open.clear();
    await this.options.release?.();
  }

  private assertOpen(): void {
    if (this.closed) throw new WorkbenchError('TRANSPORT_CLOSED', `${this.info.label} is closed.`, 'Open the card again.');
  }
}

/** FCI ‖ SW of an open-channel answer, when the modem included them. */
function selectResponse(answer: QmiRecord): { selectResponse?: Uint8Array } {
  const fci = answer.selectResponse instanceof Uint8Array ? answer.selectResponse : new Uint8Array();
  if (typeof answer.sw1 !== 'number' || typeof answer.sw2 !== 'number') return fci.length ? { selectResponse: fci } : {};
  return { selectResponse: concatBytes(fci, Uint8Array.of(answer.sw1, answer.sw2)) };
}
