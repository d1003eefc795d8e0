/**
 * QMI over one QmuxLink: `QmuxConnection` owns the link, the CTL service (1-byte transaction ids),
 * the qmi-proxy handshake and the routing of incoming frames; `QmiClient` is one allocated client id
 * of a service (2-byte transaction ids) that sends requests, matches responses, times out, receives
 * indications and releases its client id on close (client ids are scarce: leaked ones exhaust the
 * modem until it reboots, TRANSPORTS.md §1.3).
 */
import { WorkbenchError, abortError } from '../../../shared/errors.js';
import { toHex } from '../../../shared/hex.js';
import type { QmuxLink } from '../../links/qmux-link.js';
import { buildQmiFrame, decodeQmiTlvs, qmiNumber } from './qmi-codec.js';
import type { DecodedQmiMessage } from './qmi-codec.js';
import { qmiProtocolError } from './qmi-errors.js';
import type { QmiRecord } from './qmi-fields.js';
import { QMI_MESSAGES, QMI_SERVICE, findQmiMessage } from './qmi-messages.js';
import type { QmiMessageDef, QmiMessageKey, QmiServiceName } from './qmi-messages.js';
import { QMI_CID_BROADCAST, QmuxReframer, encodeQmuxFrame } from './qmux.js';
import type { QmuxFrame } from './qmux.js';

export type QmiLogLevel = 'debug' | 'warn';

export interface QmiConnectionOptions {
  /** Notes worth a log line: unknown TLVs, stray indications, framing errors. */
  readonly onLog?: (level: QmiLogLevel, message: string) => void;
  /** Every frame in and out, for a protocol trace view. */
  readonly onFrame?: (direction: 'tx' | 'rx', frame: QmuxFrame, raw: Uint8Array) => void;
  /** Default per-request timeout (ms). */
  readonly timeoutMs?: number;
}

export interface QmiRequestOptions {
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

const DEFAULT_TIMEOUT_MS = 15_000;

interface Pending {
  readonly def: QmiMessageDef;
  readonly resolve: (m: DecodedQmiMessage) => void;
  readonly reject: (e: WorkbenchError) => void;
}

type IndicationHandler = (values: QmiRecord, key: QmiMessageKey) => void;

export class QmuxConnection {
  private readonly pending = new Map<string, Pending>();
  private readonly clients = new Set<QmiClient>();
  private ctlTransaction = 0;
  private closedError: WorkbenchError | undefined;
  private readonly log: (level: QmiLogLevel, message: string) => void;
  readonly defaultTimeoutMs: number;

  private constructor(
    readonly link: QmuxLink,
    private readonly options: QmiConnectionOptions,
  ) {
    this.log = options.onLog ?? (() => {});
    this.defaultTimeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const reframer = new QmuxReframer(
      (frame, raw) => this.dispatch(frame, raw),
      (err) => this.log('warn', err.message),
    );
    link.onData((chunk) => reframer.push(chunk));
    link.onClose((err) => this.shutdown(err ?? new WorkbenchError('QMI_LINK_CLOSED', `${link.description} closed.`, 'Reopen the modem.')));
  }

  /** Starts QMI on `link`; through qmi-proxy this first sends 0xFF00 with the device path. */
  static async open(link: QmuxLink, options: QmiConnectionOptions = {}, signal?: AbortSignal): Promise<QmuxConnection> {
    const connection = new QmuxConnection(link, options);
    if (link.proxyDevicePath !== undefined) {
      try {
        await connection.ctlRequest('ctl.internalProxyOpen', { devicePath: link.proxyDevicePath }, signal ? { signal } : {});
      } catch (err) {
        await connection.close();
        throw err;
      }
    }
    return connection;
  }

  get closed(): boolean {
    return this.closedError !== undefined;
  }

  /** One CTL request (CTL has no client id; transaction ids are 1 byte). */
  ctlRequest(key: QmiMessageKey, values: QmiRecord = {}, options: QmiRequestOptions = {}): Promise<QmiRecord> {
    this.ctlTransaction = (this.ctlTransaction % 0xff) + 1;
    return this.send(key, 0, this.ctlTransaction, values, options);
  }

