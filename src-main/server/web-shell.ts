/**
 * The web shell: the renderer over HTTP plus a WorkbenchApi bridge on a WebSocket at /api.
 *
 * Wire format (JSON text frames):
 *   request  {id, method, args}        → reply {id, result} | {id, error: ApiError}
 *   event    (server → client)           {event: WorkbenchEvent}
 *
 * Security (ARCHITECTURE.md §6): loopback bind unless the caller names another host; a random token
 * (in the page URL's #fragment, so it never reaches a server log or Referer) required on the WebSocket
 * URL; the Origin header must be the shell's own origin; only WORKBENCH_METHODS are callable; frames
 * above `maxMessageBytes` close the connection; malformed input gets an error reply, never a crash.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { ApiError, WorkbenchApi } from '../../shared/api.js';
import { WorkbenchError } from '../../shared/errors.js';
import { dispatchCall } from '../app/dispatch.js';
import { createStaticHandler } from './static-files.js';

export const API_PATH = '/api';
const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

export interface WebShellOptions {
  readonly api: WorkbenchApi;
  /** Interface to bind; loopback unless set explicitly. */
  readonly host?: string;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Built renderer; default `dist/renderer` under the current directory. */
  readonly staticDir?: string;
  /** Origins allowed besides the shell's own (e.g. when bound to a LAN address behind a name). */
  readonly extraOrigins?: readonly string[];
  readonly maxMessageBytes?: number;
}

export interface WebShell {
  /** Page URL including the token fragment: what the user opens. */
  readonly url: string;
  readonly token: string;
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

type Reply = { id: string | number | null; result: unknown } | { id: string | number | null; error: ApiError };

function requestError(code: string, message: string): ApiError {
  return new WorkbenchError(code, message, 'The page sent a malformed request; reload it.').toJSON();
}

/** Handles one text frame; never throws. */
export async function handleFrame(api: WorkbenchApi, frame: string): Promise<Reply> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(frame);
  } catch {
    return { id: null, error: requestError('BRIDGE_BAD_JSON', 'The request is not valid JSON.') };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { id: null, error: requestError('BRIDGE_BAD_REQUEST', 'A request must be an object {id, method, args}.') };
  }
  const { id, method, args } = parsed as { id?: unknown; method?: unknown; args?: unknown };
  if (typeof id !== 'string' && typeof id !== 'number') {
    return { id: null, error: requestError('BRIDGE_BAD_REQUEST', 'A request needs a string or number `id`.') };
  }
  const outcome = await dispatchCall(api, { method, args });
  return outcome.ok ? { id, result: outcome.result ?? null } : { id, error: outcome.error };
}

function sameToken(given: string | null, token: string): boolean {
  if (given === null) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function refuse(socket: Duplex, status: 400 | 403 | 404, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

export async function startWebShell(options: WebShellOptions): Promise<WebShell> {
  const { api } = options;
  const host = options.host ?? '127.0.0.1';
  const token = randomBytes(32).toString('base64url');
  const staticDir = resolve(options.staticDir ?? 'dist/renderer');

  const server = createServer(createStaticHandler(staticDir));
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const origin = `http://${urlHost(host)}:${port}`;
  const allowedOrigins = new Set([origin, ...(options.extraOrigins ?? [])]);
  if (LOOPBACK_HOSTS.has(host)) allowedOrigins.add(`http://localhost:${port}`);

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', origin);
    if (url.pathname !== API_PATH) return refuse(socket, 404, 'Not Found');
    if (!sameToken(url.searchParams.get('token'), token)) return refuse(socket, 403, 'Forbidden');
    if (!allowedOrigins.has(req.headers.origin ?? '')) return refuse(socket, 403, 'Forbidden');
    wss.handleUpgrade(req, socket, head, (ws) => serveConnection(api, ws));
  });

  return {
    url: `${origin}/#token=${token}`,
    token,
    host,
    port,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((done) => wss.close(() => done()));
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
}

function serveConnection(api: WorkbenchApi, ws: WebSocket): void {
  const send = (payload: unknown) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(payload));
  };
  const unsubscribe = api.subscribe((event) => send({ event }));
  ws.on('message', (data: RawData, isBinary: boolean) => {
    // Binary frames are not part of the protocol; as '' they get the bad-JSON reply.
    void handleFrame(api, isBinary ? '' : rawText(data)).then(send);
  });
  ws.on('close', unsubscribe);
  ws.on('error', () => ws.terminate());
}
