/**
 * Endpoints of the virtual QMI modem, so real tools can reach it (TRANSPORTS.md §4):
 * - `pty`: a raw pseudo-terminal (Node has no openpty, so Debian's `socat` makes it and links it to a
 *   unix socket we serve); `qmicli --device-open-qmi -d <pty>` talks to it, or `--device-open-mbim`
 *   when the endpoint speaks MBIM.
 * - `abstract`: an abstract unix socket, by default named like libqmi's proxy (`qmi-proxy`) or
 *   libmbim's (`mbim-proxy`); one name per network namespace, so tests run it in a private one.
 *   Clients send the proxy's CTL 0xFF00 open first, which the modem accepts.
 * - `unix`: a filesystem unix socket.
 * Each endpoint speaks plain QMUX or MBIM-wrapped QMUX.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkbenchError } from '../../../shared/errors.js';
import {
  MBIM_CID_DEVICE_SERVICE_SUBSCRIBE_LIST,
  MBIM_CID_QMI_MSG,
  MBIM_UUID,
  MbimReframer,
  decodeMbimProxyConfig,
  encodeMbimMessage,
} from '../../links/qmux-mbim-codec.js';
import type { MbimMessage } from '../../links/qmux-mbim-codec.js';
import { QmuxReframer, encodeQmuxFrame } from '../../transports/qmi/qmux.js';
import type { QmuxFrame } from '../../transports/qmi/qmux.js';
import type { ModemSession, VirtualQmiModem } from './virtual-qmi-modem.js';
import { describeFrame } from './virtual-qmi-modem.js';

export type QmiModemFraming = 'qmux' | 'mbim';

export type QmiModemEndpoint =
  | { readonly kind: 'pty'; readonly framing?: QmiModemFraming; /** Symlink to create for the pty (default: in a temp dir). */ readonly link?: string }
  | { readonly kind: 'abstract'; readonly framing?: QmiModemFraming; /** Default `qmi-proxy` (QMUX) or `mbim-proxy` (MBIM). */ readonly name?: string }
  | { readonly kind: 'unix'; readonly framing?: QmiModemFraming; readonly path: string };

export interface ServedEndpoint {
  readonly kind: QmiModemEndpoint['kind'];
  readonly framing: QmiModemFraming;
  /** pty symlink, socket path, or abstract name (without the NUL). */
  readonly address: string;
}

interface Served {
  readonly endpoint: ServedEndpoint;
  close(): Promise<void>;
}

let sessionIds = 0;

/** Serves a QMUX byte stream: request frames in, responses and indications out. */
function serveQmux(modem: VirtualQmiModem, socket: net.Socket, log: (m: string) => void): void {
  const session: ModemSession = {
    id: ++sessionIds,
    indicate: (frame) => write(frame),
  };
  const write = (frame: QmuxFrame): void => {
    log(`tx ${describeFrame(frame)}`);
    if (!socket.destroyed) socket.write(encodeQmuxFrame(frame));
  };
  const reframer = new QmuxReframer(
    (frame) => {
      log(`rx ${describeFrame(frame)}`);
      void modem.handle(session, frame).then((answer) => answer && write(answer));
    },
    (err) => log(`framing: ${err.message}`),
  );
  socket.on('data', (chunk: Buffer) => reframer.push(chunk));
  socket.on('error', () => undefined);
  socket.on('close', () => modem.detach(session));
}

/** Serves MBIM: OPEN/CLOSE, the mbim-proxy configuration, and QMUX inside the QMI service. */
function serveMbim(modem: VirtualQmiModem, socket: net.Socket, log: (m: string) => void): void {
  const send = (m: MbimMessage): void => {
    if (!socket.destroyed) socket.write(encodeMbimMessage(m));
  };
  const session: ModemSession = {
    id: ++sessionIds,
    indicate: (frame) => send({ type: 'indicate-status', transactionId: 0, service: MBIM_UUID.qmi, cid: MBIM_CID_QMI_MSG, info: encodeQmuxFrame(frame) }),
  };
  const onCommand = (m: Extract<MbimMessage, { type: 'command' }>): void => {
    const reply = (status: number, info: Uint8Array = new Uint8Array()): void =>
      send({ type: 'command-done', transactionId: m.transactionId, service: m.service, cid: m.cid, status, info });
    if (m.service === MBIM_UUID.proxyControl) {
      try {
        log(`mbim-proxy configuration for ${decodeMbimProxyConfig(m.info).devicePath}`);
        reply(0);
      } catch {
        reply(2);
      }
      return;
    }
    if (m.service === MBIM_UUID.basicConnect && m.cid === MBIM_CID_DEVICE_SERVICE_SUBSCRIBE_LIST && m.commandType === 'set') {
      // libqmi subscribes to QMI indications after OPEN and gives up if refused; accept and echo the list.
      reply(0, m.info);
      return;
    }
    if (m.service !== MBIM_UUID.qmi || m.cid !== MBIM_CID_QMI_MSG || m.commandType !== 'set') {
      reply(9); // NoDeviceSupport: this virtual modem implements only the QMI service
      return;
    }
    // One COMMAND carries one QMUX frame; its answer goes back in this transaction's COMMAND_DONE.
    const frames: QmuxFrame[] = [];
    new QmuxReframer(
      (f) => frames.push(f),
      (err) => log(`framing inside MBIM: ${err.message}`),
    ).push(m.info);
    const frame = frames[0];
    if (frame === undefined) {
      reply(2);
      return;
    }
    log(`rx (mbim) ${describeFrame(frame)}`);
    void modem.handle(session, frame).then((answer) => (answer ? reply(0, encodeQmuxFrame(answer)) : reply(2)));
  };
  const reframer = new MbimReframer(
    (m) => {
      switch (m.type) {
        case 'open':
          send({ type: 'open-done', transactionId: m.transactionId, status: 0 });
          break;
        case 'close':
          send({ type: 'close-done', transactionId: m.transactionId, status: 0 });
          break;
        case 'command':
          onCommand(m);
          break;
        default:
          log(`ignored MBIM ${m.type}`);
      }
    },
    (err) => log(`MBIM framing: ${err.message}`),
  );
  socket.on('data', (chunk: Buffer) => reframer.push(chunk));
  socket.on('error', () => undefined);
  socket.on('close', () => modem.detach(session));
}

