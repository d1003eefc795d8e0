/**
 * Es10Client: every ES10a/b/c function of the ISD-R, built on the codec's function table
 * (codec/sgp22/es10-functions.ts). One generic {@link Es10Client.call} encodes a request with the
 * row's request schema, sends it with STORE DATA on the ISD-R channel and decodes the answer with the
 * row's response schema; the typed methods only shape inputs and results. Error rules: es10-results.ts.
 *
 * After Enable/DisableProfile with refresh the eUICC may REFRESH (reset) the terminal session and drop
 * the channel; the client then reopens the channel (and re-selects the ISD-R) before its next call.
 * The REFRESH can also land after that reopen: if the first call after a refresh finds the channel
 * gone (6881/6A88), the client reopens once more and retries that call once.
 */
import { WorkbenchError, isWorkbenchError, throwIfAborted } from '../../shared/errors.js';
import { fromHex, toHex } from '../../shared/hex.js';
import type { ProfileClass, ProfileRef } from '../../shared/api.js';
import type { ResponseApdu } from '../card/apdu.js';
import type { LogicalChannel } from '../card/card-session.js';
import { parseTlv, tagToBytes } from '../codec/ber-tlv.js';
import { decodeDetailed, encode, withRawOf } from '../codec/schema.js';
import type { Infer, UnknownField } from '../codec/schema.js';
import {
  AuthenticateErrorCode,
  BppCommandId,
  CancelSessionError,
  CtxParams1,
  DeleteProfileResult,
  DisableProfileResult,
  DownloadErrorCode,
  ES10,
  EnableProfileResult,
  EuiccMemoryResetResult,
  ListNotificationError,
  LoadCrlError,
  LpaeActivationResult,
  ProfileInfo,
  ProfileInfoListError,
  ProfileInstallationErrorReason,
  RemoveNotificationStatus,
  RetrieveNotificationsListError,
  SetDefaultDpAddressResult,
  SetNicknameResult,
} from '../codec/sgp22/index.js';
import type {
  AuthenticateResponseOk,
  CancelSessionReason,
  CancelSessionResponseOk,
  CtxParams1Value,
  EUICCInfo1Value,
  EUICCInfo2Value,
  Es10Function,
  GetRatResponseValue,
  LPAE_OPTION_BITS,
  NOTIFICATION_EVENT_BITS,
  NotificationMetadataValue,
  PendingNotificationValue,
  ProfileInfoValue,
  ProfileInstallationResultValue,
  RESET_OPTION_BITS,
  PrepareDownloadResponseOk,
  ResultTable,
} from '../codec/sgp22/index.js';
import { segmentBoundProfilePackage } from './bpp-segments.js';
import { badResponse, functionFailed, resultOf } from './es10-results.js';
import type { Es10Result } from './es10-results.js';
import type { IsdrChannel, IsdrInfo } from './isdr.js';

type NamesOf<T> = T extends ResultTable<infer N> ? N : never;

export type EnableProfileResultName = NamesOf<typeof EnableProfileResult>;
export type DisableProfileResultName = NamesOf<typeof DisableProfileResult>;
export type DeleteProfileResultName = NamesOf<typeof DeleteProfileResult>;
export type SetNicknameResultName = NamesOf<typeof SetNicknameResult>;
export type EuiccMemoryResetResultName = NamesOf<typeof EuiccMemoryResetResult>;
export type SetDefaultDpAddressResultName = NamesOf<typeof SetDefaultDpAddressResult>;
export type RemoveNotificationStatusName = NamesOf<typeof RemoveNotificationStatus>;
export type LpaeActivationResultName = NamesOf<typeof LpaeActivationResult>;
export type CancelSessionReasonName = NamesOf<typeof CancelSessionReason>;
export type NotificationEventName = (typeof NOTIFICATION_EVENT_BITS)[number];
export type ResetOption = (typeof RESET_OPTION_BITS)[number];
export type LpaeOption = (typeof LPAE_OPTION_BITS)[number];
/** A ProfileInfo field name, e.g. 'iccid', 'profileState', 'icon'. */
export type ProfileInfoField = keyof ProfileInfoValue & string;

