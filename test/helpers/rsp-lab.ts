/**
 * An RSP lab for integration tests and the download benchmark: the test SM-DP+ (and optionally the
 * SM-DS) over HTTPS on 127.0.0.1, a virtual eUICC in-process, and the LPA pieces wired as the
 * services wire them: an ES9+ client trusting the lab CI with `hostOverrides` (so activation codes
 * name the FQDN), a notification queue in a temp directory, ES10 through CardSession + withEs10.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ApduLog } from '../../src-main/card/apdu-log.js';
import { CardSession } from '../../src-main/card/card-session.js';
import type { RspPki } from '../../src-main/crypto/index.js';
import { withEs10 } from '../../src-main/euicc/index.js';
import type { Es10Client } from '../../src-main/euicc/index.js';
import type { Es9Settings } from '../../src-main/rsp/es9-client.js';
import { NotificationQueue } from '../../src-main/rsp/notification-queue.js';
import { trustStoreOf } from '../../src-main/rsp/tls-trust.js';
import type { TrustStore } from '../../src-main/rsp/tls-trust.js';
import { createVirtualEuicc } from '../../src-main/sim/euicc/virtual-euicc.js';
import type { VirtualEuicc, VirtualEuiccOptions } from '../../src-main/sim/euicc/virtual-euicc.js';
import { startTestSmdp, startTestSmds } from '../../src-main/sim/smdp/index.js';
import type { TestSmdp, TestSmds } from '../../src-main/sim/smdp/index.js';
import { generatedPki } from './pki-fixtures.js';

export interface RspLab {
  readonly pki: RspPki;
  readonly smdp: TestSmdp;
  readonly smds?: TestSmds;
  readonly euicc: VirtualEuicc;
  /** The card session (replaced by {@link reinsertCard}). */
  readonly session: CardSession;
  readonly log: ApduLog;
  readonly trust: TrustStore;
  /** What services pass as `es9`: trust + host overrides to the loopback servers. */
  readonly es9: Es9Settings;
  readonly queue: NotificationQueue;
  readonly dir: string;
  /** `LPA:1$<smdp fqdn>$<matchingId>` (no port: the override routes it). */
  activationCode(matchingId: string, ccRequired?: boolean): string;
  /** Runs `fn` with an ES10 client on the ISD-R (channel opened and closed around it). */
  withCard<T>(fn: (es10: Es10Client) => Promise<T>): Promise<T>;
  /** Puts a pulled card back, powers it and opens a new card session (what the device manager does). */
  reinsertCard(): void;
  close(): Promise<void>;
}

export interface RspLabOptions {
  readonly pki?: RspPki;
  readonly withSmds?: boolean;
  readonly euicc?: Partial<VirtualEuiccOptions>;
  /** Trust these certificates instead of the lab CIs (untrusted-server tests). */
  readonly trust?: TrustStore;
}

export async function startRspLab(options: RspLabOptions = {}): Promise<RspLab> {
  const pki = options.pki ?? generatedPki({ seed: 'rsp-lab' });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ewb-rsp-lab-'));
  const smdp = await startTestSmdp({ pki, listen: { host: '127.0.0.1', port: 0 } });
  const smds = options.withSmds ? await startTestSmds({ pki, listen: { host: '127.0.0.1', port: 0 } }) : undefined;
  const euicc = await createVirtualEuicc({ pki, stateFile: path.join(dir, 'euicc.json'), ...options.euicc });
  const log = new ApduLog();
  let session = new CardSession(euicc.transport, log);
  const trust = options.trust ?? trustStoreOf(pki.ci.map((c) => c.cert));
  const es9: Es9Settings = {
    trust,
    hostOverrides: { [smdp.host]: `127.0.0.1:${smdp.port}`, ...(smds ? { [smds.host]: `127.0.0.1:${smds.port}` } : {}) },
    retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 },
    onWarning: () => undefined,
  };
  return {
    pki,
    smdp,
    ...(smds ? { smds } : {}),
    euicc,
    get session() {
      return session;
    },
    log,
    trust,
    es9,
    queue: new NotificationQueue(path.join(dir, 'notifications')),
    dir,
    activationCode: (matchingId, ccRequired = false) => `LPA:1$${smdp.host}$${matchingId}${ccRequired ? '$$1' : ''}`,
    withCard: (fn) => withEs10(session, fn),
    reinsertCard() {
      euicc.card.insert();
      euicc.card.powerOn();
      session = new CardSession(euicc.transport, log);
    },
    async close() {
      await smdp.close();
      await smds?.close();
      await euicc.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
