/**
 * ES10 payloads seen in a trace (the request reassembled from STORE DATA blocks, the response collected
 * by GET RESPONSE), decoded with the codec's SGP.22 describer for the listing.
 */
import { describe, formatDescribed } from '../codec/describe.js';

export interface Es10Payload {
  /** e.g. "ES10 GetEuiccDataRequest (BF3E), 6 bytes". */
  readonly summary: string;
  /** The describer's indented tree, one line per field. */
  readonly details: readonly string[];
}

export function describeEs10Payload(bytes: Uint8Array): Es10Payload {
  const result = describe(bytes);
  const root = result.nodes[0];
  const what = root ? `ES10 ${root.name} (${root.tag})` : 'ES10 data';
  const problem = result.error ? `; ${result.error.message}` : '';
  return { summary: `${what}, ${bytes.length} bytes${problem}`, details: formatDescribed(result).split('\n') };
}