export interface CallOptions {
  /** Overrides the client's signal for this call. */
  readonly signal?: AbortSignal;
}

/** A decoded response with the exact bytes received (forwarded to the SM-DP+ where SGP.22 says so). */
export interface Es10Response<T> {
  readonly value: T;
  /** The complete response TLV as received. */
  readonly raw: Uint8Array;
  /** Fields the schema does not know (newer SGP.22 versions, vendor additions), skipped. */
  readonly unknownFields: readonly UnknownField[];
}

export interface RefreshOptions extends CallOptions {
  /** Ask the eUICC to REFRESH the device session (default true, as shared/api.ts). */
  readonly refresh?: boolean;
}

/** Result of Enable/DisableProfile. */
export interface ProfileSwitchResult<N extends string = string> extends Es10Result<N> {
  /**
   * True when the eUICC ended the call with 91xx: a proactive command (after a successful switch,
   * the REFRESH) is pending for the device to fetch, and the channel will be reopened. Absent otherwise.
   */
  readonly refreshPending?: true;
}

/** GetProfilesInfo search: one profile by ICCID or ISD-P AID (hex), or all profiles of a class. */
export type ProfileSearch = ProfileRef | { readonly profileClass: ProfileClass };

export interface GetProfilesInfoOptions extends CallOptions {
  readonly search?: ProfileSearch;
  /** Fields to return (tag list 5C); the eUICC's default set when omitted. */
  readonly tags?: readonly ProfileInfoField[];
}

/** RetrieveNotificationsList: one notification by sequence number, or all of some events. */
export type NotificationSearch = { readonly seqNumber: number } | { readonly events: readonly NotificationEventName[] };

export interface RetrievedNotification {
  /** Sequence number, event, address and ICCID, from whichever form the notification has. */
  readonly metadata: NotificationMetadataValue;
  readonly notification: PendingNotificationValue;
  /** The exact TLV (BF37 or 30) to send to the SM-DP+ as `pendingNotification`. */
  readonly raw: Uint8Array;
}

/** AuthenticateServer input: the ES9+/ES11 fields as received (each a complete TLV), copied verbatim. */
export interface AuthenticateServerInput {
  /** `30 …` serverSigned1. */
  readonly serverSigned1: Uint8Array;
  /** `5F37 40 …` serverSignature1. */
  readonly serverSignature1: Uint8Array;
  /** `04 14 …` euiccCiPKIdToBeUsed. */
  readonly euiccCiPKIdToBeUsed: Uint8Array;
  /** DER certificate (CERT.DPauth or CERT.DSauth). */
  readonly serverCertificate: Uint8Array;
  /** `A0 …` TLV as built, or a value to encode. */
  readonly ctxParams1: Uint8Array | CtxParams1Value;
}

/** PrepareDownload input: the ES9+ fields as received (complete TLVs) and the LPA's hashCc. */
export interface PrepareDownloadInput {
  /** `30 …` smdpSigned2. */
  readonly smdpSigned2: Uint8Array;
  /** `5F37 40 …` smdpSignature2. */
  readonly smdpSignature2: Uint8Array;
  /** SHA-256(SHA-256(CC) ‖ transactionId), 32 bytes; only when a confirmation code is required. */
  readonly hashCc?: Uint8Array;
  /** DER CERT.DPpb. */
  readonly smdpCertificate: Uint8Array;
}

export type AuthenticateServerOk = Infer<typeof AuthenticateResponseOk>;
export type PrepareDownloadOk = Infer<typeof PrepareDownloadResponseOk>;
export type CancelSessionOk = Infer<typeof CancelSessionResponseOk>;

/** One BPP segment acknowledged by the eUICC. */
export interface BppProgress {
  /** 0-based index of the segment just sent. */
  readonly index: number;
  readonly total: number;
  /** Size of this segment. */
  readonly bytes: number;
  /** What it was, e.g. 'A1 header', '86 #3'. */
  readonly label: string;
}

