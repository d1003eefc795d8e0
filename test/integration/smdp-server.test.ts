import https from 'node:https';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesEqual } from '../../shared/hex.js';
import { buildProfilePackage, writeProfilePackageFile } from '../../src-main/codec/saip/index.js';
import { certificateToPem, loadPkiDir } from '../../src-main/crypto/index.js';
import type { RspPki } from '../../src-main/crypto/index.js';
import { startTestSmdp, startTestSmds } from '../../src-main/sim/smdp/index.js';
import type { TestSmdp } from '../../src-main/sim/smdp/index.js';
import { generatedPki, sgp26Dir, withTempDir } from '../helpers/pki-fixtures.js';
import { es9Request } from '../helpers/smdp-client.js';
import type { Es9Reply, Es9Target } from '../helpers/smdp-client.js';
import { EuiccMirror } from '../helpers/smdp-euicc-mirror.js';

const PROFILE = { iccid: '8949449999999990031', imsi: '001010000000031', spn: 'HTTPS Tel' };
const ES9 = '/gsma/rsp2/es9plus/';
type Json = Record<string, unknown>;

const statusOf = (r: Es9Reply): unknown => (r.json?.header as Json | undefined)?.functionExecutionStatus;
const codesOf = (r: Es9Reply): unknown => (statusOf(r) as { statusCodeData?: { subjectCode: string; reasonCode: string } } | undefined)?.statusCodeData;
const SUCCESS = { status: 'Executed-Success' };

function targetOf(server: { port: number; host: string }, pki: RspPki): Es9Target {
  return { port: server.port, servername: server.host, ca: certificateToPem(pki.ci[0]?.cert.der ?? new Uint8Array(0)) };
}

/** initiateAuthentication → authenticateClient → getBoundProfilePackage → handleNotification over HTTPS. */
async function download(target: Es9Target, pki: RspPki, matchingId: string, agent?: https.Agent): Promise<{ bpp: Es9Reply; pir: Es9Reply; saip: Uint8Array }> {
  const mirror = new EuiccMirror({ pki });
  const post = (fn: string, body: unknown) => es9Request(target, `${ES9}${fn}`, body, agent ? { agent } : {});
  const init = await post('initiateAuthentication', mirror.initiateAuthenticationRequest(target.servername));
  expect(statusOf(init)).toEqual(SUCCESS);
  const auth = await post('authenticateClient', mirror.authenticateClientRequest(init.json as Json, { matchingId }));
  expect(statusOf(auth)).toEqual(SUCCESS);
  const bpp = await post('getBoundProfilePackage', mirror.getBoundProfilePackageRequest(auth.json as Json));
  expect(statusOf(bpp)).toEqual(SUCCESS);
  const saip = mirror.loadBoundProfilePackage(String(bpp.json?.boundProfilePackage)).profilePackage;
  const pirBytes = mirror.installationResult({ seqNumber: 1, notificationAddress: target.servername, iccid: PROFILE.iccid, success: true });
  const pir = await post('handleNotification', { pendingNotification: Buffer.from(pirBytes).toString('base64') });
  return { bpp, pir, saip };
}

const pkis: [string, () => Promise<RspPki>][] = [
  ['generated PKI', () => Promise.resolve(generatedPki())],
  ['SGP.26 PKI', () => loadPkiDir(sgp26Dir)],
];

