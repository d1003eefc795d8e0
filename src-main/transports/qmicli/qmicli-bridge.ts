/**
 * The qmicli bridge: drives Debian's `qmicli` as a subprocess (execFile, no shell, with timeouts) when
 * the native QMI path cannot open the device, or when the user prefers the system tool. qmicli 1.32
 * (Debian) does card status, slot status/switch and SIM power; from 1.36 it also opens/closes logical
 * channels and sends APDUs, which `QmicliChannelTransport` uses with one kept client id, so every run
 * does not allocate and leak a fresh one (TRANSPORTS.md §2.4). qmicli has no SAP messages, so a blank
 * eUICC on a refusing modem needs the native transport.
 */
import { execFile } from 'node:child_process';
import { WorkbenchError, throwIfAborted } from '../../../shared/errors.js';
import { toHex } from '../../../shared/hex.js';
import type { ChannelCardTransport, OpenedChannel, TransportInfo } from '../../card/transport.js';
import {
  QMICLI_UIM_APDU_SINCE,
  parseCardStatusText,
  parseCloseChannel,
  parseKeptClientId,
  parseOpenChannel,
  parseQmicliVersion,
  parseSendApdu,
  parseSlotStatusText,
  qmicliFailure,
  versionAtLeast,
} from './qmicli-output.js';
import type { QmicliCard, QmicliPhysicalSlot, QmicliVersion } from './qmicli-output.js';

export interface QmicliBridgeOptions {
  /** `-d` device, e.g. `/dev/cdc-wdm0`. */
  readonly device: string;
  /** `-p`: go through qmi-proxy (coexists with ModemManager). */
  readonly proxy?: boolean;
  /** Force QMI or MBIM mode; qmicli's auto mode needs a real USB device in sysfs. */
  readonly mode?: 'qmi' | 'mbim' | 'auto';
  /** qmicli binary; default `qmicli` from PATH. */
  readonly binary?: string;
  /** Per-run timeout; default 20 s (an APDU that loads a profile segment can be slow). */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 20_000;

export class QmicliBridge {
  private cachedVersion: QmicliVersion | undefined;

  constructor(readonly options: QmicliBridgeOptions) {}

  /** Runs qmicli with `args` (after the device options); resolves with stdout. */
  run(args: readonly string[], signal?: AbortSignal, withDevice = true): Promise<string> {
    throwIfAborted(signal, 'qmicli');
    const o = this.options;
    const deviceArgs = withDevice ? ['-d', o.device, ...(o.proxy ? ['-p'] : []), ...(o.mode === 'mbim' ? ['--device-open-mbim'] : o.mode === 'auto' ? [] : ['--device-open-qmi'])] : [];
    const full = [...deviceArgs, ...args];
    const binary = o.binary ?? 'qmicli';
    const timeout = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      execFile(binary, full, { timeout, killSignal: 'SIGTERM', maxBuffer: 1 << 20, ...(signal ? { signal } : {}) }, (err, stdout, stderr) => {
        if (!err) {
          resolve(stdout);
          return;
        }
        const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: string | number };
        if (e.code === 'ENOENT') {
          reject(new WorkbenchError('QMICLI_MISSING', `${binary} is not installed.`, 'Install it: `apt-get install libqmi-utils`.', { cause: err }));
        } else if (e.name === 'AbortError') {
          reject(new WorkbenchError('ABORTED', 'qmicli was cancelled.', 'Nothing else to do; start it again when ready.', { cause: err }));
        } else if (e.killed) {
          reject(new WorkbenchError('QMICLI_TIMEOUT', `qmicli did not finish within ${timeout} ms.`, 'The modem may be hung; power-cycle it. If ModemManager holds the device, use the proxy option.', { cause: err, details: { args: full } }));
        } else {
          reject(qmicliFailure(stderr, full));
        }
      });
    });
  }

  /** `qmicli --version`, cached. */
  async version(signal?: AbortSignal): Promise<QmicliVersion> {
    this.cachedVersion ??= parseQmicliVersion(await this.run(['--version'], signal, false));
    return this.cachedVersion;
  }

  /** Whether this qmicli can open channels and send APDUs (≥ 1.36). */
  async supportsApdu(signal?: AbortSignal): Promise<boolean> {
    return versionAtLeast(await this.version(signal), QMICLI_UIM_APDU_SINCE);
  }

  async cardStatus(signal?: AbortSignal): Promise<{ cards: QmicliCard[]; text: string }> {
    const text = await this.run(['--uim-get-card-status'], signal);
    return { cards: parseCardStatusText(text), text };
  }

  async slotStatus(signal?: AbortSignal): Promise<{ slots: QmicliPhysicalSlot[]; text: string }> {
    const text = await this.run(['--uim-get-slot-status'], signal);
    return { slots: parseSlotStatusText(text), text };
  }

  /** Makes `physicalSlot` the active one (qmicli always maps it to logical slot 1). */
  async switchSlot(physicalSlot: number, signal?: AbortSignal): Promise<void> {
    await this.run([`--uim-switch-slot=${physicalSlot}`], signal);
  }

  /** SIM power off then on: the modem re-reads the card (e.g. after a first profile was installed). */
  async powerCycle(slot = 1, signal?: AbortSignal): Promise<void> {
    await this.run([`--uim-sim-power-off=${slot}`], signal);
    await this.run([`--uim-sim-power-on=${slot}`], signal);
  }

  /** A channel transport over qmicli ≥ 1.36; fails with QMICLI_TOO_OLD on older ones. */
  async openChannelTransport(slot = 1, signal?: AbortSignal): Promise<QmicliChannelTransport> {
    const v = await this.version(signal);
    if (!versionAtLeast(v, QMICLI_UIM_APDU_SINCE)) {
      throw new WorkbenchError(
        'QMICLI_TOO_OLD',
        `qmicli ${v.major}.${v.minor}.${v.micro} cannot send APDUs (needs 1.36 or later).`,
        'Use the native QMI transport (it needs no qmicli), or install libqmi-utils 1.36+.',
        { details: { version: `${v.major}.${v.minor}.${v.micro}` } },
      );
    }
    const clientId = parseKeptClientId(await this.run(['--uim-noop', '--client-no-release-cid'], signal));
    return new QmicliChannelTransport(this, slot, clientId);
  }
}