  /** Allocates a client id of `service` (CTL Allocate CID) and returns its client. */
  async allocateClient(service: QmiServiceName, options: QmiRequestOptions = {}): Promise<QmiClient> {
    const answer = await this.ctlRequest('ctl.allocateCid', { service: QMI_SERVICE[service] }, options);
    const client = new QmiClient(this, service, qmiNumber(answer, 'clientId'));
    this.clients.add(client);
    return client;
  }

  /** Adopts a client id allocated earlier (e.g. by qmicli with --client-no-release-cid). */
  adoptClient(service: QmiServiceName, clientId: number): QmiClient {
    const client = new QmiClient(this, service, clientId);
    this.clients.add(client);
    return client;
  }

  /** @internal used by QmiClient */
  send(key: QmiMessageKey, clientId: number, transactionId: number, values: QmiRecord, options: QmiRequestOptions): Promise<QmiRecord> {
    if (this.closedError) return Promise.reject(this.closedError);
    const def: QmiMessageDef = QMI_MESSAGES[key];
    let frame: QmuxFrame;
    try {
      frame = buildQmiFrame(key, 'request', { clientId, transactionId }, values);
    } catch (err) {
      return Promise.reject(err);
    }
    const id = this.pendingKey(frame.service, clientId, transactionId);
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    return new Promise<QmiRecord>((resolve, reject) => {
      const signal = options.signal;
      const cleanup = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.pending.delete(id);
      };
      const onAbort = (): void => {
        cleanup();
        reject(abortError(`QMI ${def.name}`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new WorkbenchError('QMI_TIMEOUT', `The modem did not answer ${def.name} within ${timeoutMs} ms.`, 'The modem may be busy or hung; try again, or power-cycle it.', {
            details: { message: def.name, timeoutMs, device: this.link.description },
          }),
        );
      }, timeoutMs);
      if (signal?.aborted) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        def,
        resolve: (m) => {
          cleanup();
          if (m.result !== undefined && m.result.status !== 0) reject(qmiProtocolError(def.name, m.result.error));
          else resolve(m.values);
        },
        reject: (e) => {
          cleanup();
          reject(e);
        },
      });
      const raw = encodeQmuxFrame(frame);
      this.options.onFrame?.('tx', frame, raw);
      this.link.write(raw).catch((err: unknown) => this.pending.get(id)?.reject(err instanceof WorkbenchError ? err : new WorkbenchError('QMI_LINK_WRITE', String(err), 'Reopen the modem.')));
    });
  }

  private pendingKey(service: number, clientId: number, transactionId: number): string {
    return service === 0 ? `ctl:${transactionId}` : `${service}:${clientId}:${transactionId}`;
  }

  private dispatch(frame: QmuxFrame, raw: Uint8Array): void {
    this.options.onFrame?.('rx', frame, raw);
    if (frame.kind === 'request') {
      this.log('warn', `Ignored a request frame from the modem (service 0x${frame.service.toString(16)}, message 0x${frame.messageId.toString(16)}).`);
      return;
    }
    if (frame.kind === 'indication') {
      this.dispatchIndication(frame);
      return;
    }
    const id = this.pendingKey(frame.service, frame.clientId, frame.transactionId);
    const waiter = this.pending.get(id);
    if (waiter === undefined || waiter.def.id !== frame.messageId) {
      this.log('debug', `Stray response ignored: service 0x${frame.service.toString(16)} client ${frame.clientId} transaction ${frame.transactionId} message 0x${frame.messageId.toString(16)} (late answer to a cancelled request?).`);
      return;
    }
    try {
      const decoded = decodeQmiTlvs(waiter.def, 'response', frame.tlvs);
      this.noteUnknown(waiter.def, decoded);
      waiter.resolve(decoded);
    } catch (err) {
      waiter.reject(err as WorkbenchError);
    }
  }

  private dispatchIndication(frame: QmuxFrame): void {
    const found = findQmiMessage(frame.service, frame.messageId, true);
    const targets = [...this.clients].filter((c) => QMI_SERVICE[c.service] === frame.service && (frame.clientId === QMI_CID_BROADCAST || c.clientId === frame.clientId));
    if (found === undefined || !('indication' in found.def)) {
      this.log('debug', `Indication 0x${frame.messageId.toString(16)} of service 0x${frame.service.toString(16)} is not in the message table; ignored.`);
      return;
    }
    if (targets.length === 0) {
      this.log('debug', `Stray indication '${found.def.name}' for client ${frame.clientId} ignored (no such client here).`);
      return;
    }
    let decoded: DecodedQmiMessage;
    try {
      decoded = decodeQmiTlvs(found.def, 'indication', frame.tlvs);
    } catch (err) {
      this.log('warn', `Indication '${found.def.name}' could not be decoded: ${(err as Error).message}`);
      return;
    }
    this.noteUnknown(found.def, decoded);
    for (const client of targets) client.deliver(found.key, decoded.values);
  }

  private noteUnknown(def: QmiMessageDef, decoded: DecodedQmiMessage): void {
    for (const t of decoded.unknownTlvs) {
      this.log('debug', `'${def.name}': unknown TLV 0x${t.type.toString(16).padStart(2, '0')} (${t.value.length} bytes: ${toHex(t.value.subarray(0, 32))}) ignored.`);
    }
  }

  /** @internal */
  forget(client: QmiClient): void {
    this.clients.delete(client);
  }

  private shutdown(error: WorkbenchError): void {
    if (this.closedError) return;
    this.closedError = error;
    for (const p of [...this.pending.values()]) p.reject(error);
  }

  /** Releases every client id still held, then closes the link. */
  async close(): Promise<void> {
    if (this.closedError) return;
    for (const client of [...this.clients]) await client.close();
    this.shutdown(new WorkbenchError('QMI_LINK_CLOSED', `${this.link.description} was closed.`, 'Reopen the modem.'));
    await this.link.close();
  }
}

