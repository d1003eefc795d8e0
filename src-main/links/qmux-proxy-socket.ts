/**
 * QMUX through libqmi's qmi-proxy: the abstract unix socket `qmi-proxy` (TRANSPORTS.md §3). The proxy
 * shares one device between ModemManager, qmicli and us, so the workbench coexists with ModemManager.
 * The QMI layer sends CTL 0xFF00 with `proxyDevicePath` first; this module only connects (and, like
 * libqmi, can start the proxy when nobody listens).
 */
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkbenchError, isWorkbenchError, throwIfAborted } from '../../shared/errors.js';
import { AbstractSocketLink } from './qmux-abstract-socket.js';

export const QMI_PROXY_SOCKET_NAME = 'qmi-proxy';
export const QMI_PROXY_BINARY = '/usr/libexec/qmi-proxy';
/** libqmi retries 10 times, 100 ms apart, after spawning the proxy. */
const SPAWN_RETRIES = 10;
const SPAWN_RETRY_MS = 100;

export interface QmiProxyOptions {
  /** Device the proxy should open for us, e.g. `/dev/cdc-wdm0`. */
  readonly devicePath: string;
  /** Abstract socket name; `qmi-proxy` unless testing. */
  readonly socketName?: string;
  /** Start this proxy binary when nobody listens (libqmi does the same). Off by default. */
  readonly spawnProxy?: string;
  readonly signal?: AbortSignal;
}

function unavailable(name: string, detail: string): WorkbenchError {
  return new WorkbenchError(
    'QMI_PROXY_UNAVAILABLE',
    `Nothing listens on the abstract socket '${name}' (qmi-proxy is not running).`,
    `Start it (${QMI_PROXY_BINARY}, as root), let the workbench start it, or open the device directly. Abstract sockets are per network namespace.`,
    { details: { socket: name, detail } },
  );
}

function tryConnect(name: string, options: QmiProxyOptions): Promise<AbstractSocketLink | undefined> {
  return AbstractSocketLink.connect(name, {
    description: `${name} → ${options.devicePath}`,
    proxyDevicePath: options.devicePath,
    unavailable: (detail) => unavailable(name, detail),
    ...(options.signal ? { signal: options.signal } : {}),
  }).catch((err: unknown) => {
    if (isWorkbenchError(err, 'QMI_PROXY_UNAVAILABLE')) return undefined;
    throw err;
  });
}

export async function connectQmiProxy(options: QmiProxyOptions): Promise<AbstractSocketLink> {
  const name = options.socketName ?? QMI_PROXY_SOCKET_NAME;
  let link = await tryConnect(name, options);
  if (link === undefined && options.spawnProxy !== undefined) {
    const child = spawn(options.spawnProxy, [], { detached: true, stdio: 'ignore' });
    child.on('error', () => {
      // Reported below as "unavailable" when the retries run out.
    });
    child.unref();
    for (let i = 0; i < SPAWN_RETRIES && link === undefined; i++) {
      await sleep(SPAWN_RETRY_MS);
      throwIfAborted(options.signal, 'Connecting to qmi-proxy');
      link = await tryConnect(name, options);
    }
  }
  if (link === undefined) throw unavailable(name, 'connection refused');
  return link;
}
