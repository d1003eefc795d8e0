/**
 * SGP.22 v2.5 result and reason codes (SGP22-DIGEST §2.3) as data: name, what it means for the user,
 * and what to do. The ES10 client and the UI read these rows; schemas use `codes` for name ↔ number.
 */

export interface ResultRow<N extends string = string> {
  readonly code: number;
  readonly name: N;
  /** What happened, for a technician. */
  readonly message: string;
  /** What to do about it ('' when nothing is needed). */
  readonly hint: string;
}

export interface ResultTable<N extends string = string> {
  readonly typeName: string;
  readonly rows: readonly ResultRow<N>[];
  /** name → code, the form `enumerated()` takes. */
  readonly codes: Readonly<Record<N, number>>;
  /** Row for a decoded value (name or number); unknown codes get a generic row, never an exception. */
  lookup(value: string | number): ResultRow;
}

export function resultTable<const R extends readonly ResultRow[]>(typeName: string, rows: R): ResultTable<R[number]['name']> {
  type N = R[number]['name'];
  const codes = Object.fromEntries(rows.map((r) => [r.name, r.code])) as Record<N, number>;
  return {
    typeName,
    rows: rows as readonly ResultRow<N>[],
    codes,
    lookup(value) {
      const row = rows.find((r) => r.name === value || r.code === value);
      if (row) return row;
      return {
        code: typeof value === 'number' ? value : -1,
        name: String(value),
        message: `The eUICC returned ${typeName} ${String(value)}, a code SGP.22 v2.5 does not define.`,
        hint: 'The card may implement a newer SGP.22 version or a vendor extension; check the card vendor documentation.',
      };
    },
  };
}

const OK = { code: 0, name: 'ok', message: 'Done.', hint: '' } as const;
const UNDEFINED_ERROR = {
  code: 127,
  name: 'undefinedError',
  message: 'The eUICC reported an unspecified error.',
  hint: 'Retry once; if it persists, read the profile list and the card log, and contact the card vendor.',
} as const;
const CAT_BUSY = {
  code: 5,
  name: 'catBusy',
  message: 'The eUICC is busy with a proactive (CAT) session of the device.',
  hint: 'Wait a few seconds and retry; if a modem is attached, let it finish its SIM toolkit activity.',
} as const;
const ICCID_OR_AID_NOT_FOUND = {
  code: 1,
  name: 'iccidOrAidNotFound',
  message: 'No profile with this ICCID or AID is installed.',
  hint: 'Refresh the profile list and check the ICCID (19–20 digits, as shown by the card).',
} as const;
const DISALLOWED_BY_POLICY = {
  code: 3,
  name: 'disallowedByPolicy',
  message: 'A profile policy rule (PPR) forbids this operation.',
  hint: 'The operator locked this profile (PPR1: no disable, PPR2: no delete); only the operator can change that.',
} as const;

export const ProfileInfoListError = resultTable('ProfileInfoListError', [
  { code: 1, name: 'incorrectInputValues', message: 'The eUICC rejected the search criteria or tag list.', hint: 'Request the profile list without a filter.' },
  UNDEFINED_ERROR,
]);

export const EnableProfileResult = resultTable('EnableProfileResult', [
  OK,
  ICCID_OR_AID_NOT_FOUND,
  { code: 2, name: 'profileNotInDisabledState', message: 'The profile is already enabled.', hint: 'Nothing to do; refresh the profile list to see the current state.' },
  DISALLOWED_BY_POLICY,
  {
    code: 4,
    name: 'wrongProfileReenabling',
    message: 'The eUICC refused to re-enable this profile in its current situation.',
    hint: 'Enable another profile first, or restart the device, then retry.',
  },
  CAT_BUSY,
  UNDEFINED_ERROR,
]);

export const DisableProfileResult = resultTable('DisableProfileResult', [
  OK,
  ICCID_OR_AID_NOT_FOUND,
  { code: 2, name: 'profileNotInEnabledState', message: 'The profile is already disabled.', hint: 'Nothing to do; refresh the profile list to see the current state.' },
  DISALLOWED_BY_POLICY,
  CAT_BUSY,
  UNDEFINED_ERROR,
]);