export interface LoadBppOptions extends CallOptions {
  readonly onProgress?: (progress: BppProgress) => void;
}

/** Why an installation failed, from the PIR's errorResult (names and texts from the codec tables). */
export interface InstallationFailure {
  readonly bppCommand: string;
  readonly reason: string;
  readonly reasonCode: number;
  readonly message: string;
  readonly hint: string;
}

export interface LoadBppResult {
  readonly ok: boolean;
  /** The BF37 ProfileInstallationResult as received: deliver it with ES9+ handleNotification. */
  readonly raw: Uint8Array;
  readonly value: ProfileInstallationResultValue;
  /** Notification sequence number of the PIR (for RemoveNotificationFromList after delivery). */
  readonly seqNumber: number;
  readonly iccid?: string;
  /** ISD-P AID (upper-case hex) of the installed profile. */
  readonly isdpAid?: string;
  readonly failure?: InstallationFailure;
  /** Segments sent; fewer than `segmentsTotal` when the eUICC answered early (an error PIR). */
  readonly segmentsSent: number;
  readonly segmentsTotal: number;
}

export interface Es10ClientOptions {
  /** Default signal for every call. */
  readonly signal?: AbortSignal;
  /** Opens a fresh ISD-R channel; needed to continue after a profile switch with refresh. */
  readonly reopen?: (signal: AbortSignal | undefined) => Promise<IsdrChannel>;
}

/** Tag bytes of each ProfileInfo field, from the schema itself. */
const PROFILE_INFO_TAGS: ReadonlyMap<string, number> = new Map((ProfileInfo.fields ?? []).flatMap(([name, f]) => (f.schema.tags[0] === undefined ? [] : [[name, f.schema.tags[0]] as const])));

/** The tag list (5C content) asking for `fields`, e.g. ['iccid','profileState'] → 5A 9F 70. */
export function profileInfoTagList(fields: readonly ProfileInfoField[]): Uint8Array {
  return Uint8Array.from(
    fields.flatMap((name) => {
      const tag = PROFILE_INFO_TAGS.get(name);
      if (tag === undefined) throw new WorkbenchError('ES10_REQUEST_INVALID', `'${name}' is not a ProfileInfo field.`, `Use one of: ${[...PROFILE_INFO_TAGS.keys()].join(', ')}.`);
      return [...tagToBytes(tag)];
    }),
  );
}

/**
 * Status words of a STORE DATA refused because the channel is gone: 6881 (channel closed, here by a
 * REFRESH) and 6A88 (the ISD-R selection lost with it). Retried only on the first call after a refresh.
 */
const CHANNEL_LOST_SWS: ReadonlySet<string> = new Set(['6881', '6A88']);

function isChannelLost(err: unknown): boolean {
  return isWorkbenchError(err, 'CARD_SW_ERROR') && CHANNEL_LOST_SWS.has(String(err.details.sw));
}

const PROACTIVE_COMMAND_PENDING_SW1 = 0x91;

/** Enable and Disable requests have the same fields. */
type ProfileSwitchRequest = Infer<typeof ES10.enableProfile.request>;
type ProfileIdentifierValue = ProfileSwitchRequest['profileIdentifier'];

function profileIdentifier(ref: ProfileRef): ProfileIdentifierValue {
  return 'iccid' in ref ? { kind: 'iccid', value: ref.iccid } : { kind: 'isdpAid', value: fromHex(ref.isdpAid) };
}

type ProfileSearchValue = NonNullable<Infer<typeof ES10.getProfilesInfo.request>['searchCriteria']>;

function searchCriteria(search: ProfileSearch): ProfileSearchValue {
  return 'profileClass' in search ? { kind: 'profileClass', value: search.profileClass } : profileIdentifier(search);
}

function hexUpper(bytes: Uint8Array): string {
  return toHex(bytes).toUpperCase();
}

/**
 * A field of a request given as the TLV received from the SM-DP+, decoded with that field's schema
 * from the function's row (so signed parts keep their exact bytes and are re-emitted unchanged).
 */
