/**
 * The profile download (SGP22-DIGEST §3.2) as an operation: ES10b on the card, ES9+ to the SM-DP+,
 * consent and confirmation code through prompts, progress by named step.
 *
 * Session rules:
 * - From a successful AuthenticateServer until the ProfileInstallationResult, the card and the server
 *   share a session. Any failure or cancel in that window ends it with ES10b.CancelSession (reason
 *   from CANCEL_REASONS) and, when the server still has it, ES9+ cancelSession with the card's signed
 *   answer. Clean-up calls get their own short signal: the operation's may already be aborted.
 * - Card errors of AuthenticateServer / PrepareDownload are forwarded to the SM-DP+ in the next ES9+
 *   call, as SGP.22 does, and then reported.
 * - A failed installation still yields a signed ProfileInstallationResult: it is delivered like every
 *   pending notification (notification-queue.ts) before the failure is reported.
 */
import type { DownloadRequest, DownloadStep, ProfilePreview, PromptAnswer } from '../../shared/api.js';
import { WorkbenchError, isWorkbenchError, throwIfAborted } from '../../shared/errors.js';
import { fromHex, toHex } from '../../shared/hex.js';
import { decode } from '../codec/schema.js';
import { SmdpSigned2 } from '../codec/sgp22/index.js';
import { computeHashCc } from '../crypto/hash-cc.js';
import type { CancelSessionReasonName, Es10Client } from '../euicc/es10-client.js';
import { parseActivationCode } from './activation-code.js';
import { ctxParams1Of } from './device-info.js';
import type { DeviceIdentity } from './device-info.js';
import { Es9Client } from './es9-client.js';
import type { Es9Settings } from './es9-client.js';
import { authenticateServerOnCard, checkServerAnswer, readCardForAuth } from './mutual-auth.js';
import type { NotificationCard, NotificationQueue } from './notification-queue.js';
import { decodeProfileMetadata, pprConsentRequired, pprsNotAllowed, previewOf } from './profile-metadata.js';

/** The ES10 functions a download needs (an Es10Client, or a scripted fake). */
export type DownloadCard = Pick<
  Es10Client,
  'getEuiccChallenge' | 'getEuiccInfo1' | 'getEuiccConfiguredAddresses' | 'authenticateServer' | 'prepareDownload' | 'loadBoundProfilePackage' | 'cancelSession' | 'getRat' | 'enableProfile'
> &
  NotificationCard;

/** The ES9+ functions a download needs. */
export type DownloadServer = Pick<Es9Client, 'initiateAuthentication' | 'authenticateClient' | 'getBoundProfilePackage' | 'cancelSession' | 'handleNotification' | 'close' | 'requests' | 'tls'>;

export interface DownloadDeps {
  readonly card: DownloadCard;
  /** Client settings, or a factory (tests, shared clients) given the eUICC's CI PKIDs. */
  readonly es9: Es9Settings | ((ciPkIds: readonly Uint8Array[]) => DownloadServer);
  readonly notifications: NotificationQueue;
  /** DeviceInfo defaults (TAC, capabilities); the request's IMEI wins. */
  readonly device?: DeviceIdentity;
  /** How long the consent prompt waits (default 5 minutes). */
  readonly consentTimeoutMs?: number;
}

/** The questions a download asks (the services' PromptRequest has the same shape). */
export type DownloadPrompt = { kind: 'confirmation-code'; attemptsLeft?: number } | { kind: 'consent'; preview: ProfilePreview; timeoutMs: number };

/** What the download needs from the running operation (services' OperationContext fits). */
export interface DownloadContext {
  readonly signal: AbortSignal;
  progress(step: DownloadStep, message: string, percent?: number): void;
  notice(level: 'info' | 'warning', message: string): void;
  prompt<R extends DownloadPrompt>(request: R): Promise<Extract<PromptAnswer, { kind: R['kind'] }>>;
}

export interface DownloadResult {
  readonly iccid: string;
  /** ISD-P AID, upper-case hex. */
  readonly isdpAid?: string;
  readonly smdpAddress: string;
  readonly transactionId: string;
  readonly preview: ProfilePreview;
  readonly notificationsSent: number;
  /** Notifications left queued (delivered on a later run). */
  readonly notificationsFailed: number;
  /** Set when `enableAfterInstall` was asked. */
  readonly enabled?: boolean;
  /** HTTPS requests and TLS handshakes (of which resumed) of this session (benchmarks). */
  readonly http: { readonly requests: number; readonly handshakes: number; readonly resumedHandshakes: number };
}

