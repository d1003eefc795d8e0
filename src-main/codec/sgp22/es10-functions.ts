/**
 * The ES10a/b/c functions as data (SGP22-DIGEST §2.2): one row per function. The euicc layer builds its
 * client on these rows and the card APDU log uses `name` to annotate STORE DATA exchanges, so adding a
 * function is adding a row. Sections follow SGP.22 v2.x numbering.
 */
import { WorkbenchError } from '../../../shared/errors.js';
import { tagToHex } from '../ber-tlv.js';
import type { Schema } from '../schema.js';
import { AuthenticateServerRequest, AuthenticateServerResponse, CancelSessionRequest, CancelSessionResponse, PrepareDownloadRequest, PrepareDownloadResponse } from './authentication.js';
import { BoundProfilePackage } from './bpp.js';
import {
  EUICCInfo1,
  EUICCInfo2,
  EuiccConfiguredAddressesRequest,
  EuiccConfiguredAddressesResponse,
  GetEuiccChallengeRequest,
  GetEuiccChallengeResponse,
  GetEuiccInfo1Request,
  GetEuiccInfo2Request,
  SetDefaultDpAddressRequest,
  SetDefaultDpAddressResponse,
} from './euicc-info.js';
import { GetRatRequest, GetRatResponse, LoadCRLRequest, LoadCRLResponse, LpaeActivationRequest, LpaeActivationResponse } from './euicc-management.js';
import {
  ListNotificationRequest,
  ListNotificationResponse,
  NotificationSentRequest,
  NotificationSentResponse,
  ProfileInstallationResult,
  RetrieveNotificationsListRequest,
  RetrieveNotificationsListResponse,
} from './notifications.js';
import {
  DeleteProfileRequest,
  DeleteProfileResponse,
  DisableProfileRequest,
  DisableProfileResponse,
  EnableProfileRequest,
  EnableProfileResponse,
  EuiccMemoryResetRequest,
  EuiccMemoryResetResponse,
  GetEuiccDataRequest,
  GetEuiccDataResponse,
  ProfileInfoListRequest,
  ProfileInfoListResponse,
  SetNicknameRequest,
  SetNicknameResponse,
} from './profiles.js';

export interface Es10Function<Req = unknown, Res = unknown> {
  /** 'ES10c.GetProfilesInfo' */
  readonly name: string;
  /** SGP.22 section, e.g. '5.7.15'. */
  readonly section: string;
  /** Outer tag of the request (the ISD-R dispatches on it). */
  readonly tag: number;
  readonly request: Schema<Req>;
  readonly response: Schema<Res>;
}

function es10<Req, Res>(name: string, section: string, tag: number, request: Schema<Req>, response: Schema<Res>): Es10Function<Req, Res> {
  if (!request.tags.includes(tag)) {
    throw new WorkbenchError('SCHEMA_DEFINITION', `${name}: request schema has tag ${request.tags.map(tagToHex).join('/')}, table says ${tagToHex(tag)}.`, 'Fix the ES10 function table.');
  }
  return { name, section, tag, request, response };
}

export const ES10 = {
  getEuiccConfiguredAddresses: es10('ES10a.GetEuiccConfiguredAddresses', '5.7.3', 0xbf3c, EuiccConfiguredAddressesRequest, EuiccConfiguredAddressesResponse),
  setDefaultDpAddress: es10('ES10a.SetDefaultDpAddress', '5.7.4', 0xbf3f, SetDefaultDpAddressRequest, SetDefaultDpAddressResponse),
  prepareDownload: es10('ES10b.PrepareDownload', '5.7.5', 0xbf21, PrepareDownloadRequest, PrepareDownloadResponse),
  /** Sent in segments (DIGEST §3.5); only the last segment (or an error) returns BF37. */
  loadBoundProfilePackage: es10('ES10b.LoadBoundProfilePackage', '5.7.6', 0xbf36, BoundProfilePackage, ProfileInstallationResult),
  getEuiccChallenge: es10('ES10b.GetEUICCChallenge', '5.7.7', 0xbf2e, GetEuiccChallengeRequest, GetEuiccChallengeResponse),
  getEuiccInfo1: es10('ES10b.GetEUICCInfo1', '5.7.8', 0xbf20, GetEuiccInfo1Request, EUICCInfo1),
  getEuiccInfo2: es10('ES10b.GetEUICCInfo2', '5.7.8', 0xbf22, GetEuiccInfo2Request, EUICCInfo2),
  listNotification: es10('ES10b.ListNotification', '5.7.9', 0xbf28, ListNotificationRequest, ListNotificationResponse),
  retrieveNotificationsList: es10('ES10b.RetrieveNotificationsList', '5.7.10', 0xbf2b, RetrieveNotificationsListRequest, RetrieveNotificationsListResponse),
  removeNotificationFromList: es10('ES10b.RemoveNotificationFromList', '5.7.11', 0xbf30, NotificationSentRequest, NotificationSentResponse),
  loadCrl: es10('ES10b.LoadCRL', '5.7.12', 0xbf35, LoadCRLRequest, LoadCRLResponse),
  authenticateServer: es10('ES10b.AuthenticateServer', '5.7.13', 0xbf38, AuthenticateServerRequest, AuthenticateServerResponse),
  cancelSession: es10('ES10b.CancelSession', '5.7.14', 0xbf41, CancelSessionRequest, CancelSessionResponse),
  getProfilesInfo: es10('ES10c.GetProfilesInfo', '5.7.15', 0xbf2d, ProfileInfoListRequest, ProfileInfoListResponse),
  enableProfile: es10('ES10c.EnableProfile', '5.7.16', 0xbf31, EnableProfileRequest, EnableProfileResponse),
  disableProfile: es10('ES10c.DisableProfile', '5.7.17', 0xbf32, DisableProfileRequest, DisableProfileResponse),
  deleteProfile: es10('ES10c.DeleteProfile', '5.7.18', 0xbf33, DeleteProfileRequest, DeleteProfileResponse),
  euiccMemoryReset: es10('ES10c.eUICCMemoryReset', '5.7.19', 0xbf34, EuiccMemoryResetRequest, EuiccMemoryResetResponse),
  getEid: es10('ES10c.GetEID', '5.7.20', 0xbf3e, GetEuiccDataRequest, GetEuiccDataResponse),
  setNickname: es10('ES10c.SetNickname', '5.7.21', 0xbf29, SetNicknameRequest, SetNicknameResponse),
  getRat: es10('ES10b.GetRAT', '5.7.22', 0xbf43, GetRatRequest, GetRatResponse),
  lpaeActivation: es10('ES10b.LpaeActivation', '—', 0xbf42, LpaeActivationRequest, LpaeActivationResponse),
} as const;

export type Es10FunctionKey = keyof typeof ES10;

/** All rows, in table order. */
export const ES10_FUNCTIONS: readonly Es10Function[] = Object.values(ES10);

/**
 * The function a TLV belongs to, by request tag, else by response tag (only BF37 differs: the
 * ProfileInstallationResult answering LoadBoundProfilePackage).
 */
export function es10FunctionByTag(tag: number): Es10Function | undefined {
  return ES10_FUNCTIONS.find((f) => f.tag === tag) ?? ES10_FUNCTIONS.find((f) => f.response.tags.includes(tag));
}
