/**
 * A bare ES9+/ES11 HTTPS client for server tests: connects to 127.0.0.1, verifies the server
 * certificate against the given CA only and checks it is issued to `servername` (SNI).
 */
import https from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';

export interface Es9Target {
  port: number;
  /** Name the certificate must carry (sent as SNI). */
  servername: string;
  /** PEM of the only trusted root. */
  ca: string;
}

export interface Es9Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json?: Record<string, unknown>;
}

export const ES9_HEADERS = { 'Content-Type': 'application/json;charset=UTF-8', 'X-Admin-Protocol': 'gsma/rsp/v2.2.2', 'User-Agent': 'gsma-rsp-lpad' } as const;

export function es9Request(
  target: Es9Target,
  path: string,
  body: unknown,
  options: { method?: string; headers?: Record<string, string>; agent?: https.Agent; timeoutMs?: number } = {},
): Promise<Es9Reply> {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port: target.port,
        path,
        method: options.method ?? 'POST',
        servername: target.servername,
        ca: target.ca,
        headers: { ...ES9_HEADERS, ...options.headers, 'Content-Length': String(Buffer.byteLength(payload)) },
        agent: options.agent ?? false,
        timeout: options.timeoutMs ?? 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: Record<string, unknown> | undefined;
          try {
            json = text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, ...(json ? { json } : {}) });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    req.end(payload);
  });
}
