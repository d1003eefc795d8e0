import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WorkbenchError } from '../../../shared/errors.js';
import { fromHex, toHex } from '../../../shared/hex.js';
import type { DownloadRequest } from '../../../shared/api.js';
import { computeHashCc } from '../../../src-main/crypto/hash-cc.js';
import { runDownload } from '../../../src-main/rsp/download.js';
import type { DownloadContext } from '../../../src-main/rsp/download.js';
import { NotificationQueue } from '../../../src-main/rsp/notification-queue.js';
import type { OperationContext } from '../../../src-main/services/operations.js';
import { generatedPki } from '../../helpers/pki-fixtures.js';
import {
  AUTH_SERVER_RESPONSE,
  BPP,
  CANCEL_RESPONSE,
  FAKE_ADDRESS,
  FAKE_TX,
  PIR_RAW,
  PREPARE_RESPONSE,
  createFakeRsp,
  es9Dropped,
  es9Failed,
  fakeContext,
} from '../../helpers/rsp-fakes.js';
import type { FakeContext, FakeOptions, FakeRsp } from '../../helpers/rsp-fakes.js';
import { errorOf } from '../../helpers/rejections.js';

// Compile-time: the services' OperationContext is a DownloadContext.
const contextFits = (ctx: OperationContext): DownloadContext => ctx;
void contextFits;

const AC = `LPA:1$${FAKE_ADDRESS}$MATCH-1`;
let dir: string;
let queue: NotificationQueue;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ewb-dl-'));
  queue = new NotificationQueue(dir);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function download(fake: FakeRsp, ctx: FakeContext, request: DownloadRequest = { activationCode: AC }): ReturnType<typeof runDownload> {
  return runDownload({ card: fake.card, es9: () => fake.server, notifications: queue }, request, ctx);
}

function cancelReasons(fake: FakeRsp): { card: unknown[]; server: unknown[] } {
  return {
    card: (fake.calls['card.cancelSession'] ?? []).map((a) => a[1]),
    server: (fake.calls['es9.cancelSession'] ?? []).map((a) => Buffer.from(a[2] as Uint8Array).toString()),
  };
}

const SESSION_START = ['card.getEuiccChallenge', 'card.getEuiccInfo1', 'es9.initiateAuthentication', 'card.authenticateServer', 'es9.authenticateClient'];

