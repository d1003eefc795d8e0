/**
 * The virtual AT modem on a pseudo-terminal that any serial client can open. Node cannot create
 * a pty itself, so Debian's `socat` makes a raw pty and connects it to a Unix socket this process
 * serves; the modem logic stays in Node. `ignoreeof` keeps socat (and the modem state) alive when
 * a client closes the pty and opens it again, as a real modem port would.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { lstat, mkdtemp, rm, unlink } from 'node:fs/promises';
import type { Server, Socket } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkbenchError } from '../../../shared/errors.js';
import type { AtQuirkProfile } from '../../transports/at/quirks.js';
import type { VirtualAtModemOptions } from './interpreter.js';
import { VirtualAtModem } from './interpreter.js';
import type { ModemSimCard } from './sim-card.js';

export interface StartVirtualAtModemOptions {
  readonly card?: ModemSimCard;
  readonly profile?: AtQuirkProfile | string;
  /** Where to put the pty symlink; default a fresh temporary directory. */
  readonly ptyPath?: string;
}

export interface RunningVirtualAtModem {
  /** Path a serial client opens (the symlink to /dev/pts/N). */
  readonly path: string;
  readonly modem: VirtualAtModem;
  close(): Promise<void>;
}

/** Feeds bytes from the pty to the modem one command line at a time (CR ends a line, LF is ignored). */
function serve(socket: Socket, modem: VirtualAtModem): void {
  let buffer = '';
  let chain = Promise.resolve();
  socket.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('latin1');
    let end: number;
    while ((end = buffer.search(/[\r\n]/)) >= 0) {
      const line = buffer.slice(0, end);
      const terminator = buffer[end];
      buffer = buffer.slice(end + 1);
      if (terminator === '\n' && line.length === 0) continue;
      chain = chain.then(async () => {
        const out = await modem.handleLine(line).catch(() => '\r\nERROR\r\n');
        if (!socket.destroyed) socket.write(Buffer.from(out, 'latin1'));
      });
    }
  });
  socket.on('error', () => socket.destroy());
}

function waitForPty(socat: ChildProcess, server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    const fail = (why: string): void => reject(new WorkbenchError('SIM_PTY_FAILED', `Could not create the virtual modem's pseudo-terminal: ${why}`, 'Install socat (sudo apt-get install socat) and check that /dev/pts is writable.', { details: { stderr } }));
    socat.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    socat.once('error', (err) => fail(err.message));
    socat.once('exit', (code) => fail(`socat exited with code ${String(code)}`));
    server.once('connection', () => resolve());
  });
}

export async function startVirtualAtModem(options: StartVirtualAtModemOptions = {}): Promise<RunningVirtualAtModem> {
  const modemOptions: VirtualAtModemOptions = { card: options.card, profile: options.profile };
  const modem = new VirtualAtModem(modemOptions);
  await modem.powerUp();
  const dir = await mkdtemp(join(tmpdir(), 'ewb-at-modem-'));
  const socketPath = join(dir, 'modem.sock');
  const path = options.ptyPath ?? join(dir, 'ttyAT0');
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serve(socket, modem);
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  const socat = spawn('socat', ['-d', '-d', `pty,raw,echo=0,ignoreeof,link=${path}`, `UNIX-CONNECT:${socketPath}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  const close = async (): Promise<void> => {
    if (socat.exitCode === null && socat.signalCode === null) {
      const exited = new Promise((r) => socat.once('exit', r));
      socat.kill('SIGTERM');
      await exited;
    }
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (options.ptyPath !== undefined && (await lstat(path).catch(() => undefined))?.isSymbolicLink()) await unlink(path).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForPty(socat, server);
  } catch (err) {
    await close();
    throw err;
  }
  return { path, modem, close };
}
