/**
 * WorkbenchApi — the one contract between eSIM Workbench's implementation (src-main/services) and its
 * three front ends: the Electron renderer (through preload + ipcMain), the web shell (WebSocket on
 * loopback) and the `ewb` CLI (in-process). A feature is implemented once behind this interface.
 *
 * Rules of the contract:
 * - Every call is async and every value is plain, JSON-serialisable data (so it crosses IPC and
 *   WebSocket unchanged). Binary data travels as upper-case hex strings.
 * - Failures reject with a {@link ApiError}-shaped error (`code`, `message`, `hint`, `details`).
 * - Long operations (download, notification processing) start with a call that returns an
 *   operation id at once; progress, prompts (confirmation code, consent) and the outcome arrive as
 *   {@link WorkbenchEvent}s; {@link WorkbenchApi.waitForOperation} resolves with the outcome.
 * - One operation per card at a time: a second one on a busy card is queued, not interleaved.
 */

/** A failure as every front end receives it (mirrors shared/errors.ts WorkbenchError.toJSON()). */
export interface ApiError {
  readonly code: string;
  readonly message: string;
  readonly hint: string;
  readonly details: Record<string, unknown>;
}

/** Build facts, shown by `ewb version` and the About box. */
export interface VersionInfo {
  readonly app: string;
  readonly version: string;
  readonly node: string;
  readonly electron?: string;
  readonly platform: string;
  /** Highest SGP.22 version the LPA implements, e.g. "2.5.0". */
  readonly sgp22: string;
}

/** How a device is reached. `virtual` is the built-in virtual eUICC (the default with no hardware). */
export type DeviceKind = 'pcsc' | 'at' | 'qmi' | 'qmicli' | 'virtual';

/** One card slot the workbench can talk to. */
export interface DeviceSummary {
  /** Stable id used in every other call, e.g. `virtual:default`, `pcsc:ACS ACR39U 00 00`. */
  readonly id: string;
  readonly kind: DeviceKind;
  /** What the user sees. */
  readonly label: string;
  /** `present`: a card answers; `absent`: reader/modem without card; `unavailable`: cannot be used (see `reason`). */
  readonly status: 'present' | 'absent' | 'unavailable';
  /** Why the device is unavailable, or a notice such as "modem refuses the blank eUICC; using QMI SAP". */
  readonly reason?: string;
  /** `euicc` once the ISD-R answered; `sim` for a plain SIM; `unknown` before a probe. */
  readonly cardType?: 'euicc' | 'sim' | 'unknown';
  /** How APDUs reach the card, e.g. `logical-channel`, `sap`, `csim`, `pcsc`. */
  readonly accessMode?: string;
}

/** Identity and capabilities of an eUICC. */
export interface CardInfo {
  readonly deviceId: string;
  readonly eid: string;
  /** ATR as hex, when the transport exposes it. */
  readonly atr?: string;
  /** SGP.22 version of the ISD-R (EUICCInfo1 svn), e.g. "2.2.2". */
  readonly svn: string;
  readonly profileVersion?: string;
  readonly firmwareVersion?: string;
  /** Free non-volatile memory in bytes (EUICCInfo2 extCardResource). */
  readonly freeNvMemory?: number;
  readonly freeVolatileMemory?: number;
  readonly installedApplications?: number;
  /** CI key identifiers (hex) the eUICC verifies with / signs with. */
  readonly ciPkIdsForVerification: readonly string[];
  readonly ciPkIdsForSigning: readonly string[];
  readonly rspCapabilities: readonly string[];
  readonly uiccCapabilities: readonly string[];
  readonly euiccCategory?: string;
  readonly defaultDpAddress?: string;
  readonly rootDsAddress?: string;
}

export type ProfileState = 'enabled' | 'disabled';
export type ProfileClass = 'test' | 'provisioning' | 'operational';

