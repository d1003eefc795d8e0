/**
 * The vpcd wire protocol of vsmartcard (the `libifdvpcd` reader driver inside pcscd, checked against
 * Debian's vsmartcard-vpcd 3.3 and its Python vicc): TCP, every message is a 2-byte big-endian length
 * followed by that many bytes. A 1-byte message from the reader is a control command; the card answers
 * only GET ATR. Any longer message is a command APDU, answered with the response APDU.
 */

/** Default port of the first vpcd reader (/etc/reader.conf.d/vpcd: CHANNELID 0x8C7B); reader n listens on +n. */
export const VPCD_DEFAULT_PORT = 0x8c7b;

export const VPCD_CONTROL = { powerOff: 0x00, powerOn: 0x01, reset: 0x02, getAtr: 0x04 } as const;

/** One message in wire form. */
export function encodeVpcdFrame(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + payload.length);
  out[0] = payload.length >> 8;
  out[1] = payload.length & 0xff;
  out.set(payload, 2);
  return out;
}

/** Splits a TCP byte stream into messages. */
export class VpcdFrameDecoder {
  #buffer = new Uint8Array(0);

  /** Adds received bytes; returns the messages completed by them, in order. */
  push(chunk: Uint8Array): Uint8Array[] {
    const merged = new Uint8Array(this.#buffer.length + chunk.length);
    merged.set(this.#buffer);
    merged.set(chunk, this.#buffer.length);
    const frames: Uint8Array[] = [];
    let off = 0;
    while (merged.length - off >= 2) {
      const len = ((merged[off] ?? 0) << 8) | (merged[off + 1] ?? 0);
      if (merged.length - off - 2 < len) break;
      frames.push(merged.slice(off + 2, off + 2 + len));
      off += 2 + len;
    }
    this.#buffer = merged.slice(off);
    return frames;
  }

  reset(): void {
    this.#buffer = new Uint8Array(0);
  }
}