describe('runDownload — the happy path', () => {
  it('runs the SGP.22 steps in order, delivers the PIR and removes it from the card', async () => {
    const fake = createFakeRsp();
    const ctx = fakeContext();
    const result = await download(fake, ctx);
    expect(fake.log).toEqual([
      ...SESSION_START,
      'card.prepareDownload',
      'es9.getBoundProfilePackage',
      'card.loadBoundProfilePackage',
      'card.getEid',
      'card.listNotification',
      'card.retrieveNotificationsList',
      'es9.handleNotification',
      'card.removeNotificationFromList',
      'es9.close',
    ]);
    expect(result).toMatchObject({ iccid: '8944476500000000017', smdpAddress: FAKE_ADDRESS, transactionId: FAKE_TX, notificationsSent: 1, notificationsFailed: 0 });
    // Card outputs are forwarded verbatim; the PIR goes to the SM-DP+ address.
    expect(fake.calls['es9.authenticateClient']?.[0]?.slice(0, 3)).toEqual([FAKE_ADDRESS, FAKE_TX, AUTH_SERVER_RESPONSE]);
    expect(fake.calls['es9.getBoundProfilePackage']?.[0]?.slice(0, 3)).toEqual([FAKE_ADDRESS, FAKE_TX, PREPARE_RESPONSE]);
    expect(fake.calls['card.loadBoundProfilePackage']?.[0]?.[0]).toEqual(BPP);
    expect(fake.calls['es9.handleNotification']?.[0]?.slice(0, 2)).toEqual([FAKE_ADDRESS, PIR_RAW]);
    expect(fake.cardNotifications).toHaveLength(0);
    expect(await queue.queued('89049032123451234512345678901235')).toEqual([]);
    // ctxParams1: matching ID from the AC, default TAC, no IMEI.
    const auth = fake.calls['card.authenticateServer']?.[0]?.[0] as { ctxParams1: { value: { matchingId?: string; deviceInfo: { tac: Uint8Array; imei?: Uint8Array } } } };
    expect(auth.ctxParams1.value.matchingId).toBe('MATCH-1');
    expect(toHex(auth.ctxParams1.value.deviceInfo.tac)).toBe('35290611');
    expect(auth.ctxParams1.value.deviceInfo.imei).toBeUndefined();
  });

  it('reports named steps in order, BPP percentages, and asks consent with the preview', async () => {
    const fake = createFakeRsp();
    const ctx = fakeContext();
    await download(fake, ctx);
    const steps = ctx.progressLog.map((p) => p.step).filter((s, i, all) => all[i - 1] !== s);
    expect(steps).toEqual(['authenticate-server', 'authenticate-client', 'consent', 'prepare-download', 'get-bound-profile-package', 'load-bound-profile-package', 'send-notifications', 'done']);
    expect(ctx.progressLog.filter((p) => p.step === 'load-bound-profile-package').map((p) => p.percent)).toEqual([0, 25, 49, 74, 98]);
    expect(ctx.prompts).toEqual([{ kind: 'consent', preview: { iccid: '8944476500000000017', serviceProviderName: 'Test Operator', profileName: 'Test Profile', profileClass: 'operational', policyRules: [], smdpAddress: FAKE_ADDRESS } }]);
  });

  it('sends IMEI and its TAC in DeviceInfo; autoConsent skips the prompt', async () => {
    const fake = createFakeRsp();
    const ctx = fakeContext();
    await download(fake, ctx, { activationCode: AC, imei: '356938035643809', autoConsent: true });
    const auth = fake.calls['card.authenticateServer']?.[0]?.[0] as { ctxParams1: { value: { deviceInfo: { tac: Uint8Array; imei?: Uint8Array } } } };
    expect(toHex(auth.ctxParams1.value.deviceInfo.tac)).toBe('35693803');
    expect(toHex(auth.ctxParams1.value.deviceInfo.imei ?? new Uint8Array()).toUpperCase()).toBe('53968330653408F9');
    expect(ctx.prompts).toEqual([]);
  });

  it('uses the default SM-DP+ with an empty matching ID when no code is given', async () => {
    const fake = createFakeRsp();
    await download(fake, fakeContext(), {});
    expect(fake.log[0]).toBe('card.getEuiccConfiguredAddresses');
    const auth = fake.calls['card.authenticateServer']?.[0]?.[0] as { ctxParams1: { value: { matchingId?: string } } };
    expect(auth.ctxParams1.value.matchingId).toBe('');
  });

  it('asks for the confirmation code and sends only its hash to the card; the code is never reported', async () => {
    const fake = createFakeRsp({ ccRequired: true });
    const ctx = fakeContext({ code: async () => ({ code: '8641' }) });
    await download(fake, ctx);
    expect(ctx.prompts.map((p) => p.kind)).toEqual(['consent', 'confirmation-code']);
    const prepare = fake.calls['card.prepareDownload']?.[0]?.[0] as { hashCc?: Uint8Array };
    expect(prepare.hashCc).toEqual(computeHashCc('8641', fromHex(FAKE_TX)));
    expect(JSON.stringify([ctx.progressLog, ctx.notices])).not.toContain('8641');
  });

  it('enables the profile after install when asked', async () => {
    const fake = createFakeRsp();
    const result = await download(fake, fakeContext(), { activationCode: AC, enableAfterInstall: true });
    expect(result.enabled).toBe(true);
    expect(fake.calls['card.enableProfile']?.[0]?.[0]).toEqual({ iccid: '8944476500000000017' });
  });
});