/** One installed profile as GetProfilesInfo reports it. */
export interface ProfileSummary {
  /** ICCID as printed on a SIM (digits, no padding). */
  readonly iccid: string;
  /** ISD-P AID as hex. */
  readonly isdpAid?: string;
  readonly state: ProfileState;
  readonly nickname?: string;
  readonly serviceProviderName?: string;
  readonly profileName?: string;
  readonly profileClass?: ProfileClass;
  /** Icon as a data: URL (image/png or image/jpeg), when the profile has one. */
  readonly icon?: string;
  /** Profile policy rules that are set: `ppr1` (cannot be disabled), `ppr2` (cannot be deleted), `pprUpdateControl`. */
  readonly policyRules: readonly string[];
  /** Operator identity (MCC/MNC as digits, GID1/GID2 hex). */
  readonly owner?: { readonly mccMnc: string; readonly gid1?: string; readonly gid2?: string };
}

/** Which profile a management call targets. */
export type ProfileRef = { readonly iccid: string } | { readonly isdpAid: string };

/** Outcome of enable/disable/delete/nickname: the card's result code, named. */
export interface ProfileOpResult {
  readonly ok: boolean;
  /** The ES10 result name, e.g. `ok`, `profileNotInDisabledState`. */
  readonly result: string;
  /** Human explanation and what to do when not ok. */
  readonly message: string;
  readonly hint?: string;
}

/** Input of a profile download. Exactly one of `activationCode` or `smdpAddress` (default SM-DP+) is used. */
export interface DownloadRequest {
  /** `LPA:1$smdp.example.com$MATCHING-ID[$oid[$1]]`, as read from the QR code. */
  readonly activationCode?: string;
  /** Use this SM-DP+ with an empty matching id (default SM-DP+ flow / SM-DS event). */
  readonly smdpAddress?: string;
  readonly matchingId?: string;
  /** Confirmation code given up front (otherwise asked through a `confirmation-code` prompt). Never logged. */
  readonly confirmationCode?: string;
  /** IMEI to report in DeviceInfo (15 digits); omitted when absent. */
  readonly imei?: string;
  /** Skip the consent prompt and accept the profile's metadata (batch benches). */
  readonly autoConsent?: boolean;
  /** Enable the profile after a successful install. */
  readonly enableAfterInstall?: boolean;
}

/** The named steps of a download, in order (SGP22-DIGEST §3.2). */
export type DownloadStep =
  | 'authenticate-server'
  | 'authenticate-client'
  | 'consent'
  | 'prepare-download'
  | 'get-bound-profile-package'
  | 'load-bound-profile-package'
  | 'send-notifications'
  | 'done';

/** Profile metadata shown for consent before anything is installed. */
export interface ProfilePreview {
  readonly iccid: string;
  readonly serviceProviderName?: string;
  readonly profileName?: string;
  readonly profileClass?: ProfileClass;
  readonly icon?: string;
  readonly policyRules: readonly string[];
  readonly smdpAddress: string;
}

/** A question an operation needs answered through {@link WorkbenchApi.answerPrompt}. */
export type OperationPrompt =
  | { readonly kind: 'confirmation-code'; readonly promptId: string; readonly attemptsLeft?: number }
  | { readonly kind: 'consent'; readonly promptId: string; readonly preview: ProfilePreview; readonly timeoutMs: number };

/** The answer to a prompt. A consent answer of `false` cancels with reason endUserRejection. */
export type PromptAnswer =
  | { readonly promptId: string; readonly kind: 'confirmation-code'; readonly code: string }
  | { readonly promptId: string; readonly kind: 'consent'; readonly accept: boolean };

/** Final state of an operation. */
export interface OperationResult {
  readonly operationId: string;
  readonly status: 'succeeded' | 'failed' | 'cancelled';
  /** For downloads: the installed profile's ICCID. */
  readonly iccid?: string;
  readonly error?: ApiError;
  /** Notifications delivered to SM-DP+ servers during the operation. */
  readonly notificationsSent?: number;
}

/** A pending notification stored on the eUICC (ListNotification) or in the local queue. */
export interface NotificationSummary {
  readonly seqNumber: number;
  /** `install` | `enable` | `disable` | `delete`. */
  readonly event: string;
  readonly address: string;
  readonly iccid?: string;
  /** `card`: still only on the eUICC; `queued`: saved locally, waiting for delivery. */
  readonly where: 'card' | 'queued';
}

/** One row of the APDU log (card layer's log tap; PIN/PUK data already redacted). */
export interface ApduLogRow {
  readonly seq: number;
  readonly time: string;
  readonly durationMs: number;
  readonly deviceId: string;
  readonly channel: number;
  readonly command: string;
  readonly response: string;
  readonly sw: string;
  readonly swMeaning: string;
  readonly annotation?: string;
}