export const DeleteProfileResult = resultTable('DeleteProfileResult', [
  OK,
  ICCID_OR_AID_NOT_FOUND,
  { code: 2, name: 'profileNotInDisabledState', message: 'The profile is enabled and cannot be deleted.', hint: 'Disable the profile first, then delete it.' },
  DISALLOWED_BY_POLICY,
  UNDEFINED_ERROR,
]);

export const EuiccMemoryResetResult = resultTable('EuiccMemoryResetResult', [
  OK,
  { code: 1, name: 'nothingToDelete', message: 'There was nothing to delete.', hint: '' },
  CAT_BUSY,
  UNDEFINED_ERROR,
]);

export const SetNicknameResult = resultTable('SetNicknameResult', [
  OK,
  { code: 1, name: 'iccidNotFound', message: 'No profile with this ICCID is installed.', hint: 'Refresh the profile list and check the ICCID.' },
  UNDEFINED_ERROR,
]);

export const SetDefaultDpAddressResult = resultTable('SetDefaultDpAddressResult', [OK, UNDEFINED_ERROR]);

export const RemoveNotificationStatus = resultTable('RemoveNotificationStatus', [
  OK,
  { code: 1, name: 'nothingToDelete', message: 'No pending notification has this sequence number.', hint: 'It was already removed; refresh the notification list.' },
  UNDEFINED_ERROR,
]);

export const ListNotificationError = resultTable('ListNotificationError', [UNDEFINED_ERROR]);

export const RetrieveNotificationsListError = resultTable('RetrieveNotificationsListError', [
  // v2.2.x only; v2.5 answers an empty list instead (Android maps it to "no notifications").
  { code: 1, name: 'noResultAvailable', message: 'No notification matches the request.', hint: '' },
  UNDEFINED_ERROR,
]);

export const AuthenticateErrorCode = resultTable('AuthenticateErrorCode', [
  { code: 1, name: 'invalidCertificate', message: "The eUICC rejected the SM-DP+ authentication certificate.", hint: 'The server certificate does not chain to a CI the card trusts, or has the wrong role; check the SM-DP+ address.' },
  { code: 2, name: 'invalidSignature', message: "The SM-DP+ signature (serverSignature1) did not verify on the eUICC.", hint: 'Data may have been altered in transit; retry the download. Persisting: SM-DP+ problem.' },
  { code: 3, name: 'unsupportedCurve', message: 'The eUICC does not support the elliptic curve of the SM-DP+ certificate.', hint: 'This SM-DP+ uses keys the card cannot handle; ask the operator for another download server.' },
  { code: 4, name: 'noSessionContext', message: 'The eUICC has no session: GetEUICCChallenge was not called or the session was reset.', hint: 'Restart the download from the beginning.' },
  { code: 5, name: 'invalidOid', message: 'The SM-DP+ certificate has an invalid or mismatching OID.', hint: 'The server is misconfigured; contact the operator.' },
  { code: 6, name: 'euiccChallengeMismatch', message: 'The SM-DP+ answered a different eUICC challenge.', hint: 'Another session interfered; restart the download.' },
  { code: 7, name: 'ciPKUnknown', message: 'The eUICC does not know the CI public key the SM-DP+ chose.', hint: 'The SM-DP+ and this eUICC trust different root CIs (e.g. a test profile on a production card).' },
  UNDEFINED_ERROR,
]);

export const DownloadErrorCode = resultTable('DownloadErrorCode', [
  { code: 1, name: 'invalidCertificate', message: 'The eUICC rejected the SM-DP+ profile-binding certificate.', hint: 'The server certificate does not chain to a trusted CI; contact the operator.' },
  { code: 2, name: 'invalidSignature', message: 'The SM-DP+ signature (smdpSignature2) did not verify on the eUICC.', hint: 'Retry the download; persisting: SM-DP+ problem.' },
  { code: 3, name: 'unsupportedCurve', message: 'The eUICC does not support the curve of the SM-DP+ certificate.', hint: 'Ask the operator for another download server.' },
  { code: 4, name: 'noSessionContext', message: 'The eUICC has no download session (AuthenticateServer missing or reset).', hint: 'Restart the download from the beginning.' },
  { code: 5, name: 'invalidTransactionId', message: 'The transaction ID does not match the current session.', hint: 'Another session interfered; restart the download.' },
  UNDEFINED_ERROR,
]);