const DEFAULT_CONSENT_TIMEOUT_MS = 5 * 60_000;
const CLEANUP_TIMEOUT_MS = 20_000;

/**
 * Why a session is cancelled when the error does not say (`details.cancelReason`: endUserRejection,
 * pprNotAllowed, metadataMismatch): first match wins.
 */
const CANCEL_REASONS: readonly { readonly when: (err: WorkbenchError, s: SessionState) => boolean; readonly reason: CancelSessionReasonName }[] = [
  { when: (err) => err.code === 'PROMPT_TIMEOUT', reason: 'timeout' },
  { when: (_err, s) => s.loadStarted, reason: 'loadBppExecutionError' },
  { when: (err) => err.code === 'ABORTED', reason: 'postponed' },
  { when: () => true, reason: 'undefinedReason' },
];

interface SessionState {
  step: DownloadStep;
  address: string;
  transactionId?: string;
  /** The card holds a session that must be cancelled on failure. */
  cardSession: boolean;
  /**
   * The server may still hold the transaction. A Failed answer does not clear it: servers differ in
   * whether they keep the session (the test SM-DP+ keeps it after a wrong confirmation code), and a
   * cancelSession for a closed one only costs an 8.10.1 answer.
   */
  serverSession: boolean;
  loadStarted: boolean;
  segmentsSent: number;
}

function cancelReasonFor(err: WorkbenchError, s: SessionState): CancelSessionReasonName {
  const explicit = err.details['cancelReason'];
  if (typeof explicit === 'string') return explicit as CancelSessionReasonName;
  return CANCEL_REASONS.find((r) => r.when(err, s))?.reason ?? 'undefinedReason';
}

function asWorkbenchError(err: unknown): WorkbenchError {
  if (isWorkbenchError(err)) return err;
  return new WorkbenchError('DOWNLOAD_FAILED', `The download failed: ${err instanceof Error ? err.message : String(err)}`, 'Retry; if it persists, report it with the APDU and HTTP logs.', { cause: err });
}

/** The same error with the download's context added to its details. */
function withContext(err: WorkbenchError, extra: Record<string, unknown>): WorkbenchError {
  return new WorkbenchError(err.code, err.message, err.hint, { cause: err.cause ?? err, details: { ...err.details, ...extra } });
}

interface Target {
  address: string;
  matchingId?: string;
  smdpOid?: string;
}

async function resolveTarget(card: DownloadCard, request: DownloadRequest, signal: AbortSignal): Promise<Target> {
  if (request.activationCode !== undefined) {
    const ac = parseActivationCode(request.activationCode);
    return { address: ac.smdpAddress, ...(ac.matchingId !== undefined ? { matchingId: ac.matchingId } : {}), ...(ac.smdpOid !== undefined ? { smdpOid: ac.smdpOid } : {}) };
  }
  if (request.smdpAddress !== undefined) return { address: request.smdpAddress.trim().toLowerCase(), matchingId: request.matchingId ?? '' };
  const { defaultDpAddress } = await card.getEuiccConfiguredAddresses({ signal });
  if (!defaultDpAddress) {
    throw new WorkbenchError('DOWNLOAD_NO_ADDRESS', 'No activation code was given and the eUICC has no default SM-DP+ address.', 'Scan the operator’s QR code, or set a default SM-DP+ address first (`ewb config set-default-dp`).');
  }
  // Default SM-DP+ flow: the matching ID is empty (digest §3.1).
  return { address: defaultDpAddress.toLowerCase(), matchingId: request.matchingId ?? '' };
}

function openServer(deps: DownloadDeps, ciPkIds: readonly Uint8Array[], ctx: DownloadContext): DownloadServer {
  const settings = deps.es9;
  if (typeof settings === 'function') return settings(ciPkIds);
  // Warnings (insecure mode above all) go to the log and to the user.
  const onWarning = (message: string): void => {
    if (settings.onWarning) settings.onWarning(message);
    else console.warn(`[ewb rsp] WARNING: ${message}`);
    ctx.notice('warning', message);
  };
  return new Es9Client({ ...settings, ciPkIds, onWarning });
}