/** A node of a decoded BER-TLV / SGP.22 blob (`ewb decode`, log inspector). */
export interface DecodedNode {
  readonly tag: string;
  readonly name: string;
  readonly offset: number;
  readonly length: number;
  readonly value?: string;
  readonly hex?: string;
  readonly children?: readonly DecodedNode[];
}

export interface DecodeResult {
  readonly nodes: readonly DecodedNode[];
  /** Where decoding stopped on corrupt input; what was decoded before it is still in `nodes`. */
  readonly error?: { readonly code: string; readonly message: string; readonly offset: number };
  /** The same tree as indented text. */
  readonly text: string;
}

// ---- Diagnostics (ATR, T=0 traces, live card and modem probes) ----

export type DiagSeverity = 'error' | 'warning' | 'info';

/** One diagnosis: what the user sees, why, what to do, and the observations that made it fire. */
export interface DiagFinding {
  /** Stable id of the rule, e.g. `blank-euicc`, `pin-required`, `atr-bad-tck`, `probe-step-failed:eid`. */
  readonly ruleId: string;
  readonly severity: DiagSeverity;
  readonly title: string;
  readonly symptom: string;
  readonly cause: string;
  readonly fix: string;
  readonly evidence: readonly string[];
}

/** A decoded Answer To Reset (ISO 7816-3). */
export interface DiagAtr {
  /** The ATR bytes, spaced hex. */
  readonly hex: string;
  /** One line, e.g. "T=0, T=15 · Fi 512 / Di 32 · 223.1 kbit/s at 3.57 MHz". */
  readonly summary: string;
  readonly convention: 'direct' | 'inverse' | 'unknown';
  readonly protocols: readonly number[];
  /** TS, T0, TAi/TBi/TCi/TDi, historical bytes, TCK — each with its meaning. */
  readonly fields: readonly { readonly name: string; readonly hex: string; readonly explanation: string }[];
  /** Structural problems (bad TCK, truncated, trailing bytes …). */
  readonly issues: readonly { readonly code: string; readonly message: string; readonly offset?: number }[];
}

/** One TPDU of a decoded T=0 trace, as a protocol analyzer lists it. */
export interface DiagTraceEntry {
  readonly no: number;
  /** Capture time in seconds, when the capture has one. */
  readonly time?: number;
  readonly command: string;
  readonly header: string;
  readonly decoded: string;
  readonly details?: readonly string[];
  /** Command data (PIN values masked). */
  readonly data?: string;
  readonly response?: string;
  readonly sw?: string;
  readonly status: string;
  readonly outcome: 'complete' | 'no-answer' | 'incomplete';
  readonly notes?: readonly string[];
}

export interface DiagTrace {
  readonly format: 'hex' | 'csv' | 'bytes';
  readonly byteCount: number;
  readonly atr?: DiagAtr;
  readonly entries: readonly DiagTraceEntry[];
  /** Bytes that could not be decoded, input lines that could not be read. */
  readonly problems: readonly { readonly offset?: number; readonly line?: number; readonly entry?: number; readonly message: string }[];
  /** The whole listing as text (what `ewb diag trace` prints). */
  readonly listing: string;
}

export type DiagStepStatus = 'ok' | 'warning' | 'failed' | 'skipped';

/** One step of a live probe (read the ATR, select the ISD-R, read EF.ICCID …). */
export interface DiagProbeStep {
  readonly id: string;
  readonly title: string;
  readonly status: DiagStepStatus;
  /** What the step found, in one line. */
  readonly result: string;
  readonly details?: readonly string[];
  /** `seq` of the APDU log rows this step sent (rows are in the report's `apduLog`). */
  readonly apduSeqs?: readonly number[];
}

