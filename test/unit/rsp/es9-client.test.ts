import type { KeyObject } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Es9Client } from '../../../src-main/rsp/es9-client.js';
import type { Es9ClientOptions } from '../../../src-main/rsp/es9-client.js';
import { describeEs9Status } from '../../../src-main/rsp/es9-status.js';
import { proxyFor } from '../../../src-main/rsp/rsp-agent.js';
import { trustStoreOf } from '../../../src-main/rsp/tls-trust.js';
import { generatedPki } from '../../helpers/pki-fixtures.js';
import { failed, ok, startScriptedHttpsServer } from '../../helpers/rsp-https-server.js';
import type { ScriptedHandler, ScriptedHttpsServer } from '../../helpers/rsp-https-server.js';
import { errorOf } from '../../helpers/rejections.js';

const pki = generatedPki({ seed: 'rsp-unit' });
const otherPki = generatedPki({ seed: 'rsp-unit-other' });
const HOST = pki.dpTls.host; // testsmdpplus1.example.com
const trust = trustStoreOf(pki.ci.map((c) => c.cert));

let server: ScriptedHttpsServer | undefined;
let client: Es9Client | undefined;
afterEach(async () => {
  client?.close();
  await server?.close();
  server = undefined;
  client = undefined;
});

async function setup(handler: ScriptedHandler, options: Partial<Es9ClientOptions> = {}, tlsIdentity: { cert: Uint8Array; key: KeyObject } = { cert: pki.dpTls.cert.der, key: pki.dpTls.key }): Promise<{ server: ScriptedHttpsServer; client: Es9Client }> {
  server = await startScriptedHttpsServer(tlsIdentity, handler);
  client = new Es9Client({
    trust,
    ciPkIds: pki.ci.map((c) => c.ski),
    hostOverrides: { [HOST]: server.address },
    retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
    onWarning: () => undefined,
    ...options,
  });
  return { server, client };
}

const CHALLENGE = Uint8Array.from({ length: 16 }, (_, i) => i);
const INFO1 = Uint8Array.of(0xbf, 0x20, 0x03, 0x82, 0x01, 0x02);

const initiateOk = ok({
  transactionId: '0A0B0C',
  serverSigned1: 'MAMC\nAQI=', // 30 03 02 01 02, wrapped as some servers do
  serverSignature1: 'XzcCAAE=',
  euiccCiPKIdToBeUsed: 'BAIBAg==',
  serverCertificate: 'MAA=',
});