function requestPart<Req, K extends keyof Req & string>(fn: Es10Function<Req>, name: K, tlv: Uint8Array): Req[K] {
  const entry = fn.request.fields?.find(([n]) => n === name);
  if (!entry) throw new WorkbenchError('SCHEMA_DEFINITION', `${fn.name} has no request field '${name}'.`, 'This is a bug in the ES10 client.');
  try {
    return decodeDetailed(entry[1].schema, tlv).value as Req[K];
  } catch (err) {
    throw new WorkbenchError('ES10_REQUEST_INVALID', `${fn.name}: ${name} from the server is malformed (${err instanceof Error ? err.message : String(err)}).`, 'The SM-DP+ sent data the eUICC cannot take; nothing was sent to the card. Retry, or report it to the operator.', {
      cause: err,
      details: { function: fn.name, field: name, hex: hexUpper(tlv) },
    });
  }
}

/** The exact TLVs inside the list alternative (A0) of a list response, in order. */
function listItemsRaw(response: Uint8Array): Uint8Array[] {
  const list = parseTlv(response).children?.[0];
  return (list?.children ?? []).map((item) => item.raw);
}

function metadataOf(notification: PendingNotificationValue): NotificationMetadataValue {
  return notification.kind === 'profileInstallationResult' ? notification.value.profileInstallationResultData.value.notificationMetadata : notification.value.tbsOtherNotification.value;
}

export class Es10Client {
  private current: IsdrChannel;
  private reopenPending = false;
  /** Set by a switch with refresh; the next call may retry once on a channel the REFRESH closed. */
  private refreshedSinceLastCall = false;

  constructor(
    opened: IsdrChannel,
    private readonly options: Es10ClientOptions = {},
  ) {
    this.current = opened;
  }

  /** The channel the next call goes to (changes after a reopen). */
  get channel(): LogicalChannel {
    return this.current.channel;
  }

  get isdr(): IsdrInfo {
    return this.current.isdr;
  }

  /**
   * True after a profile switch with refresh, until the channel is reopened. With a `reopen` option
   * the next call reopens by itself; without one the caller must open a new client.
   */
  get needsReopen(): boolean {
    return this.reopenPending;
  }

  /** Closes the ISD-R channel. Idempotent. */
  async close(): Promise<void> {
    await this.current.channel.close();
  }

  // ----------------------------------------------------------------------------------- generic call

  /** Runs one ES10 function: encode with `fn.request`, STORE DATA, decode with `fn.response`. */
  async call<Req, Res>(fn: Es10Function<Req, Res>, request: Req, opts: CallOptions = {}): Promise<Res> {
    return (await this.callDetailed(fn, request, opts)).value;
  }

  /** {@link call} with the exact response bytes and the skipped unknown fields. */
  async callDetailed<Req, Res>(fn: Es10Function<Req, Res>, request: Req, opts: CallOptions = {}): Promise<Es10Response<Res>> {
    const response = await this.send(fn, encode(fn.request, request), opts);
    return this.decodeResponse(fn, response.data);
  }

  /** One STORE DATA series; returns the final answer (data and 9000/91xx). */
  private async send(fn: Es10Function, requestTlv: Uint8Array, opts: CallOptions, segment = ''): Promise<ResponseApdu> {
    const signal = opts.signal ?? this.options.signal;
    throwIfAborted(signal, fn.name);
    const mayRetry = this.refreshedSinceLastCall && this.options.reopen !== undefined;
    this.refreshedSinceLastCall = false;
    await this.reopenIfNeeded(signal);
    const storeData = (): Promise<ResponseApdu> => this.current.channel.storeDataDetailed(requestTlv, { annotation: `STORE DATA → ${fn.name}${segment}`, signal });
    try {
      return await storeData();
    } catch (err) {
      if (!mayRetry || !isChannelLost(err)) throw err;
      // The REFRESH closed the channel after we had reopened it: reopen once more and resend.
      this.reopenPending = true;
      await this.reopenIfNeeded(signal);
      return storeData();
    }
  }