/** What a card probe learned about the card. `unknown` = not observed (step skipped or failed). */
export interface DiagCardSummary {
  readonly atr?: string;
  readonly mf: 'present' | 'absent' | 'unknown';
  readonly isdr: 'present' | 'absent' | 'unknown';
  /** SGP.22 version from the ISD-R's FCI. */
  readonly sgp22Version?: string;
  readonly ecasd: 'present' | 'absent' | 'unknown';
  readonly eid?: string;
  readonly iccid?: string;
  /** `present` with `iccid` set when EF.ICCID was read; `absent` when the card has no EF.ICCID (blank eUICC). */
  readonly iccidStatus: 'present' | 'absent' | 'unknown';
  /** Applications listed in EF.DIR. */
  readonly applications: readonly { readonly aid: string; readonly label?: string; readonly name?: string }[];
  readonly usim: 'present' | 'absent' | 'unknown';
  /** PIN1 as a VERIFY without data reports it (no PIN is ever sent). */
  readonly pin: { readonly status: 'not-required' | 'required' | 'blocked' | 'puk-blocked' | 'not-available' | 'unknown'; readonly retriesLeft?: number };
}

/**
 * A transport choice: `pcsc`, `virtual`, `at-channel` (+CCHO/+CGLA), `at-csim` (+CSIM), `qmi` (QMI logical
 * channels), `qmi-sap` (QMI UIM SAP), `qmicli`, or `none` (nothing reaches the card).
 */
export interface DiagRecommendation {
  readonly transport: string;
  /** Why this transport. */
  readonly reason: string;
  /** What to do next, e.g. "Download the first profile over this computer's network". */
  readonly nextStep: string;
}

/** The modem part of a probe (AT or QMI), in one shape for both. */
export interface DiagModemProbe {
  readonly kind: 'at' | 'qmi';
  /** Port or device, e.g. `/dev/ttyUSB2`, `/dev/cdc-wdm0`. */
  readonly label: string;
  /** False when this probe could not run at all (transport missing, port busy); see `unavailableReason`. */
  readonly available: boolean;
  readonly unavailableReason?: string;
  /** Identity and state, e.g. { label: '+CPIN?', value: 'ERROR', meaning: 'no usable SIM' }. */
  readonly facts: readonly { readonly label: string; readonly value: string; readonly meaning?: string }[];
  /** Which card-access methods work (+CSIM, +CCHO/+CGLA, +CRSM, QMI logical channel, QMI SAP). */
  readonly access: readonly { readonly method: string; readonly works: boolean; readonly detail: string }[];
  readonly recommendation?: DiagRecommendation;
  /** AT commands and answers, or QMI messages, in order. */
  readonly transcript: readonly string[];
}

export interface DiagProbe {
  /** Device id (or port) that was probed. */
  readonly target: string;
  readonly steps: readonly DiagProbeStep[];
  /** Absent when no card access was possible at all. */
  readonly card?: DiagCardSummary;
  readonly modems: readonly DiagModemProbe[];
  /** The transport to use and the next step, from the modem and card probes together. */
  readonly recommendation: DiagRecommendation;
  /** How the card was reached, e.g. "logical channels refused by the modem (blank eUICC): using QMI UIM SAP". */
  readonly notices: readonly string[];
}

/** Everything one diagnosis produced; the UI renders it and it exports as JSON, Markdown or HTML. */
export interface DiagnosticReport {
  readonly kind: 'atr' | 'trace' | 'probe';
  /** ISO 8601. */
  readonly createdAt: string;
  readonly device?: { readonly id: string; readonly label?: string; readonly kind?: string };
  /** One sentence: the most important finding or "No known problem pattern found". */
  readonly summary: string;
  /** Most severe first. */
  readonly findings: readonly DiagFinding[];
  readonly atr?: DiagAtr;
  readonly trace?: DiagTrace;
  readonly probe?: DiagProbe;
  /** The APDUs a probe exchanged (PIN data redacted by the card layer). */
  readonly apduLog?: readonly ApduLogRow[];
}

export type DiagReportFormat = 'json' | 'markdown' | 'html';

/** A report rendered for saving: HTML is self-contained (no scripts, no external resources). */
export interface RenderedDiagReport {
  readonly format: DiagReportFormat;
  /** Suggested file name, e.g. `ewb-probe-2025-01-01T120000Z.md`. */
  readonly fileName: string;
  readonly mimeType: string;
  readonly content: string;
}

/** A profile waiting for this eUICC at an SM-DS (ES11 event), ready to download. */
export interface DiscoveredEvent {
  readonly eventId: string;
  /** SM-DP+ that holds the profile. */
  readonly smdpAddress: string;
  /** The SM-DS that listed the event (the root one, or one reached through a cascade). */
  readonly smdsAddress?: string;
  /** Activation code that downloads it (`LPA:1$<smdpAddress>$<eventId>`). */
  readonly activationCode: string;
}

