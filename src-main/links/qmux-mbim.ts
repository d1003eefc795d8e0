/**
 * QMUX over MBIM (TRANSPORTS.md §7.1), for modems in MBIM mode such as the seed's EM7455: every QMUX
 * frame goes out as an MBIM COMMAND *set* on the QMI service (CID 1) and comes back as the information
 * buffer of COMMAND_DONE (or of INDICATE_STATUS for QMI indications). Works on the MBIM control device
 * (`/dev/cdc-wdmN` bound to cdc_mbim) or through libmbim's mbim-proxy, which shares the device with
 * ModemManager.
 *
 * After OPEN the link subscribes to the QMI service's indications (Device Service Subscribe List), as
 * libqmi does; a modem that refuses it still carries requests, so a refusal is only logged.
 */
import { WorkbenchError } from '../../shared/errors.js';
import { QmuxLinkBase } from './qmux-link.js';
import type { ByteLink } from './qmux-link.js';
import { AbstractSocketLink } from './qmux-abstract-socket.js';
import { CharDeviceQmuxLink } from './qmux-char-device.js';
import {
  MBIM_CID_DEVICE_SERVICE_SUBSCRIBE_LIST,
  MBIM_CID_PROXY_CONFIGURATION,
  MBIM_CID_QMI_MSG,
  MBIM_PROXY_SOCKET_NAME,
  MBIM_UUID,
  MbimReframer,
  encodeMbimMessage,
  encodeMbimProxyConfig,
  encodeMbimSubscribeList,
  mbimStatusName,
} from './qmux-mbim-codec.js';
import type { MbimMessage } from './qmux-mbim-codec.js';

export interface MbimOpenOptions {
  /** Bytes per control transfer we announce in OPEN; 4096 like libmbim's default. */
  readonly maxControlTransfer?: number;
  /** How long OPEN/CLOSE and the proxy configuration may take. */
  readonly timeoutMs?: number;
  /** Through mbim-proxy: the device it should open (sent in the Configuration message first). */
  readonly proxyDevicePath?: string;
  /** Notes for the log (indication subscription refused). */
  readonly onLog?: (message: string) => void;
}

const DEFAULT_TIMEOUT_MS = 10_000;

export class MbimQmuxLink extends QmuxLinkBase {
  readonly description: string;
  private nextTransaction = 1;
  private readonly waiters = new Map<number, (m: MbimMessage) => void>();
  private readonly reframer: MbimReframer;

  private constructor(
    private readonly carrier: ByteLink,
    private readonly timeoutMs: number,
  ) {
    super();
    this.description = `MBIM ${carrier.description}`;
    this.reframer = new MbimReframer(
      (m) => this.onMessage(m),
      (e) => this.fail(e),
    );
    carrier.onData((chunk) => this.reframer.push(chunk));
    carrier.onClose((e) => this.fail(e ?? new WorkbenchError('QMI_LINK_CLOSED', `${this.description} closed.`, 'Reopen the modem.')));
  }

