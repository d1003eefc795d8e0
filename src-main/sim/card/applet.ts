/**
 * Applications on the virtual card platform, selected by AID (SELECT by DF name). The platform owns
 * SELECT, MANAGE CHANNEL, GET RESPONSE and the T=0/T=1 framing; an applet only sees the commands sent
 * to it on a channel where it is selected, and answers data + status word.
 */
import { WorkbenchError, isWorkbenchError } from '../../../shared/errors.js';
import { bytesEqual, toSpacedHex } from '../../../shared/hex.js';
import type { ParsedCommandApdu } from '../../card/apdu.js';

export interface AppletContext {
  /** Logical channel the command arrived on (0–19). */
  readonly channel: number;
  /** Aborted when the card is powered off, reset or removed while the command runs. */
  readonly signal?: AbortSignal;
}

export interface CardReply {
  readonly data?: Uint8Array;
  readonly sw: number;
}

export interface CardApplet {
  readonly aid: Uint8Array;
  /** Name for logs, e.g. 'ISD-R'. */
  readonly name: string;
  /** Called on SELECT; returns the FCI (6F …). The platform adds the status word and 61xx framing. */
  select(ctx: AppletContext): Uint8Array;
  /** Any command other than SELECT / MANAGE CHANNEL / GET RESPONSE on a channel where it is selected. */
  process(cmd: ParsedCommandApdu, ctx: AppletContext): Promise<CardReply>;
  /** The applet lost the channel: another SELECT, channel closed. Drop per-channel state. */
  deselect?(ctx: AppletContext): void;
  /** Power off or reset: drop all volatile state. */
  reset?(): void;
}

const STATUS_ERROR = 'SIM_CARD_STATUS';

/**
 * An error an applet (or an ES10 handler) throws to answer with a specific status word instead of
 * data, e.g. 6A88 for a STORE DATA that arrives after the BPP session ended.
 */
export function cardStatusError(sw: number, message: string): WorkbenchError {
  return new WorkbenchError(STATUS_ERROR, message, 'The card rejected the command with this status word.', { details: { sw } });
}

/** The status word carried by a cardStatusError, or undefined for any other error. */
export function statusOfError(err: unknown): number | undefined {
  if (!isWorkbenchError(err, STATUS_ERROR)) return undefined;
  const sw = err.details.sw;
  return typeof sw === 'number' ? sw : undefined;
}

/** The applets installed on a card; SELECT finds them by full or right-truncated (partial) AID. */
export class AppletRegistry {
  readonly #applets: CardApplet[] = [];

  /** Installs `applet`, replacing one with the same AID. */
  register(applet: CardApplet): void {
    if (applet.aid.length < 5 || applet.aid.length > 16) {
      throw new WorkbenchError('SIM_APPLET_INVALID', `AID ${toSpacedHex(applet.aid)} must be 5–16 bytes.`, 'Use a registered application identifier (RID + PIX).');
    }
    this.unregister(applet.aid);
    this.#applets.push(applet);
  }

  unregister(aid: Uint8Array): void {
    const i = this.#applets.findIndex((a) => bytesEqual(a.aid, aid));
    if (i >= 0) this.#applets.splice(i, 1);
  }

  /** First applet whose AID equals or starts with `aid` (partial selection needs at least the 5-byte RID). */
  find(aid: Uint8Array): CardApplet | undefined {
    return (
      this.#applets.find((a) => bytesEqual(a.aid, aid)) ??
      (aid.length >= 5 ? this.#applets.find((a) => a.aid.length > aid.length && bytesEqual(a.aid.subarray(0, aid.length), aid)) : undefined)
    );
  }

  get all(): readonly CardApplet[] {
    return this.#applets;
  }
}
