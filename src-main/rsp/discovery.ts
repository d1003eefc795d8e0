/**
 * Event discovery at an SM-DS (ES11, SGP22-DIGEST §7): mutual authentication with ctxParams1 without
 * a matching ID, then the event entries waiting for this eUICC. Each entry is a download offer:
 * SM-DP+ = rspServerAddress, matching ID = eventId ({@link activationCodeOf}). ES11 sessions end with
 * authenticateClient: no CancelSession, no notifications.
 */
import { WorkbenchError, isWorkbenchError } from '../../shared/errors.js';
import { fromHex } from '../../shared/hex.js';
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

export interface DiscoveryOptions {
  /** SM-DS to ask; default: the eUICC's root SM-DS (GetEuiccConfiguredAddresses). */
  readonly smdsAddress?: string;
  readonly imei?: string;
  readonly signal?: AbortSignal;
  readonly onWarning?: (message: string) => void;
}

export interface DiscoveryResult {
  readonly smdsAddress: string;
  readonly events: readonly EventEntry[];
}

/** The activation code that downloads an event's profile. */
export function activationCodeOf(event: EventEntry): string {
  return formatActivationCode({ smdpAddress: event.rspServerAddress.toLowerCase(), matchingId: event.eventId, confirmationCodeRequired: false });
}

export async function discoverEvents(deps: DiscoveryDeps, opts: DiscoveryOptions = {}): Promise<DiscoveryResult> {
  const { card } = deps;
  const { signal } = opts;
  const address = (opts.smdsAddress ?? (await card.getEuiccConfiguredAddresses({ signal })).rootDsAddress).trim().toLowerCase();
  if (address === '') {
    throw new WorkbenchError('DISCOVERY_NO_ADDRESS', 'The eUICC has no root SM-DS address configured.', 'Give the SM-DS address explicitly (e.g. lpa.ds.gsma.com).');
  }
  const { euiccChallenge, euiccInfo1 } = await readCardForAuth(card, signal);
  const ciPkIds = euiccInfo1.value.euiccCiPKIdListForVerification;
  const server =
    typeof deps.es9 === 'function' ? deps.es9(ciPkIds) : new Es9Client({ ...(opts.onWarning ? { onWarning: opts.onWarning } : {}), ...deps.es9, ciPkIds, ...(signal ? { signal } : {}) });
  try {
    const answer = await server.es11InitiateAuthentication(address, euiccChallenge, euiccInfo1.raw, { signal });
    checkServerAnswer(answer, address, euiccChallenge, undefined);
    let response: Uint8Array;
    try {
      response = await authenticateServerOnCard(card, answer, ctxParams1Of(undefined, { ...deps.device, ...(opts.imei !== undefined ? { imei: opts.imei } : {}) }), signal);
    } catch (err) {
      // As in a download, the card's error response is forwarded so the SM-DS can close the session.
      if (isWorkbenchError(err, 'ES10_AUTHENTICATE_SERVER_FAILED') && typeof err.details['responseHex'] === 'string') {
        await server.es11AuthenticateClient(address, answer.transactionId, fromHex(err.details['responseHex']), { signal: AbortSignal.timeout(20_000) }).catch(() => undefined);
      }
      throw err;
    }
    const { eventEntries } = await server.es11AuthenticateClient(address, answer.transactionId, response, { signal });
    return { smdsAddress: address, events: eventEntries };
  } finally {
    server.close();
  }
}
