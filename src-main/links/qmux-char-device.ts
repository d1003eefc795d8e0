/**
 * QMUX over a character device: `/dev/cdc-wdmN` (qmi_wwan), `/dev/wwan0qmiN`, or a raw pseudo-terminal
 * (the virtual modem). Opened like libqmi does — `O_RDWR | O_EXCL | O_NOCTTY | O_NONBLOCK`, no ioctls,
 * no termios (TRANSPORTS.md §1.4, §4) — so a pty must already be in raw mode.
 *
 * Why polling: Node has no readiness API for non-tty character devices (libuv treats them as files),
 * and a blocking read in the thread pool cannot be cancelled, which would keep the device open after
 * close. So reads are non-blocking and retried on EAGAIN with a short back-off that resets whenever
 * traffic flows (1 ms while a conversation is active, at most 20 ms when idle).
 */
import fs from 'node:fs';
import { WorkbenchError } from '../../shared/errors.js';
import { QmuxLinkBase } from './qmux-link.js';

const READ_SIZE = 2048;
const MIN_POLL_MS = 1;
const MAX_POLL_MS = 20;
/** Shipped udev rule that grants the plugdev group access to QMI/MBIM control devices. */
export const QMI_UDEV_RULE = 'build/udev/70-esim-workbench.rules';

function openError(path: string, err: NodeJS.ErrnoException): WorkbenchError {
  switch (err.code) {
    case 'EACCES':
    case 'EPERM':
      return new WorkbenchError(
        'QMI_DEVICE_ACCESS',
        `No permission to open ${path}.`,
        `Run as root, or add your user to the plugdev group and install the udev rule ${QMI_UDEV_RULE} (copy it to /etc/udev/rules.d/, then \`udevadm control --reload && udevadm trigger\`, and log in again).`,
        { cause: err, details: { path, errno: err.code } },
      );
    case 'EBUSY':
      return new WorkbenchError(
        'QMI_DEVICE_BUSY',
        `${path} is held by another program (usually ModemManager).`,
        'Open the modem through qmi-proxy instead (it shares the device with ModemManager), or stop ModemManager (`systemctl stop ModemManager`).',
        { cause: err, details: { path, errno: err.code } },
      );
    case 'ENOENT':
    case 'ENXIO':
    case 'ENODEV':
      return new WorkbenchError('QMI_DEVICE_NOT_FOUND', `${path} does not exist.`, 'Check the modem is plugged in and in QMI or MBIM mode (`ls /dev/cdc-wdm*`).', {
        cause: err,
        details: { path, errno: err.code },
      });
    default:
      return new WorkbenchError('QMI_DEVICE_OPEN', `Cannot open ${path}: ${err.message}.`, 'Check the device path and the kernel log (`dmesg`).', {
        cause: err,
        details: { path, errno: err.code },
      });
  }
}

export class CharDeviceQmuxLink extends QmuxLinkBase {
  private pollMs = MIN_POLL_MS;
  private timer: NodeJS.Timeout | undefined;
  private reading = false;
  /** Set by close() while a read is in flight: the fd is closed only after it, so it cannot be reused under the read. */
  private afterRead: (() => void) | undefined;
  private readonly buffer = Buffer.alloc(READ_SIZE);

  private constructor(
    private readonly fd: number,
    readonly description: string,
  ) {
    super();
  }

  /** Opens `path` exclusively. Errors name the cause (permissions, ModemManager, missing device). */
  static async open(path: string): Promise<CharDeviceQmuxLink> {
    const { O_RDWR, O_EXCL, O_NOCTTY, O_NONBLOCK } = fs.constants;
    const fd = await new Promise<number>((resolve, reject) => {
      fs.open(path, O_RDWR | O_EXCL | O_NOCTTY | O_NONBLOCK, (err, fd) => (err ? reject(openError(path, err)) : resolve(fd)));
    });
    const link = new CharDeviceQmuxLink(fd, path);
    link.schedule(0);
    return link;
  }

  private schedule(delay: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => this.readOnce(), delay);
    // Idle polling alone must not keep the process alive.
    this.timer.unref();
  }

  private readOnce(): void {
    if (this.closed || this.reading) return;
    this.reading = true;
    fs.read(this.fd, this.buffer, 0, READ_SIZE, null, (err, n) => {
      this.reading = false;
      if (this.closed) {
        this.afterRead?.();
        return;
      }
      if (err) {
        if (err.code === 'EAGAIN' || err.code === 'EWOULDBLOCK') {
          this.pollMs = Math.min(this.pollMs * 2, MAX_POLL_MS);
          this.schedule(this.pollMs);
          return;
        }
        this.fail(new WorkbenchError('QMI_LINK_CLOSED', `Reading ${this.description} failed: ${err.message}.`, 'The modem may have been unplugged or reset; reopen it.', { cause: err }));
        return;
      }
      if (n === 0) {
        this.fail(new WorkbenchError('QMI_LINK_CLOSED', `${this.description} reached end of file.`, 'The modem may have been unplugged or reset; reopen it.'));
        return;
      }
      this.pollMs = MIN_POLL_MS;
      this.dataHandler(new Uint8Array(this.buffer.subarray(0, n)));
      this.schedule(0);
    });
  }

  private fail(error: WorkbenchError): void {
    if (this.closed) return;
    void this.close();
    this.closeHandler(error);
  }

  write(frame: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(this.closedError());
    // A response is due soon: poll fast again.
    this.pollMs = MIN_POLL_MS;
    return new Promise((resolve, reject) => {
      fs.write(this.fd, frame, 0, frame.length, null, (err, written) => {
        if (err) reject(new WorkbenchError('QMI_LINK_WRITE', `Writing to ${this.description} failed: ${err.message}.`, 'Reopen the modem.', { cause: err }));
        else if (written !== frame.length) reject(new WorkbenchError('QMI_LINK_WRITE', `Short write to ${this.description} (${written} of ${frame.length} bytes).`, 'Reopen the modem.'));
        else resolve();
      });
    });
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    clearTimeout(this.timer);
    return new Promise((resolve) => {
      const closeFd = (): void => fs.close(this.fd, () => resolve());
      if (this.reading) this.afterRead = closeFd;
      else closeFd();
    });
  }
}