describe.each(pkis)('test SM-DP+ over HTTPS with the %s', (_name, loadPki) => {
  let pki: RspPki;
  let smdp: TestSmdp;
  let target: Es9Target;

  beforeAll(async () => {
    pki = await loadPki();
    smdp = await startTestSmdp({ pki, host: 'testsmdpplus1.example.com', listen: { host: '127.0.0.1', port: 0 } });
    target = targetOf(smdp, pki);
  });
  afterAll(() => smdp.close());

  it('downloads a profile with one TLS handshake on a keep-alive connection', async () => {
    const profilePackage = buildProfilePackage({ ...PROFILE, size: 20 * 1024 });
    smdp.orders.add({ matchingId: 'KEEPALIVE', profilePackage });
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
    const before = { ...smdp.stats, byFunction: { ...smdp.stats.byFunction } };
    const { bpp, pir, saip } = await download(target, pki, 'KEEPALIVE', agent);
    agent.destroy();
    expect(pir.status).toBe(204);
    expect(pir.text).toBe('');
    expect(bpp.headers['content-type']).toBe('application/json;charset=UTF-8');
    expect(bpp.headers['x-admin-protocol']).toMatch(/^gsma\/rsp\/v2\./);
    expect(smdp.stats.tlsHandshakes - before.tlsHandshakes).toBe(1);
    expect(smdp.stats.requests - before.requests).toBe(4);
    expect(smdp.orders.get('KEEPALIVE')?.state).toBe('installed');
    expect(smdp.receivedNotifications.at(-1)).toMatchObject({ seqNumber: 1, event: 'install', iccid: PROFILE.iccid, result: 'success', verified: true });
    expect(bytesEqual(saip, profilePackage)).toBe(true);
  });

  it('checks Content-Type, X-Admin-Protocol, method, path, JSON and size', async () => {
    const url = `${ES9}initiateAuthentication`;
    expect(codesOf(await es9Request(target, url, {}, { headers: { 'Content-Type': 'text/plain' } }))).toMatchObject({ subjectCode: '1.2.1', reasonCode: '2.1' });
    expect(codesOf(await es9Request(target, url, {}, { headers: { 'X-Admin-Protocol': 'gsma/rsp/v3.0.0' } }))).toMatchObject({ subjectCode: '1.2.2', reasonCode: '2.1' });
    expect((await es9Request(target, url, '', { method: 'GET' })).status).toBe(405);
    expect((await es9Request(target, `${ES9}noSuchFunction`, {})).status).toBe(404);
    expect(codesOf(await es9Request(target, url, '{"euiccChallenge": '))).toMatchObject({ subjectCode: '1.3.1', reasonCode: '2.1' });
    expect(codesOf(await es9Request(target, url, { euiccInfo1: 'AA==' }))).toMatchObject({ subjectCode: '1.3.1', reasonCode: '2.2' });
    expect((await es9Request(target, url, { pad: 'x'.repeat(100_000) })).status).toBe(413);
  });

  it('injects HTTP 500, invalid JSON, SGP.22 codes, dropped connections and hangs per function and call', async () => {
    const mirror = new EuiccMirror({ pki });
    const init = () => es9Request(target, `${ES9}initiateAuthentication`, mirror.initiateAuthenticationRequest(smdp.host));

    smdp.injectFault({ function: 'initiateAuthentication', kind: 'http500' });
    expect((await init()).status).toBe(500);
    expect(statusOf(await init())).toEqual(SUCCESS);

    smdp.injectFault({ function: 'initiateAuthentication', kind: 'invalidJson' });
    const broken = await init();
    expect(broken.status).toBe(200);
    expect(broken.json).toBeUndefined();

    smdp.injectFault({ function: 'initiateAuthentication', kind: 'status', status: { subjectCode: '8.8.5', reasonCode: '4.1' }, nth: 2 });
    expect(statusOf(await init())).toEqual(SUCCESS);
    expect(codesOf(await init())).toEqual({ subjectCode: '8.8.5', reasonCode: '4.1', message: 'injected fault' });

    smdp.injectFault({ function: 'initiateAuthentication', kind: 'dropConnection' });
    await expect(init()).rejects.toThrow(/socket hang up|ECONNRESET/);

    smdp.injectFault({ function: 'initiateAuthentication', kind: 'hang' });
    await expect(es9Request(target, `${ES9}initiateAuthentication`, mirror.initiateAuthenticationRequest(smdp.host), { timeoutMs: 300 })).rejects.toThrow('client timeout');
    expect(statusOf(await init())).toEqual(SUCCESS);
  });

  it('loses the answer after processing with when: "after" (the order is consumed)', async () => {
    smdp.orders.add({ matchingId: 'LOST-ANSWER', profile: PROFILE });
    const mirror = new EuiccMirror({ pki });
    const init = await es9Request(target, `${ES9}initiateAuthentication`, mirror.initiateAuthenticationRequest(smdp.host));
    smdp.injectFault({ function: 'authenticateClient', kind: 'dropConnection', when: 'after' });
    await expect(es9Request(target, `${ES9}authenticateClient`, mirror.authenticateClientRequest(init.json as Json, { matchingId: 'LOST-ANSWER' }))).rejects.toThrow();
    expect(smdp.orders.get('LOST-ANSWER')?.state).toBe('inProgress');
    const cancel = await es9Request(target, `${ES9}cancelSession`, {
      transactionId: init.json?.transactionId,
      cancelSessionResponse: Buffer.from(mirror.cancelSession('timeout')).toString('base64'),
    });
    expect(statusOf(cancel)).toEqual(SUCCESS);
    expect(smdp.receivedCancellations.at(-1)).toMatchObject({ reason: 'timeout', verified: true, matchingId: 'LOST-ANSWER' });
    expect(smdp.orders.get('LOST-ANSWER')?.state).toBe('released');
  });

  it('is only trusted by a client with the test CI and the right server name', async () => {
    const url = `${ES9}initiateAuthentication`;
    const otherCa = certificateToPem(generatedPki({ seed: 'other-ca' }).ci[0]?.cert.der ?? new Uint8Array(0));
    await expect(es9Request({ ...target, ca: otherCa }, url, {})).rejects.toThrow(/certificate/i);
    await expect(es9Request({ ...target, servername: 'evil.example.com' }, url, {})).rejects.toThrow(/altnames|Hostname/i);
  });
});