function listen(address: string, onConnection: (socket: net.Socket) => void): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer(onConnection);
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new WorkbenchError('QMI_MODEM_ENDPOINT', `Cannot listen on ${address}: ${err.message}.`, 'Check the directory exists and is writable.', { cause: err })),
    );
    server.listen(address, () => resolve(server));
  });
}

function closeServer(server: net.Server, sockets: Set<net.Socket>): Promise<void> {
  for (const s of sockets) s.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}

async function waitFor(check: () => boolean, what: string, child: ChildProcess, stderr: () => string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (check()) return;
    if (child.exitCode !== null) break;
    await sleep(10);
  }
  const text = stderr();
  throw new WorkbenchError(
    'QMI_MODEM_ENDPOINT',
    `socat did not create ${what}${text ? `: ${text.trim().split('\n').at(-1) ?? ''}` : ''}.`,
    /Address already in use/.test(text)
      ? 'Another proxy already owns this name; run the virtual modem in its own network namespace (`unshare -n`).'
      : 'Install socat (`apt-get install socat`) and check the link directory is writable.',
  );
}

/** Whether the abstract socket `@name` is listening in this network namespace. */
function abstractListening(name: string): boolean {
  return fs.readFileSync('/proc/net/unix', 'utf8').split('\n').some((l) => l.trimEnd().endsWith(` @${name}`));
}

/** Starts one endpoint on `modem`. */
export async function serveEndpoint(modem: VirtualQmiModem, endpoint: QmiModemEndpoint, log: (m: string) => void): Promise<Served> {
  const framing = endpoint.framing ?? 'qmux';
  const sockets = new Set<net.Socket>();
  const onConnection = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    (framing === 'mbim' ? serveMbim : serveQmux)(modem, socket, log);
  };
  if (endpoint.kind === 'unix') {
    fs.rmSync(endpoint.path, { force: true });
    const server = await listen(endpoint.path, onConnection);
    return { endpoint: { kind: 'unix', framing, address: endpoint.path }, close: () => closeServer(server, sockets) };
  }
  // pty and abstract socket: socat makes them (Node has no openpty, and pads abstract names) and
  // relays each connection to a unix socket we serve. For a pty socat holds the master side and the
  // slave is the "device"; for an abstract name it forks one relay per client.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ewb-qmi-modem-'));
  const socketPath = path.join(dir, 'modem.sock');
  const server = await listen(socketPath, onConnection);
  const abstractName = endpoint.kind === 'abstract' ? (endpoint.name ?? (framing === 'mbim' ? 'mbim-proxy' : 'qmi-proxy')) : undefined;
  const link = endpoint.kind === 'pty' ? (endpoint.link ?? path.join(dir, framing === 'mbim' ? 'cdc-wdm-mbim' : 'cdc-wdm')) : '';
  const args = abstractName !== undefined ? [`ABSTRACT-LISTEN:${abstractName},fork`, `UNIX-CONNECT:${socketPath}`] : [`pty,rawer,link=${link}`, `UNIX-CONNECT:${socketPath}`];
  const child = spawn('socat', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
    log(`socat: ${d.toString().trim()}`);
  });
  child.on('error', (err) => log(`socat: ${err.message}`));
  try {
    if (abstractName !== undefined) await waitFor(() => abstractListening(abstractName), `the abstract socket @${abstractName}`, child, () => stderr);
    else await waitFor(() => fs.existsSync(link) && sockets.size > 0, `the pty ${link}`, child, () => stderr);
  } catch (err) {
    child.kill();
    await closeServer(server, sockets);
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    endpoint: abstractName !== undefined ? { kind: 'abstract', framing, address: abstractName } : { kind: 'pty', framing, address: link },
    close: async () => {
      const exited = new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
      child.kill();
      await exited;
      await closeServer(server, sockets);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
