/**
 * `createWorkbench()`: the WorkbenchApi every front end uses, assembled from settings (options, then
 * environment variables, then defaults): hardware providers, the embedded virtual eUICC and local
 * test SM-DP+/SM-DS, the ES9+ trust store and the notification queue in the data directory.
 */
import os from 'node:os';
import path from 'node:path';
import type { EnvironmentInfo } from '../../shared/api.js';
import { WorkbenchError } from '../../shared/errors.js';
import { loadTrustStore, trustStoreOf } from '../rsp/tls-trust.js';
import type { TrustStore } from '../rsp/tls-trust.js';
import { packageInfo } from './app-info.js';
import type { DeviceProvider } from './devices.js';
import { startEmbedded } from './embedded.js';
import type { Embedded } from './embedded.js';
import { AtDeviceProvider } from './providers/at-provider.js';
import { PcscDeviceProvider } from './providers/pcsc-provider.js';
import { QmiDeviceProvider } from './providers/qmi-provider.js';
import { QmicliDeviceProvider } from './providers/qmicli-provider.js';
import { VirtualDeviceProvider } from './providers/virtual-provider.js';
import { rspFeatures } from './rsp.js';
import { Workbench } from './workbench.js';

export interface WorkbenchOptions {
  /** Settings, virtual card state, notification queue. Default: $EWB_HOME, else $XDG_DATA_HOME/esim-workbench, else ~/.local/share/esim-workbench. */
  readonly dataDir?: string;
  /** The virtual eUICC + local test SM-DP+ (default on; EWB_VIRTUAL=0 turns it off). */
  readonly embedded?: boolean;
  /** PKI directory for the embedded devices, e.g. ../shared/test-pki/sgp26 (EWB_PKI_DIR); default a generated one. */
  readonly pkiDir?: string;
  /** Look for PC/SC readers and modems (default on; EWB_HARDWARE=0 turns it off, e.g. in tests). */
  readonly hardware?: boolean;
  /** Extra device providers (tests, plug-ins). */
  readonly providers?: readonly DeviceProvider[];
  /** Turn TLS verification of SM-DP+/SM-DS off. Explicit only (EWB_INSECURE_TLS=1); always warned about. */
  readonly insecureTls?: boolean;
  /** STORE DATA segment size (EWB_STORE_DATA_SEGMENT; 120 for modems that fail long APDUs). */
  readonly storeDataSegmentSize?: number;
  /**
   * FQDN[:port] → address:port routes for ES9+/ES11 (EWB_HOST_OVERRIDES="host=127.0.0.1:8443,…"), e.g. to
   * reach a test SM-DP+ started with `ewb sim smdp` while TLS still checks the FQDN.
   */
  readonly hostOverrides?: Readonly<Record<string, string>>;
  /** Non-standard ISD-R AID (EWB_ISDR_AID). */
  readonly isdrAid?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/** The data directory the options and environment select. */
export function resolveDataDir(options: { dataDir?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const env = options.env ?? process.env;
  if (options.dataDir) return path.resolve(options.dataDir);
  if (env['EWB_HOME']) return path.resolve(env['EWB_HOME']);
  const base = env['XDG_DATA_HOME'] || path.join(os.homedir(), '.local', 'share');
  return path.join(base, 'esim-workbench');
}

/** `host[:port]=address:port` pairs, comma-separated. */
export function parseHostOverrides(text: string | undefined): Record<string, string> {
  const routes: Record<string, string> = {};
  for (const pair of (text ?? '').split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const [from, to] = pair.split('=').map((p) => p.trim());
    if (!from || !to) throw new WorkbenchError('CONFIG_INVALID', `EWB_HOST_OVERRIDES entry "${pair}" is not host=address:port.`, 'Write it like testsmdpplus1.example.com=127.0.0.1:8443 (comma-separated for several).');
    routes[from.toLowerCase()] = to;
  }
  return routes;
}

/** An on/off setting; anything but the usual words is refused rather than guessed (EWB_INSECURE_TLS=maybe). */
function flag(name: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new WorkbenchError('CONFIG_INVALID', `${name}="${value}" is neither on nor off.`, `Set ${name} to 1 or 0 (true/false, yes/no, on/off also work).`, { details: { name, value } });
}

/** Trust anchors for ES9+/ES11 TLS: bundled CI roots, the user's own, and the embedded test CI. */
async function trustFor(dataDir: string, embedded: Embedded | undefined): Promise<TrustStore> {
  const files = await loadTrustStore([path.join(packageInfo().root, 'build', 'trust'), path.join(dataDir, 'trust')]);
  if (!embedded) return files;
  // Scoped to the embedded servers' names: a test CI (possibly SGP.26, whose keys are public) must not vouch for other hosts.
  const test = trustStoreOf(
    embedded.pki.ci.map((c) => c.cert),
    'the embedded test PKI',
    Object.keys(embedded.hostOverrides),
  );
  return { anchors: [...files.anchors, ...test.anchors], skipped: files.skipped };
}

export async function createWorkbench(options: WorkbenchOptions = {}): Promise<Workbench> {
  const env = options.env ?? process.env;
  const dataDir = resolveDataDir({ ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }), env });
  const useEmbedded = options.embedded ?? flag('EWB_VIRTUAL', env['EWB_VIRTUAL'], true);
  const useHardware = options.hardware ?? flag('EWB_HARDWARE', env['EWB_HARDWARE'], true);
  const insecureTls = options.insecureTls ?? flag('EWB_INSECURE_TLS', env['EWB_INSECURE_TLS'], false);
  const segment = options.storeDataSegmentSize ?? (env['EWB_STORE_DATA_SEGMENT'] ? Number(env['EWB_STORE_DATA_SEGMENT']) : undefined);
  const isdrAid = options.isdrAid ?? env['EWB_ISDR_AID'];
  const pkiDir = options.pkiDir ?? env['EWB_PKI_DIR'];

