/**
 * Scripted ES10 card and ES9+ server for download-orchestrator unit tests. Both write into one call
 * log, so tests assert the exact order of steps across card and server; every call can be replaced
 * by a fault (throw, or a different answer). Values are encoded with the real codec schemas.
 */
import { WorkbenchError } from '../../shared/errors.js';
import { fromHex, toHex } from '../../shared/hex.js';
import type { ProfilePreview, PromptAnswer } from '../../shared/api.js';
import { encode } from '../../src-main/codec/schema.js';
import { ServerSigned1, SmdpSigned2, StoreMetadataRequest } from '../../src-main/codec/sgp22/index.js';
import type { NotificationMetadataValue, StoreMetadataRequestValue } from '../../src-main/codec/sgp22/index.js';
import type { DownloadCard, DownloadContext, DownloadPrompt, DownloadServer } from '../../src-main/rsp/download.js';

export const FAKE_EID = '89049032123451234512345678901235';
export const FAKE_TX = '0102030405060708090A0B0C0D0E0F10';
export const FAKE_ADDRESS = 'smdp.example.com';
export const CHALLENGE = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
export const CI_PKID = fromHex('F54172BDF98A95D65CBEB88A38A1C11D800A85C3');
/** Signed answers the card "returns"; the bytes the server must receive verbatim. */
export const AUTH_SERVER_RESPONSE = fromHex('BF3803A00100');
export const PREPARE_RESPONSE = fromHex('BF2103A00100');
export const CANCEL_RESPONSE = (reason: string): Uint8Array => new Uint8Array(Buffer.from(`BF41-${reason}`));
export const BPP = fromHex(`BF3681C8${'00'.repeat(200)}`);
export const PIR_RAW = fromHex('BF3703BF2700');

export interface FakeOptions {
  readonly ccRequired?: boolean;
  readonly metadata?: Partial<StoreMetadataRequestValue>;
  readonly rawMetadata?: Uint8Array;
  readonly rat?: Awaited<ReturnType<DownloadCard['getRat']>>;
  readonly pirOk?: boolean;
  readonly serverChallenge?: Uint8Array;
  readonly serverAddress?: string;
  readonly serverCertificate?: Uint8Array;
  /** Replaces a call: `'card.prepareDownload'`, `'es9.authenticateClient'` … */
  readonly faults?: Readonly<Record<string, (...args: unknown[]) => unknown>>;
}

export interface FakeRsp {
  readonly card: DownloadCard;
  readonly server: DownloadServer;
  readonly log: string[];
  /** Arguments of selected calls. */
  readonly calls: Record<string, unknown[][]>;
  /** Notifications still on the card. */
  readonly cardNotifications: { metadata: NotificationMetadataValue; raw: Uint8Array }[];
}

export function es9Failed(fn: string, subjectCode: string, reasonCode: string): WorkbenchError {
  return new WorkbenchError('ES9_FUNCTION_FAILED', `${fn} failed ${subjectCode}/${reasonCode}`, 'hint', { details: { function: fn, subjectCode, reasonCode } });
}

export function es9Dropped(fn: string): WorkbenchError {
  return new WorkbenchError('ES9_TRANSPORT_ERROR', `${fn}: socket hang up`, 'hint', { details: { function: fn, retryable: true } });
}