export const CancelSessionReason = resultTable('CancelSessionReason', [
  { code: 0, name: 'endUserRejection', message: 'The user declined the profile.', hint: '' },
  { code: 1, name: 'postponed', message: 'The user postponed the download.', hint: '' },
  { code: 2, name: 'timeout', message: 'The user did not answer in time.', hint: '' },
  { code: 3, name: 'pprNotAllowed', message: 'The profile policy rules are not allowed on this device.', hint: '' },
  { code: 4, name: 'metadataMismatch', message: 'The profile metadata did not match what was expected.', hint: '' },
  { code: 5, name: 'loadBppExecutionError', message: 'Loading the bound profile package failed.', hint: '' },
  { code: 127, name: 'undefinedReason', message: 'Cancelled for another reason.', hint: '' },
]);

export const CancelSessionError = resultTable('CancelSessionError', [
  { code: 5, name: 'invalidTransactionId', message: 'The eUICC has no session with this transaction ID.', hint: 'The session already ended (completed, cancelled or reset); nothing to cancel.' },
  UNDEFINED_ERROR,
]);

export const LoadCrlError = resultTable('LoadCrlError', [
  { code: 1, name: 'invalidSignature', message: 'The CRL signature did not verify.', hint: 'Obtain the CRL again from its distribution point.' },
  { code: 2, name: 'invalidCRLFormat', message: 'The CRL is malformed.', hint: 'Obtain the CRL again.' },
  { code: 3, name: 'notEnoughMemorySpace', message: 'The eUICC has no room for the CRL.', hint: 'Free memory (delete unused profiles) and retry.' },
  { code: 4, name: 'verificationKeyNotFound', message: 'The eUICC does not know the key that signed the CRL.', hint: 'The CRL is from a CI this card does not trust.' },
  { code: 5, name: 'fresherCrlAlreadyLoaded', message: 'The eUICC already holds a newer CRL.', hint: '' },
  { code: 6, name: 'baseCrlMissing', message: 'This delta CRL needs a base CRL the eUICC does not have.', hint: 'Load the base CRL first.' },
  UNDEFINED_ERROR,
]);

export const BppCommandId = resultTable('BppCommandId', [
  { code: 0, name: 'initialiseSecureChannel', message: 'Failed while opening the secure channel (BF23).', hint: '' },
  { code: 1, name: 'configureISDP', message: 'Failed while creating the profile container (ConfigureISDP).', hint: '' },
  { code: 2, name: 'storeMetadata', message: 'Failed while storing the profile metadata.', hint: '' },
  { code: 3, name: 'storeMetadata2', message: 'Failed while storing the profile metadata (second part).', hint: '' },
  { code: 4, name: 'replaceSessionKeys', message: 'Failed while replacing the session keys.', hint: '' },
  { code: 5, name: 'loadProfileElements', message: 'Failed while installing the profile elements.', hint: '' },
]);

