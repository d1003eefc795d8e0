/**
 * Reassembly of one ES10 request from STORE DATA blocks (SGP.22 §5.7.2, digest §1.4): P1 11 for
 * every block but the last, 91 for the last; P2 numbers the blocks from 00 in order.
 */
import type { ParsedCommandApdu } from '../../card/apdu.js';
import { concatBytes } from '../../../shared/hex.js';
import { SW } from './sw.js';

export const STORE_DATA_INS = 0xe2;
const P1_MORE = 0x11;
const P1_LAST = 0x91;

export type StoreDataStep = { kind: 'more' } | { kind: 'complete'; request: Uint8Array } | { kind: 'error'; sw: number };

/** Collects the blocks of one request per channel; a new block 00 starts over. */
export class StoreDataAssembler {
  readonly #maxSize: number;
  #blocks: Uint8Array[] = [];
  #size = 0;

  /** `maxSize`: largest request accepted (bytes); beyond it the sequence fails with 6A84. */
  constructor(maxSize = 1024 * 1024) {
    this.#maxSize = maxSize;
  }

  /** Whether a request is partly received. */
  get pending(): boolean {
    return this.#blocks.length > 0;
  }

  reset(): void {
    this.#blocks = [];
    this.#size = 0;
  }

  push(cmd: ParsedCommandApdu): StoreDataStep {
    if (cmd.p1 !== P1_MORE && cmd.p1 !== P1_LAST) return this.#fail(SW.WRONG_P1P2);
    if (cmd.p2 === 0) this.reset();
    else if (cmd.p2 !== this.#blocks.length) return this.#fail(SW.WRONG_P1P2);
    const data = cmd.data ?? new Uint8Array(0);
    if (data.length === 0) return this.#fail(SW.WRONG_LENGTH);
    if (this.#size + data.length > this.#maxSize) return this.#fail(SW.NOT_ENOUGH_MEMORY);
    this.#blocks.push(data);
    this.#size += data.length;
    if (cmd.p1 === P1_MORE) return { kind: 'more' };
    // Not checked for being one whole TLV: LoadBoundProfilePackage sends pieces of BF36 (its header with
    // BF23, the A1/A3 headers) as separate requests. The handler parses and answers 6A80 when malformed.
    const request = concatBytes(...this.#blocks);
    this.reset();
    return { kind: 'complete', request };
  }

  #fail(sw: number): StoreDataStep {
    this.reset();
    return { kind: 'error', sw };
  }
}