/** What the running workbench is connected to: hardware and the embedded virtual devices. */
export interface EnvironmentInfo {
  /** Where settings, virtual card state and the notification queue live. */
  readonly dataDir: string;
  /** The built-in virtual eUICC, when enabled (the default with no hardware). */
  readonly virtualEuicc?: { readonly deviceId: string; readonly eid: string };
  /**
   * The local test SM-DP+ on loopback, when running, with activation codes of its released orders —
   * for training and trying the download flow without an operator.
   */
  readonly testSmdp?: { readonly address: string; readonly activationCodes: readonly string[] };
  /** TLS verification is off for ES9+ (explicit insecure option). Always shown as a warning. */
  readonly insecureTls: boolean;
}

/** Everything the implementation pushes to front ends. */
export type WorkbenchEvent =
  | { readonly type: 'devices-changed'; readonly devices: readonly DeviceSummary[] }
  | { readonly type: 'operation-progress'; readonly operationId: string; readonly deviceId: string; readonly step: DownloadStep | string; readonly percent?: number; readonly message: string }
  | { readonly type: 'operation-prompt'; readonly operationId: string; readonly prompt: OperationPrompt }
  | { readonly type: 'operation-finished'; readonly result: OperationResult }
  | { readonly type: 'apdu'; readonly row: ApduLogRow }
  /** Something the user should know that is not an error, e.g. "logical channels refused; switched to QMI SAP". */
  | { readonly type: 'notice'; readonly deviceId?: string; readonly level: 'info' | 'warning'; readonly message: string };

export type Unsubscribe = () => void;

/**
 * The contract. Implemented once in src-main/services (`createWorkbench()`), adapted by the front ends.
 */
export interface WorkbenchApi {
  /** Build and protocol versions. */
  version(): Promise<VersionInfo>;

  /** Devices that can hold a card: readers, modems and the virtual eUICC(s). */
  listDevices(): Promise<DeviceSummary[]>;

  /** EID, versions, memory and configured addresses of the eUICC in `deviceId`. */
  getCardInfo(deviceId: string): Promise<CardInfo>;

  /** Installed profiles (ES10c.GetProfilesInfo). */
  listProfiles(deviceId: string): Promise<ProfileSummary[]>;

  /** ES10c.EnableProfile; `refresh` asks the eUICC to refresh the terminal session (default true). */
  enableProfile(deviceId: string, profile: ProfileRef, options?: { refresh?: boolean }): Promise<ProfileOpResult>;

  /** ES10c.DisableProfile. */
  disableProfile(deviceId: string, profile: ProfileRef, options?: { refresh?: boolean }): Promise<ProfileOpResult>;

  /** ES10c.DeleteProfile (the profile must be disabled). */
  deleteProfile(deviceId: string, profile: ProfileRef): Promise<ProfileOpResult>;

  /** ES10c.SetNickname. An empty string clears it. */
  setNickname(deviceId: string, iccid: string, nickname: string): Promise<ProfileOpResult>;

  /** ES10a.SetDefaultDpAddress. */
  setDefaultDpAddress(deviceId: string, address: string): Promise<ProfileOpResult>;

  /**
   * Starts a profile download and returns its operation id at once. Progress, prompts and the
   * outcome arrive as events; {@link waitForOperation} resolves with the outcome.
   */
  startDownload(deviceId: string, request: DownloadRequest): Promise<{ operationId: string }>;

  /** Answers a prompt of a running operation. */
  answerPrompt(operationId: string, answer: PromptAnswer): Promise<void>;

  /** Cancels a running operation; the right CancelSession is sent to card and server. */
  cancelOperation(operationId: string): Promise<void>;

  /** Resolves when the operation ends (immediately if it already has). */
  waitForOperation(operationId: string): Promise<OperationResult>;

  /** Notifications pending on the card and in the local delivery queue. */
  listNotifications(deviceId: string): Promise<NotificationSummary[]>;

  /** Delivers pending notifications (all, or the given sequence numbers); returns how many were accepted. */
  processNotifications(deviceId: string, seqNumbers?: readonly number[]): Promise<{ sent: number; failed: number }>;