  private decodeResponse<Res>(fn: Es10Function<unknown, Res>, response: Uint8Array): Es10Response<Res> {
    if (response.length === 0) throw badResponse(fn, response, 'no response data');
    try {
      const { value, unknown } = decodeDetailed(fn.response, response);
      return { value, raw: response, unknownFields: unknown };
    } catch (err) {
      throw badResponse(fn, response, err instanceof Error ? err.message : String(err), err);
    }
  }

  private async reopenIfNeeded(signal: AbortSignal | undefined): Promise<void> {
    const reopen = this.options.reopen;
    if (!this.reopenPending || reopen === undefined) return;
    // After a REFRESH the card may already have closed the channel; close() tolerates that (the log shows it).
    await this.current.channel.close();
    this.current = await reopen(signal);
    this.reopenPending = false;
  }

  // ------------------------------------------------------------------------------ ES10c: profiles

  /** ES10c.GetProfilesInfo: all profiles, or those matching `search`; only `tags` fields when given. */
  async getProfilesInfo(opts: GetProfilesInfoOptions = {}): Promise<ProfileInfoValue[]> {
    const fn = ES10.getProfilesInfo;
    const response = await this.call(
      fn,
      {
        ...(opts.search === undefined ? {} : { searchCriteria: searchCriteria(opts.search) }),
        ...(opts.tags === undefined ? {} : { tagList: profileInfoTagList(opts.tags) }),
      },
      opts,
    );
    if (response.kind === 'profileInfoListError') throw functionFailed(fn, ProfileInfoListError, response.value);
    return response.value;
  }

  /** ES10c.EnableProfile. */
  async enableProfile(profile: ProfileRef, opts: RefreshOptions = {}): Promise<ProfileSwitchResult<EnableProfileResultName>> {
    return this.switchProfile(ES10.enableProfile, EnableProfileResult, (r) => r.enableResult, profile, opts);
  }

  /** ES10c.DisableProfile. */
  async disableProfile(profile: ProfileRef, opts: RefreshOptions = {}): Promise<ProfileSwitchResult<DisableProfileResultName>> {
    return this.switchProfile(ES10.disableProfile, DisableProfileResult, (r) => r.disableResult, profile, opts);
  }

  /**
   * Enable/Disable. The normal answer is the response TLV with 9000. 91xx (digest §1.5) means success
   * with a proactive command pending; the response TLV may come with it or be missing, and a missing
   * one then counts as ok. Without 91xx a missing TLV is ES10_BAD_RESPONSE. Success with refresh (or
   * 91xx) schedules a channel reopen before the next call.
   */
  private async switchProfile<Res, N extends string>(
    fn: Es10Function<ProfileSwitchRequest, Res>,
    table: ResultTable<N>,
    resultField: (response: Res) => N | number,
    profile: ProfileRef,
    opts: RefreshOptions,
  ): Promise<ProfileSwitchResult<N>> {
    const refresh = opts.refresh ?? true;
    const response = await this.send(fn, encode(fn.request, { profileIdentifier: profileIdentifier(profile), refreshFlag: refresh }), opts);
    const refreshPending = response.sw1 === PROACTIVE_COMMAND_PENDING_SW1;
    const result = response.data.length === 0 && refreshPending ? resultOf(table, 0) : resultOf(table, resultField(this.decodeResponse(fn, response.data).value));
    if (result.ok && (refresh || refreshPending)) {
      this.reopenPending = true;
      this.refreshedSinceLastCall = true;
    }
    return refreshPending ? { ...result, refreshPending } : result;
  }

  /** ES10c.DeleteProfile (the profile must be disabled). */
  async deleteProfile(profile: ProfileRef, opts: CallOptions = {}): Promise<Es10Result<DeleteProfileResultName>> {
    const response = await this.call(ES10.deleteProfile, profileIdentifier(profile), opts);
    return resultOf(DeleteProfileResult, response.deleteResult);
  }

