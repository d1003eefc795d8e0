/**
 * Serial port link over `serialport`: opens a modem's AT port exclusively (flock, so two copies of
 * this tool never interleave commands), moves bytes, and turns the usual open failures into
 * WorkbenchErrors that say what to do (ModemManager holding the port, missing group membership).
 */
import { readdir, readFile, readlink, realpath, stat } from 'node:fs/promises';
import { SerialPort } from 'serialport';
import { WorkbenchError } from '../../shared/errors.js';

/** A byte link to a modem port. The AT engine is written against this, so tests can script it. */
export interface SerialLink {
  readonly path: string;
  write(data: string | Uint8Array): Promise<void>;
  /** Subscribes to received bytes; returns the unsubscribe function. */
  onData(listener: (chunk: Uint8Array) => void): () => void;
  /** Called once when the port goes away (closed by us, unplugged, or a read error). */
  onClose(listener: (error?: WorkbenchError) => void): () => void;
  /** Idempotent. */
  close(): Promise<void>;
}

export interface OpenSerialOptions {
  baudRate?: number;
  /**
   * Open even when another process (ModemManager, a terminal program) has the port open. Off by
   * default: two programs sending AT commands on one port corrupt each other's answers.
   */
  shareWithOtherPrograms?: boolean;
}

/** A process that has a device open, found through /proc (only processes we may inspect). */
export interface PortHolder {
  readonly pid: number;
  readonly name: string;
}

/** Lists other processes that have `path` open. Best effort: other users' processes may be hidden. */
export async function findPortHolders(path: string): Promise<PortHolder[]> {
  let target: string;
  try {
    target = await realpath(path);
  } catch {
    return [];
  }
  const holders: PortHolder[] = [];
  const pids = (await readdir('/proc').catch(() => [] as string[])).filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid);
  for (const pid of pids) {
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    const links = await Promise.all(fds.map((fd) => readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')));
    // The process holding the master side of a pseudo-terminal (socat, a terminal emulator) provides
    // the port; it keeps the slave open too but is not a competing client.
    const ptyProvider = target.startsWith('/dev/pts/') && links.includes('/dev/ptmx');
    if (links.includes(target) && !ptyProvider) {
      const name = (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '?')).trim();
      holders.push({ pid: Number(pid), name });
    }
  }
  return holders;
}

const MODEM_MANAGER_HINT =
  'ModemManager probes modem ports and keeps them open. Stop it while you work (sudo systemctl stop ModemManager) or inhibit only this modem (mmcli -m <index> --inhibit), then try again.';

function busyError(path: string, holders: readonly PortHolder[], cause?: unknown): WorkbenchError {
  const who = holders.length > 0 ? holders.map((h) => `${h.name} (pid ${h.pid})`).join(', ') : 'another program';
  return new WorkbenchError('SERIAL_PORT_BUSY', `${path} is in use by ${who}.`, holders.some((h) => /modem-?manager/i.test(h.name)) || holders.length === 0 ? MODEM_MANAGER_HINT : `Close ${who} and try again.`, {
    cause,
    details: { path, holders: holders.map((h) => ({ ...h })) },
  });
}

async function groupOf(path: string): Promise<string | undefined> {
  try {
    const { gid } = await stat(path);
    const groups = await readFile('/etc/group', 'utf8');
    return groups.split('\n').map((l) => l.split(':')).find((f) => f[2] === String(gid))?.[0];
  } catch {
    return undefined;
  }
}

/** Maps a `serialport` open failure (its messages carry strerror text) to a WorkbenchError. */
async function openError(path: string, err: unknown): Promise<WorkbenchError> {
  const text = err instanceof Error ? err.message : String(err);
  if (/Cannot lock port|temporarily unavailable|EAGAIN|EWOULDBLOCK/i.test(text)) {
    return busyError(path, await findPortHolders(path), err);
  }
  if (/resource busy|EBUSY/i.test(text)) return busyError(path, await findPortHolders(path), err);
  if (/Permission denied|EACCES|EPERM/i.test(text)) {
    const group = (await groupOf(path)) ?? 'dialout';
    return new WorkbenchError(
      'SERIAL_PORT_PERMISSION_DENIED',
      `No permission to open ${path}.`,
      `Add your user to the '${group}' group (sudo usermod -aG ${group} $USER; modem ports are usually dialout, or plugdev with the udev rule shipped in build/), then log out and in again.`,
      { cause: err, details: { path, group } },
    );
  }
  if (/No such file|ENOENT/i.test(text)) {
    return new WorkbenchError('SERIAL_PORT_NOT_FOUND', `${path} does not exist.`, 'Check that the modem is plugged in and pick a port from the modem list.', { cause: err, details: { path } });
  }
  return new WorkbenchError('SERIAL_PORT_OPEN_FAILED', `Could not open ${path}: ${text}`, 'Check the port name and that the modem is powered.', { cause: err, details: { path } });
}

/** Opens `path` (raw 8N1; the baud rate does not matter for USB modems) and returns its link. */
export async function openSerialLink(path: string, options: OpenSerialOptions = {}): Promise<SerialLink> {
  if (!options.shareWithOtherPrograms) {
    const holders = await findPortHolders(path);
    if (holders.length > 0) throw busyError(path, holders);
  }
  const port = new SerialPort({ path, baudRate: options.baudRate ?? 115200, autoOpen: false, lock: true });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve()))).catch(async (err: unknown) => {
    throw await openError(path, err);
  });
  return new SerialPortLink(path, port);
}

class SerialPortLink implements SerialLink {
  private readonly dataListeners = new Set<(chunk: Uint8Array) => void>();
  private readonly closeListeners = new Set<(error?: WorkbenchError) => void>();
  private closed = false;
  private lastError: WorkbenchError | undefined;

  constructor(
    readonly path: string,
    private readonly port: SerialPort,
  ) {
    port.on('data', (chunk: Buffer) => {
      for (const l of this.dataListeners) l(new Uint8Array(chunk));
    });
    port.on('error', (err: Error) => {
      this.lastError = new WorkbenchError('SERIAL_PORT_IO_ERROR', `I/O error on ${path}: ${err.message}`, 'The modem may have been unplugged or reset; reconnect it.', { cause: err, details: { path } });
    });
    port.on('close', () => this.markClosed());
  }

  write(data: string | Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(closedError(this.path));
    return new Promise((resolve, reject) => {
      this.port.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : Buffer.from(data), (err) => {
        if (err) reject(new WorkbenchError('SERIAL_PORT_IO_ERROR', `Writing to ${this.path} failed: ${err.message}`, 'The modem may have been unplugged or reset; reconnect it.', { cause: err }));
        else this.port.drain(() => resolve());
      });
    });
  }

  onData(listener: (chunk: Uint8Array) => void): () => void {
    this.dataListeners.add(listener);
    return () => this.dataListeners.delete(listener);
  }

  onClose(listener: (error?: WorkbenchError) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.lastError = undefined;
    await new Promise<void>((resolve) => this.port.close(() => resolve()));
    this.markClosed();
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.closeListeners) l(this.lastError);
    this.closeListeners.clear();
    this.dataListeners.clear();
  }
}

function closedError(path: string): WorkbenchError {
  return new WorkbenchError('SERIAL_PORT_CLOSED', `${path} is closed.`, 'Open the modem again.', { details: { path } });
}