describe('runDownload — cancel reasons', () => {
  const cases: [string, FakeOptions, Parameters<typeof fakeContext>[0], string, string][] = [
    ['consent refused', {}, { consent: async () => ({ accept: false }) }, 'endUserRejection', 'ABORTED'],
    [
      'consent not answered',
      {},
      {
        consent: async () => {
          throw new WorkbenchError('PROMPT_TIMEOUT', 'timeout', 'hint');
        },
      },
      'timeout',
      'PROMPT_TIMEOUT',
    ],
    [
      'policy rules not in the RAT',
      { metadata: { profilePolicyRules: ['ppr1'], profileOwner: { mccMnc: '00101' } }, rat: [{ pprIds: ['ppr1'], allowedOperators: [{ mccMnc: '31041' }], pprFlags: [] }] },
      {},
      'pprNotAllowed',
      'DOWNLOAD_PPR_NOT_ALLOWED',
    ],
    ['unreadable metadata', { rawMetadata: fromHex('BF2503800100') }, {}, 'metadataMismatch', 'DOWNLOAD_METADATA_INVALID'],
    ['network drop at authenticateClient', { faults: { 'es9.authenticateClient': () => Promise.reject(es9Dropped('authenticateClient')) } }, {}, 'undefinedReason', 'ES9_TRANSPORT_ERROR'],
    ['network drop at getBoundProfilePackage', { faults: { 'es9.getBoundProfilePackage': () => Promise.reject(es9Dropped('getBoundProfilePackage')) } }, {}, 'undefinedReason', 'ES9_TRANSPORT_ERROR'],
  ];
  it.each(cases)('%s → the matching CancelSession to card and server', async (_name, options, answers, reason, code) => {
    const fake = createFakeRsp(options);
    const err = await errorOf(download(fake, fakeContext(answers)));
    expect(err.code).toBe(code);
    expect(cancelReasons(fake)).toEqual({ card: [reason], server: [Buffer.from(CANCEL_RESPONSE(reason)).toString()] });
    expect(fake.calls['es9.cancelSession']?.[0]?.slice(0, 2)).toEqual([FAKE_ADDRESS, FAKE_TX]);
    expect(err.details['cancelSession']).toEqual({ reason, card: true, server: true });
    expect(fake.log).not.toContain('card.loadBoundProfilePackage');
  });

  it('PPRs allowed by a RAT rule for the owner (with wildcard digits) do not cancel', async () => {
    const fake = createFakeRsp({ metadata: { profilePolicyRules: ['ppr1'], profileOwner: { mccMnc: '00101' } }, rat: [{ pprIds: ['ppr1'], allowedOperators: [{ mccMnc: '001EE' }], pprFlags: [] }] });
    await download(fake, fakeContext());
    expect(fake.log).toContain('card.getRat');
    expect(fake.log).not.toContain('card.cancelSession');
  });

  it('a cancel while the package is fetched → postponed', async () => {
    const ctx = fakeContext();
    const fake = createFakeRsp({
      faults: {
        'es9.getBoundProfilePackage': () => {
          ctx.controller.abort();
          return Promise.reject(new WorkbenchError('ABORTED', 'cancelled', 'hint'));
        },
      },
    });
    const err = await errorOf(download(fake, ctx));
    expect(err.code).toBe('ABORTED');
    expect(cancelReasons(fake).card).toEqual(['postponed']);
    expect(cancelReasons(fake).server).toHaveLength(1);
    // Clean-up calls do not inherit the aborted signal.
    const cleanupSignal = (fake.calls['card.cancelSession']?.[0]?.[2] as { signal: AbortSignal }).signal;
    expect(cleanupSignal.aborted).toBe(false);
  });

  it('a Failed answer (matching ID refused) still cancels on both sides: servers may keep the transaction', async () => {
    const fake = createFakeRsp({ faults: { 'es9.authenticateClient': () => Promise.reject(es9Failed('authenticateClient', '8.2.6', '3.8')) } });
    const err = await errorOf(download(fake, fakeContext()));
    expect(err.details).toMatchObject({ subjectCode: '8.2.6', step: 'authenticate-client' });
    expect(cancelReasons(fake).card).toEqual(['undefinedReason']);
    expect(cancelReasons(fake).server).toHaveLength(1);
  });

  it('a refused confirmation code that was typed is asked again, in the same session', async () => {
    let attempt = 0;
    const fake = createFakeRsp({
      ccRequired: true,
      faults: { 'es9.getBoundProfilePackage': () => (++attempt === 1 ? Promise.reject(es9Failed('getBoundProfilePackage', '8.2.7', '3.8')) : BPP) },
    });
    const codes = ['1111', '2222'];
    const ctx = fakeContext({ code: async () => ({ code: codes.shift() ?? '' }) });
    await download(fake, ctx);
    expect(ctx.prompts.map((p) => p.kind)).toEqual(['consent', 'confirmation-code', 'confirmation-code']);
    expect(fake.calls['card.prepareDownload']?.map((a) => (a[0] as { hashCc: Uint8Array }).hashCc)).toEqual([computeHashCc('1111', fromHex(FAKE_TX)), computeHashCc('2222', fromHex(FAKE_TX))]);
    expect(fake.log.filter((c) => c === 'es9.initiateAuthentication')).toHaveLength(1);
    expect(fake.log).not.toContain('card.cancelSession');
  });

  it('a refused confirmation code given with the request is not retried: the session is cancelled', async () => {
    const fake = createFakeRsp({ ccRequired: true, faults: { 'es9.getBoundProfilePackage': () => Promise.reject(es9Failed('getBoundProfilePackage', '8.2.7', '3.8')) } });
    const ctx = fakeContext();
    const err = await errorOf(download(fake, ctx, { activationCode: AC, confirmationCode: '0000' }));
    expect(err.details).toMatchObject({ subjectCode: '8.2.7', reasonCode: '3.8', step: 'get-bound-profile-package' });
    expect(ctx.prompts.map((p) => p.kind)).toEqual(['consent']);
    expect(cancelReasons(fake).card).toEqual(['undefinedReason']);
    expect(cancelReasons(fake).server).toHaveLength(1);
  });
});