export const ProfileInstallationErrorReason = resultTable('ErrorReason', [
  { code: 1, name: 'incorrectInputValues', message: 'The eUICC rejected malformed input in the profile package.', hint: 'Retry the download; persisting: SM-DP+ problem.' },
  { code: 2, name: 'invalidSignature', message: 'A signature in the profile package did not verify.', hint: 'Retry the download; persisting: SM-DP+ problem.' },
  { code: 3, name: 'invalidTransactionId', message: 'The profile package belongs to another session.', hint: 'Restart the download.' },
  { code: 4, name: 'unsupportedCrtValues', message: 'The eUICC does not support the key parameters of the package.', hint: 'Contact the operator: the SM-DP+ uses unsupported settings.' },
  { code: 5, name: 'unsupportedRemoteOperationType', message: 'The eUICC does not support the requested remote operation.', hint: 'Contact the operator.' },
  { code: 6, name: 'unsupportedProfileClass', message: 'The eUICC does not accept this class of profile (e.g. a test profile on a production card).', hint: 'Use a profile intended for this kind of card.' },
  { code: 7, name: 'scp03tStructureError', message: 'The protected profile data is malformed.', hint: 'Retry the download; persisting: SM-DP+ problem.' },
  { code: 8, name: 'scp03tSecurityError', message: 'The protected profile data failed its integrity check.', hint: 'Data was corrupted in transit; retry the download.' },
  { code: 9, name: 'installFailedDueToIccidAlreadyExistsOnEuicc', message: 'A profile with this ICCID is already installed.', hint: 'Delete the existing profile first if you want to reinstall it.' },
  { code: 10, name: 'installFailedDueToInsufficientMemoryForProfile', message: 'The eUICC does not have enough free memory for this profile.', hint: 'Delete unused profiles and retry.' },
  { code: 11, name: 'installFailedDueToInterruption', message: 'The installation was interrupted.', hint: 'Keep the card powered and connected during the download; retry.' },
  { code: 12, name: 'installFailedDueToPEProcessingError', message: 'The eUICC failed to process a profile element.', hint: 'The profile is incompatible with this card; contact the operator.' },
  { code: 13, name: 'installFailedDueToDataMismatch', message: 'The profile content does not match its metadata (e.g. ICCID).', hint: 'SM-DP+ problem; contact the operator.' },
  { code: 14, name: 'testProfileInstallFailedDueToInvalidNaaKey', message: 'The test profile has an invalid network access key.', hint: 'Fix the test profile.' },
  { code: 15, name: 'pprNotAllowed', message: 'The profile policy rules are not allowed by this eUICC.', hint: 'The operator locks this profile in a way the card forbids.' },
  { code: 31, name: 'insufficientMinimumSecurityLevel', message: 'The eUICC security level is below what the profile requires.', hint: 'This card cannot hold this profile.' },
  { code: 32, name: 'serverAddressAbsentInEuiccAllowList', message: 'The SM-DP+ is not in the eUICC allow list.', hint: 'This card only accepts profiles from approved servers.' },
  { code: 127, name: 'installFailedDueToUnknownError', message: 'The installation failed for an unspecified reason.', hint: 'Retry; if it persists contact the operator with the notification data.' },
]);

export const LpaeActivationResult = resultTable('LpaeActivationResult', [
  OK,
  { code: 1, name: 'notSupported', message: 'The eUICC does not support the requested LPAe mode.', hint: '' },
]);

export const AuthenticateClientEs11Error = resultTable('AuthenticateClientEs11Error', [
  { code: 1, name: 'eumCertificateInvalid', message: 'The SM-DS rejected the EUM certificate.', hint: '' },
  { code: 2, name: 'eumCertificateExpired', message: 'The EUM certificate has expired.', hint: '' },
  { code: 3, name: 'euiccCertificateInvalid', message: 'The SM-DS rejected the eUICC certificate.', hint: '' },
  { code: 4, name: 'euiccCertificateExpired', message: 'The eUICC certificate has expired.', hint: '' },
  { code: 5, name: 'euiccSignatureInvalid', message: 'The eUICC signature did not verify at the SM-DS.', hint: '' },
  { code: 6, name: 'eventIdUnknown', message: 'The SM-DS does not know the event.', hint: '' },
  { code: 7, name: 'invalidTransactionId', message: 'The SM-DS does not know the transaction.', hint: 'Restart the discovery.' },
  UNDEFINED_ERROR,
]);

/** Every table, for UIs and documentation. */
export const RESULT_TABLES: readonly ResultTable[] = [
  ProfileInfoListError,
  EnableProfileResult,
  DisableProfileResult,
  DeleteProfileResult,
  EuiccMemoryResetResult,
  SetNicknameResult,
  SetDefaultDpAddressResult,
  RemoveNotificationStatus,
  ListNotificationError,
  RetrieveNotificationsListError,
  AuthenticateErrorCode,
  DownloadErrorCode,
  CancelSessionReason,
  CancelSessionError,
  LoadCrlError,
  BppCommandId,
  ProfileInstallationErrorReason,
  LpaeActivationResult,
  AuthenticateClientEs11Error,
];