/** Runs a profile download; resolves with the installed profile or throws a WorkbenchError. */
export async function runDownload(deps: DownloadDeps, request: DownloadRequest, ctx: DownloadContext): Promise<DownloadResult> {
  const { card } = deps;
  const { signal } = ctx;
  const target = await resolveTarget(card, request, signal);
  const s: SessionState = { step: 'authenticate-server', address: target.address, cardSession: false, serverSession: false, loadStarted: false, segmentsSent: 0 };
  const step = (name: DownloadStep, message: string, percent?: number): void => {
    s.step = name;
    ctx.progress(name, message, percent);
  };

  step('authenticate-server', `Authenticating ${target.address} with the eUICC`);
  const { euiccChallenge, euiccInfo1 } = await readCardForAuth(card, signal);
  const server = openServer(deps, euiccInfo1.value.euiccCiPKIdListForVerification, ctx);
  try {
    return await runSession(deps, request, ctx, server, target, s, step, euiccChallenge, euiccInfo1.raw);
  } catch (err) {
    const error = asWorkbenchError(err);
    const cancel = s.cardSession ? await cancelSession(card, server, s, error) : undefined;
    throw withContext(error, { step: s.step, smdpAddress: s.address, ...(s.transactionId ? { transactionId: s.transactionId } : {}), ...(cancel ? { cancelSession: cancel } : {}) });
  } finally {
    server.close();
  }
}