describe('runDownload — card errors and installation results', () => {
  it('an AuthenticateServer error response is forwarded with authenticateClient, without CancelSession', async () => {
    const fake = createFakeRsp({
      faults: {
        'card.authenticateServer': () =>
          Promise.reject(new WorkbenchError('ES10_AUTHENTICATE_SERVER_FAILED', 'ciPKUnknown', 'hint', { details: { resultName: 'ciPKUnknown', responseHex: 'BF3808A106800101020107' } })),
      },
    });
    const err = await errorOf(download(fake, fakeContext()));
    expect(err.code).toBe('ES10_AUTHENTICATE_SERVER_FAILED');
    expect(fake.log).toEqual([...SESSION_START, 'es9.close']);
    expect(toHex(fake.calls['es9.authenticateClient']?.[0]?.[2] as Uint8Array).toUpperCase()).toBe('BF3808A106800101020107');
    expect(fake.log).not.toContain('card.cancelSession');
  });

  it('a PrepareDownload error response is forwarded with getBoundProfilePackage, without CancelSession', async () => {
    const fake = createFakeRsp({
      faults: { 'card.prepareDownload': () => Promise.reject(new WorkbenchError('ES10_PREPARE_DOWNLOAD_FAILED', 'invalidSignature', 'hint', { details: { responseHex: 'BF2108A106800101020102' } })) },
    });
    const err = await errorOf(download(fake, fakeContext()));
    expect(err.code).toBe('ES10_PREPARE_DOWNLOAD_FAILED');
    expect(toHex(fake.calls['es9.getBoundProfilePackage']?.[0]?.[2] as Uint8Array).toUpperCase()).toBe('BF2108A106800101020102');
    expect(fake.log).not.toContain('card.cancelSession');
    expect(fake.log).not.toContain('card.loadBoundProfilePackage');
  });

  it('a failed installation still delivers the PIR, then reports the card reason', async () => {
    const fake = createFakeRsp({ pirOk: false });
    const err = await errorOf(download(fake, fakeContext()));
    expect(err.code).toBe('DOWNLOAD_INSTALL_FAILED');
    expect(err.message).toContain('PE failed.');
    expect(err.details).toMatchObject({ errorReason: 'installFailedDueToPEProcessingError', notificationsSent: 1, resultDelivered: true });
    expect(fake.calls['es9.handleNotification']?.[0]?.[1]).toEqual(PIR_RAW);
    expect(fake.log).not.toContain('card.cancelSession');
  });

  it('the card lost during the BPP load → DOWNLOAD_INTERRUPTED; the clean-up is attempted, the card state marked unknown', async () => {
    const fake = createFakeRsp({
      faults: {
        'card.loadBoundProfilePackage': () => Promise.reject(new WorkbenchError('CARD_REMOVED', 'The card was removed.', 'hint')),
        'card.cancelSession': () => Promise.reject(new WorkbenchError('CARD_REMOVED', 'The card was removed.', 'hint')),
      },
    });
    const err = await errorOf(download(fake, fakeContext()));
    expect(err.code).toBe('DOWNLOAD_INTERRUPTED');
    expect(err.details).toMatchObject({ causeCode: 'CARD_REMOVED', cardStateUnknown: true, step: 'load-bound-profile-package' });
    expect(err.details['cancelSession']).toEqual({ reason: 'loadBppExecutionError', card: false, server: false, cardError: 'CARD_REMOVED' });
    expect(fake.log).not.toContain('es9.cancelSession');
  });

  it('refuses a server that answered another challenge, before the card sees anything', async () => {
    const fake = createFakeRsp({ serverChallenge: new Uint8Array(16) });
    const err = await errorOf(download(fake, fakeContext()));
    expect(err.code).toBe('DOWNLOAD_SERVER_CHALLENGE_MISMATCH');
    expect(fake.log).not.toContain('card.authenticateServer');
  });

  it('refuses a server that signed for another address', async () => {
    const fake = createFakeRsp({ serverAddress: 'evil.example.com' });
    expect((await errorOf(download(fake, fakeContext()))).code).toBe('DOWNLOAD_SERVER_ADDRESS_MISMATCH');
  });

  it('checks the SM-DP+ OID of the activation code against CERT.DPauth', async () => {
    const pki = generatedPki({ seed: 'rsp-unit' });
    const fake = createFakeRsp({ serverCertificate: pki.dpAuth.cert.der });
    const err = await errorOf(download(fake, fakeContext(), { activationCode: `LPA:1$${FAKE_ADDRESS}$X$1.3.6.1.4.1.99999` }));
    expect(err.code).toBe('DOWNLOAD_SMDP_OID_MISMATCH');
    expect(err.details).toMatchObject({ expected: '1.3.6.1.4.1.99999', received: pki.dpAuth.cert.rspOid });
    const ok = createFakeRsp({ serverCertificate: pki.dpAuth.cert.der });
    await download(ok, fakeContext(), { activationCode: `LPA:1$${FAKE_ADDRESS}$X$${pki.dpAuth.cert.rspOid ?? ''}` });
  });
});
