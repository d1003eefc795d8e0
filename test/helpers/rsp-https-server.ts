/**
 * A scripted HTTPS server on 127.0.0.1 for rsp unit tests: every request is recorded (path, headers,
 * parsed JSON body) and answered by a handler; TLS handshakes are counted. Handlers can drop the
 * connection to simulate a network failure.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { KeyObject } from 'node:crypto';
import { certificateToPem } from '../../src-main/crypto/x509.js';
import { privateKeyToPem } from '../../src-main/crypto/keys.js';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Record<string, unknown>;
}

/** What a handler answers: JSON (status 200 by default), raw text, or a dropped connection. */
export type ScriptedReply =
  | { readonly json: unknown; readonly status?: number; /** Close the connection after answering (idle timeout). */ readonly close?: boolean }
  | { readonly text: string; readonly status: number; readonly contentType?: string }
  | { readonly drop: true }
  | { readonly status: number };

export type ScriptedHandler = (req: RecordedRequest, index: number) => ScriptedReply | Promise<ScriptedReply>;

export interface ScriptedHttpsServer {
  readonly port: number;
  /** `127.0.0.1:<port>`, for hostOverrides. */
  readonly address: string;
  readonly requests: RecordedRequest[];
  /** TLS handshakes completed by the server. */
  handshakes: number;
  close(): Promise<void>;
}

/** Success header as servers send it. */
export function ok(fields: Record<string, unknown> = {}): { json: unknown } {
  return { json: { header: { functionExecutionStatus: { status: 'Executed-Success' } }, ...fields } };
}

/** A Failed header with the given codes. */
export function failed(subjectCode: string, reasonCode: string, message?: string): { json: unknown } {
  return { json: { header: { functionExecutionStatus: { status: 'Failed', statusCodeData: { subjectCode, reasonCode, ...(message ? { message } : {}) } } } } };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startScriptedHttpsServer(tls: { cert: Uint8Array; key: KeyObject; chain?: readonly Uint8Array[] }, handler: ScriptedHandler): Promise<ScriptedHttpsServer> {
  const requests: RecordedRequest[] = [];
  const server = https.createServer({
    cert: [tls.cert, ...(tls.chain ?? [])].map((c) => certificateToPem(c)).join(''),
    key: privateKeyToPem(tls.key),
    keepAliveTimeout: 60_000,
  });
  const state = { handshakes: 0 };
  server.on('secureConnection', () => state.handshakes++);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const text = await readBody(req);
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        body = { _raw: text };
      }
      const recorded: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
      requests.push(recorded);
      const reply = await handler(recorded, requests.length - 1);
      if ('drop' in reply) {
        req.socket.destroy();
        return;
      }
      if ('json' in reply) {
        res.writeHead(reply.status ?? 200, { 'Content-Type': 'application/json', 'X-Admin-Protocol': 'gsma/rsp/v2.2.0', ...(reply.close ? { Connection: 'close' } : {}) });
        res.end(JSON.stringify(reply.json));
      } else if ('text' in reply) {
        res.writeHead(reply.status, { 'Content-Type': reply.contentType ?? 'text/plain' });
        res.end(reply.text);
      } else {
        res.writeHead(reply.status);
        res.end();
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    address: `127.0.0.1:${port}`,
    requests,
    get handshakes() {
      return state.handshakes;
    },
    set handshakes(n: number) {
      state.handshakes = n;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