  /** ES10c.SetNickname; '' clears it. */
  async setNickname(iccid: string, nickname: string, opts: CallOptions = {}): Promise<Es10Result<SetNicknameResultName>> {
    const response = await this.call(ES10.setNickname, { iccid, profileNickname: nickname }, opts);
    return resultOf(SetNicknameResult, response.setNicknameResult);
  }

  /** ES10c.eUICCMemoryReset with the chosen reset options (at least one). */
  async euiccMemoryReset(options: readonly ResetOption[], opts: CallOptions = {}): Promise<Es10Result<EuiccMemoryResetResultName>> {
    if (options.length === 0) {
      throw new WorkbenchError('ES10_REQUEST_INVALID', 'eUICCMemoryReset needs at least one reset option.', 'Choose deleteOperationalProfiles, deleteFieldLoadedTestProfiles and/or resetDefaultSmdpAddress.');
    }
    const response = await this.call(ES10.euiccMemoryReset, { resetOptions: [...options] }, opts);
    return resultOf(EuiccMemoryResetResult, response.resetResult);
  }

  /** ES10c.GetEID: 32 upper-case hex digits. */
  async getEid(opts: CallOptions = {}): Promise<string> {
    const response = await this.call(ES10.getEid, { tagList: Uint8Array.of(0x5a) }, opts);
    return response.eidValue;
  }

  // ---------------------------------------------------------------------- ES10a: configured addresses

  /** ES10a.GetEuiccConfiguredAddresses. */
  async getEuiccConfiguredAddresses(opts: CallOptions = {}): Promise<{ defaultDpAddress?: string; rootDsAddress: string }> {
    return this.call(ES10.getEuiccConfiguredAddresses, {}, opts);
  }

  /** ES10a.SetDefaultDpAddress; '' clears it. */
  async setDefaultDpAddress(address: string, opts: CallOptions = {}): Promise<Es10Result<SetDefaultDpAddressResultName>> {
    const response = await this.call(ES10.setDefaultDpAddress, { defaultDpAddress: address }, opts);
    return resultOf(SetDefaultDpAddressResult, response.setDefaultDpAddressResult);
  }

  // ------------------------------------------------------------------------------ ES10b: eUICC info

  /** ES10b.GetEUICCInfo (1): the raw BF20 goes to ES9+ initiateAuthentication as `euiccInfo1`. */
  async getEuiccInfo1(opts: CallOptions = {}): Promise<Es10Response<EUICCInfo1Value>> {
    return this.callDetailed(ES10.getEuiccInfo1, {}, opts);
  }

  /** ES10b.GetEUICCInfo (2). */
  async getEuiccInfo2(opts: CallOptions = {}): Promise<Es10Response<EUICCInfo2Value>> {
    return this.callDetailed(ES10.getEuiccInfo2, {}, opts);
  }

  /** ES10b.GetRAT: the Rules Authorisation Table. */
  async getRat(opts: CallOptions = {}): Promise<GetRatResponseValue['rat']> {
    return (await this.call(ES10.getRat, {}, opts)).rat;
  }

  /** ES10b.LoadCRL; returns the missing parts of a partial CRL (empty when complete). */
  async loadCrl(crl: Uint8Array, opts: CallOptions = {}): Promise<number[]> {
    const fn = ES10.loadCrl;
    const response = await this.call(fn, { crl }, opts);
    if (response.kind === 'loadCRLResponseError') throw functionFailed(fn, LoadCrlError, response.value);
    return response.value.missingParts ?? [];
  }

  /** LPAe activation (ES10b, LPAe-capable eUICCs only). */
  async lpaeActivation(options: readonly LpaeOption[], opts: CallOptions = {}): Promise<Es10Result<LpaeActivationResultName>> {
    const response = await this.call(ES10.lpaeActivation, { lpaeOption: [...options] }, opts);
    return resultOf(LpaeActivationResult, response.lpaeActivationResult);
  }

  // ---------------------------------------------------------------------------- ES10b: notifications