describe('Es9Client — request format', () => {
  it('POSTs JSON with the ES9+ headers, base64 binary fields, to /gsma/rsp2/es9plus/<function>', async () => {
    const { server, client } = await setup(() => initiateOk);
    const r = await client.initiateAuthentication(HOST, CHALLENGE, INFO1);
    const req = server.requests[0];
    expect(req?.method).toBe('POST');
    expect(req?.path).toBe('/gsma/rsp2/es9plus/initiateAuthentication');
    expect(req?.headers['content-type']).toBe('application/json;charset=UTF-8');
    expect(req?.headers['x-admin-protocol']).toBe('gsma/rsp/v2.2.0');
    expect(req?.headers['user-agent']).toBe('gsma-rsp-lpad');
    expect(req?.headers.host).toBe(HOST);
    expect(req?.body).toEqual({ smdpAddress: HOST, euiccChallenge: Buffer.from(CHALLENGE).toString('base64'), euiccInfo1: 'vyADggEC' });
    expect(r.transactionId).toBe('0A0B0C');
    expect([...r.serverSigned1]).toEqual([0x30, 0x03, 0x02, 0x01, 0x02]);
    expect([...r.euiccCiPKIdToBeUsed]).toEqual([0x04, 0x02, 0x01, 0x02]);
  });

  it('uses a configured X-Admin-Protocol and keeps the transactionId string as given', async () => {
    const { server, client } = await setup(() => ok({}), { adminProtocol: 'gsma/rsp/v2.5.0' });
    await client.cancelSession(HOST, '00FFab', Uint8Array.of(0xbf, 0x41, 0x00));
    expect(server.requests[0]?.headers['x-admin-protocol']).toBe('gsma/rsp/v2.5.0');
    expect(server.requests[0]?.body).toEqual({ transactionId: '00FFab', cancelSessionResponse: 'v0EA' });
  });

  it('handleNotification resolves on HTTP 204 without body', async () => {
    const { server, client } = await setup(() => ({ status: 204 }));
    await client.handleNotification(HOST, Uint8Array.of(0xbf, 0x37, 0x00));
    expect(server.requests[0]?.path).toBe('/gsma/rsp2/es9plus/handleNotification');
    expect(server.requests[0]?.body).toEqual({ pendingNotification: 'vzcA' });
  });

  it('keeps one TLS connection for the whole session', async () => {
    const { server, client } = await setup(() => initiateOk);
    for (let i = 0; i < 4; i++) await client.initiateAuthentication(HOST, CHALLENGE, INFO1);
    expect(server.requests).toHaveLength(4);
    expect(server.handshakes).toBe(1);
    expect(client.tls).toEqual({ connections: 1, handshakes: 1, resumed: 0 });
    expect(client.requests).toBe(4);
  });

  it('resumes the TLS session when the server closed the idle connection', async () => {
    const { server, client } = await setup(() => ({ ...initiateOk, close: true }));
    await client.initiateAuthentication(HOST, CHALLENGE, INFO1);
    await client.initiateAuthentication(HOST, CHALLENGE, INFO1);
    expect(server.handshakes).toBe(2);
    expect(client.tls).toEqual({ connections: 2, handshakes: 2, resumed: 1 });
  });

  it('ES11 tries /es11/ and falls back to /es9plus/ with smdpAddress on 404, then stays there', async () => {
    const { server, client } = await setup((req) => {
      if (req.path.startsWith('/gsma/rsp2/es11/')) return { status: 404 };
      if (req.path.endsWith('/authenticateClient')) return ok({ eventEntries: [{ eventId: 'EV1', rspServerAddress: 'smdp.example.com' }] });
      return initiateOk;
    });
    await client.es11InitiateAuthentication(HOST, CHALLENGE, INFO1);
    const events = await client.es11AuthenticateClient(HOST, '0A0B0C', Uint8Array.of(0xbf, 0x38, 0x00));
    expect(server.requests.map((r) => r.path)).toEqual(['/gsma/rsp2/es11/initiateAuthentication', '/gsma/rsp2/es9plus/initiateAuthentication', '/gsma/rsp2/es9plus/authenticateClient']);
    expect(server.requests[0]?.body).toHaveProperty('smdsAddress', HOST);
    expect(server.requests[1]?.body).toHaveProperty('smdpAddress', HOST);
    expect(server.requests[1]?.body).not.toHaveProperty('smdsAddress');
    expect(events.eventEntries).toEqual([{ eventId: 'EV1', rspServerAddress: 'smdp.example.com' }]);
  });
});

describe('Es9Client — status codes', () => {
  it('a Failed header becomes ES9_FUNCTION_FAILED with the codes and the table message', async () => {
    const { client } = await setup(() => failed('8.2.6', '3.8', 'matching id refused'));
    const err = await errorOf(client.authenticateClient(HOST, '01', Uint8Array.of(0xbf, 0x38, 0x00)));
    expect(err.code).toBe('ES9_FUNCTION_FAILED');
    expect(err.details).toMatchObject({ function: 'authenticateClient', status: 'Failed', subjectCode: '8.2.6', reasonCode: '3.8', serverMessage: 'matching id refused' });
    expect(err.message).toContain('matching ID');
    expect(err.hint).toContain('activation code');
  });

  it('Executed-WithWarning is success and warns', async () => {
    const warnings: string[] = [];
    const { client } = await setup(() => ({ json: { header: { functionExecutionStatus: { status: 'Executed-WithWarning', statusCodeData: { subjectCode: '8.1', reasonCode: '1.1' } } } } }), { onWarning: (m) => warnings.push(m) });
    await client.cancelSession(HOST, '01', Uint8Array.of(0xbf, 0x41, 0x00));
    expect(warnings).toEqual([expect.stringContaining('8.1/1.1')]);
  });

  it('the table covers the digest codes and falls back to reason families', () => {
    expect(describeEs9Status('8.2.7', '6.4').message).toContain('Too many wrong confirmation codes');
    expect(describeEs9Status('8.9.3', '3.1').message).toContain('SM-DS');
    expect(describeEs9Status('9.9', '6.7').message).toBe('A security check failed at the server.');
    expect(describeEs9Status('9.9', '9.9').message).toBe('The server reported a failure.');
  });

  const transport: [string, ScriptedHandler, Record<string, unknown>][] = [
    ['HTTP 500', () => ({ status: 500 }), { httpStatus: 500 }],
    ['HTTP 404', () => ({ status: 404 }), { httpStatus: 404 }],
    ['a body that is not JSON', () => ({ text: '<html>captive portal</html>', status: 200, contentType: 'text/html' }), { httpStatus: 200 }],
    ['JSON without header', () => ({ json: { transactionId: '01' } }), { httpStatus: 200 }],
    ['a missing mandatory field', () => ok({ transactionId: '01' }), { field: 'profileMetadata' }],
    ['bad base64', () => ok({ transactionId: '01', profileMetadata: '!!', smdpSigned2: 'AA==', smdpSignature2: 'AA==', smdpCertificate: 'AA==' }), { field: 'profileMetadata' }],
  ];
  it.each(transport)('%s is ES9_TRANSPORT_ERROR', async (_name, handler, details) => {
    const { client } = await setup(handler);
    const err = await errorOf(client.authenticateClient(HOST, '01', Uint8Array.of(0xbf, 0x38, 0x00)));
    expect(err.code).toBe('ES9_TRANSPORT_ERROR');
    expect(err.details).toMatchObject({ function: 'authenticateClient', ...details });
  });
});

