/**
 * The LPA download against the test SM-DP+ over real HTTPS on 127.0.0.1 into the virtual eUICC,
 * with real crypto: the activation code names the SM-DP+ FQDN, `hostOverrides` routes it to the
 * loopback port while SNI and the certificate check use the FQDN.
 */
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WorkbenchError } from '../../shared/errors.js';
import type { DownloadRequest } from '../../shared/api.js';
import { buildProfilePackage } from '../../src-main/codec/saip/index.js';
import { PROFILE_SUMMARY_FIELDS, toProfileSummary } from '../../src-main/euicc/index.js';
import type { Es10Client } from '../../src-main/euicc/index.js';
import { runDownload } from '../../src-main/rsp/download.js';
import type { DownloadResult } from '../../src-main/rsp/download.js';
import { Es9Client } from '../../src-main/rsp/es9-client.js';
import { loadPkiDir } from '../../src-main/crypto/index.js';
import { loadTrustStore, trustStoreOf } from '../../src-main/rsp/tls-trust.js';
import { generatedPki, sgp26Dir } from '../helpers/pki-fixtures.js';
import { fakeContext } from '../helpers/rsp-fakes.js';
import type { FakeContext } from '../helpers/rsp-fakes.js';
import { startRspLab } from '../helpers/rsp-lab.js';
import type { RspLab } from '../helpers/rsp-lab.js';
import { errorOf } from '../helpers/rejections.js';

const ICCID = '8949449999999990017';
const PROFILE = { iccid: ICCID, imsi: '001010000000017', spn: 'Workbench Tel' };

let lab: RspLab;
beforeEach(async () => {
  lab = await startRspLab();
});
afterEach(async () => {
  await lab.close();
});

function addOrder(matchingId: string, extra: { confirmationCode?: string; ccRetryLimit?: number; size?: number } = {}): void {
  const { size, ...order } = extra;
  lab.smdp.orders.add({ matchingId, profilePackage: buildProfilePackage({ ...PROFILE, ...(size !== undefined ? { size } : {}) }), ...order });
}

function download(request: DownloadRequest, ctx: FakeContext = fakeContext()): Promise<DownloadResult> {
  return lab.withCard((card) => runDownload({ card, es9: lab.es9, notifications: lab.queue }, request, ctx));
}

async function cardState(): Promise<{ profiles: string[]; notifications: number[] }> {
  return lab.withCard(async (card) => ({
    profiles: (await card.getProfilesInfo({ tags: ['iccid'] })).map((p) => p.iccid ?? ''),
    notifications: (await card.listNotification()).map((n) => n.seqNumber),
  }));
}

async function sendNotifications(card: Es10Client): Promise<number> {
  const client = new Es9Client({ ...lab.es9, ciPkIds: lab.pki.ci.map((c) => c.ski) });
  try {
    return (await lab.queue.process(card, client)).sent;
  } finally {
    client.close();
  }
}

