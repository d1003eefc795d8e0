/**
 * Virtual cards for the diagnostics probe tests: the virtual card platform with an ISD-R that answers
 * ES10c.GetEID (and nothing else), blank or with the test profile, wrapped in a CardSession.
 */
import { fromHex } from '../../shared/hex.js';
import { ApduLog } from '../../src-main/card/apdu-log.js';
import { CardSession } from '../../src-main/card/card-session.js';
import type { RawCardTransport, TransportInfo } from '../../src-main/card/transport.js';
import { cardStatusError } from '../../src-main/sim/card/applet.js';
import { EcasdApplet, Es10Applet, type Es10RequestHandler } from '../../src-main/sim/card/es10-applet.js';
import { VirtualCardTransport } from '../../src-main/sim/card/in-process-transport.js';
import type { TestProfileOptions } from '../../src-main/sim/euicc/state.js';
import { makeCard, type TestCard } from './sim-card.js';

export const PROBE_EID = '89049032123451234512345678901235';

/** ISD-R logic of the probe tests: GetEID answers BF3E { 5A EID }, anything else 6A88. */
export const eidHandler: Es10RequestHandler = async (request) => {
  if (request[0] === 0xbf && request[1] === 0x3e) return fromHex(`BF3E125A10${PROBE_EID}`);
  throw cardStatusError(0x6a88, 'Only GetEID is modelled in the probe tests.');
};

export interface ProbeCard extends TestCard {
  session: CardSession;
  log: ApduLog;
}

function virtualCard(profile: TestProfileOptions | undefined, isdr: boolean): TestCard {
  const applets = isdr ? [new Es10Applet({ handler: eidHandler }), new EcasdApplet()] : [];
  return makeCard({ ...(profile ? { profile } : {}), applets });
}

/** A virtual eUICC (blank when `profile` is undefined) behind an in-process transport. */
export function probeCard(profile?: TestProfileOptions, o: { isdr?: boolean } = {}): ProbeCard {
  const test = virtualCard(profile, o.isdr ?? true);
  const log = new ApduLog();
  const session = new CardSession(new VirtualCardTransport(test.card, { id: 'probe' }), log);
  return { ...test, session, log };
}

/** The same card as a bare transport, optionally posing as another device (e.g. a QMI SAP slot). */
export function virtualProbeTransport(profile?: TestProfileOptions, info?: TransportInfo): RawCardTransport {
  const transport = new VirtualCardTransport(virtualCard(profile, true).card, { id: 'probe' });
  if (info === undefined) return transport;
  return { shape: 'raw', info, getAtr: (s) => transport.getAtr(s), transmit: (c, s) => transport.transmit(c, s), close: () => transport.close() };
}