  /** Removes a notification from the card without sending it. */
  removeNotification(deviceId: string, seqNumber: number): Promise<void>;

  /** APDU log rows with `seq` greater than `afterSeq` (all kept rows when omitted). */
  getApduLog(afterSeq?: number): Promise<ApduLogRow[]>;

  /** Empties the APDU log. */
  clearApduLog(): Promise<void>;

  /** Decodes a BER-TLV / SGP.22 blob given as hex (spaces, 0x and newlines allowed). */
  decode(hex: string): Promise<DecodeResult>;

  /**
   * Asks the eUICC's root SM-DS (or `smdsAddress`) for profiles waiting for this eUICC (ES11).
   * Each event comes with the activation code that downloads it through {@link startDownload}.
   */
  discoverProfiles(deviceId: string, options?: { smdsAddress?: string }): Promise<DiscoveredEvent[]>;

  /** Data directory, virtual devices and local test servers of this workbench. */
  environment(): Promise<EnvironmentInfo>;


  /**
   * Diagnostics: decodes an Answer To Reset given as hex (spaces, 0x, colons allowed) field by field —
   * TS, T0, interface bytes, Fi/Di and bit rate, historical bytes, TCK — and diagnoses it. Bad card data
   * is reported in the report (`atr.issues`, findings); rejects only an empty input (`USAGE`) or one without hex (`HEX_INVALID`).
   */
  analyzeAtr(hex: string): Promise<DiagnosticReport>;

  /**
   * Diagnostics: decodes an ISO 7816 T=0 I/O-line capture (hex byte stream such as `0x00 0xA4 …`, plain
   * hex, or a logic-analyzer CSV export; optionally starting with ATR/PPS) into a protocol-analyzer
   * listing and runs the diagnosis rules over it. Never rejects on broken captures (they become
   * `trace.problems`); rejects only an empty input (`USAGE`).
   */
  analyzeTrace(text: string): Promise<DiagnosticReport>;

  /**
   * Diagnostics: probes a device live — for modems the AT or QMI side (identity, SIM state, which
   * card-access commands work), then the card (ATR, ISD-R/ECASD, EID, EF.DIR, EF.ICCID, USIM, PIN status
   * without sending a PIN) — and ends with a recommended transport and next step. Each failing step
   * becomes a finding, not a rejection. `deviceId` omitted: the default device.
   */
  probeDevice(deviceId?: string): Promise<DiagnosticReport>;

  /** Renders a report (as returned by the calls above) as JSON, Markdown or self-contained HTML for saving. */
  renderDiagnosticReport(report: DiagnosticReport, format: DiagReportFormat): Promise<RenderedDiagReport>;

  /** Receives every {@link WorkbenchEvent}. */
  subscribe(listener: (event: WorkbenchEvent) => void): Unsubscribe;
}

/** Names of the request/response methods (everything but `subscribe`): what IPC and WebSocket bridges forward. */
export const WORKBENCH_METHODS = [
  'version',
  'listDevices',
  'getCardInfo',
  'listProfiles',
  'enableProfile',
  'disableProfile',
  'deleteProfile',
  'setNickname',
  'setDefaultDpAddress',
  'startDownload',
  'answerPrompt',
  'cancelOperation',
  'waitForOperation',
  'listNotifications',
  'processNotifications',
  'removeNotification',
  'getApduLog',
  'clearApduLog',
  'decode',
  'discoverProfiles',
  'environment',
  'analyzeAtr',
  'analyzeTrace',
  'probeDevice',
  'renderDiagnosticReport',
] as const satisfies readonly Exclude<keyof WorkbenchApi, 'subscribe'>[];

export type WorkbenchMethod = (typeof WORKBENCH_METHODS)[number];

/** True for strings that name a bridged method (guards IPC/WebSocket input). */
export function isWorkbenchMethod(name: unknown): name is WorkbenchMethod {
  return typeof name === 'string' && (WORKBENCH_METHODS as readonly string[]).includes(name);
}

// Compile-time check that every request/response method of WorkbenchApi is bridged.
type UnbridgedMethods = Exclude<Exclude<keyof WorkbenchApi, 'subscribe'>, WorkbenchMethod>;
export const ALL_METHODS_BRIDGED: [UnbridgedMethods] extends [never] ? true : never = true;
