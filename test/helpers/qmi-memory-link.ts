/**
 * In-process QmuxLink for QMI unit tests: frames written go to a VirtualQmiModem (when given), answers
 * come back split into `chunkSize`-byte reads (1 = byte by byte) or glued together, and tests can
 * inject raw bytes (stray indications, garbage) as if the modem sent them.
 */
import { WorkbenchError } from '../../shared/errors.js';
import type { QmuxLink } from '../../src-main/links/qmux-link.js';
import { QmuxReframer, encodeQmuxFrame } from '../../src-main/transports/qmi/qmux.js';
import type { ModemSession, VirtualQmiModem } from '../../src-main/sim/qmi-modem/virtual-qmi-modem.js';

export class MemoryQmuxLink implements QmuxLink {
  readonly description = 'memory';
  readonly written: Uint8Array[] = [];
  readonly proxyDevicePath?: string;
  private dataHandler: (chunk: Uint8Array) => void = () => {};
  private closeHandler: (error?: WorkbenchError) => void = () => {};
  private closed = false;
  private readonly reframer: QmuxReframer;

  constructor(
    private readonly modem: VirtualQmiModem | undefined,
    private readonly options: { chunkSize?: number; proxyDevicePath?: string } = {},
  ) {
    if (options.proxyDevicePath !== undefined) this.proxyDevicePath = options.proxyDevicePath;
    const session: ModemSession = { id: 1000, indicate: (f) => this.inject(encodeQmuxFrame(f)) };
    this.reframer = new QmuxReframer(
      (frame) => void this.modem?.handle(session, frame).then((answer) => answer && this.inject(encodeQmuxFrame(answer))),
      (err) => {
        throw err;
      },
    );
  }

  /** Delivers `bytes` to the client as reads of `chunkSize` bytes. */
  inject(bytes: Uint8Array): void {
    const size = this.options.chunkSize ?? bytes.length;
    for (let at = 0; at < bytes.length; at += size) {
      const chunk = bytes.slice(at, at + size);
      setImmediate(() => !this.closed && this.dataHandler(chunk));
    }
  }

  async write(frame: Uint8Array): Promise<void> {
    if (this.closed) throw new WorkbenchError('QMI_LINK_CLOSED', 'memory link closed', '');
    this.written.push(frame);
    this.reframer.push(frame);
  }

  onData(handler: (chunk: Uint8Array) => void): void {
    this.dataHandler = handler;
  }

  onClose(handler: (error?: WorkbenchError) => void): void {
    this.closeHandler = handler;
  }

  /** Simulates the device vanishing. */
  drop(): void {
    this.closed = true;
    this.closeHandler(new WorkbenchError('QMI_LINK_CLOSED', 'memory link dropped', ''));
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
