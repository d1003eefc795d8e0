/**
 * A byte carrier for QMUX frames: the character device, the qmi-proxy abstract socket, or MBIM's QMI
 * service. The QMI layer above writes whole frames and re-frames whatever chunks come back, so a link
 * may deliver partial frames, several frames at once, or exactly one frame per chunk (MBIM).
 */
import { WorkbenchError } from '../../shared/errors.js';

/** Any message or stream carrier of bytes (a device, a socket). */
export interface ByteLink {
  /** For logs and errors, e.g. `/dev/cdc-wdm0` or `qmi-proxy → /dev/cdc-wdm0`. */
  readonly description: string;
  /** Writes one whole message (a QMUX frame, an MBIM message). */
  write(message: Uint8Array): Promise<void>;
  /** Chunks as they arrive. One handler; set before the first write. */
  onData(handler: (chunk: Uint8Array) => void): void;
  /** Called once when the far end goes away (not after close()). */
  onClose(handler: (error?: WorkbenchError) => void): void;
  /** Idempotent. */
  close(): Promise<void>;
}

/** A carrier of QMUX frames. */
export interface QmuxLink extends ByteLink {
  /**
   * Set when the link goes through qmi-proxy: the QMI layer must first send CTL 0xFF00 "Internal Proxy
   * Open" naming this device (TRANSPORTS.md §3).
   */
  readonly proxyDevicePath?: string;
}

/** What every QMUX link shares: one data handler, one close handler, and refusing writes once closed. */
export abstract class QmuxLinkBase implements QmuxLink {
  protected dataHandler: (chunk: Uint8Array) => void = () => {};
  protected closeHandler: (error?: WorkbenchError) => void = () => {};
  protected closed = false;
  abstract readonly description: string;

  abstract write(message: Uint8Array): Promise<void>;
  abstract close(): Promise<void>;

  onData(handler: (chunk: Uint8Array) => void): void {
    this.dataHandler = handler;
  }

  onClose(handler: (error?: WorkbenchError) => void): void {
    this.closeHandler = handler;
  }

  /** The rejection for a write after close. */
  protected closedError(): WorkbenchError {
    return new WorkbenchError('QMI_LINK_CLOSED', `${this.description} is closed.`, 'Reopen the modem.');
  }
}
