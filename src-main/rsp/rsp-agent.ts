/**
 * The HTTPS agent of one RSP session (one download, one discovery, one notification batch):
 * - keep-alive with a single socket, so the whole session costs one TLS handshake;
 * - TLS pinned to the LPA trust store with the SM-DP+ name check (tls-trust.ts), or the explicit
 *   insecure mode;
 * - `hostOverrides` to reach an FQDN at a loopback address:port (labs, tests) while SNI and the
 *   certificate check still use the FQDN;
 * - an HTTP CONNECT proxy (explicit option or HTTPS_PROXY/NO_PROXY), tunnelled here because
 *   axios' own proxy support does not tunnel HTTPS.
 */
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import type { TrustStore } from './tls-trust.js';
import { caPems, rspServerIdentityCheck } from './tls-trust.js';

export interface RspAgentOptions {
  readonly trust: TrustStore;
  /** CI PKIDs the eUICC verifies with; the TLS chain must end at one of them (see tls-trust.ts). */
  readonly ciPkIds?: readonly Uint8Array[];
  /** Skip every certificate check. Never a default; the client warns when it is on. */
  readonly insecure?: boolean;
  /** `fqdn` or `fqdn:port` → `host:port` actually dialled. */
  readonly hostOverrides?: Readonly<Record<string, string>>;
  /** `http://[user:pass@]host:port`; `false` = no proxy; undefined = HTTPS_PROXY / NO_PROXY from the environment. */
  readonly proxy?: string | false;
  /** TCP connect + proxy tunnel timeout. */
  readonly connectTimeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
}

export interface RspAgentStats {
  /** TCP connections opened (direct or through the proxy). */
  connections: number;
  /** Completed TLS handshakes. */
  handshakes: number;
  /** Of those, abbreviated ones resuming an earlier session (a server closed an idle connection). */
  resumed: number;
}

interface Target {
  host: string;
  port: number;
}

function splitHostPort(value: string, defaultPort: number): Target {
  const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(value);
  return { host: m?.[1] ?? value, port: m?.[2] !== undefined ? Number(m[2]) : defaultPort };
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|::1)$/i;

/**
 * The proxy for a connection to `host`: an explicit option is always used; the environment's
 * HTTPS_PROXY is not for loopback targets nor for hosts matched by NO_PROXY (suffixes, `*`).
 */
export function proxyFor(host: string, option: string | false | undefined, env: NodeJS.ProcessEnv): URL | undefined {
  if (option === false) return undefined;
  if (option !== undefined) return new URL(option.includes('://') ? option : `http://${option}`);
  const raw = env['HTTPS_PROXY'] ?? env['https_proxy'];
  if (raw === undefined || raw === '' || LOOPBACK.test(host)) return undefined;
  const noProxy = (env['NO_PROXY'] ?? env['no_proxy'] ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  const h = host.toLowerCase();
  if (noProxy.some((n) => n === '*' || h === n.replace(/^\./, '') || h.endsWith(n.startsWith('.') ? n : `.${n}`))) return undefined;
  return new URL(raw.includes('://') ? raw : `http://${raw}`);
}

function withTimeout<T extends { destroy(err?: Error): void; setTimeout(ms: number, cb: () => void): unknown }>(s: T, ms: number, what: string): T {
  s.setTimeout(ms, () => s.destroy(Object.assign(new Error(`${what} timed out after ${ms} ms`), { code: 'ETIMEDOUT' })));
  return s;
}

export class RspAgent extends https.Agent {
  readonly stats: RspAgentStats = { connections: 0, handshakes: 0, resumed: 0 };
  readonly #options: RspAgentOptions;
  /** Last TLS session per server name: a reconnect after an idle close resumes instead of a full handshake. */
  readonly #sessions = new Map<string, Buffer>();

  constructor(options: RspAgentOptions) {
    super({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1 });
    this.#options = options;
  }

  /** The address actually dialled for `host:port` of a URL. */
  resolveTarget(host: string, port: number): Target {
    const overrides = this.#options.hostOverrides ?? {};
    const key = host.toLowerCase();
    const override = overrides[`${key}:${port}`] ?? overrides[key];
    return override !== undefined ? splitHostPort(override, port) : { host, port };
  }

  #tlsOptions(servername: string | undefined, sessionKey: string): tls.ConnectionOptions {
    const { trust, ciPkIds, insecure } = this.#options;
    const session = this.#sessions.get(sessionKey);
    return {
      ...(servername !== undefined ? { servername } : {}),
      ...(session !== undefined ? { session } : {}),
      minVersion: 'TLSv1.2',
      ALPNProtocols: ['http/1.1'],
      ...(insecure
        ? { rejectUnauthorized: false, checkServerIdentity: () => undefined }
        : { rejectUnauthorized: true, ca: caPems(trust), checkServerIdentity: rspServerIdentityCheck(trust, ciPkIds) }),
    };
  }

  override createConnection(options: https.RequestOptions, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    const host = String(options.servername || options.hostname || options.host || '');
    const port = Number(options.port ?? 443);
    const target = this.resolveTarget(host, port);
    // SNI carries names only (RFC 6066); for an IP literal the name check uses the IP itself.
    const servername = isIP(host) ? undefined : host;
    const timeoutMs = this.#options.connectTimeoutMs ?? 15_000;
    const proxy = proxyFor(target.host, this.#options.proxy, this.#options.env ?? process.env);
    const sessionKey = `${host}:${port}`;
    const onSecure = (socket: tls.TLSSocket): tls.TLSSocket => {
      socket.once('secureConnect', () => {
        this.stats.handshakes++;
        if (socket.isSessionReused()) this.stats.resumed++;
        socket.setTimeout(0);
      });
      socket.on('session', (session: Buffer) => this.#sessions.set(sessionKey, session));
      return socket;
    };
    this.stats.connections++;
    if (proxy === undefined) {
      return onSecure(withTimeout(tls.connect({ ...this.#tlsOptions(servername, sessionKey), host: target.host, port: target.port }), timeoutMs, 'TLS connect'));
    }
    const auth = proxy.username ? `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}` : undefined;
    const authority = `${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`;
    const connect = http.request({
      host: proxy.hostname,
      port: Number(proxy.port || 80),
      method: 'CONNECT',
      path: authority,
      headers: { Host: authority, ...(auth ? { 'Proxy-Authorization': auth } : {}) },
      timeout: timeoutMs,
    });
    const fail = (err: Error): void => callback?.(err, undefined as unknown as Duplex);
    connect.once('timeout', () => connect.destroy(Object.assign(new Error(`Proxy CONNECT timed out after ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    connect.once('error', fail);
    connect.once('connect', (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        fail(Object.assign(new Error(`The proxy ${proxy.host} refused the tunnel to ${authority}: HTTP ${res.statusCode ?? '?'}`), { code: 'EWB_PROXY_REFUSED', proxyStatus: res.statusCode }));
        return;
      }
      callback?.(null, onSecure(tls.connect({ ...this.#tlsOptions(servername, sessionKey), socket })));
    });
    connect.end();
    return undefined;
  }
}