export function createFakeRsp(options: FakeOptions = {}): FakeRsp {
  const log: string[] = [];
  const calls: Record<string, unknown[][]> = {};
  const cardNotifications: FakeRsp['cardNotifications'] = [];
  let seq = 10;
  const metadata: StoreMetadataRequestValue = { iccid: '8944476500000000017', serviceProviderName: 'Test Operator', profileName: 'Test Profile', ...options.metadata };

  function step<T>(name: string, args: unknown[], normal: () => T | Promise<T>): Promise<T> {
    log.push(name);
    (calls[name] ??= []).push(args);
    const fault = options.faults?.[name];
    return Promise.resolve().then(() => (fault ? (fault(...args) as T) : normal()));
  }

  const card = {
    getEuiccChallenge: (...a: unknown[]) => step('card.getEuiccChallenge', a, () => CHALLENGE),
    getEuiccInfo1: (...a: unknown[]) =>
      step('card.getEuiccInfo1', a, () => ({ value: { svn: '2.2.0', euiccCiPKIdListForVerification: [CI_PKID], euiccCiPKIdListForSigning: [CI_PKID] }, raw: fromHex('BF2003820102'), unknownFields: [] })),
    getEuiccConfiguredAddresses: (...a: unknown[]) => step('card.getEuiccConfiguredAddresses', a, () => ({ defaultDpAddress: FAKE_ADDRESS, rootDsAddress: 'lpa.ds.example.com' })),
    authenticateServer: (...a: unknown[]) => step('card.authenticateServer', a, () => ({ value: {}, raw: AUTH_SERVER_RESPONSE, unknownFields: [] })),
    prepareDownload: (...a: unknown[]) => step('card.prepareDownload', a, () => ({ value: {}, raw: PREPARE_RESPONSE, unknownFields: [] })),
    loadBoundProfilePackage: (...a: unknown[]) =>
      step('card.loadBoundProfilePackage', a, () => {
        const opts = a[1] as { onProgress?: (p: { index: number; total: number; bytes: number; label: string }) => void };
        for (let i = 0; i < 4; i++) opts.onProgress?.({ index: i, total: 4, bytes: 50, label: `86 #${i}` });
        const ok = options.pirOk ?? true;
        const s = seq++;
        cardNotifications.push({ metadata: { seqNumber: s, profileManagementOperation: ['notificationInstall'], notificationAddress: FAKE_ADDRESS, iccid: metadata.iccid }, raw: PIR_RAW });
        return ok
          ? { ok, raw: PIR_RAW, value: {}, seqNumber: s, iccid: metadata.iccid, isdpAid: 'A0000005591010FFFFFFFF8900001000', segmentsSent: 4, segmentsTotal: 4 }
          : {
              ok,
              raw: PIR_RAW,
              value: {},
              seqNumber: s,
              iccid: metadata.iccid,
              failure: { bppCommand: 'loadProfileElements', reason: 'installFailedDueToPEProcessingError', reasonCode: 12, message: 'PE failed.', hint: 'Contact the operator.' },
              segmentsSent: 4,
              segmentsTotal: 4,
            };
      }),
    cancelSession: (...a: unknown[]) => step('card.cancelSession', a, () => ({ value: {}, raw: CANCEL_RESPONSE(String(a[1])), unknownFields: [] })),
    getRat: (...a: unknown[]) => step('card.getRat', a, () => options.rat ?? []),
    enableProfile: (...a: unknown[]) => step('card.enableProfile', a, () => ({ ok: true, result: 'ok', code: 0, message: 'Done.', hint: '' })),
    getEid: (...a: unknown[]) => step('card.getEid', a, () => FAKE_EID),
    listNotification: (...a: unknown[]) => step('card.listNotification', a, () => cardNotifications.map((n) => n.metadata)),
    retrieveNotificationsList: (...a: unknown[]) =>
      step('card.retrieveNotificationsList', a, () => {
        const wanted = (a[0] as { seqNumber: number }).seqNumber;
        return cardNotifications.filter((n) => n.metadata.seqNumber === wanted).map((n) => ({ metadata: n.metadata, notification: {}, raw: n.raw }));
      }),
    removeNotificationFromList: (...a: unknown[]) =>
      step('card.removeNotificationFromList', a, () => {
        const i = cardNotifications.findIndex((n) => n.metadata.seqNumber === a[0]);
        if (i >= 0) cardNotifications.splice(i, 1);
        return { ok: i >= 0, result: i >= 0 ? 'ok' : 'nothingToDelete', code: i >= 0 ? 0 : 1, message: '', hint: '' };
      }),
  } as unknown as DownloadCard;

  const stats = { requests: 0 };
  const server = {
    initiateAuthentication: (...a: unknown[]) =>
      step('es9.initiateAuthentication', a, () => ({
        transactionId: FAKE_TX,
        serverSigned1: encode(ServerSigned1, {
          transactionId: fromHex(FAKE_TX),
          euiccChallenge: options.serverChallenge ?? CHALLENGE,
          serverAddress: options.serverAddress ?? FAKE_ADDRESS,
          serverChallenge: new Uint8Array(16),
        }),
        serverSignature1: fromHex(`5F3740${'11'.repeat(64)}`),
        euiccCiPKIdToBeUsed: fromHex(`0414${toHex(CI_PKID)}`),
        serverCertificate: options.serverCertificate ?? fromHex('3000'),
      })),
    authenticateClient: (...a: unknown[]) =>
      step('es9.authenticateClient', a, () => ({
        transactionId: FAKE_TX,
        profileMetadata: options.rawMetadata ?? encode(StoreMetadataRequest, metadata),
        smdpSigned2: encode(SmdpSigned2, { transactionId: fromHex(FAKE_TX), ccRequiredFlag: options.ccRequired ?? false }),
        smdpSignature2: fromHex(`5F3740${'22'.repeat(64)}`),
        smdpCertificate: fromHex('3000'),
      })),
    getBoundProfilePackage: (...a: unknown[]) => step('es9.getBoundProfilePackage', a, () => BPP),
    handleNotification: (...a: unknown[]) => step('es9.handleNotification', a, () => undefined),
    cancelSession: (...a: unknown[]) => step('es9.cancelSession', a, () => undefined),
    close: () => log.push('es9.close'),
    get requests() {
      return stats.requests;
    },
    tls: { connections: 1, handshakes: 1, resumed: 0 },
  } as unknown as DownloadServer;

  return { card, server, log, calls, cardNotifications };
}

export interface FakeContext extends DownloadContext {
  readonly controller: AbortController;
  readonly progressLog: { step: string; message: string; percent?: number }[];
  readonly notices: string[];
  readonly prompts: { kind: string; preview?: ProfilePreview }[];
}

/** An operation context whose prompts are answered by `answers` (a function may throw or hang). */
export function fakeContext(answers: { consent?: () => Promise<{ accept: boolean }>; code?: () => Promise<{ code: string }> } = {}): FakeContext {
  const controller = new AbortController();
  const progressLog: FakeContext['progressLog'] = [];
  const notices: string[] = [];
  const prompts: FakeContext['prompts'] = [];
  const prompt = async (request: DownloadPrompt): Promise<PromptAnswer> => {
    prompts.push(request.kind === 'consent' ? { kind: 'consent', preview: request.preview } : { kind: request.kind });
    if (request.kind === 'consent') return { promptId: 'p-consent', kind: 'consent', ...(await (answers.consent ?? (async () => ({ accept: true })))()) };
    return { promptId: 'p-code', kind: 'confirmation-code', ...(await (answers.code ?? (async () => ({ code: '1234' })))()) };
  };
  return {
    controller,
    signal: controller.signal,
    progressLog,
    notices,
    prompts,
    progress: (step, message, percent) => progressLog.push({ step, message, ...(percent === undefined ? {} : { percent }) }),
    notice: (_level, message) => notices.push(message),
    prompt: prompt as DownloadContext['prompt'],
  };
}