describe('test SM-DP+ orders from a profiles directory and a state file', () => {
  it('serves SAIP files as orders and keeps order states across restarts', async () => {
    const pki = generatedPki();
    await withTempDir(async (dir) => {
      await writeProfilePackageFile(PROFILE, path.join(dir, 'profiles', 'FROM-FILE.der'));
      await writeFile(path.join(dir, 'profiles', 'notes.txt'), 'ignored');
      const stateFile = path.join(dir, 'state.json');
      const first = await startTestSmdp({ pki, profilesDir: path.join(dir, 'profiles'), stateFile });
      try {
        expect(first.orders.list().map((o) => [o.matchingId, o.iccid, o.state])).toEqual([['FROM-FILE', PROFILE.iccid, 'released']]);
        expect(first.activationCode('FROM-FILE')).toBe(`LPA:1$testsmdpplus1.example.com:${first.port}$FROM-FILE`);
        await download(targetOf(first, pki), pki, 'FROM-FILE');
      } finally {
        await first.close();
      }
      expect(JSON.parse(await readFile(stateFile, 'utf8'))).toMatchObject({ version: 1 });
      const second = await startTestSmdp({ pki, profilesDir: path.join(dir, 'profiles'), stateFile });
      try {
        expect(second.orders.get('FROM-FILE')?.state).toBe('installed');
        expect(second.orders.list()).toHaveLength(1);
      } finally {
        await second.close();
      }
    });
  });
});

describe('test SM-DS over HTTPS', () => {
  it('returns the event entries of the authenticated EID on the es11 and es9plus paths', async () => {
    const pki = generatedPki();
    const smds = await startTestSmds({ pki, events: [{ eid: pki.euicc.eid, eventId: 'EVENT-1', rspServerAddress: 'testsmdpplus1.example.com' }] });
    smds.events.register({ eid: '89049032123451234512345678909999', eventId: 'OTHER', rspServerAddress: 'x.example.com' });
    const target = targetOf(smds, pki);
    try {
      for (const base of ['/gsma/rsp2/es11/', ES9]) {
        const mirror = new EuiccMirror({ pki });
        const init = await es9Request(target, `${base}initiateAuthentication`, { ...mirror.initiateAuthenticationRequest(smds.host), smdpAddress: undefined, smdsAddress: smds.host });
        expect(statusOf(init)).toEqual(SUCCESS);
        const auth = await es9Request(target, `${base}authenticateClient`, mirror.authenticateClientRequest(init.json as Json));
        expect(statusOf(auth)).toEqual(SUCCESS);
        expect(auth.json?.eventEntries).toEqual([{ eventId: 'EVENT-1', rspServerAddress: 'testsmdpplus1.example.com' }]);
      }
      const mirror = new EuiccMirror({ pki });
      const wrong = await es9Request(target, `${ES9}initiateAuthentication`, mirror.initiateAuthenticationRequest('testsmdpplus1.example.com'));
      expect(codesOf(wrong)).toMatchObject({ subjectCode: '8.9.1', reasonCode: '3.8' });
    } finally {
      await smds.close();
    }
  });
});