  const embedded = useEmbedded ? await startEmbedded({ dataDir, ...(pkiDir ? { pkiDir } : {}) }) : undefined;
  const providers: DeviceProvider[] = [];
  if (embedded) providers.push(new VirtualDeviceProvider(embedded.euicc));
  if (useHardware) providers.push(new PcscDeviceProvider(), new AtDeviceProvider({ env }), new QmiDeviceProvider({ env }), new QmicliDeviceProvider({ env }));
  providers.push(...(options.providers ?? []));

  let trust: TrustStore;
  try {
    trust = await trustFor(dataDir, embedded);
  } catch (err) {
    await embedded?.close(); // do not leave the embedded servers running behind a failed start
    throw err;
  }
  const environment = async (): Promise<EnvironmentInfo> => ({
    dataDir,
    ...(embedded ? { virtualEuicc: { deviceId: embedded.euicc.transport.info.id, eid: embedded.euicc.state.state.eid } } : {}),
    ...(embedded ? { testSmdp: { address: embedded.smdp.host, activationCodes: embedded.activationCodes() } } : {}),
    insecureTls,
  });

  // With insecure TLS on, every ES9+ session warns through a notice event and environment() says so.
  return new Workbench({
    providers,
    ...(segment === undefined ? {} : { storeDataSegmentSize: segment }),
    ...(isdrAid === undefined ? {} : { isdrAid }),
    rsp: rspFeatures({
      dataDir,
      ...(env['EWB_SMDS_ADDRESSES'] ? { cascadeSmdsAddresses: env['EWB_SMDS_ADDRESSES'].split(',').map((a) => a.trim()).filter((a) => a !== '') } : {}),
      es9: { trust, insecure: insecureTls, hostOverrides: { ...embedded?.hostOverrides, ...parseHostOverrides(env['EWB_HOST_OVERRIDES']), ...options.hostOverrides } },
    }),
    environment,
    onClose: async () => {
      await embedded?.close();
    },
  });
}
