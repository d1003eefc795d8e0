/**
 * What kind of card is in a reader: an eUICC answers SELECT of its ISD-R on a logical channel, a
 * plain SIM/UICC answers SELECT of the MF (UICC class 00, or GSM class A0 for 2G SIMs). Works on any
 * CardSession; every channel it opens is closed again. Transport failures (removed card) are thrown.
 */
import { ISD_R_AID } from '../card/files.js';
import { isWorkbenchError } from '../../shared/errors.js';
import type { CardSession } from '../card/card-session.js';

/**
 * ISD-R AIDs tried in order: the SGP.22 one, then the non-standard ones some removable eSIMs use
 * (../shared/spec/SGP22-DIGEST.md §1.1).
 */
export const ISD_R_AIDS: readonly { readonly aid: string; readonly name: string }[] = [
  { aid: ISD_R_AID, name: 'ISD-R (SGP.22)' },
  { aid: 'A0000005591010FFFFFFFF8900050500', name: 'ISD-R (5ber)' },
  { aid: 'A0000005591010000000008900000300', name: 'ISD-R (eSIM.me v2)' },
];

export type CardType = 'euicc' | 'sim' | 'unknown';

export interface IdentifyCardOptions {
  /** ISD-R AIDs to try (hex); default all of ISD_R_AIDS. */
  readonly isdRAids?: readonly string[];
  readonly signal?: AbortSignal;
}

const MF = Uint8Array.of(0x3f, 0x00);
const GSM_SELECT_MF = { cla: 0xa0, ins: 0xa4, p1: 0x00, p2: 0x00, data: MF } as const;

/** Runs `probe`; a refusal by status word means "no", anything else (removal, I/O) is thrown. */
async function answers(probe: () => Promise<unknown>): Promise<boolean> {
  try {
    await probe();
    return true;
  } catch (err) {
    if (isWorkbenchError(err, 'CARD_SW_ERROR')) return false;
    throw err;
  }
}

export async function identifyCard(session: CardSession, options: IdentifyCardOptions = {}): Promise<CardType> {
  const signal = options.signal;
  for (const aid of options.isdRAids ?? ISD_R_AIDS.map((a) => a.aid)) {
    if (await answers(() => session.withLogicalChannel(aid, async () => undefined, { signal, annotation: 'SELECT ISD-R (card identification)' }))) return 'euicc';
  }
  if (await answers(() => session.selectFid(MF, { returns: 'fcp', signal, annotation: 'SELECT MF (card identification)' }))) return 'sim';
  const gsm = await session.transmit(GSM_SELECT_MF, { signal, annotation: 'SELECT MF, GSM class (card identification)' });
  return gsm.sw === 0x9000 ? 'sim' : 'unknown';
}
