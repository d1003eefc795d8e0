/**
 * The ES9+ functions of the test SM-DP+ without HTTP (SGP22-DIGEST §3.2–3.7, §4, §6): each takes the
 * parsed JSON request body and returns the JSON response body (HTTP 200), or `null` for HTTP 204.
 * Failures are answered as data: `{ header: { functionExecutionStatus: { status: 'Failed', … } } }`.
 */
import { bytesEqual, concatBytes } from '../../../shared/hex.js';
import { decode, encode } from '../../codec/schema.js';
import { CancelSessionResponse, parseExtCardResource, PendingNotification, PrepareDownloadResponse, SmdpSigned2, StoreMetadataRequest } from '../../codec/sgp22/index.js';
import type { OtherSignedNotification, ProfileInstallationResultValue, StoreMetadataRequestValue } from '../../codec/sgp22/index.js';
import type { Infer } from '../../codec/schema.js';
import { computeHashCc, parseCertificate, selectDpIdentities, signToTlv, verifyEuiccChain, verifyTlv, wrapSignature } from '../../crypto/index.js';
import type { PkiIdentity, RspCertificate, RspPki } from '../../crypto/index.js';
import { buildBoundProfilePackage } from './bpp.js';
import type {
  AuthenticateClientResponse,
  GetBoundProfilePackageResponse,
  HeaderOnlyResponse,
  InitiateAuthenticationResponse,
} from './json.js';
import { base64Field, toBase64, transactionIdField, transactionIdToJson } from './json.js';
import { startAuthentication, verifyAuthenticateServerResponse } from './mutual-auth.js';
import type { AuthenticatedEuicc, AuthSession, ServerAddressRule } from './mutual-auth.js';
import type { NotificationEventName, OrderRecord, OrderState, OrderStore } from './orders.js';
import { Es9Failure, es9Failure, failedHeader, SUCCESS_HEADER } from './status.js';

export interface ReceivedNotification {
  kind: 'profileInstallationResult' | 'otherSignedNotification';
  seqNumber: number;
  /** install / enable / disable / delete (or the raw bit names when unusual). */
  event: string;
  notificationAddress: string;
  iccid?: string;
  /** PIR only. */
  result?: 'success' | 'error';
  bppCommandId?: string | number;
  errorReason?: string | number;
  transactionId?: string;
  eid?: string;
  /** Signature (and for `30` notifications the certificate chain) verified. */
  verified: boolean;
  problem?: string;
  receivedAt: string;
  raw: Uint8Array;
}

export interface ReceivedCancellation {
  transactionId: string;
  reason: string | number;
  matchingId?: string;
  verified: boolean;
  problem?: string;
  receivedAt: string;
}

interface SmdpSession extends AuthSession {
  stage: 'initiated' | 'authenticated' | 'bound';
  pb: PkiIdentity;
  euicc?: AuthenticatedEuicc;
  order?: OrderRecord;
  smdpSignature2?: Uint8Array;
}

export interface SmdpBindingOptions {
  pki: RspPki;
  orders: OrderStore;
  /** FQDN (TLS certificate name) and port of this SM-DP+, for the smdpAddress check. */
  host: string;
  port: number;
  /** Send ReplaceSessionKeys (A2) in every BPP; default true. */
  replaceSessionKeys?: boolean;
}

export type Es9Body = Record<string, unknown>;

/** What happens to an order when its session is cancelled, per CancelSessionReason. */
export const CANCEL_REASON_ORDER_STATE: Readonly<Record<string, OrderState>> = {
  endUserRejection: 'released',
  postponed: 'released',
  timeout: 'released',
  undefinedReason: 'released',
  pprNotAllowed: 'failed',
  metadataMismatch: 'failed',
  loadBppExecutionError: 'failed',
};

const EVENT_BITS: Readonly<Record<NotificationEventName, 'notificationInstall' | 'notificationEnable' | 'notificationDisable' | 'notificationDelete'>> = {
  install: 'notificationInstall',
  enable: 'notificationEnable',
  disable: 'notificationDisable',
  delete: 'notificationDelete',
};
const EVENT_NAMES = new Map<string, string>(Object.entries(EVENT_BITS).map(([name, bit]) => [bit, name]));
const eventName = (bits: readonly (string | number)[]): string => bits.map((b) => EVENT_NAMES.get(String(b)) ?? String(b)).join(',');

/** Runs one function; an Es9Failure becomes the failed header. */
function answer<T extends object>(run: () => T): T | HeaderOnlyResponse {
  try {
    return run();
  } catch (err) {
    if (err instanceof Es9Failure) return { header: failedHeader(err.status) };
    throw err;
  }
}