export class QmiClient {
  private transaction = 0;
  private released = false;
  private readonly handlers = new Map<QmiMessageKey, Set<IndicationHandler>>();

  /** @internal created by QmuxConnection */
  constructor(
    readonly connection: QmuxConnection,
    readonly service: QmiServiceName,
    readonly clientId: number,
  ) {}

  /** Sends a request and resolves with the decoded response values; a failed result raises QMI_PROTOCOL_ERROR. */
  request(key: QmiMessageKey, values: QmiRecord = {}, options: QmiRequestOptions = {}): Promise<QmiRecord> {
    if (QMI_MESSAGES[key].service !== this.service) {
      return Promise.reject(new WorkbenchError('QMI_WRONG_SERVICE', `${key} is not a ${this.service} message.`, 'Use a client of the right service.'));
    }
    if (this.released) return Promise.reject(new WorkbenchError('QMI_CLIENT_RELEASED', `QMI ${this.service} client ${this.clientId} was released.`, 'Allocate a new client.'));
    this.transaction = (this.transaction % 0xffff) + 1;
    return this.connection.send(key, this.clientId, this.transaction, values, options);
  }

  /** Subscribes to an indication; returns the unsubscribe function. */
  onIndication(key: QmiMessageKey, handler: IndicationHandler): () => void {
    let set = this.handlers.get(key);
    if (set === undefined) this.handlers.set(key, (set = new Set()));
    set.add(handler);
    return () => set.delete(handler);
  }

  /** @internal */
  deliver(key: QmiMessageKey, values: QmiRecord): void {
    for (const h of this.handlers.get(key) ?? []) h(values, key);
  }

  /** Releases the client id (CTL Release CID). Idempotent; failures are ignored once the link is gone. */
  async close(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.connection.forget(this);
    if (this.connection.closed) return;
    await this.connection.ctlRequest('ctl.releaseCid', { service: QMI_SERVICE[this.service], clientId: this.clientId }).catch(() => undefined);
  }
}