  /** ES10b.ListNotification: metadata of pending notifications, optionally of some events only. */
  async listNotification(opts: CallOptions & { readonly events?: readonly NotificationEventName[] } = {}): Promise<NotificationMetadataValue[]> {
    const fn = ES10.listNotification;
    const response = await this.call(fn, opts.events === undefined ? {} : { profileManagementOperation: [...opts.events] }, opts);
    if (response.kind === 'listNotificationsResultError') throw functionFailed(fn, ListNotificationError, response.value);
    return response.value;
  }

  /**
   * ES10b.RetrieveNotificationsList: the signed notifications, with the exact bytes to deliver.
   * v2.2 cards answer "no match" with error noResultAvailable (1) instead of an empty list: mapped to [].
   */
  async retrieveNotificationsList(search?: NotificationSearch, opts: CallOptions = {}): Promise<RetrievedNotification[]> {
    const fn = ES10.retrieveNotificationsList;
    const criteria = search === undefined ? undefined : 'seqNumber' in search ? { kind: 'seqNumber' as const, value: search.seqNumber } : { kind: 'profileManagementOperation' as const, value: [...search.events] };
    const { value: response, raw } = await this.callDetailed(fn, criteria === undefined ? {} : { searchCriteria: criteria }, opts);
    if (response.kind === 'notificationsListResultError') {
      if (response.value === 'noResultAvailable') return [];
      throw functionFailed(fn, RetrieveNotificationsListError, response.value);
    }
    const items = listItemsRaw(raw);
    return response.value.map((notification, i) => ({ notification, metadata: metadataOf(notification), raw: items[i] ?? new Uint8Array(0) }));
  }

  /** ES10b.RemoveNotificationFromList (after the SM-DP+ acknowledged it). */
  async removeNotificationFromList(seqNumber: number, opts: CallOptions = {}): Promise<Es10Result<RemoveNotificationStatusName>> {
    const response = await this.call(ES10.removeNotificationFromList, { seqNumber }, opts);
    return resultOf(RemoveNotificationStatus, response.deleteNotificationStatus);
  }

  // ------------------------------------------------------------------------------- ES10b: download

  /** ES10b.GetEUICCChallenge: 16 random bytes, kept by the eUICC as session context. */
  async getEuiccChallenge(opts: CallOptions = {}): Promise<Uint8Array> {
    return (await this.call(ES10.getEuiccChallenge, {}, opts)).euiccChallenge;
  }

  /**
   * ES10b.AuthenticateServer. Returns the BF38 response (`raw`, for ES9+ authenticateClient) and its
   * decoded content. An error code throws ES10_AUTHENTICATE_SERVER_FAILED whose details carry
   * `responseHex` (SGP.22 forwards error responses to the SM-DP+ too) and `transactionId`.
   */
  async authenticateServer(input: AuthenticateServerInput, opts: CallOptions = {}): Promise<Es10Response<AuthenticateServerOk>> {
    const fn = ES10.authenticateServer;
    const request = {
      serverSigned1: requestPart(fn, 'serverSigned1', input.serverSigned1),
      serverSignature1: requestPart(fn, 'serverSignature1', input.serverSignature1),
      euiccCiPKIdToBeUsed: requestPart(fn, 'euiccCiPKIdToBeUsed', input.euiccCiPKIdToBeUsed),
      serverCertificate: requestPart(fn, 'serverCertificate', input.serverCertificate),
      ctxParams1: input.ctxParams1 instanceof Uint8Array ? requestPart(fn, 'ctxParams1', input.ctxParams1) : withRawOf(CtxParams1, input.ctxParams1),
    };
    const { value, raw, unknownFields } = await this.callDetailed(fn, request, opts);
    if (value.kind === 'authenticateResponseError') {
      throw functionFailed(fn, AuthenticateErrorCode, value.value.authenticateErrorCode, { transactionId: hexUpper(value.value.transactionId), responseHex: hexUpper(raw) });
    }
    return { value: value.value, raw, unknownFields };
  }