  /** Runs the MBIM open sequence on `carrier` (proxy configuration first when going through mbim-proxy). */
  static async open(carrier: ByteLink, options: MbimOpenOptions = {}): Promise<MbimQmuxLink> {
    const link = new MbimQmuxLink(carrier, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    try {
      if (options.proxyDevicePath !== undefined) {
        const done = await link.exchange({
          type: 'command',
          transactionId: link.takeTransaction(),
          service: MBIM_UUID.proxyControl,
          cid: MBIM_CID_PROXY_CONFIGURATION,
          commandType: 'set',
          info: encodeMbimProxyConfig(options.proxyDevicePath, Math.ceil(link.timeoutMs / 1000)),
        });
        link.expectStatus(done, 'mbim-proxy configuration');
      }
      const opened = await link.exchange({ type: 'open', transactionId: link.takeTransaction(), maxControlTransfer: options.maxControlTransfer ?? 4096 });
      link.expectStatus(opened, 'MBIM open');
      const subscribed = await link.exchange({
        type: 'command',
        transactionId: link.takeTransaction(),
        service: MBIM_UUID.basicConnect,
        cid: MBIM_CID_DEVICE_SERVICE_SUBSCRIBE_LIST,
        commandType: 'set',
        info: encodeMbimSubscribeList([{ service: MBIM_UUID.qmi, cids: [MBIM_CID_QMI_MSG] }]),
      });
      if (subscribed.type !== 'command-done' || subscribed.status !== 0) {
        options.onLog?.(`QMI indications over MBIM not enabled (${'status' in subscribed ? mbimStatusName(subscribed.status) : subscribed.type}); requests still work.`);
      }
    } catch (err) {
      await carrier.close();
      throw err;
    }
    return link;
  }

  private takeTransaction(): number {
    const id = this.nextTransaction;
    this.nextTransaction = (this.nextTransaction % 0xfffffffe) + 1;
    return id;
  }

  private expectStatus(m: MbimMessage, what: string): void {
    const status = 'status' in m ? m.status : 0;
    if (m.type === 'function-error' || status !== 0) {
      throw new WorkbenchError('MBIM_OPEN_FAILED', `${what} failed on ${this.carrier.description}: ${mbimStatusName(status)}.`, 'Check the device is an MBIM control port and not held by another program without mbim-proxy.', {
        details: { status },
      });
    }
  }

  /** Sends `m` and waits for the message answering its transaction. */
  private exchange(m: MbimMessage): Promise<MbimMessage> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(m.transactionId);
        reject(new WorkbenchError('MBIM_TIMEOUT', `${this.carrier.description} did not answer MBIM ${m.type} within ${this.timeoutMs} ms.`, 'Check it is the MBIM control port of the modem.'));
      }, this.timeoutMs);
      this.waiters.set(m.transactionId, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      this.carrier.write(encodeMbimMessage(m)).catch((err: unknown) => {
        clearTimeout(timer);
        this.waiters.delete(m.transactionId);
        reject(err);
      });
    });
  }

  private onMessage(m: MbimMessage): void {
    const waiter = this.waiters.get(m.transactionId);
    if (waiter !== undefined && m.type !== 'indicate-status') {
      this.waiters.delete(m.transactionId);
      waiter(m);
      return;
    }
    const isQmi = (m.type === 'command-done' || m.type === 'indicate-status') && m.service === MBIM_UUID.qmi && m.cid === MBIM_CID_QMI_MSG;
    if (!isQmi) return;
    if (m.type === 'command-done' && m.status !== 0) {
      this.fail(
        new WorkbenchError('MBIM_QMI_UNSUPPORTED', `The modem rejected QMI over MBIM: ${mbimStatusName(m.status)}.`, 'This modem does not expose the QMI service in MBIM mode; switch it to QMI mode or use its MBIM UICC access instead.', {
          details: { status: m.status },
        }),
      );
      return;
    }
    this.dataHandler(m.info);
  }

  private fail(error: WorkbenchError): void {
    if (this.closed) return;
    this.closed = true;
    void this.carrier.close();
    this.closeHandler(error);
  }

  write(frame: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(this.closedError());
    return this.carrier.write(
      encodeMbimMessage({ type: 'command', transactionId: this.takeTransaction(), service: MBIM_UUID.qmi, cid: MBIM_CID_QMI_MSG, commandType: 'set', info: frame }),
    );
  }

  /** Sends MBIM CLOSE (best effort, bounded by the timeout) and closes the carrier. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.exchange({ type: 'close', transactionId: this.takeTransaction() });
    } catch {
      // The device may already be gone; closing the carrier is what matters.
    }
    this.closed = true;
    await this.carrier.close();
  }
}

/** QMI over MBIM on the MBIM control device itself (exclusive open, like the QMUX char device). */
export async function openMbimQmuxDevice(path: string, options: Omit<MbimOpenOptions, 'proxyDevicePath'> = {}): Promise<MbimQmuxLink> {
  return MbimQmuxLink.open(await CharDeviceQmuxLink.open(path), options);
}

/** QMI over MBIM through mbim-proxy (abstract socket `mbim-proxy`), naming the device to open. */
export async function connectMbimProxy(devicePath: string, options: Omit<MbimOpenOptions, 'proxyDevicePath'> & { socketName?: string } = {}): Promise<MbimQmuxLink> {
  const name = options.socketName ?? MBIM_PROXY_SOCKET_NAME;
  const carrier = await AbstractSocketLink.connect(name, {
    description: `${name} → ${devicePath}`,
    unavailable: (detail) =>
      new WorkbenchError('QMI_PROXY_UNAVAILABLE', `Nothing listens on the abstract socket '${name}' (mbim-proxy is not running).`, 'Start /usr/libexec/mbim-proxy as root, or open the MBIM device directly.', {
        details: { socket: name, detail },
      }),
  });
  return MbimQmuxLink.open(carrier, { ...options, proxyDevicePath: devicePath });
}