describe('download into the virtual eUICC over HTTPS', () => {
  it('installs the profile with one TLS handshake, delivers the PIR, then enable/disable/delete notify the SM-DP+', async () => {
    addOrder('FULL-1');
    const before = lab.smdp.stats.tlsHandshakes;
    const ctx = fakeContext();
    const result = await download({ activationCode: lab.activationCode('FULL-1') }, ctx);

    expect(result).toMatchObject({ iccid: ICCID, smdpAddress: lab.smdp.host, notificationsSent: 1, notificationsFailed: 0 });
    expect(result.http).toEqual({ requests: 4, handshakes: 1, resumedHandshakes: 0 }); // 4 ES9+ calls incl. the PIR, one connection
    expect(lab.smdp.stats.tlsHandshakes - before).toBe(1);
    expect(lab.smdp.orders.get('FULL-1')?.state).toBe('installed');
    expect(lab.smdp.receivedNotifications).toEqual([expect.objectContaining({ event: 'install', iccid: ICCID, result: 'success', verified: true })]);
    expect(ctx.prompts[0]?.preview).toMatchObject({ iccid: ICCID, serviceProviderName: 'Workbench Tel', smdpAddress: lab.smdp.host });
    expect(await cardState()).toEqual({ profiles: [ICCID], notifications: [] });

    await lab.withCard(async (card) => {
      const [profile] = (await card.getProfilesInfo({ tags: PROFILE_SUMMARY_FIELDS })).map(toProfileSummary);
      expect(profile).toMatchObject({ iccid: ICCID, state: 'disabled' });
      expect((await card.enableProfile({ iccid: ICCID })).ok).toBe(true);
    });
    await lab.withCard(async (card) => {
      expect((await card.disableProfile({ iccid: ICCID })).ok).toBe(true);
    });
    await lab.withCard(async (card) => {
      expect((await card.deleteProfile({ iccid: ICCID })).ok).toBe(true);
      expect(await sendNotifications(card)).toBe(3);
    });
    expect(lab.smdp.receivedNotifications.map((n) => [n.event, n.iccid, n.verified])).toEqual([
      ['install', ICCID, true],
      ['enable', ICCID, true],
      ['disable', ICCID, true],
      ['delete', ICCID, true],
    ]);
    expect(await cardState()).toEqual({ profiles: [], notifications: [] });
  });

  it('a wrong confirmation code is asked again and counted by the SM-DP+', async () => {
    addOrder('CC-1', { confirmationCode: '4711', ccRetryLimit: 3 });
    const codes = ['0000', '4711'];
    const ctx = fakeContext({ code: async () => ({ code: codes.shift() ?? '' }) });
    const result = await download({ activationCode: lab.activationCode('CC-1', true) }, ctx);
    expect(result.iccid).toBe(ICCID);
    expect(ctx.prompts.filter((p) => p.kind === 'confirmation-code')).toHaveLength(2);
    expect(lab.smdp.orders.get('CC-1')).toMatchObject({ state: 'installed', ccAttemptsLeft: 2 });
  });

  it('too many wrong confirmation codes: a clear error, the order blocked, the card without session or profile', async () => {
    addOrder('CC-2', { confirmationCode: '4711', ccRetryLimit: 2 });
    const ctx = fakeContext({ code: async () => ({ code: '0000' }) });
    const err = await errorOf(download({ activationCode: lab.activationCode('CC-2', true) }, ctx));
    expect(err.code).toBe('ES9_FUNCTION_FAILED');
    expect(err.details).toMatchObject({ subjectCode: '8.2.7', reasonCode: '6.4' });
    expect(err.message).toContain('Too many wrong confirmation codes');
    expect(err.details['cancelSession']).toMatchObject({ card: true });
    expect(lab.smdp.orders.get('CC-2')?.state).toBe('failed');
    expect(await cardState()).toEqual({ profiles: [], notifications: [] });
  });

  it('a reused matching ID is refused with the table message; the card stays clean', async () => {
    addOrder('ONCE');
    await download({ activationCode: lab.activationCode('ONCE') });
    const err = await errorOf(download({ activationCode: lab.activationCode('ONCE') }));
    expect(err.code).toBe('ES9_FUNCTION_FAILED');
    expect(err.details).toMatchObject({ subjectCode: '8.2.6', reasonCode: '3.8', step: 'authenticate-client' });
    expect(err.hint).toContain('Each activation code works once');
    expect(await cardState()).toEqual({ profiles: [ICCID], notifications: [] });
  });

  it.each([
    ['endUserRejection', 'released', { consent: async () => ({ accept: false }) }],
    [
      'timeout',
      'released',
      {
        consent: async () => {
          throw new WorkbenchError('PROMPT_TIMEOUT', 'no answer', 'hint');
        },
      },
    ],
  ] as const)('consent → CancelSession %s recorded by the SM-DP+, order %s again', async (reason, orderState, answers) => {
    addOrder('CONSENT');
    await errorOf(download({ activationCode: lab.activationCode('CONSENT') }, fakeContext(answers)));
    expect(lab.smdp.receivedCancellations).toEqual([expect.objectContaining({ reason, matchingId: 'CONSENT', verified: true })]);
    expect(lab.smdp.orders.get('CONSENT')?.state).toBe(orderState);
    expect(await cardState()).toEqual({ profiles: [], notifications: [] });
    // The order is usable again.
    await download({ activationCode: lab.activationCode('CONSENT') });
  });

  it('a user cancel while the package is fetched → postponed at card and server', async () => {
    addOrder('CANCEL');
    lab.smdp.injectFault({ function: 'getBoundProfilePackage', kind: 'hang' });
    const ctx = fakeContext();
    const pending = download({ activationCode: lab.activationCode('CANCEL') }, ctx);
    const started = Date.now();
    while (!ctx.progressLog.some((p) => p.step === 'get-bound-profile-package') && Date.now() - started < 10_000) await new Promise((r) => setTimeout(r, 10));
    ctx.controller.abort();
    const err = await errorOf(pending);
    expect(err.code).toBe('ABORTED');
    expect(lab.smdp.receivedCancellations).toEqual([expect.objectContaining({ reason: 'postponed', matchingId: 'CANCEL' })]);
    expect(await cardState()).toEqual({ profiles: [], notifications: [] });
  });

  const drops = [
    ['initiateAuthentication', undefined],
    ['authenticateClient', 'undefinedReason'],
    ['getBoundProfilePackage', 'undefinedReason'],
  ] as const;
  it.each(drops)('a network drop at %s → a clear transport error and the right CancelSession', async (fn, reason) => {
    addOrder('DROP');
    lab.smdp.injectFault({ function: fn, kind: 'dropConnection', times: fn === 'initiateAuthentication' ? Infinity : 1 });
    const err = await errorOf(download({ activationCode: lab.activationCode('DROP') }));
    expect(err.code).toBe('ES9_TRANSPORT_ERROR');
    expect(err.details).toMatchObject({ function: fn });
    expect(lab.smdp.receivedCancellations.map((c) => c.reason)).toEqual(reason === undefined ? [] : [reason]);
    expect(await cardState()).toEqual({ profiles: [], notifications: [] });
  });

  it('initiateAuthentication is retried after one dropped connection', async () => {
    addOrder('RETRY');
    lab.smdp.injectFault({ function: 'initiateAuthentication', kind: 'dropConnection' });
    await download({ activationCode: lab.activationCode('RETRY') });
    expect(lab.smdp.stats.byFunction['initiateAuthentication']).toBe(2);
  });

  it('a network drop at handleNotification leaves the PIR queued; the next run delivers it once', async () => {
    addOrder('NOTIFY');
    lab.smdp.injectFault({ function: 'handleNotification', kind: 'dropConnection', times: Infinity });
    const ctx = fakeContext();
    const result = await download({ activationCode: lab.activationCode('NOTIFY') }, ctx);
    expect(result).toMatchObject({ iccid: ICCID, notificationsSent: 0, notificationsFailed: 1 });
    expect(ctx.notices).toEqual([expect.stringContaining('could not be delivered')]);
    expect((await cardState()).notifications).toHaveLength(1);
    lab.smdp.clearFaults();
    await lab.withCard(async (card) => expect(await sendNotifications(card)).toBe(1));
    expect(lab.smdp.receivedNotifications.map((n) => n.event)).toEqual(['install']);
    expect((await cardState()).notifications).toEqual([]);
  });

  it.each([
    ['8.8.5', '4.1', 'The download order has expired.'],
    ['8.2', '1.2', 'not released'],
    ['8.1', '4.8', 'enough free memory'],
  ])('SM-DP+ error %s/%s at authenticateClient → message from the table', async (subjectCode, reasonCode, text) => {
    addOrder('ERR');
    lab.smdp.injectFault({ function: 'authenticateClient', kind: 'status', status: { subjectCode, reasonCode } });
    const err = await errorOf(download({ activationCode: lab.activationCode('ERR') }));
    expect(err.code).toBe('ES9_FUNCTION_FAILED');
    expect(err.message).toContain(text);
    expect(await cardState()).toEqual({ profiles: [], notifications: [] });
  });

  it('an SM-DP+ HTTP 500 at getBoundProfilePackage is a transport error, not retried', async () => {
    addOrder('E500');
    lab.smdp.injectFault({ function: 'getBoundProfilePackage', kind: 'http500' });
    const err = await errorOf(download({ activationCode: lab.activationCode('E500') }));
    expect(err.code).toBe('ES9_TRANSPORT_ERROR');
    expect(err.details).toMatchObject({ httpStatus: 500 });
    expect(lab.smdp.stats.byFunction['getBoundProfilePackage']).toBe(1);
    expect(lab.smdp.receivedCancellations.map((c) => c.reason)).toEqual(['undefinedReason']);
  });

  it('the card pulled during the BPP load → DOWNLOAD_INTERRUPTED; after reinsertion the state is read again and the card works', async () => {
    addOrder('PULL', { size: 30 * 1024 });
    // STORE DATA sequences: challenge, info1, authenticateServer, prepareDownload, then BPP segments.
    lab.euicc.card.faults.set({ tearStoreData: { sequence: 8, block: 0 } });
    const err = await errorOf(download({ activationCode: lab.activationCode('PULL') }));
    expect(err.code).toBe('DOWNLOAD_INTERRUPTED');
    expect(err.details).toMatchObject({ causeCode: 'CARD_REMOVED', cardStateUnknown: true, step: 'load-bound-profile-package', segmentsSent: 3 });
    expect(err.details['cancelSession']).toMatchObject({ reason: 'loadBppExecutionError', card: false, server: false });
    expect(err.hint).toContain('read again');

    lab.euicc.card.faults.clear();
    lab.reinsertCard();
    // The virtual eUICC discards the partial profile on reset and keeps an error PIR (interruption) for it,
    // which the next notification run delivers: the SM-DP+ order ends instead of staying 'downloaded'.
    expect(await cardState()).toEqual({ profiles: [], notifications: [1] });
    expect(await lab.withCard(sendNotifications)).toBe(1);
    expect(lab.smdp.receivedNotifications).toEqual([
      expect.objectContaining({ event: 'install', result: 'error', bppCommandId: 'storeMetadata', errorReason: 'installFailedDueToInterruption', verified: true }),
    ]);
    expect(lab.smdp.orders.get('PULL')?.state).toBe('failed');
    expect(await cardState()).toEqual({ profiles: [], notifications: [] });
    addOrder('AFTER-PULL');
    expect((await download({ activationCode: lab.activationCode('AFTER-PULL') })).iccid).toBe(ICCID);
  });

  it('an SM-DP+ with an untrusted TLS certificate is refused before anything is sent', async () => {
    addOrder('TLS');
    const stranger = generatedPki({ seed: 'rsp-lab-stranger' });
    const err = await errorOf(lab.withCard((card) => runDownload({ card, es9: { ...lab.es9, trust: trustStoreOf(stranger.ci.map((c) => c.cert)) }, notifications: lab.queue }, { activationCode: lab.activationCode('TLS') }, fakeContext())));
    expect(err.code).toBe('ES9_TLS_UNTRUSTED');
    expect(err.hint).toContain('trust directory');
    expect(lab.smdp.stats.requests).toBe(0);
    expect(lab.smdp.orders.get('TLS')?.state).toBe('released');

    // The explicit insecure option connects anyway, and says so to the user.
    const ctx = fakeContext();
    const result = await lab.withCard((card) =>
      runDownload({ card, es9: { ...lab.es9, trust: trustStoreOf(stranger.ci.map((c) => c.cert)), insecure: true }, notifications: lab.queue }, { activationCode: lab.activationCode('TLS') }, ctx),
    );
    expect(result.iccid).toBe(ICCID);
    expect(ctx.notices).toEqual([expect.stringContaining('insecure mode')]);
  });
});

describe('download with the GSMA SGP.26 test PKI', () => {
  it('trusts the SM-DP+ through the SGP.26 test CI loaded as a trust directory', async () => {
    await lab.close();
    const pki = await loadPkiDir(sgp26Dir);
    lab = await startRspLab({ pki, trust: await loadTrustStore([path.join(sgp26Dir, 'CertificateIssuer')]) });
    addOrder('SGP26');
    const result = await download({ activationCode: lab.activationCode('SGP26') });
    expect(result).toMatchObject({ iccid: ICCID, smdpAddress: lab.smdp.host, notificationsSent: 1 });
    expect(result.http.handshakes).toBe(1);
  });
});
