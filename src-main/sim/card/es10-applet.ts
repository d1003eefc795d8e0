/**
 * Applets of the eUICC platform: `Es10Applet` turns STORE DATA sequences into one ES10 request for a
 * handler (the ISD-R logic) and its answer into response data; `EcasdApplet` is the ECASD, which only
 * needs to be selectable here.
 */
import { ECASD_AID, ISD_R_AID } from '../../card/files.js';
import { isWorkbenchError } from '../../../shared/errors.js';
import { concatBytes, fromHex } from '../../../shared/hex.js';
import type { ParsedCommandApdu } from '../../card/apdu.js';
import type { AppletContext, CardApplet, CardReply } from './applet.js';
import { statusOfError } from './applet.js';
import { STORE_DATA_INS, StoreDataAssembler } from './store-data.js';
import { SW } from './sw.js';
import { tlv } from './tlv.js';


/**
 * The ISD-R logic: one complete ES10 request TLV in (e.g. `BF3E 03 5C 01 5A`), the response TLV out;
 * null means "done, no data" (90 00 alone, e.g. an intermediate BPP segment). Throw
 * `cardStatusError(sw, …)` to answer with a status word instead.
 */
export type Es10RequestHandler = (request: Uint8Array, ctx: { channel: number; signal?: AbortSignal }) => Promise<Uint8Array | null>;

/**
 * Placeholder ISD-R FCI (digest §1.2 step 3): 6F { 84 AID, A5 { 9F65 01 FF (max command data) },
 * E0 { 82 03 <SGP.22 version> } }.
 */
export function buildIsdrFci(aid: Uint8Array, sgp22Version: readonly [number, number, number] = [2, 2, 2]): Uint8Array {
  return tlv(0x6f, concatBytes(tlv(0x84, aid), tlv(0xa5, tlv(0x9f65, Uint8Array.of(0xff))), tlv(0xe0, tlv(0x82, Uint8Array.from(sgp22Version)))));
}

export interface Es10AppletOptions {
  /** Default: the standard ISD-R AID. Some adapters use another one (digest §1.1). */
  aid?: Uint8Array;
  /** Default: buildIsdrFci(aid). */
  fci?: Uint8Array;
  handler: Es10RequestHandler;
  /** Largest reassembled request; default 1 MiB (a BPP segment is far smaller). */
  maxRequestSize?: number;
  name?: string;
  /** Called on power off / reset, e.g. to end an RSP session. */
  onReset?: () => void;
}

export class Es10Applet implements CardApplet {
  readonly aid: Uint8Array;
  readonly name: string;
  readonly #fci: Uint8Array;
  readonly #handler: Es10RequestHandler;
  readonly #maxRequestSize: number | undefined;
  readonly #onReset: (() => void) | undefined;
  /** One sequence per channel: the ISD-R may be selected on several at once. */
  readonly #assemblers = new Map<number, StoreDataAssembler>();

  constructor(o: Es10AppletOptions) {
    this.aid = o.aid ?? fromHex(ISD_R_AID);
    this.name = o.name ?? 'ISD-R';
    this.#fci = o.fci ?? buildIsdrFci(this.aid);
    this.#handler = o.handler;
    this.#maxRequestSize = o.maxRequestSize;
    this.#onReset = o.onReset;
  }

  select(ctx: AppletContext): Uint8Array {
    this.#assemblers.delete(ctx.channel);
    return this.#fci;
  }

  async process(cmd: ParsedCommandApdu, ctx: AppletContext): Promise<CardReply> {
    if (cmd.ins !== STORE_DATA_INS) return { sw: SW.INS_NOT_SUPPORTED };
    if ((cmd.cla & 0x80) === 0) return { sw: SW.CLA_NOT_SUPPORTED };
    let assembler = this.#assemblers.get(ctx.channel);
    if (assembler === undefined) {
      assembler = new StoreDataAssembler(this.#maxRequestSize);
      this.#assemblers.set(ctx.channel, assembler);
    }
    const step = assembler.push(cmd);
    if (step.kind === 'error') return { sw: step.sw };
    if (step.kind === 'more') return { sw: SW.OK };
    try {
      const answer = await this.#handler(step.request, ctx.signal === undefined ? { channel: ctx.channel } : { channel: ctx.channel, signal: ctx.signal });
      return answer === null ? { sw: SW.OK } : { data: answer, sw: SW.OK };
    } catch (err) {
      const sw = statusOfError(err);
      if (sw !== undefined) return { sw };
      // A request the handler cannot even parse is the card's "wrong data", not a technical problem.
      if (isWorkbenchError(err) && /^(TLV|SCHEMA)_/.test(err.code)) return { sw: SW.WRONG_DATA };
      throw err;
    }
  }

  deselect(ctx: AppletContext): void {
    this.#assemblers.delete(ctx.channel);
  }

  reset(): void {
    this.#assemblers.clear();
    this.#onReset?.();
  }
}

/** The ECASD: selectable (FCI with its AID), no commands modelled. */
export class EcasdApplet implements CardApplet {
  readonly aid = fromHex(ECASD_AID);
  readonly name = 'ECASD';

  select(): Uint8Array {
    return tlv(0x6f, concatBytes(tlv(0x84, this.aid), tlv(0xa5, tlv(0x9f65, Uint8Array.of(0xff)))));
  }

  async process(): Promise<CardReply> {
    return { sw: SW.INS_NOT_SUPPORTED };
  }
}