describe('Es9Client — retry policy', () => {
  it('retries initiateAuthentication after dropped connections', async () => {
    const { server, client } = await setup((_req, i) => (i < 2 ? { drop: true } : initiateOk));
    await client.initiateAuthentication(HOST, CHALLENGE, INFO1);
    expect(server.requests).toHaveLength(3);
  });

  it('retries handleNotification on HTTP 503, and gives up after the configured attempts', async () => {
    const { server, client } = await setup(() => ({ status: 503 }));
    const err = await errorOf(client.handleNotification(HOST, Uint8Array.of(0xbf, 0x37, 0x00)));
    expect(err.code).toBe('ES9_TRANSPORT_ERROR');
    expect(server.requests).toHaveLength(3);
  });

  it.each([
    ['authenticateClient', (c: Es9Client) => c.authenticateClient(HOST, '01', Uint8Array.of(0xbf, 0x38, 0x00))],
    ['getBoundProfilePackage', (c: Es9Client) => c.getBoundProfilePackage(HOST, '01', Uint8Array.of(0xbf, 0x21, 0x00))],
    ['cancelSession', (c: Es9Client) => c.cancelSession(HOST, '01', Uint8Array.of(0xbf, 0x41, 0x00))],
  ])('never repeats %s', async (_name, call) => {
    const { server, client } = await setup(() => ({ drop: true }));
    const err = await errorOf(call(client));
    expect(err.code).toBe('ES9_TRANSPORT_ERROR');
    expect(server.requests).toHaveLength(1);
  });

  it('does not retry a Failed status', async () => {
    const { server, client } = await setup(() => failed('8.8.1', '3.8'));
    const err = await errorOf(client.initiateAuthentication(HOST, CHALLENGE, INFO1));
    expect(err.code).toBe('ES9_FUNCTION_FAILED');
    expect(server.requests).toHaveLength(1);
  });

  it('a per-call timeout is a transport error; an abort is ABORTED', async () => {
    const { client } = await setup(() => new Promise(() => undefined), { timeoutMs: 150 });
    const timedOut = await errorOf(client.getBoundProfilePackage(HOST, '01', Uint8Array.of(0xbf, 0x21, 0x00)));
    expect(timedOut.code).toBe('ES9_TRANSPORT_ERROR');
    const controller = new AbortController();
    const pending = client.initiateAuthentication(HOST, CHALLENGE, INFO1, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    expect((await errorOf(pending)).code).toBe('ABORTED');
  });
});

describe('Es9Client — TLS trust', () => {
  it('refuses a server whose certificate is from an untrusted CI', async () => {
    const { server, client } = await setup(() => ok({}), {}, { cert: otherPki.dpTls.cert.der, key: otherPki.dpTls.key });
    const err = await errorOf(client.cancelSession(HOST, '01', Uint8Array.of(0)));
    expect(err.code).toBe('ES9_TLS_UNTRUSTED');
    expect(err.hint).toContain('trust directory');
    expect(server.requests).toHaveLength(0);
  });

  it('refuses a certificate that does not name the SM-DP+ address', async () => {
    const { server, client } = await setup(() => ok({}));
    client.close();
    const other = new Es9Client({ trust, ciPkIds: pki.ci.map((c) => c.ski), hostOverrides: { 'smdp.other.example.com': server.address } });
    try {
      const err = await errorOf(other.cancelSession('smdp.other.example.com', '01', Uint8Array.of(0)));
      expect(err.code).toBe('ES9_TLS_NAME_MISMATCH');
      expect(server.requests).toHaveLength(0);
    } finally {
      other.close();
    }
  });

  it('refuses a chain to a CI the eUICC does not list', async () => {
    const brainpoolOnly = pki.ci.filter((c) => c.curve !== 'prime256v1').map((c) => c.ski);
    const { server, client } = await setup(() => ok({}), { ciPkIds: brainpoolOnly });
    const err = await errorOf(client.cancelSession(HOST, '01', Uint8Array.of(0)));
    expect(err.code).toBe('ES9_TLS_UNTRUSTED');
    expect(err.details['tlsError']).toBe('EWB_TLS_CI_NOT_LISTED');
    expect(server.requests).toHaveLength(0);
  });

  it('a CI trusted only for some server names does not vouch for another name', async () => {
    const scoped = trustStoreOf(pki.ci.map((c) => c.cert), 'the embedded test PKI', ['testsmdpplus9.example.com']);
    const { server, client } = await setup(() => ok({}), { trust: scoped });
    const err = await errorOf(client.cancelSession(HOST, '01', Uint8Array.of(0)));
    expect(err.code).toBe('ES9_TLS_UNTRUSTED');
    expect(err.details['tlsError']).toBe('EWB_TLS_ANCHOR_NOT_FOR_HOST');
    expect(server.requests).toHaveLength(0);
  });

  it('a CI scoped to the server name it is used for is trusted', async () => {
    const scoped = trustStoreOf(pki.ci.map((c) => c.cert), 'the embedded test PKI', [HOST.toUpperCase()]);
    const { server, client } = await setup(() => ok({}), { trust: scoped });
    await client.cancelSession(HOST, '01', Uint8Array.of(0));
    expect(server.requests).toHaveLength(1);
  });

  it('insecure mode connects to an untrusted server and warns', async () => {
    const warnings: string[] = [];
    const { server, client } = await setup(() => ok({}), { insecure: true, onWarning: (m) => warnings.push(m) }, { cert: otherPki.dpTls.cert.der, key: otherPki.dpTls.key });
    await client.cancelSession(HOST, '01', Uint8Array.of(0));
    expect(server.requests).toHaveLength(1);
    expect(warnings).toEqual([expect.stringContaining('insecure mode')]);
  });
});

describe('Es9Client — proxy', () => {
  it('tunnels through an explicit HTTP CONNECT proxy', async () => {
    const connects: string[] = [];
    const proxy = http.createServer();
    proxy.on('connect', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
      connects.push(req.url ?? '');
      const [host, port] = (req.url ?? '').split(':');
      const upstream = net.connect(Number(port), host, () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(socket);
        socket.pipe(upstream);
      });
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      const { server, client } = await setup(() => ok({}), { proxy: proxyUrl });
      await client.cancelSession(HOST, '01', Uint8Array.of(0));
      await client.cancelSession(HOST, '02', Uint8Array.of(0));
      expect(connects).toEqual([server.address]);
      expect(server.requests).toHaveLength(2);
    } finally {
      client?.close();
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });

  it('honours HTTPS_PROXY and NO_PROXY from the environment, never for loopback', () => {
    const env = { HTTPS_PROXY: 'proxy.lan:3128', NO_PROXY: '.internal.example,localhost' };
    expect(proxyFor('smdp.example.com', undefined, env)?.href).toBe('http://proxy.lan:3128/');
    expect(proxyFor('a.internal.example', undefined, env)).toBeUndefined();
    expect(proxyFor('127.0.0.1', undefined, env)).toBeUndefined();
    expect(proxyFor('smdp.example.com', false, env)).toBeUndefined();
    expect(proxyFor('smdp.example.com', undefined, {})).toBeUndefined();
  });
});