export class SmdpBinding {
  private readonly sessions = new Map<string, SmdpSession>();
  readonly receivedNotifications: ReceivedNotification[] = [];
  readonly receivedCancellations: ReceivedCancellation[] = [];
  private readonly rule: ServerAddressRule;
  private readonly trustedCis: RspCertificate[];

  constructor(private readonly options: SmdpBindingOptions) {
    this.rule = { host: options.host, port: options.port, wrongAddress: 'smdpAddressInvalid' };
    this.trustedCis = options.pki.ci.map((c) => c.cert);
  }

  /** Open sessions by transactionId (for diagnostics and tests). */
  get openSessions(): string[] {
    return [...this.sessions.keys()];
  }

  initiateAuthentication(body: Es9Body): InitiateAuthenticationResponse {
    return answer(() => {
      let pb: PkiIdentity | undefined;
      const { session, response } = startAuthentication(body, this.rule, this.options.pki, (ids) => {
        const chosen = selectDpIdentities(this.options.pki, ids);
        pb = chosen?.pb;
        return chosen;
      });
      this.sessions.set(session.tid, { ...session, stage: 'initiated', pb: pb as PkiIdentity });
      return response;
    });
  }

  authenticateClient(body: Es9Body): AuthenticateClientResponse {
    return answer(() => {
      const session = this.session(body, 'initiated');
      let euicc: AuthenticatedEuicc;
      try {
        euicc = verifyAuthenticateServerResponse(session, base64Field(body, 'authenticateServerResponse'), this.trustedCis);
      } catch (err) {
        this.end(session);
        throw err;
      }
      const order = this.orderFor(euicc);
      const free = parseExtCardResource(euicc.euiccSigned1.euiccInfo2.extCardResource).freeNonVolatileMemory;
      if (free !== undefined && free < order.profilePackage.length) throw es9Failure('insufficientMemory', `${free} bytes free, the profile needs ${order.profilePackage.length}`);

      const smdpSigned2 = encode(SmdpSigned2, { transactionId: session.transactionId, ccRequiredFlag: order.confirmationCodeRequired });
      const smdpSignature2 = signToTlv(session.pb.key, concatBytes(smdpSigned2, euicc.euiccSignature1));
      Object.assign(session, { stage: 'authenticated', euicc, order, smdpSignature2 });
      this.options.orders.setState(order, 'inProgress', `transaction ${session.tid}`);
      return {
        header: SUCCESS_HEADER,
        transactionId: session.tid,
        profileMetadata: toBase64(encode(StoreMetadataRequest, this.metadata(order, session))),
        smdpSigned2: toBase64(smdpSigned2),
        smdpSignature2: toBase64(smdpSignature2),
        smdpCertificate: toBase64(session.pb.cert.der),
      };
    });
  }

  getBoundProfilePackage(body: Es9Body): GetBoundProfilePackageResponse {
    return answer(() => {
      const session = this.session(body, 'authenticated');
      const { euicc, order, smdpSignature2 } = session as Required<SmdpSession>;
      let response;
      try {
        response = decode(PrepareDownloadResponse, base64Field(body, 'prepareDownloadResponse'));
      } catch (err) {
        throw err instanceof Es9Failure ? err : es9Failure('invalidRequest', 'prepareDownloadResponse is not a valid BF21', err);
      }
      if (response.kind === 'downloadResponseError') {
        this.end(session, 'released', 'PrepareDownload failed on the eUICC');
        throw es9Failure('euiccReportedError', `downloadErrorCode ${String(response.value.downloadErrorCode)}`);
      }
      const { euiccSigned2, euiccSignature2 } = response.value;
      const signatureOk = euiccSignature2.length === 64 && verifyTlv(euicc.euiccCertificate.publicKey, concatBytes(euiccSigned2.raw, smdpSignature2), wrapSignature(euiccSignature2));
      if (!signatureOk) throw es9Failure('euiccSignatureInvalid', 'euiccSignature2 does not verify');
      if (!bytesEqual(euiccSigned2.value.transactionId, session.transactionId)) throw es9Failure('unknownTransactionId', 'euiccSigned2 carries another transactionId');
      this.checkConfirmationCode(session, order, euiccSigned2.value.hashCc);

      let bound;
      try {
        bound = buildBoundProfilePackage({
          transactionId: session.transactionId,
          pb: session.pb,
          euiccOtpk: euiccSigned2.value.euiccOtpk,
          eid: euicc.eid,
          storeMetadata: encode(StoreMetadataRequest, this.metadata(order, session)),
          profilePackage: order.profilePackage,
          replaceSessionKeys: this.options.replaceSessionKeys ?? true,
        });
      } catch (err) {
        throw es9Failure('invalidRequest', 'euiccOtpk is not a valid public key on the CERT.DPpb curve', err);
      }
      session.stage = 'bound';
      this.options.orders.setState(order, 'downloaded', `transaction ${session.tid}`);
      return { header: SUCCESS_HEADER, transactionId: session.tid, boundProfilePackage: toBase64(bound.bpp) };
    });
  }

