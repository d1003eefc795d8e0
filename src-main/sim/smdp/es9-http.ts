/**
 * HTTPS front of the test SM-DP+ and SM-DS (SGP22-DIGEST §4): POST-only JSON routes, Content-Type and
 * X-Admin-Protocol checks, a request size limit, per-request fault injection, and counters of TLS
 * handshakes and requests (the download benchmark checks "one handshake per download").
 */
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { KeyObject } from 'node:crypto';
import { WorkbenchError } from '../../../shared/errors.js';
import { certificateToPem } from '../../crypto/index.js';
import type { RspCertificate } from '../../crypto/index.js';
import { ES9_STATUS, failedHeader, findStatus } from './status.js';
import type { StatusCodeData } from './status.js';

/** Handles a parsed JSON body; returns the response body, or null for HTTP 204. */
export type Es9Handler = (body: Record<string, unknown>) => object | null;

export interface Es9Route {
  /** Function name used for stats and fault matching, e.g. 'authenticateClient'. */
  name: string;
  handler: Es9Handler;
}

export type FaultKind = 'http500' | 'hang' | 'invalidJson' | 'dropConnection' | 'status';

export interface FaultSpec {
  /** ES9+/ES11 function name, e.g. 'getBoundProfilePackage'. */
  function: string;
  kind: FaultKind;
  /** For kind 'status': the subject/reason codes (message optional). */
  status?: StatusCodeData;
  /** Apply to the Nth call of the function counted from injection (default 1). */
  nth?: number;
  /** How many calls it applies to from then on (default 1; Infinity = until cleared). */
  times?: number;
  /** 'before' (default): the function does not run; 'after': it runs, then the answer is replaced or lost. */
  when?: 'before' | 'after';
}

export interface HttpStats {
  tlsHandshakes: number;
  requests: number;
  byFunction: Record<string, number>;
}

export interface Es9ServerOptions {
  tls: { cert: RspCertificate; key: KeyObject };
  listen: { host: string; port: number };
  routes: Readonly<Record<string, Es9Route>>;
  maxRequestBytes?: number;
}

export interface Es9Server {
  readonly port: number;
  readonly stats: HttpStats;
  injectFault(fault: FaultSpec): void;
  clearFaults(): void;
  close(): Promise<void>;
}

/** ES9+ bodies are a few KB at most (BF38 ≈ 1.6 KB, base64 adds a third). */
export const DEFAULT_MAX_REQUEST_BYTES = 64 * 1024;
const ADMIN_PROTOCOL = /^gsma\/rsp\/v2\.\d+(\.\d+)*$/i;
const RESPONSE_ADMIN_PROTOCOL = 'gsma/rsp/v2.5.0';
/** TLS 1.2 ECDHE-ECDSA suites of digest §4.3 (TLS 1.3 suites are always offered by Node). */
const TLS12_CIPHERS = 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384';

interface ActiveFault {
  spec: FaultSpec;
  skip: number;
  left: number;
}

function sendJson(res: ServerResponse, status: number, body: object | string): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json;charset=UTF-8', 'X-Admin-Protocol': RESPONSE_ADMIN_PROTOCOL, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        resolve(undefined);
        req.removeAllListeners('data');
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startEs9Server(options: Es9ServerOptions): Promise<Es9Server> {
  const stats: HttpStats = { tlsHandshakes: 0, requests: 0, byFunction: {} };
  const faults: ActiveFault[] = [];
  const sockets = new Set<Socket>();
  const limit = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;

  const takeFault = (fn: string, when: 'before' | 'after'): FaultSpec | undefined => {
    const f = faults.find((x) => x.spec.function === fn && (x.spec.when ?? 'before') === when);
    if (!f) return undefined;
    if (f.skip > 0) {
      f.skip--;
      return undefined;
    }
    if (--f.left <= 0) faults.splice(faults.indexOf(f), 1);
    return f.spec;
  };

  /** Carries out a fault; true when the request is finished (answered, dropped or left hanging). */
  const applyFault = (fault: FaultSpec | undefined, res: ServerResponse, req: IncomingMessage): boolean => {
    if (!fault) return false;
    switch (fault.kind) {
      case 'http500':
        res.writeHead(500, { 'Content-Type': 'text/plain' }).end('injected fault: internal server error');
        break;
      case 'hang':
        break; // never answered; close() destroys the socket
      case 'invalidJson':
        sendJson(res, 200, '{"header": {"functionExecutionStatus": ');
        break;
      case 'dropConnection':
        req.socket.destroy();
        break;
      case 'status': {
        const s = fault.status ?? ES9_STATUS.invalidRequest;
        sendJson(res, 200, { header: failedHeader({ ...s, message: s.message ?? findStatus(s.subjectCode, s.reasonCode)?.message ?? 'injected fault' }) });
        break;
      }
    }
    return true;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    stats.requests++;
    const pathname = (req.url ?? '').split('?')[0] ?? '';
    const route = options.routes[pathname];
    if (req.method !== 'POST') {
      res.writeHead(405, { Allow: 'POST' }).end();
      return;
    }
    if (!route) {
      res.writeHead(404).end();
      return;
    }
    stats.byFunction[route.name] = (stats.byFunction[route.name] ?? 0) + 1;
    const raw = await readBody(req, limit);
    if (raw === undefined) {
      res.writeHead(413, { Connection: 'close' }).end();
      req.socket.destroySoon();
      return;
    }
    if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) {
      sendJson(res, 200, { header: failedHeader(ES9_STATUS.badContentType) });
      return;
    }
    if (!ADMIN_PROTOCOL.test(String(req.headers['x-admin-protocol'] ?? ''))) {
      sendJson(res, 200, { header: failedHeader(ES9_STATUS.badAdminProtocol) });
      return;
    }
    if (applyFault(takeFault(route.name, 'before'), res, req)) return;
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      body = undefined;
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      sendJson(res, 200, { header: failedHeader(ES9_STATUS.invalidRequest) });
      return;
    }
    const result = route.handler(body as Record<string, unknown>);
    if (applyFault(takeFault(route.name, 'after'), res, req)) return;
    if (result === null) res.writeHead(204, { 'X-Admin-Protocol': RESPONSE_ADMIN_PROTOCOL }).end();
    else sendJson(res, 200, result);
  };

  const server = https.createServer(
    {
      cert: certificateToPem(options.tls.cert.der),
      key: options.tls.key.export({ format: 'pem', type: 'pkcs8' }),
      minVersion: 'TLSv1.2',
      ciphers: TLS12_CIPHERS,
      // A download keeps one connection: on a 9600-baud card the PIR comes minutes after the BPP.
      keepAliveTimeout: 300_000,
    },
    (req, res) => {
      handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' }).end(err instanceof Error ? err.message : 'internal error');
      });
    },
  );
  server.on('secureConnection', (socket: Socket) => {
    stats.tlsHandshakes++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) =>
      reject(new WorkbenchError('SMDP_LISTEN_FAILED', `Cannot listen on ${options.listen.host}:${options.listen.port}: ${err.message}`, 'Pick another port or stop the program that uses it.', { cause: err })),
    );
    server.listen(options.listen.port, options.listen.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.listen.port;

  return {
    port,
    stats,
    injectFault(spec) {
      faults.push({ spec, skip: Math.max(0, (spec.nth ?? 1) - 1), left: spec.times ?? 1 });
    },
    clearFaults() {
      faults.length = 0;
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
      });
    },
  };
}
