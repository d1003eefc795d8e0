/**
 * The test SM-DP+ over HTTPS: the ES9+ binding (binding.ts) behind the HTTPS front (es9-http.ts),
 * with the order store, profiles from a directory of SAIP files, and test hooks (faults, received
 * notifications and cancellations, stats).
 */
import { readdirSync } from 'node:fs';
import { WorkbenchError } from '../../../shared/errors.js';
import type { RspPki } from '../../crypto/index.js';
import type { Es9Body, ReceivedCancellation, ReceivedNotification } from './binding.js';
import { SmdpBinding } from './binding.js';
import { startEs9Server } from './es9-http.js';
import type { Es9Route, FaultSpec, HttpStats } from './es9-http.js';
import { OrderStore } from './orders.js';
import type { DownloadOrder, DownloadOrderInput } from './orders.js';

export const ES9PLUS_PATH = '/gsma/rsp2/es9plus/';
export const ES9PLUS_FUNCTIONS = ['initiateAuthentication', 'authenticateClient', 'getBoundProfilePackage', 'handleNotification', 'cancelSession'] as const;
export type Es9PlusFunction = (typeof ES9PLUS_FUNCTIONS)[number];
/** Files in profilesDir that become orders (matching ID = file name without extension). */
const PROFILE_FILE = /\.(der|saip|bin)$/i;

export interface TestSmdpOptions {
  pki: RspPki;
  /** FQDN of the SM-DP+ (must be a dNSName of CERT.DP.TLS); default the PKI's DP TLS host. */
  host?: string;
  /** Default 127.0.0.1, port 0 (any free port). */
  listen?: { host?: string; port?: number };
  /** SAIP packages served as orders named after their files. */
  profilesDir?: string;
  orders?: DownloadOrderInput[];
  /** Persist orders here (JSON). */
  stateFile?: string;
  /** Send ReplaceSessionKeys (A2) in BPPs; default true. */
  replaceSessionKeys?: boolean;
  maxRequestBytes?: number;
}

export interface TestSmdp {
  /** Listening port on the loopback address. */
  readonly port: number;
  /** FQDN the server is (TLS name, smdpAddress check). */
  readonly host: string;
  /** Base URL to connect to (loopback IP; send SNI/servername = host). */
  readonly url: string;
  /** Activation code for an order: LPA:1$host:port$matchingId (port included so a resolver maps host to loopback). */
  activationCode(matchingId: string, options?: { withPort?: boolean; confirmationCodeRequired?: boolean }): string;
  readonly orders: { add(input: DownloadOrderInput): DownloadOrder; list(): DownloadOrder[]; get(matchingId: string): DownloadOrder | undefined };
  readonly receivedNotifications: readonly ReceivedNotification[];
  readonly receivedCancellations: readonly ReceivedCancellation[];
  readonly stats: HttpStats;
  injectFault(fault: FaultSpec & { function: Es9PlusFunction }): void;
  clearFaults(): void;
  readonly binding: SmdpBinding;
  close(): Promise<void>;
}

/** Checks that `host` is a name of the TLS certificate, so clients verifying it succeed. */
export function checkTlsHost(host: string, dnsNames: readonly string[], role: string): void {
  if (!dnsNames.some((n) => n.toLowerCase() === host.toLowerCase())) {
    throw new WorkbenchError('SMDP_TLS_NAME_MISMATCH', `The ${role} TLS certificate is for ${dnsNames.join(', ') || '(no name)'}, not ${host}.`, 'Use the host name of the certificate or generate a PKI for this name.', {
      details: { host, dnsNames },
    });
  }
}

function ordersFromDirectory(store: OrderStore, dir: string): void {
  const existing = new Set(store.list().map((o) => o.matchingId));
  for (const file of readdirSync(dir).sort()) {
    if (!PROFILE_FILE.test(file)) continue;
    const matchingId = file.replace(PROFILE_FILE, '');
    if (!existing.has(matchingId)) store.add({ matchingId, profileFile: file });
  }
}

export async function startTestSmdp(options: TestSmdpOptions): Promise<TestSmdp> {
  const host = options.host ?? options.pki.dpTls.host;
  checkTlsHost(host, options.pki.dpTls.cert.dnsNames, 'SM-DP+');
  const store = new OrderStore({ ...(options.profilesDir !== undefined ? { profilesDir: options.profilesDir } : {}), ...(options.stateFile !== undefined ? { stateFile: options.stateFile } : {}) });
  if (options.profilesDir !== undefined) ordersFromDirectory(store, options.profilesDir);
  for (const o of options.orders ?? []) store.add(o);

  // The binding needs the port for the address check; routes call it once the server listens.
  const slot: { binding?: SmdpBinding } = {};
  const route = (name: Es9PlusFunction): Es9Route => ({
    name,
    handler: (body: Es9Body) => {
      if (!slot.binding) throw new Error('SM-DP+ not ready');
      return slot.binding[name](body);
    },
  });
  const routes = Object.fromEntries(ES9PLUS_FUNCTIONS.map((f) => [`${ES9PLUS_PATH}${f}`, route(f)]));
  const http = await startEs9Server({
    tls: options.pki.dpTls,
    listen: { host: options.listen?.host ?? '127.0.0.1', port: options.listen?.port ?? 0 },
    routes,
    ...(options.maxRequestBytes !== undefined ? { maxRequestBytes: options.maxRequestBytes } : {}),
  });
  const ready = new SmdpBinding({ pki: options.pki, orders: store, host, port: http.port, ...(options.replaceSessionKeys !== undefined ? { replaceSessionKeys: options.replaceSessionKeys } : {}) });
  slot.binding = ready;
  const listenHost = options.listen?.host ?? '127.0.0.1';

  return {
    port: http.port,
    host,
    url: `https://${listenHost.includes(':') ? `[${listenHost}]` : listenHost}:${http.port}`,
    activationCode(matchingId, o = {}) {
      const address = o.withPort === false ? host : `${host}:${http.port}`;
      return `LPA:1$${address}$${matchingId}${o.confirmationCodeRequired ? '$$1' : ''}`;
    },
    orders: { add: (i) => store.add(i), list: () => store.list(), get: (m) => store.get(m) },
    receivedNotifications: ready.receivedNotifications,
    receivedCancellations: ready.receivedCancellations,
    stats: http.stats,
    injectFault: (f) => http.injectFault(f),
    clearFaults: () => http.clearFaults(),
    binding: ready,
    close: () => http.close(),
  };
}