  /** Records the notification; `null` = HTTP 204. Undecodable input gets a failed header. */
  handleNotification(body: Es9Body): HeaderOnlyResponse | null {
    const result = answer(() => {
      let notification;
      try {
        notification = decode(PendingNotification, base64Field(body, 'pendingNotification'));
      } catch (err) {
        throw err instanceof Es9Failure ? err : es9Failure('invalidRequest', 'pendingNotification is neither BF37 nor an OtherSignedNotification', err);
      }
      const raw = base64Field(body, 'pendingNotification');
      this.receivedNotifications.push(notification.kind === 'profileInstallationResult' ? this.installResult(notification.value, raw) : this.otherNotification(notification.value, raw));
      return { ok: true };
    });
    return 'header' in result ? result : null;
  }

  cancelSession(body: Es9Body): HeaderOnlyResponse {
    return answer(() => {
      const session = this.session(body);
      let response;
      try {
        response = decode(CancelSessionResponse, base64Field(body, 'cancelSessionResponse'));
      } catch (err) {
        throw err instanceof Es9Failure ? err : es9Failure('invalidRequest', 'cancelSessionResponse is not a valid BF41', err);
      }
      if (response.kind === 'cancelSessionResponseError') {
        this.end(session, 'released', 'CancelSession failed on the eUICC');
        throw es9Failure('euiccReportedError', `cancelSession error ${String(response.value)}`);
      }
      const { euiccCancelSessionSigned: signed, euiccCancelSessionSignature } = response.value;
      const cert = session.euicc?.euiccCertificate;
      if (cert && !(euiccCancelSessionSignature.length === 64 && verifyTlv(cert.publicKey, signed.raw, wrapSignature(euiccCancelSessionSignature)))) {
        throw es9Failure('euiccSignatureInvalid', 'euiccCancelSessionSignature does not verify');
      }
      if (signed.value.smdpOid !== session.auth.cert.rspOid) throw es9Failure('smdpOidInvalid', `${signed.value.smdpOid} is not ${session.auth.cert.rspOid ?? '(none)'}`);
      if (!bytesEqual(signed.value.transactionId, session.transactionId)) throw es9Failure('unknownTransactionId', 'the signed transactionId differs');
      const reason = signed.value.reason;
      this.receivedCancellations.push({
        transactionId: session.tid,
        reason,
        ...(session.order ? { matchingId: session.order.matchingId } : {}),
        verified: cert !== undefined,
        ...(cert ? {} : { problem: 'no eUICC certificate in this session yet: signature not checked' }),
        receivedAt: new Date().toISOString(),
      });
      this.end(session, CANCEL_REASON_ORDER_STATE[String(reason)] ?? 'released', `cancelled: ${String(reason)}`);
      return { header: SUCCESS_HEADER };
    });
  }

  // ------------------------------------------------------------------------------------------ internals

  private session(body: Es9Body, stage?: SmdpSession['stage']): SmdpSession {
    const { hex } = transactionIdField(body);
    const session = this.sessions.get(hex);
    if (!session) throw es9Failure('unknownTransactionId', hex);
    if (stage !== undefined && session.stage !== stage) throw es9Failure('unknownTransactionId', `transaction ${hex} is in stage ${session.stage}, not ${stage}`);
    return session;
  }

  /** Closes a session; its order (if reserved and not finished) moves to `orderState`. */
  private end(session: SmdpSession, orderState?: OrderState, note?: string): void {
    this.sessions.delete(session.tid);
    const order = session.order;
    if (order && orderState && (order.state === 'inProgress' || order.state === 'downloaded')) this.options.orders.setState(order, orderState, note);
  }

  private orderFor(euicc: AuthenticatedEuicc): OrderRecord {
    const orders = this.options.orders;
    const matchingId = euicc.matchingId ?? '';
    const order = matchingId === '' ? orders.findByEid(euicc.eid) : orders.findRecord(matchingId);
    if (!order) throw es9Failure(matchingId === '' ? 'eidMissing' : 'matchingIdRefused', matchingId === '' ? `EID ${euicc.eid}` : `'${matchingId}'`);
    if (order.state !== 'released') {
      if (order.confirmationCodeRequired && order.ccAttemptsLeft === 0) throw es9Failure('orderRetriesExceeded', `'${matchingId}'`);
      throw es9Failure('matchingIdRefused', `'${matchingId}' is ${order.state}`);
    }
    if (order.eid !== undefined && order.eid !== euicc.eid.toUpperCase()) throw es9Failure('eidMismatch', `order for ${order.eid}, eUICC ${euicc.eid}`);
    return order;
  }