/** ChannelCardTransport over qmicli ≥ 1.36, keeping one UIM client id for all runs. */
export class QmicliChannelTransport implements ChannelCardTransport {
  readonly shape = 'channel' as const;
  readonly info: TransportInfo;
  private readonly open = new Set<number>();
  private closed = false;

  constructor(
    private readonly bridge: QmicliBridge,
    private readonly slot: number,
    readonly clientId: number,
  ) {
    this.info = { id: `qmicli:${bridge.options.device}:${slot}`, label: `${bridge.options.device} slot ${slot} (qmicli)`, kind: 'qmicli', maxCommandData: 255 };
  }

  private keep(args: string[]): string[] {
    return [`--client-cid=${this.clientId}`, '--client-no-release-cid', ...args];
  }

  private assertOpen(): void {
    if (this.closed) throw new WorkbenchError('TRANSPORT_CLOSED', `${this.info.label} is closed.`, 'Open the card again.');
  }

  async openLogicalChannel(aid: Uint8Array, signal?: AbortSignal): Promise<OpenedChannel> {
    this.assertOpen();
    const channel = parseOpenChannel(await this.bridge.run(this.keep([`--uim-open-logical-channel=${this.slot},${toHex(aid).toUpperCase()}`]), signal));
    this.open.add(channel);
    return { channel };
  }

  async transmit(channel: number, command: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    this.assertOpen();
    return parseSendApdu(await this.bridge.run(this.keep([`--uim-send-apdu=${this.slot},${channel},${toHex(command).toUpperCase()}`]), signal));
  }

  async closeLogicalChannel(channel: number, signal?: AbortSignal): Promise<void> {
    this.assertOpen();
    this.open.delete(channel);
    parseCloseChannel(await this.bridge.run(this.keep([`--uim-close-logical-channel=${this.slot},${channel}`]), signal));
  }

  /** Closes remaining channels, then releases the kept client id (a run without --client-no-release-cid). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const channel of this.open) {
      await this.bridge.run(this.keep([`--uim-close-logical-channel=${this.slot},${channel}`])).catch(() => undefined);
    }
    this.open.clear();
    await this.bridge.run([`--client-cid=${this.clientId}`, '--uim-noop']).catch(() => undefined);
  }
}
