/**
 * Event discovery at an SM-DS (ES11, SGP22-DIGEST §7): mutual authentication with ctxParams1 without
 * a matching ID, then the event entries waiting for this eUICC. Each entry is a download offer:
 * SM-DP+ = rspServerAddress, matching ID = eventId ({@link activationCodeOf}). ES11 sessions end with
 * authenticateClient: no CancelSession, no notifications.
 *
 * Cascade (§7 step 5): an entry may point at another SM-DS, which is then asked in turn with a fresh
 * ES11 session. EventEntry carries no "this is an SM-DS" flag, and probing with ES11 would spend an
 * authentication on an SM-DP+ (whose es9plus paths the ES11 fallback would reach), so the rule is
 * explicit: an address is an SM-DS when this discovery already queried it (the root included) or
 * `isSmds` says so — by default, when it is in `cascadeSmdsAddresses`. Everything else is an SM-DP+.
 * Each SM-DS is queried once (it answers all events for the EID); loops and hops beyond
 * `maxCascadeDepth` are skipped with a typed notice rather than failing the events already found.
 */
import { WorkbenchError, isWorkbenchError, throwIfAborted } from '../../shared/errors.js';
import { fromHex } from '../../shared/hex.js';
import type { CtxParams1Value } from '../codec/sgp22/index.js';
import type { Es10Client } from '../euicc/es10-client.js';
import { formatActivationCode } from './activation-code.js';
import { ctxParams1Of } from './device-info.js';
import type { DeviceIdentity } from './device-info.js';
import { Es9Client } from './es9-client.js';
import type { Es9Settings, EventEntry } from './es9-client.js';
import { authenticateServerOnCard, checkServerAnswer, readCardForAuth } from './mutual-auth.js';

export type DiscoveryCard = Pick<Es10Client, 'getEuiccChallenge' | 'getEuiccInfo1' | 'authenticateServer' | 'getEuiccConfiguredAddresses'>;
export type DiscoveryServer = Pick<Es9Client, 'es11InitiateAuthentication' | 'es11AuthenticateClient' | 'close'>;

export interface DiscoveryDeps {
  readonly card: DiscoveryCard;
  readonly es9: Es9Settings | ((ciPkIds: readonly Uint8Array[]) => DiscoveryServer);
  readonly device?: DeviceIdentity;
}

/** SM-DS hops followed after the root SM-DS unless `maxCascadeDepth` says otherwise. */
export const DEFAULT_MAX_CASCADE_DEPTH = 3;

export interface DiscoveryOptions {
  /** SM-DS to ask; default: the eUICC's root SM-DS (GetEuiccConfiguredAddresses). */
  readonly smdsAddress?: string;
  readonly imei?: string;
  readonly signal?: AbortSignal;
  readonly onWarning?: (message: string) => void;
  /** Addresses known to be SM-DS: an event pointing at one is followed with ES11 (cascade). */
  readonly cascadeSmdsAddresses?: readonly string[];
  /** Replaces the `cascadeSmdsAddresses` rule; gets lower-case, trimmed addresses. */
  readonly isSmds?: (address: string) => boolean;
  /** Cascaded SM-DS hops after the first one (default {@link DEFAULT_MAX_CASCADE_DEPTH}; 0 = no cascade). */
  readonly maxCascadeDepth?: number;
}

/** An offer from an SM-DP+, with the SM-DS that listed it. */
export interface DiscoveredEventEntry extends EventEntry {
  /** The SM-DS whose ES11 answer held this entry (lower case). */
  readonly smdsAddress: string;
}

export type CascadeNoticeKind = 'loop' | 'already-queried' | 'depth-limit';

/** A cascade entry that was not followed, and why. */
export interface CascadeNotice {
  readonly kind: CascadeNoticeKind;
  /** The SM-DS the entry points at (lower case). */
  readonly target: string;
  readonly eventId: string;
  /** The SM-DS that listed the entry. */
  readonly listedBy: string;
  readonly message: string;
}

export interface DiscoveryResult {
  /** The first SM-DS asked (root or explicit). */
  readonly smdsAddress: string;
  /** SM-DP+ offers from every SM-DS reached, in depth-first order. */
  readonly events: readonly DiscoveredEventEntry[];
  /** Every SM-DS queried, in order, the first one first. */
  readonly queried: readonly string[];
  readonly notices: readonly CascadeNotice[];
}

const NOTICE_TEXT: Readonly<Record<CascadeNoticeKind, (n: Omit<CascadeNotice, 'kind' | 'message'>, maxDepth: number) => string>> = {
  loop: (n) => `SM-DS ${n.listedBy} points back to ${n.target} (event ${n.eventId}), which is already on the cascade path; not followed.`,
  'already-queried': (n) => `SM-DS ${n.listedBy} points to ${n.target} (event ${n.eventId}), already queried in this discovery; its events are listed once.`,
  'depth-limit': (n, maxDepth) => `SM-DS ${n.listedBy} points to ${n.target} (event ${n.eventId}), beyond the cascade limit of ${maxDepth} hop(s); not followed.`,
};

