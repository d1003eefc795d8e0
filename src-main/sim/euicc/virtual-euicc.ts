/**
 * The one factory for a virtual eUICC: state file + PKI → a powered VirtualCard with the ISD-R and
 * ECASD installed, and its in-process raw transport. The CLI (`ewb sim start`), the services'
 * embedded default, the virtual modems and the vpcd bridge all start cards through here.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { WorkbenchError } from '../../../shared/errors.js';
import { fromHex, toHex } from '../../../shared/hex.js';
import type { RawCardTransport } from '../../card/transport.js';
import { generateTestPki, loadPkiDir, PKI_LAYOUT, writePkiDir } from '../../crypto/index.js';
import type { RspPki, TestPkiOptions } from '../../crypto/index.js';
import { EcasdApplet } from '../card/es10-applet.js';
import { FaultInjector } from '../card/faults.js';
import type { FaultPlan } from '../card/faults.js';
import { VirtualCardTransport } from '../card/in-process-transport.js';
import { VirtualCard } from '../card/virtual-card.js';
import type { EuiccInfoConfig } from './euicc-info.js';
import { euiccIdentityFromPki } from './identity.js';
import type { EuiccIdentity } from './identity.js';
import { IsdR } from './isd-r.js';
import type { ProfileSwitchEvent } from './isdr-context.js';
import type { ProfilePackageParser } from './profile-package.js';
import { createBlankState } from './state.js';
import type { CardProtocol, EuiccState } from './state.js';
import { StateStore } from './state-store.js';

export interface VirtualEuiccOptions {
  /** JSON state file (created blank when missing); undefined = state in memory only. */
  stateFile?: string;
  /** The eUICC's certificates and keys, or a PKI directory (generated or ../shared/test-pki/sgp26). */
  pki: RspPki | string;
  /** Expected EID; must be the one in the eUICC certificate (the SM-DP+ derives keys from it). */
  eid?: string;
  /** Start with an empty card: profiles, notifications and the default SM-DP+ address of an existing state are discarded. */
  blank?: boolean;
  /** ATR override (hex or bytes); a new state file stores it. */
  atr?: Uint8Array | string;
  protocol?: CardProtocol;
  faults?: FaultPlan;
  /** EUICCInfo / RAT / allowed profile classes; see DEFAULT_EUICC_INFO. */
  info?: Partial<EuiccInfoConfig>;
  parseProfilePackage?: ProfilePackageParser;
  onProfileSwitch?: (event: ProfileSwitchEvent) => void;
  /** Transport id and label (reader name in lists); default 'default'. */
  id?: string;
  label?: string;
  /** Largest command data the in-process transport reports (to mimic a modem). */
  maxCommandData?: number;
}

export interface VirtualEuicc {
  readonly card: VirtualCard;
  readonly transport: RawCardTransport;
  readonly isdr: IsdR;
  readonly state: StateStore;
  readonly identity: EuiccIdentity;
  /** Powers the card off and releases the transport. */
  close(): Promise<void>;
}

/** Where the CLI keeps the default card and its PKI under the app's data directory. */
export function defaultVirtualEuiccPaths(dataDir: string): { stateFile: string; pkiDir: string } {
  return { stateFile: path.join(dataDir, 'sim', 'default.json'), pkiDir: path.join(dataDir, 'pki') };
}

/**
 * The PKI in `dir`, generating and writing a test PKI there first when the directory has none
 * (a random seed unless one is given: the keys are for loopback testing only either way).
 */
export async function openOrCreateTestPki(dir: string, options: Partial<TestPkiOptions> = {}): Promise<RspPki> {
  if (!existsSync(path.join(dir, PKI_LAYOUT.ci.dir))) {
    await writePkiDir(generateTestPki({ ...options, seed: options.seed ?? new Uint8Array(randomBytes(32)) }), dir);
  }
  return loadPkiDir(dir);
}

function mismatch(what: string, expected: string, found: string): WorkbenchError {
  return new WorkbenchError('SIM_EID_MISMATCH', `${what} has EID ${found}, but the eUICC certificate has ${expected}.`, 'Use the PKI made for this card (`ewb pki init --eid …`) or another state file.', {
    details: { expected, found },
  });
}

export async function createVirtualEuicc(o: VirtualEuiccOptions): Promise<VirtualEuicc> {
  const pki = typeof o.pki === 'string' ? await loadPkiDir(o.pki) : o.pki;
  const identity = euiccIdentityFromPki(pki);
  if (o.eid !== undefined && o.eid.toUpperCase() !== identity.eid) throw mismatch('The requested card', identity.eid, o.eid.toUpperCase());
  const atr = typeof o.atr === 'string' ? fromHex(o.atr) : o.atr;
  const initial = (): EuiccState =>
    createBlankState({ eid: identity.eid, config: { ...(atr === undefined ? {} : { atr: toHex(atr).toUpperCase() }), ...(o.protocol === undefined ? {} : { protocol: o.protocol }) } });
  const store = o.stateFile === undefined ? StateStore.inMemory(initial()) : await StateStore.open(o.stateFile, { initial });
  if (store.state.eid.toUpperCase() !== identity.eid) throw mismatch(`State ${o.stateFile ?? '(memory)'}`, identity.eid, store.state.eid.toUpperCase());
  if (o.blank === true && (store.state.profiles.length + store.state.notifications.pending.length > 0 || store.state.loadInProgress !== undefined)) {
    await store.transaction((draft) => {
      delete draft.loadInProgress; // optional, so Object.assign below would keep it
      Object.assign(draft, createBlankState({ eid: draft.eid, identity: draft.identity, config: draft.config }));
    });
  }
  const isdr = new IsdR({
    store,
    identity,
    ...(o.info === undefined ? {} : { info: o.info }),
    ...(o.parseProfilePackage === undefined ? {} : { parseProfilePackage: o.parseProfilePackage }),
    ...(o.onProfileSwitch === undefined ? {} : { onProfileSwitch: o.onProfileSwitch }),
  });
  const card = new VirtualCard({
    store,
    applets: [isdr.applet, new EcasdApplet()],
    faults: new FaultInjector(o.faults ?? {}),
    ...(atr === undefined ? {} : { atr }),
    ...(o.protocol === undefined ? {} : { protocol: o.protocol }),
  });
  const transport = new VirtualCardTransport(card, {
    ...(o.id === undefined ? {} : { id: o.id }),
    ...(o.label === undefined ? {} : { label: o.label }),
    ...(o.maxCommandData === undefined ? {} : { maxCommandData: o.maxCommandData }),
  });
  return { card, transport, isdr, state: store, identity, close: () => transport.close() };
}