async function runSession(
  deps: DownloadDeps,
  request: DownloadRequest,
  ctx: DownloadContext,
  server: DownloadServer,
  target: Target,
  s: SessionState,
  step: (name: DownloadStep, message: string, percent?: number) => void,
  euiccChallenge: Uint8Array,
  euiccInfo1: Uint8Array,
): Promise<DownloadResult> {
  const { card } = deps;
  const { signal } = ctx;
  const address = target.address;

  const answer = await server.initiateAuthentication(address, euiccChallenge, euiccInfo1, { signal });
  checkServerAnswer(answer, address, euiccChallenge, target.smdpOid);
  const transactionId = answer.transactionId;
  s.transactionId = transactionId;
  s.serverSession = true;

  const ctxParams1 = ctxParams1Of(target.matchingId, { ...deps.device, ...(request.imei !== undefined ? { imei: request.imei } : {}) });
  let authenticateServerResponse: Uint8Array;
  try {
    authenticateServerResponse = await authenticateServerOnCard(card, answer, ctxParams1, signal);
  } catch (err) {
    await forwardCardError(err, 'ES10_AUTHENTICATE_SERVER_FAILED', s, (bytes) => server.authenticateClient(address, transactionId, bytes, { signal: AbortSignal.timeout(CLEANUP_TIMEOUT_MS) }));
    throw err;
  }
  s.cardSession = true;

  step('authenticate-client', 'Authenticating the eUICC with the SM-DP+');
  const client = await server.authenticateClient(address, transactionId, authenticateServerResponse, { signal });
  const metadata = decodeProfileMetadata(client.profileMetadata);
  const preview = previewOf(metadata, address);
  const signed2 = decodeSmdpSigned2(client.smdpSigned2, transactionId);

  step('consent', `Profile ${preview.profileName ?? ''} from ${preview.serviceProviderName ?? address}`.trim());
  const rat = (metadata.profilePolicyRules ?? []).length > 0 ? await card.getRat({ signal }) : [];
  const refused = pprsNotAllowed(metadata, rat);
  if (refused.length > 0) {
    throw new WorkbenchError('DOWNLOAD_PPR_NOT_ALLOWED', `The profile sets policy rules this eUICC does not allow for its operator (${refused.join(', ')}).`, 'The card’s Rules Authorisation Table forbids this profile; contact the operator.', {
      details: { cancelReason: 'pprNotAllowed', policyRules: refused },
    });
  }
  if (!request.autoConsent || pprConsentRequired(metadata, rat)) await askConsent(ctx, preview, deps.consentTimeoutMs ?? DEFAULT_CONSENT_TIMEOUT_MS);

  // A wrong code the user typed may be retyped: the SM-DP+ keeps the transaction and counts attempts.
  let code = request.confirmationCode;
  let bpp: Uint8Array;
  for (;;) {
    let hashCc: Uint8Array | undefined;
    let prompted = false;
    if (signed2.ccRequiredFlag) {
      if (code === undefined) {
        code = (await ctx.prompt({ kind: 'confirmation-code' })).code;
        prompted = true;
      }
      hashCc = computeHashCc(code, fromHex(transactionId));
    }

    step('prepare-download', 'Preparing the eUICC for the profile');
    let prepareDownloadResponse: Uint8Array;
    try {
      prepareDownloadResponse = (
        await card.prepareDownload(
          { smdpSigned2: client.smdpSigned2, smdpSignature2: client.smdpSignature2, smdpCertificate: client.smdpCertificate, ...(hashCc !== undefined ? { hashCc } : {}) },
          { signal },
        )
      ).raw;
    } catch (err) {
      await forwardCardError(err, 'ES10_PREPARE_DOWNLOAD_FAILED', s, (bytes) => server.getBoundProfilePackage(address, transactionId, bytes, { signal: AbortSignal.timeout(CLEANUP_TIMEOUT_MS) }));
      throw err;
    }

    step('get-bound-profile-package', 'Fetching the bound profile package');
    try {
      bpp = await server.getBoundProfilePackage(address, transactionId, prepareDownloadResponse, { signal });
      break;
    } catch (err) {
      if (!prompted || !isWrongConfirmationCode(err)) throw err;
      // SGP.22 carries no attempt count; the server's own message often states it, so pass it on.
      const serverMessage = err.details['serverMessage'];
      ctx.notice('warning', `The confirmation code was refused${typeof serverMessage === 'string' ? ` (${serverMessage})` : ''}; please enter it again.`);
      code = undefined;
    }
  }

  step('load-bound-profile-package', `Installing the profile (${bpp.length} bytes)`, 0);
  throwIfAborted(signal, 'The download');
  let sentBytes = 0;
  s.loadStarted = true;
  let pir;
  try {
    pir = await card.loadBoundProfilePackage(bpp, {
      signal,
      onProgress: (p) => {
        s.segmentsSent = p.index + 1;
        sentBytes += p.bytes;
        ctx.progress('load-bound-profile-package', `Installing: ${p.label}`, Math.min(100, Math.round((sentBytes / bpp.length) * 100)));
      },
    });
  } catch (err) {
    throw cardLostDuringLoad(err, s);
  }
  // The PIR ends the session on both sides, success or not.
  s.cardSession = false;
  s.serverSession = false;

  let enabled: boolean | undefined;
  if (pir.ok && request.enableAfterInstall && pir.iccid !== undefined) {
    const result = await card.enableProfile({ iccid: pir.iccid }, { signal });
    enabled = result.ok;
    if (!result.ok) ctx.notice('warning', `The profile was installed but not enabled: ${result.message}`);
  }

  step('send-notifications', 'Sending notifications to the SM-DP+');
  const delivery = await deliverNotifications(deps, card, server, ctx);

  if (!pir.ok) {
    const failure = pir.failure;
    throw new WorkbenchError('DOWNLOAD_INSTALL_FAILED', `The eUICC did not install the profile: ${failure?.message ?? 'unknown reason'}`, failure?.hint || 'Retry the download; if it persists contact the operator.', {
      details: {
        bppCommand: failure?.bppCommand,
        errorReason: failure?.reason,
        errorReasonCode: failure?.reasonCode,
        resultDelivered: delivery.sent > 0,
        notificationsSent: delivery.sent,
        notificationsFailed: delivery.failed,
      },
    });
  }
  step('done', `Installed profile ${pir.iccid ?? ''}`.trim(), 100);
  return {
    iccid: pir.iccid ?? metadata.iccid,
    ...(pir.isdpAid !== undefined ? { isdpAid: pir.isdpAid } : {}),
    smdpAddress: address,
    transactionId,
    preview,
    notificationsSent: delivery.sent,
    notificationsFailed: delivery.failed,
    ...(enabled !== undefined ? { enabled } : {}),
    http: { requests: server.requests, handshakes: server.tls.handshakes, resumedHandshakes: server.tls.resumed },
  };
}

function decodeSmdpSigned2(bytes: Uint8Array, transactionId: string): { ccRequiredFlag: boolean } {
  let signed;
  try {
    signed = decode(SmdpSigned2, bytes);
  } catch (err) {
    throw new WorkbenchError('DOWNLOAD_SERVER_ANSWER_INVALID', `The SM-DP+ sent a malformed smdpSigned2 (${err instanceof Error ? err.message : String(err)}).`, 'Report it to the operator.', { cause: err });
  }
  if (toHex(signed.transactionId).toUpperCase() !== transactionId.toUpperCase()) {
    throw new WorkbenchError('DOWNLOAD_SERVER_ANSWER_INVALID', 'smdpSigned2 belongs to another transaction.', 'Restart the download; if it persists report it to the operator.', {
      details: { expected: transactionId, received: toHex(signed.transactionId).toUpperCase() },
    });
  }
  return { ccRequiredFlag: signed.ccRequiredFlag };
}