/** The activation code that downloads an event's profile. */
export function activationCodeOf(event: EventEntry): string {
  return formatActivationCode({ smdpAddress: event.rspServerAddress.toLowerCase(), matchingId: event.eventId, confirmationCodeRequired: false });
}

function normalise(address: string): string {
  return address.trim().toLowerCase();
}

export async function discoverEvents(deps: DiscoveryDeps, opts: DiscoveryOptions = {}): Promise<DiscoveryResult> {
  const { card } = deps;
  const { signal } = opts;
  const root = normalise(opts.smdsAddress ?? (await card.getEuiccConfiguredAddresses({ signal })).rootDsAddress);
  if (root === '') {
    throw new WorkbenchError('DISCOVERY_NO_ADDRESS', 'The eUICC has no root SM-DS address configured.', 'Give the SM-DS address explicitly (e.g. lpa.ds.gsma.com).');
  }
  const maxDepth = opts.maxCascadeDepth ?? DEFAULT_MAX_CASCADE_DEPTH;
  const configured = new Set((opts.cascadeSmdsAddresses ?? []).map(normalise));
  const isSmds = opts.isSmds ?? ((address: string) => configured.has(address));
  const ctxParams1 = ctxParams1Of(undefined, { ...deps.device, ...(opts.imei !== undefined ? { imei: opts.imei } : {}) });

  const events: DiscoveredEventEntry[] = [];
  const queried: string[] = [];
  const notices: CascadeNotice[] = [];
  // One ES11 client for the whole cascade, made once the first EUICCInfo1 gives the CI list.
  const client: { server?: DiscoveryServer } = {};
  const serverFor = (ciPkIds: readonly Uint8Array[]): DiscoveryServer =>
    (client.server ??=
      typeof deps.es9 === 'function' ? deps.es9(ciPkIds) : new Es9Client({ ...(opts.onWarning ? { onWarning: opts.onWarning } : {}), ...deps.es9, ciPkIds, ...(signal ? { signal } : {}) }));

  /** Depth-first: `path` is the SM-DS chain from the first one to `address` (inclusive). */
  const visit = async (address: string, path: readonly string[]): Promise<void> => {
    throwIfAborted(signal, 'SM-DS discovery');
    queried.push(address);
    const entries = await es11Session(card, serverFor, address, ctxParams1, signal);
    for (const entry of entries) {
      const target = normalise(entry.rspServerAddress);
      if (!queried.includes(target) && !isSmds(target)) {
        events.push({ ...entry, smdsAddress: address });
        continue;
      }
      const kind: CascadeNoticeKind | undefined = path.includes(target) ? 'loop' : queried.includes(target) ? 'already-queried' : path.length > maxDepth ? 'depth-limit' : undefined;
      if (kind === undefined) {
        await visit(target, [...path, target]);
        continue;
      }
      const where = { target, eventId: entry.eventId, listedBy: address };
      const message = NOTICE_TEXT[kind](where, maxDepth);
      notices.push({ kind, ...where, message });
      opts.onWarning?.(message);
    }
  };

  try {
    await visit(root, [root]);
  } finally {
    client.server?.close();
  }
  return { smdsAddress: root, events, queried, notices };
}

/** One ES11 session (§7 steps 2–4) with a fresh eUICC challenge; returns the SM-DS's event entries. */
async function es11Session(
  card: DiscoveryCard,
  serverFor: (ciPkIds: readonly Uint8Array[]) => DiscoveryServer,
  address: string,
  ctxParams1: CtxParams1Value,
  signal: AbortSignal | undefined,
): Promise<readonly EventEntry[]> {
  const { euiccChallenge, euiccInfo1 } = await readCardForAuth(card, signal);
  const server = serverFor(euiccInfo1.value.euiccCiPKIdListForVerification);
  const answer = await server.es11InitiateAuthentication(address, euiccChallenge, euiccInfo1.raw, { signal });
  checkServerAnswer(answer, address, euiccChallenge, undefined);
  let response: Uint8Array;
  try {
    response = await authenticateServerOnCard(card, answer, ctxParams1, signal);
  } catch (err) {
    // As in a download, the card's error response is forwarded so the SM-DS can close the session.
    if (isWorkbenchError(err, 'ES10_AUTHENTICATE_SERVER_FAILED') && typeof err.details['responseHex'] === 'string') {
      await server.es11AuthenticateClient(address, answer.transactionId, fromHex(err.details['responseHex']), { signal: AbortSignal.timeout(20_000) }).catch(() => undefined);
    }
    throw err;
  }
  const { eventEntries } = await server.es11AuthenticateClient(address, answer.transactionId, response, { signal });
  return eventEntries;
}