  /**
   * ES10b.PrepareDownload. Returns the BF21 response (`raw`, for ES9+ getBoundProfilePackage); an
   * error code throws ES10_PREPARE_DOWNLOAD_FAILED (details: resultCode, resultName, transactionId, responseHex).
   */
  async prepareDownload(input: PrepareDownloadInput, opts: CallOptions = {}): Promise<Es10Response<PrepareDownloadOk>> {
    const fn = ES10.prepareDownload;
    const request = {
      smdpSigned2: requestPart(fn, 'smdpSigned2', input.smdpSigned2),
      smdpSignature2: requestPart(fn, 'smdpSignature2', input.smdpSignature2),
      ...(input.hashCc === undefined ? {} : { hashCc: input.hashCc }),
      smdpCertificate: requestPart(fn, 'smdpCertificate', input.smdpCertificate),
    };
    const { value, raw, unknownFields } = await this.callDetailed(fn, request, opts);
    if (value.kind === 'downloadResponseError') {
      throw functionFailed(fn, DownloadErrorCode, value.value.downloadErrorCode, { transactionId: hexUpper(value.value.transactionId), responseHex: hexUpper(raw) });
    }
    return { value: value.value, raw, unknownFields };
  }

  /**
   * ES10b.LoadBoundProfilePackage, segment by segment (digest §3.5), each segment its own STORE DATA
   * series. Stops as soon as the eUICC answers with data (a BF37, usually an error: sending on
   * produced 6A88 in the field). The signal is checked between segments.
   */
  async loadBoundProfilePackage(bpp: Uint8Array, opts: LoadBppOptions = {}): Promise<LoadBppResult> {
    const fn = ES10.loadBoundProfilePackage;
    const segments = segmentBoundProfilePackage(bpp);
    const total = segments.length;
    for (const [index, segment] of segments.entries()) {
      const { data: response } = await this.send(fn, segment.bytes, opts, ` (segment ${index + 1}/${total}: ${segment.label})`);
      opts.onProgress?.({ index, total, bytes: segment.bytes.length, label: segment.label });
      if (response.length > 0) return this.installationResult(fn, response, index + 1, total);
    }
    throw badResponse(fn, new Uint8Array(0), 'no ProfileInstallationResult (BF37) after the last segment');
  }

  private installationResult(fn: typeof ES10.loadBoundProfilePackage, response: Uint8Array, segmentsSent: number, segmentsTotal: number): LoadBppResult {
    const { value, raw } = this.decodeResponse(fn, response);
    const data = value.profileInstallationResultData.value;
    const final = data.finalResult;
    const metadata = data.notificationMetadata;
    const common = { raw, value, seqNumber: metadata.seqNumber, ...(metadata.iccid === undefined ? {} : { iccid: metadata.iccid }), segmentsSent, segmentsTotal };
    if (final.kind === 'successResult') return { ok: true, isdpAid: hexUpper(final.value.aid), ...common };
    const command = BppCommandId.lookup(final.value.bppCommandId);
    const reason = ProfileInstallationErrorReason.lookup(final.value.errorReason);
    return {
      ok: false,
      failure: { bppCommand: command.name, reason: reason.name, reasonCode: reason.code, message: `${command.message} ${reason.message}`, hint: reason.hint },
      ...common,
    };
  }

  /**
   * ES10b.CancelSession. Returns the signed BF41 (`raw`, for ES9+ cancelSession); an error code throws
   * ES10_CANCEL_SESSION_FAILED.
   */
  async cancelSession(transactionId: Uint8Array, reason: CancelSessionReasonName, opts: CallOptions = {}): Promise<Es10Response<CancelSessionOk>> {
    const fn = ES10.cancelSession;
    const { value, raw, unknownFields } = await this.callDetailed(fn, { transactionId, reason }, opts);
    if (value.kind === 'cancelSessionResponseError') throw functionFailed(fn, CancelSessionError, value.value, { transactionId: hexUpper(transactionId), responseHex: hexUpper(raw) });
    return { value: value.value, raw, unknownFields };
  }
}
