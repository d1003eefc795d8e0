import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { startWebShell, type WebShell } from '../../../src-main/server/web-shell.js';
import { resolveStaticPath } from '../../../src-main/server/static-files.js';
import { createFakeWorkbench, FAKE_VIRTUAL_ID, type FakeWorkbench } from '../../helpers/fake-workbench.js';

let api: FakeWorkbench;
let shell: WebShell;
let staticDir: string;
const origin = () => `http://127.0.0.1:${shell.port}`;
const wsUrl = (token = shell.token) => `ws://127.0.0.1:${shell.port}/api?token=${encodeURIComponent(token)}`;

beforeEach(async () => {
  staticDir = mkdtempSync(join(tmpdir(), 'ewb-static-'));
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>eSIM Workbench</title>');
  api = createFakeWorkbench();
  shell = await startWebShell({ api, staticDir, maxMessageBytes: 4096 });
});
afterEach(() => shell.close());

/** Connects and resolves with the socket, or rejects with the HTTP status of a refused upgrade. */
function connect(url: string, headers: Record<string, string> = { Origin: origin() }): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

/** Collects parsed frames; `next()` waits for the next one matching `pred`. */
function frames(ws: WebSocket) {
  const queue: Record<string, unknown>[] = [];
  const waiting: Array<() => void> = [];
  ws.on('message', (data) => {
    queue.push(JSON.parse(String(data)) as Record<string, unknown>);
    waiting.splice(0).forEach((wake) => wake());
  });
  return {
    async next(pred: (f: Record<string, unknown>) => boolean = () => true): Promise<Record<string, unknown>> {
      for (;;) {
        const index = queue.findIndex(pred);
        if (index >= 0) return queue.splice(index, 1)[0] as Record<string, unknown>;
        await new Promise<void>((wake) => waiting.push(wake));
      }
    },
  };
}

