/** Minimal DER TLV building for the card's own answers (FCP, FCI); parsing lives in the codec layer. */
import { concatBytes } from '../../../shared/hex.js';

/** TLV with a one- or two-byte tag and a definite length. */
export function tlv(tag: number, value: Uint8Array): Uint8Array {
  const tagBytes = tag > 0xff ? [tag >> 8, tag & 0xff] : [tag];
  const n = value.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return concatBytes(Uint8Array.from([...tagBytes, ...len]), value);
}