  private checkConfirmationCode(session: SmdpSession, order: OrderRecord, hashCc: Uint8Array | undefined): void {
    if (!order.confirmationCodeRequired || order.confirmationCode === undefined) return;
    if (hashCc === undefined) throw es9Failure('ccMissing');
    if (bytesEqual(hashCc, computeHashCc(order.confirmationCode, session.transactionId))) return;
    const left = this.options.orders.spendCcAttempt(order);
    if (left > 0) throw es9Failure('ccRefused', `${left} attempt(s) left`);
    this.end(session, 'failed', 'confirmation code retries exceeded');
    throw es9Failure('ccRetriesExceeded');
  }

  private metadata(order: OrderRecord, session: SmdpSession): StoreMetadataRequestValue {
    const m = order.metadata;
    const spn = m.serviceProviderName ?? order.spn;
    const notifications = m.notificationConfigurationInfo ?? [{ events: ['enable', 'disable', 'delete'], address: session.serverAddress }];
    return {
      iccid: order.iccid,
      serviceProviderName: spn,
      profileName: m.profileName ?? order.profileType ?? `${spn} profile`,
      ...(m.iconType !== undefined ? { iconType: m.iconType } : {}),
      ...(m.icon !== undefined ? { icon: m.icon } : {}),
      // operational is the DEFAULT, which DER leaves out.
      ...(m.profileClass !== undefined && m.profileClass !== 'operational' ? { profileClass: m.profileClass } : {}),
      ...(notifications.length > 0
        ? { notificationConfigurationInfo: notifications.map((n) => ({ profileManagementOperation: n.events.map((e) => EVENT_BITS[e]), notificationAddress: n.address })) }
        : {}),
      ...(m.profileOwner !== undefined ? { profileOwner: m.profileOwner } : {}),
      ...(m.pprs !== undefined && m.pprs.length > 0 ? { profilePolicyRules: m.pprs } : {}),
    };
  }

  private installResult(pir: ProfileInstallationResultValue, raw: Uint8Array): ReceivedNotification {
    const data = pir.profileInstallationResultData.value;
    const tid = transactionIdToJson(data.transactionId);
    const session = this.sessions.get(tid);
    const cert = session?.euicc?.euiccCertificate;
    const verified = cert !== undefined && pir.euiccSignPIR.length === 64 && verifyTlv(cert.publicKey, pir.profileInstallationResultData.raw, wrapSignature(pir.euiccSignPIR));
    const final = data.finalResult;
    const problem = cert === undefined ? 'no session for this transactionId: signature not checked' : verified ? undefined : 'euiccSignPIR does not verify';
    if (session && verified) this.end(session, final.kind === 'successResult' ? 'installed' : 'failed', `installation result: ${final.kind}`);
    return {
      kind: 'profileInstallationResult',
      seqNumber: data.notificationMetadata.seqNumber,
      event: eventName(data.notificationMetadata.profileManagementOperation),
      notificationAddress: data.notificationMetadata.notificationAddress,
      ...(data.notificationMetadata.iccid !== undefined ? { iccid: data.notificationMetadata.iccid } : {}),
      result: final.kind === 'successResult' ? 'success' : 'error',
      ...(final.kind === 'errorResult' ? { bppCommandId: final.value.bppCommandId, errorReason: final.value.errorReason } : {}),
      transactionId: tid,
      ...(session?.euicc ? { eid: session.euicc.eid } : {}),
      verified,
      ...(problem !== undefined ? { problem } : {}),
      receivedAt: new Date().toISOString(),
      raw,
    };
  }

  private otherNotification(n: Infer<typeof OtherSignedNotification>, raw: Uint8Array): ReceivedNotification {
    const meta = n.tbsOtherNotification.value;
    let eid: string | undefined;
    let problem: string | undefined;
    try {
      const euiccCert = parseCertificate(n.euiccCertificate);
      ({ eid } = verifyEuiccChain(euiccCert, parseCertificate(n.eumCertificate), this.trustedCis));
      const sig = n.euiccNotificationSignature;
      if (!(sig.length === 64 && verifyTlv(euiccCert.publicKey, n.tbsOtherNotification.raw, wrapSignature(sig)))) problem = 'euiccNotificationSignature does not verify';
    } catch (err) {
      problem = err instanceof Error ? err.message : String(err);
    }
    return {
      kind: 'otherSignedNotification',
      seqNumber: meta.seqNumber,
      event: eventName(meta.profileManagementOperation),
      notificationAddress: meta.notificationAddress,
      ...(meta.iccid !== undefined ? { iccid: meta.iccid } : {}),
      ...(eid !== undefined ? { eid } : {}),
      verified: problem === undefined,
      ...(problem !== undefined ? { problem } : {}),
      receivedAt: new Date().toISOString(),
      raw,
    };
  }
}