describe('startWebShell', () => {
  it('binds to 127.0.0.1 and puts the token in the URL fragment', () => {
    expect(shell.host).toBe('127.0.0.1');
    expect(shell.url).toBe(`http://127.0.0.1:${shell.port}/#token=${shell.token}`);
    expect(shell.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('generates a new token per start', async () => {
    const other = await startWebShell({ api, staticDir });
    try {
      expect(other.token).not.toBe(shell.token);
    } finally {
      await other.close();
    }
  });

  it('serves the renderer with the CSP header and no path escapes', async () => {
    const res = await fetch(`${origin()}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<title>eSIM Workbench</title>');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await fetch(`${origin()}/%2e%2e/%2e%2e/etc/passwd`)).status).toBe(404);
    expect(resolveStaticPath('/srv/r', '/../../etc/passwd')).toBe('/srv/r/etc/passwd');
    expect(resolveStaticPath('/srv/r', '/%E0%A4%A')).toBeUndefined();
  });

  it('refuses a missing or wrong token', async () => {
    await expect(connect(`ws://127.0.0.1:${shell.port}/api`)).rejects.toThrow('HTTP 403');
    await expect(connect(wsUrl('x'.repeat(43)))).rejects.toThrow('HTTP 403');
    await expect(connect(wsUrl(shell.token.slice(1)))).rejects.toThrow('HTTP 403');
  });

  it('refuses a wrong or missing Origin even with the right token', async () => {
    await expect(connect(wsUrl(), { Origin: 'http://evil.example' })).rejects.toThrow('HTTP 403');
    await expect(connect(wsUrl(), { Origin: `http://127.0.0.1:${shell.port + 1}` })).rejects.toThrow('HTTP 403');
    await expect(connect(wsUrl(), {})).rejects.toThrow('HTTP 403');
  });

  it('refuses WebSocket upgrades on other paths', async () => {
    await expect(connect(`ws://127.0.0.1:${shell.port}/other?token=${shell.token}`)).rejects.toThrow('HTTP 404');
  });

  it('round-trips a call and pushes events', async () => {
    const ws = await connect(wsUrl());
    const inbox = frames(ws);
    ws.send(JSON.stringify({ id: 1, method: 'listProfiles', args: [FAKE_VIRTUAL_ID] }));
    const reply = await inbox.next((f) => f.id === 1);
    expect((reply.result as { iccid: string; state: string }[]).map((p) => [p.iccid, p.state])).toEqual([
      ['8944476500001224158', 'enabled'],
      ['8944476500001224166', 'disabled'],
    ]);

    ws.send(JSON.stringify({ id: 'e', method: 'enableProfile', args: [FAKE_VIRTUAL_ID, { iccid: '8944476500001224166' }] }));
    expect(await inbox.next((f) => f.id === 'e')).toEqual({ id: 'e', result: { ok: true, result: 'ok', message: 'Done.' } });
    const apdu = await inbox.next((f) => 'event' in f);
    expect(apdu.event).toMatchObject({ type: 'apdu', row: { annotation: 'EnableProfile', sw: '9000', deviceId: FAKE_VIRTUAL_ID } });

    api.emit({ type: 'notice', level: 'warning', message: 'Switched to QMI SAP.' });
    expect(await inbox.next((f) => 'event' in f)).toEqual({ event: { type: 'notice', level: 'warning', message: 'Switched to QMI SAP.' } });
    ws.close();
  });

  it('replies void methods with result null', async () => {
    const ws = await connect(wsUrl());
    const inbox = frames(ws);
    ws.send(JSON.stringify({ id: 2, method: 'clearApduLog', args: [] }));
    expect(await inbox.next((f) => f.id === 2)).toEqual({ id: 2, result: null });
    ws.close();
  });

  it('answers an unknown method with an error and does not call the API', async () => {
    const ws = await connect(wsUrl());
    const inbox = frames(ws);
    ws.send(JSON.stringify({ id: 3, method: 'subscribe', args: [] }));
    const reply = await inbox.next((f) => f.id === 3);
    expect(reply.error).toMatchObject({ code: 'BRIDGE_UNKNOWN_METHOD' });
    expect(api.calls).toEqual([]);
    ws.close();
  });

  it('answers malformed JSON with an error and keeps the connection usable', async () => {
    const ws = await connect(wsUrl());
    const inbox = frames(ws);
    ws.send('{"id": 1, "method": ');
    expect(await inbox.next()).toMatchObject({ id: null, error: { code: 'BRIDGE_BAD_JSON' } });
    ws.send('[1,2]');
    expect(await inbox.next()).toMatchObject({ id: null, error: { code: 'BRIDGE_BAD_REQUEST' } });
    ws.send(JSON.stringify({ method: 'version', args: [] }));
    expect(await inbox.next()).toMatchObject({ id: null, error: { code: 'BRIDGE_BAD_REQUEST' } });
    ws.send(JSON.stringify({ id: 4, method: 'version', args: [] }));
    expect(await inbox.next((f) => f.id === 4)).toMatchObject({ result: { app: 'eSIM Workbench' } });
    ws.close();
  });

  it('serialises WorkbenchError rejections as ApiError', async () => {
    const ws = await connect(wsUrl());
    const inbox = frames(ws);
    ws.send(JSON.stringify({ id: 5, method: 'getCardInfo', args: ['pcsc:ACS ACR39U 00 00'] }));
    expect(await inbox.next((f) => f.id === 5)).toEqual({
      id: 5,
      error: { code: 'DEVICE_NO_CARD', message: 'ACS ACR39U 00 00 has no card.', hint: 'Insert a card and refresh.', details: {} },
    });
    ws.close();
  });

  it('closes the connection on a frame above the size limit', async () => {
    const ws = await connect(wsUrl());
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send(JSON.stringify({ id: 6, method: 'decode', args: ['00'.repeat(4096)] }));
    expect(await closed).toBe(1009);
  });

  it('subscribes per connection and unsubscribes when it closes', async () => {
    const ws = await connect(wsUrl());
    expect(api.subscriberCount()).toBe(1);
    ws.close();
    await vi.waitFor(() => expect(api.subscriberCount()).toBe(0));
  });
});