function isWrongConfirmationCode(err: unknown): err is WorkbenchError {
  return isWorkbenchError(err, 'ES9_FUNCTION_FAILED') && err.details['subjectCode'] === '8.2.7' && err.details['reasonCode'] === '3.8';
}

async function askConsent(ctx: DownloadContext, preview: ProfilePreview, timeoutMs: number): Promise<void> {
  const answer = await ctx.prompt({ kind: 'consent', preview, timeoutMs });
  if (!answer.accept) {
    throw new WorkbenchError('ABORTED', 'You declined the profile; nothing was installed.', 'Start the download again if you change your mind (the activation code may still be valid).', {
      details: { cancelReason: 'endUserRejection' },
    });
  }
}

/**
 * Card errors of AuthenticateServer / PrepareDownload: the card's error response goes to the SM-DP+
 * (which then closes the transaction); the card closed its session itself.
 */
async function forwardCardError(err: unknown, code: string, s: SessionState, forward: (response: Uint8Array) => Promise<unknown>): Promise<void> {
  if (!isWorkbenchError(err, code) || typeof err.details['responseHex'] !== 'string') return;
  s.cardSession = false;
  s.serverSession = false;
  await forward(fromHex(err.details['responseHex'])).catch(() => undefined); // the server answers Failed; the card error is what the user needs
}

function cardLostDuringLoad(err: unknown, s: SessionState): WorkbenchError {
  const error = asWorkbenchError(err);
  if (error.code === 'ABORTED' || error.code === 'ES10_BPP_INVALID') return error;
  return new WorkbenchError(
    'DOWNLOAD_INTERRUPTED',
    `The card stopped answering while the profile was being installed (${error.message}).`,
    'Reconnect the card and refresh: its state (profiles, pending notifications) is read again, not assumed. The eUICC discards a partly installed profile and keeps a result notification, which is delivered to the SM-DP+ on the next notification run.',
    { cause: error, details: { causeCode: error.code, segmentsSent: s.segmentsSent, cardStateUnknown: true } },
  );
}

/** ES10b.CancelSession on the card, then ES9+ cancelSession with its signed answer; never throws. */
async function cancelSession(card: DownloadCard, server: DownloadServer, s: SessionState, error: WorkbenchError): Promise<Record<string, unknown>> {
  const reason = cancelReasonFor(error, s);
  const outcome: Record<string, unknown> = { reason, card: false, server: false };
  const transactionId = s.transactionId;
  if (transactionId === undefined) return outcome;
  let signed: Uint8Array;
  try {
    signed = (await card.cancelSession(fromHex(transactionId), reason, { signal: AbortSignal.timeout(CLEANUP_TIMEOUT_MS) })).raw;
    outcome['card'] = true;
  } catch (err) {
    outcome['cardError'] = asWorkbenchError(err).code;
    return outcome;
  }
  if (!s.serverSession) return outcome;
  try {
    await server.cancelSession(s.address, transactionId, signed, { signal: AbortSignal.timeout(CLEANUP_TIMEOUT_MS) });
    outcome['server'] = true;
  } catch (err) {
    outcome['serverError'] = asWorkbenchError(err).code;
  }
  return outcome;
}

/** Sends every pending notification (the PIR first among them); failures stay queued. */
async function deliverNotifications(deps: DownloadDeps, card: DownloadCard, server: DownloadServer, ctx: DownloadContext): Promise<{ sent: number; failed: number }> {
  try {
    const result = await deps.notifications.process(card, server, { signal: ctx.signal });
    if (result.failed > 0) ctx.notice('warning', `${result.failed} notification(s) could not be delivered; they are saved and sent again on the next start.`);
    return result;
  } catch (err) {
    // The profile is installed (or the failure is known); undelivered notifications stay saved.
    ctx.notice('warning', `Notifications were not delivered (${asWorkbenchError(err).message}); they are sent again on the next start.`);
    return { sent: 0, failed: 1 };
  }
}
