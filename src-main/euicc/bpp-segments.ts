/**
 * How the LPA splits a Bound Profile Package into ES10b.LoadBoundProfilePackage calls
 * (SGP.22 §2.5.5 / SGP22-DIGEST §3.5). Each segment is sent as its own STORE DATA series.
 * The split is a table: per child of BF36, whether it goes whole, or as its header followed by
 * each of its items.
 */
import { WorkbenchError } from '../../shared/errors.js';
import { parseTlv, tagToHex } from '../codec/ber-tlv.js';
import type { Tlv } from '../codec/ber-tlv.js';
import { decode } from '../codec/schema.js';
import { ES10 } from '../codec/sgp22/index.js';

/**
 * - `withOuterHeader`: the BF36 tag+length go in front of this whole TLV (BF23).
 * - `whole`: one call with the complete TLV (A0 firstSequenceOf87, A2 secondSequenceOf87), as lpac
 *   and Android send them.
 * - `headerThenItems`: one call with tag+length only, then one call per contained TLV (A1 88s, A3 86s).
 */
type SplitRule = 'withOuterHeader' | 'whole' | 'headerThenItems';

const SPLIT_RULES: ReadonlyMap<number, SplitRule> = new Map([
  [0xbf23, 'withOuterHeader'], // InitialiseSecureChannelRequest
  [0xa0, 'whole'], // firstSequenceOf87: ConfigureISDP
  [0xa1, 'headerThenItems'], // sequenceOf88: StoreMetadata
  [0xa2, 'whole'], // secondSequenceOf87: ReplaceSessionKeys
  [0xa3, 'headerThenItems'], // sequenceOf86: profile elements
]);

export interface BppSegment {
  readonly bytes: Uint8Array;
  /** What the segment is, for logs and progress: 'BF36 header + BF23', 'A1 header', '88 #2'. */
  readonly label: string;
}

function invalid(problem: string, cause?: unknown): WorkbenchError {
  return new WorkbenchError('ES10_BPP_INVALID', `The Bound Profile Package is malformed: ${problem}`, 'The SM-DP+ sent a package this LPA cannot load; nothing was sent to the card. Retry the download; if it persists, report it to the operator.', {
    cause,
  });
}

function header(tlv: Tlv): Uint8Array {
  return tlv.raw.subarray(0, tlv.raw.length - tlv.value.length);
}

/** The segments of `bpp` (a complete BF36 TLV), in sending order. Throws ES10_BPP_INVALID before anything is sent. */
export function segmentBoundProfilePackage(bpp: Uint8Array): BppSegment[] {
  let root: Tlv;
  try {
    decode(ES10.loadBoundProfilePackage.request, bpp); // structure check: mandatory parts, tags, lengths
    root = parseTlv(bpp);
  } catch (err) {
    throw invalid(err instanceof Error ? err.message : String(err), err);
  }
  const children = root.children ?? [];
  if (children[0]?.tag !== 0xbf23) throw invalid('it does not start with InitialiseSecureChannelRequest (BF23).');
  const segments: BppSegment[] = [];
  for (const child of children) {
    const rule = SPLIT_RULES.get(child.tag);
    const tag = tagToHex(child.tag);
    switch (rule) {
      case 'withOuterHeader':
        if (child !== children[0]) throw invalid(`${tag} appears twice.`);
        segments.push({ bytes: Uint8Array.from([...header(root), ...child.raw]), label: `BF36 header + ${tag}` });
        break;
      case 'whole':
        segments.push({ bytes: child.raw, label: tag });
        break;
      case 'headerThenItems':
        segments.push({ bytes: header(child), label: `${tag} header` });
        (child.children ?? []).forEach((item, i) => segments.push({ bytes: item.raw, label: `${tagToHex(item.tag)} #${i + 1}` }));
        break;
      case undefined:
        throw invalid(`unknown part ${tag} at offset ${child.offset}; the LPA does not know how to send it.`);
    }
  }
  return segments;
}
