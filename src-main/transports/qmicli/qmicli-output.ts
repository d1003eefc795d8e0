/**
 * qmicli's printed output as data (TRANSPORTS.md §2.4, and what qmicli 1.32 prints for card and slot
 * status). Parsers here are pure; qmicli-bridge.ts runs the tool.
 */
import { WorkbenchError } from '../../../shared/errors.js';
import { fromHex } from '../../../shared/hex.js';

export interface QmicliVersion {
  readonly major: number;
  readonly minor: number;
  readonly micro: number;
}

/** First release with --uim-open-logical-channel / --uim-send-apdu / --uim-close-logical-channel. */
export const QMICLI_UIM_APDU_SINCE: QmicliVersion = { major: 1, minor: 36, micro: 0 };

export const QMICLI_PATTERNS = {
  version: /^qmicli (\d+)\.(\d+)\.(\d+)/m,
  openChannel: /^Open Logical Channel operation successfully completed: (\d+)$/m,
  closeChannel: /^Close Logical Channel operation successfully completed$/m,
  sendApdu: /^Send APDU operation successfully completed: ([0-9A-Fa-f:]*)$/m,
  /** `[dev] Client ID not released:\n\tService: 'uim'\n\t    CID: '3'` */
  cidNotReleased: /Client ID not released:\s*\n\s*Service: '([^']+)'\s*\n\s*CID: '(\d+)'/,
  /** stderr: `error: <what> failed: <GError message>` */
  failure: /^error: (.+)$/m,
  protocolError: /QMI protocol error \((\d+)\): '([^']+)'/,
} as const;

export function parseQmicliVersion(stdout: string): QmicliVersion {
  const m = QMICLI_PATTERNS.version.exec(stdout);
  if (!m) throw new WorkbenchError('QMICLI_VERSION', 'Could not read the qmicli version.', 'Check that `qmicli --version` works (package libqmi-utils).', { details: { stdout: stdout.slice(0, 200) } });
  return { major: Number(m[1]), minor: Number(m[2]), micro: Number(m[3]) };
}

export function versionAtLeast(v: QmicliVersion, min: QmicliVersion): boolean {
  return v.major !== min.major ? v.major > min.major : v.minor !== min.minor ? v.minor > min.minor : v.micro >= min.micro;
}

function expectMatch(pattern: RegExp, stdout: string, what: string): RegExpExecArray {
  const m = pattern.exec(stdout);
  if (!m) throw new WorkbenchError('QMICLI_OUTPUT', `qmicli printed no ${what} result.`, 'This qmicli prints something unexpected; the log shows its output.', { details: { stdout: stdout.slice(0, 500) } });
  return m;
}

export function parseOpenChannel(stdout: string): number {
  return Number(expectMatch(QMICLI_PATTERNS.openChannel, stdout, 'open logical channel')[1]);
}
export function parseCloseChannel(stdout: string): void {
  expectMatch(QMICLI_PATTERNS.closeChannel, stdout, 'close logical channel');
}
export function parseSendApdu(stdout: string): Uint8Array {
  return fromHex(expectMatch(QMICLI_PATTERNS.sendApdu, stdout, 'send APDU')[1] ?? '');
}
export function parseKeptClientId(stdout: string): number {
  return Number(expectMatch(QMICLI_PATTERNS.cidNotReleased, stdout, 'client id')[2]);
}

export interface QmicliApplication {
  /** e.g. `usim (2)` as printed, and the number inside. */
  readonly type: string;
  readonly state: string;
  readonly aid?: Uint8Array;
}
export interface QmicliCard {
  readonly slot: number;
  /** `absent` | `present` | `error` */
  readonly state: string;
  readonly error?: string;
  readonly applications: readonly QmicliApplication[];
}

/** `--uim-get-card-status` text → cards (one per `Slot [n]:` block). */
export function parseCardStatusText(stdout: string): QmicliCard[] {
  const cards: QmicliCard[] = [];
  const blocks = stdout.split(/^Slot \[(\d+)\]:$/m);
  for (let i = 1; i + 1 < blocks.length; i += 2) {
    const body = blocks[i + 1] ?? '';
    const state = /Card state: '([^']+)'/.exec(body)?.[1] ?? 'unknown';
    const error = /Card error: '([^']+)'/.exec(body)?.[1];
    const applications = body
      .split(/^\tApplication \[\d+\]:$/m)
      .slice(1)
      .map((app) => {
        const aidHex = /Application ID:\s*\n\s*([0-9A-Fa-f:]+)/.exec(app)?.[1];
        return {
          type: /Application type:\s+'([^']+)'/.exec(app)?.[1] ?? 'unknown',
          state: /Application state: '([^']+)'/.exec(app)?.[1] ?? 'unknown',
          ...(aidHex ? { aid: fromHex(aidHex) } : {}),
        };
      });
    cards.push({ slot: Number(blocks[i]), state, ...(error ? { error } : {}), applications });
  }
  return cards;
}

export interface QmicliPhysicalSlot {
  readonly slot: number;
  readonly cardPresent: boolean;
  readonly active: boolean;
  readonly iccid?: string;
  readonly isEuicc?: boolean;
}

/** `--uim-get-slot-status` text → physical slots. */
export function parseSlotStatusText(stdout: string): QmicliPhysicalSlot[] {
  const blocks = stdout.split(/^\s*Physical slot (\d+):$/m);
  const slots: QmicliPhysicalSlot[] = [];
  for (let i = 1; i + 1 < blocks.length; i += 2) {
    const body = blocks[i + 1] ?? '';
    const iccid = /ICCID: (\S+)/.exec(body)?.[1];
    const euicc = /Is eUICC: (\S+)/.exec(body)?.[1];
    slots.push({
      slot: Number(blocks[i]),
      cardPresent: /Card status: present/.test(body),
      active: /Slot status: active/.test(body),
      ...(iccid && iccid !== 'unknown' ? { iccid } : {}),
      ...(euicc ? { isEuicc: euicc === 'yes' } : {}),
    });
  }
  return slots;
}

/** stderr of a failed run → WorkbenchError with the QMI error, when there is one. */
export function qmicliFailure(stderr: string, args: readonly string[]): WorkbenchError {
  const line = QMICLI_PATTERNS.failure.exec(stderr)?.[1] ?? stderr.trim().split('\n').at(-1) ?? 'no output';
  const protocol = QMICLI_PATTERNS.protocolError.exec(line);
  const refused = protocol?.[2] === 'AccessDenied' || protocol?.[2] === 'IncompatibleState';
  return new WorkbenchError(
    'QMICLI_FAILED',
    `qmicli: ${line}`,
    line.includes("couldn't open the QmiDevice")
      ? 'Check the device path and permissions (root or plugdev + udev rule); if ModemManager holds it, use the proxy option.'
      : refused
        ? 'The modem refused the request for this card; for a blank eUICC use the native QMI transport (SAP path).'
        : 'The log shows the full qmicli output.',
    { details: { args: [...args], stderr: stderr.slice(0, 1000), ...(protocol ? { qmiError: Number(protocol[1]), qmiErrorName: protocol[2] } : {}) } },
  );
}
