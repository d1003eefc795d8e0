/**
 * Downloads through a device provider, the way the services run one: provider.open → CardSession →
 * withEs10 → runDownload against the RSP lab's test SM-DP+, and the session closed afterwards (which
 * is when a SAP session is disconnected). Shared by the AT and QMI download system tests.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DownloadRequest } from '../../shared/api.js';
import { ApduLog } from '../../src-main/card/apdu-log.js';
import { CardSession } from '../../src-main/card/card-session.js';
import { withEs10 } from '../../src-main/euicc/index.js';
import type { Es10Client } from '../../src-main/euicc/index.js';
import type { DownloadContext, DownloadResult } from '../../src-main/rsp/download.js';
import { runDownload } from '../../src-main/rsp/download.js';
import type { DeviceProvider, OpenedDevice } from '../../src-main/services/devices.js';
import type { RspLab } from './rsp-lab.js';

export interface ProviderDownload {
  readonly result: DownloadResult;
  readonly opened: OpenedDevice;
  readonly log: ApduLog;
  readonly steps: string[];
}

/** A context that consents to everything and records the steps; `onProgress` sees every progress call. */
export function recordingContext(steps: string[], signal: AbortSignal, onProgress?: (step: string, percent?: number) => void): DownloadContext {
  return {
    signal,
    progress: (step, _message, percent) => {
      steps.push(step);
      onProgress?.(step, percent);
    },
    notice: () => undefined,
    prompt: () => Promise.reject(new Error('no prompt expected: autoConsent and no confirmation code')),
  };
}

/** Runs `fn` on an ES10 client over the device, closing the session (and so the transport) afterwards. */
export async function withDeviceEs10<T>(provider: DeviceProvider, deviceId: string, fn: (es10: Es10Client, opened: OpenedDevice, log: ApduLog) => Promise<T>, signal?: AbortSignal): Promise<T> {
  const opened = await provider.open(deviceId, signal);
  const log = new ApduLog();
  const session = new CardSession(opened.transport, log);
  try {
    return await withEs10(session, (es10) => fn(es10, opened, log));
  } finally {
    await session.close();
  }
}

/** A full download of the lab order `matchingId` through `provider`'s device. */
export async function downloadThrough(
  provider: DeviceProvider,
  deviceId: string,
  lab: RspLab,
  matchingId: string,
  options: { readonly request?: Partial<DownloadRequest>; readonly signal?: AbortSignal; readonly onProgress?: (step: string, percent?: number) => void } = {},
): Promise<ProviderDownload> {
  const steps: string[] = [];
  const signal = options.signal ?? AbortSignal.timeout(120_000);
  return withDeviceEs10(
    provider,
    deviceId,
    async (card, opened, log) => {
      const result = await runDownload({ card, es9: lab.es9, notifications: lab.queue }, { activationCode: lab.activationCode(matchingId), autoConsent: true, ...options.request }, recordingContext(steps, signal, options.onProgress));
      return { result, opened, log, steps };
    },
    signal,
  );
}

/** An empty directory to point device discovery at, so a test never probes the machine's own modems. */
export function emptyDiscoveryRoot(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'ewb-no-devices-'));
}
