/**
 * The embedded default (ARCHITECTURE.md §3): a virtual eUICC and a local test SM-DP+ (and SM-DS when
 * the PKI has SM-DS identities), all on loopback, so the workbench is usable — and teachable — with
 * no hardware and no operator. State lives in the data directory and survives restarts.
 */
import { randomInt } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { RspPki } from '../crypto/index.js';
import { loadPkiDir } from '../crypto/index.js';
import { createVirtualEuicc, defaultVirtualEuiccPaths, openOrCreateTestPki } from '../sim/euicc/virtual-euicc.js';
import type { VirtualEuicc } from '../sim/euicc/virtual-euicc.js';
import { startTestSmdp, startTestSmds } from '../sim/smdp/index.js';
import type { TestSmdp, TestSmds } from '../sim/smdp/index.js';

export interface EmbeddedOptions {
  readonly dataDir: string;
  /** Use this PKI directory (e.g. ../shared/test-pki/sgp26) instead of the generated one. */
  readonly pkiDir?: string;
  /** Released demo orders kept available at the local SM-DP+ (default 3). */
  readonly demoOrders?: number;
}

export interface Embedded {
  readonly pki: RspPki;
  readonly euicc: VirtualEuicc;
  readonly smdp: TestSmdp;
  readonly smds?: TestSmds;
  /** FQDN → loopback address:port for the ES9+/ES11 client. */
  readonly hostOverrides: Readonly<Record<string, string>>;
  /** Activation codes of released demo orders (FQDN form; the override routes them). */
  activationCodes(): string[];
  close(): Promise<void>;
}

/** Test network identity for demo profiles: MCC 001 / MNC 01 is reserved for tests (ITU-T E.212). */
const DEMO_IMSI_PREFIX = '00101';
const DEMO_ICCID_PREFIX = '89999';

/** Luhn check digit, which ICCIDs carry as their last digit (ITU-T E.118). */
function luhnDigit(digits: string): string {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) d *= 2;
    sum += d > 9 ? d - 9 : d;
  }
  return String((10 - (sum % 10)) % 10);
}

function randomDigits(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String(randomInt(10));
  return s;
}

/** Adds demo orders until `count` released ones exist; the second one asks for confirmation code 1234. */
function topUpDemoOrders(smdp: TestSmdp, count: number): void {
  const released = smdp.orders.list().filter((o) => o.state === 'released' && o.matchingId.startsWith('DEMO-'));
  for (let i = released.length; i < count; i++) {
    const serial = randomDigits(13);
    const iccidBody = `${DEMO_ICCID_PREFIX}${serial}`;
    const withCc = i === 1;
    smdp.orders.add({
      matchingId: `DEMO-${serial.slice(-6)}${withCc ? '-CC' : ''}`,
      ...(withCc ? { confirmationCode: '1234' } : {}),
      profile: { iccid: `${iccidBody}${luhnDigit(iccidBody)}`, imsi: `${DEMO_IMSI_PREFIX}${serial.slice(-10)}`, spn: 'Workbench Demo', profileName: `Demo profile ${serial.slice(-4)}` },
      metadata: { serviceProviderName: 'Workbench Demo', profileName: `Demo profile ${serial.slice(-4)}`, profileClass: 'operational' },
    });
  }
}

export async function startEmbedded(options: EmbeddedOptions): Promise<Embedded> {
  const paths = defaultVirtualEuiccPaths(options.dataDir);
  await mkdir(path.dirname(paths.stateFile), { recursive: true });
  const pki = options.pkiDir === undefined ? await openOrCreateTestPki(paths.pkiDir) : await loadPkiDir(options.pkiDir);
  const euicc = await createVirtualEuicc({ pki, stateFile: paths.stateFile });
  const smdpDir = path.join(options.dataDir, 'smdp');
  await mkdir(smdpDir, { recursive: true });
  const smdp = await startTestSmdp({ pki, listen: { host: '127.0.0.1', port: 0 }, stateFile: path.join(smdpDir, 'orders.json') });
  const smds = pki.ds ? await startTestSmds({ pki, listen: { host: '127.0.0.1', port: 0 } }) : undefined;
  const demoCount = options.demoOrders ?? 3;
  topUpDemoOrders(smdp, demoCount);

  // The virtual eUICC's root SM-DS must be the local one: discovery must never leave the machine.
  if (smds && euicc.state.state.rootDsAddress !== smds.host) {
    await euicc.state.transaction((draft) => {
      draft.rootDsAddress = smds.host;
    });
  }

  return {
    pki,
    euicc,
    smdp,
    ...(smds ? { smds } : {}),
    hostOverrides: { [smdp.host]: `127.0.0.1:${smdp.port}`, ...(smds ? { [smds.host]: `127.0.0.1:${smds.port}` } : {}) },
    activationCodes() {
      topUpDemoOrders(smdp, demoCount);
      return smdp.orders
        .list()
        .filter((o) => o.state === 'released' && o.matchingId !== '')
        .map((o) => smdp.activationCode(o.matchingId, { withPort: false, confirmationCodeRequired: o.confirmationCodeRequired }));
    },
    async close() {
      await Promise.allSettled([smdp.close(), smds?.close(), euicc.close()]);
    },
  };
}
