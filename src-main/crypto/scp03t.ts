/**
 * SCP03t protection of Bound Profile Package segments (digest §5.4): 87/86 encrypted + MAC, 88 MAC
 * only, one counter and one MAC chain across all segments of a session. The SM-DP+ calls `protect`,
 * the eUICC `unprotect`; both keep one Scp03tContext per download.
 */
import { createCipheriv, createDecipheriv, timingSafeEqual } from 'node:crypto';
import { concatBytes } from '../../shared/hex.js';
import { aesCmac } from './aes-cmac.js';
import { encodeLength, readTlv } from './der.js';
import { cryptoError } from './errors.js';
import type { Scp03tSessionKeys } from './kdf.js';

/** 86 = profile elements, 87 = ConfigureISDP / ReplaceSessionKeys, 88 = StoreMetadata (MAC only). */
export type Scp03tTag = 0x86 | 0x87 | 0x88;

export const SCP03T_MAX_SEGMENT_LENGTH = 1020;
const MAC_LENGTH = 8;
const BLOCK = 16;

const isEncrypted = (tag: Scp03tTag): boolean => tag !== 0x88;
const paddedLength = (n: number): number => (Math.floor(n / BLOCK) + 1) * BLOCK;

function segmentLength(tag: Scp03tTag, plaintextLength: number): number {
  const payload = isEncrypted(tag) ? paddedLength(plaintextLength) : plaintextLength;
  return 1 + encodeLength(payload + MAC_LENGTH).length + payload + MAC_LENGTH;
}

/** Largest plaintext that fits one segment: 1007 for 86/87, 1008 for 88. */
export function maxPlaintextPerSegment(tag: Scp03tTag): number {
  let n = SCP03T_MAX_SEGMENT_LENGTH;
  while (segmentLength(tag, n) > SCP03T_MAX_SEGMENT_LENGTH) n--;
  return n;
}

function aesCbc(encrypt: boolean, key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const c = encrypt ? createCipheriv('aes-128-cbc', key, iv) : createDecipheriv('aes-128-cbc', key, iv);
  c.setAutoPadding(false);
  return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
}

function checkKey(name: string, key: Uint8Array): void {
  if (key.length !== 16) throw cryptoError('CRYPTO_KEY_INVALID', `${name} must be 16 bytes (AES-128), got ${key.length}.`, { key: name });
}

export class Scp03tContext {
  // Assigned by replaceKeys, which the constructor calls.
  private sEnc!: Uint8Array;
  private sMac!: Uint8Array;
  private mcv!: Uint8Array;
  private counterValue = 1;

  constructor(keys: Scp03tSessionKeys) {
    this.replaceKeys(keys.sEnc, keys.sMac, keys.initialMcv);
  }

  /** Counter of the next segment (starts at 1). */
  get counter(): number {
    return this.counterValue;
  }

  /** Current MAC chaining value (full 16 bytes of the last CMAC). */
  get macChainingValue(): Uint8Array {
    return this.mcv.slice();
  }

  /** After ReplaceSessionKeys: PPK-ENC/PPK-MAC/initial MCV take over and the counter restarts at 1. */
  replaceKeys(ppkEnc: Uint8Array, ppkMac: Uint8Array, initialMcv: Uint8Array): void {
    checkKey('S-ENC', ppkEnc);
    checkKey('S-MAC', ppkMac);
    checkKey('initial MCV', initialMcv);
    this.sEnc = ppkEnc.slice();
    this.sMac = ppkMac.slice();
    this.mcv = initialMcv.slice();
    this.counterValue = 1;
  }

  /** ICV = AES-ECB(S-ENC, counter as a 16-byte big-endian integer). */
  private icv(): Uint8Array {
    const block = new Uint8Array(BLOCK);
    new DataView(block.buffer).setBigUint64(8, BigInt(this.counterValue));
    const c = createCipheriv('aes-128-ecb', this.sEnc, null);
    c.setAutoPadding(false);
    return new Uint8Array(Buffer.concat([c.update(block), c.final()]));
  }

  private mac(tag: Scp03tTag, lengthField: Uint8Array, payload: Uint8Array): Uint8Array {
    return aesCmac(this.sMac, concatBytes(this.mcv, Uint8Array.of(tag), lengthField, payload));
  }

  /** SM-DP+ side: one protected segment TLV `tag ‖ len ‖ payload ‖ MAC8`. */
  protect(tag: Scp03tTag, plaintext: Uint8Array): Uint8Array {
    const total = segmentLength(tag, plaintext.length);
    if (total > SCP03T_MAX_SEGMENT_LENGTH) {
      throw cryptoError('SCP03T_SEGMENT_TOO_LARGE', `${plaintext.length} plaintext bytes make a ${total}-byte segment; the maximum is ${SCP03T_MAX_SEGMENT_LENGTH}.`, {
        plaintextLength: plaintext.length,
        max: maxPlaintextPerSegment(tag),
      });
    }
    let payload = plaintext;
    if (isEncrypted(tag)) {
      // The 80 marker is always added, even to block-aligned data, so padding is unambiguous.
      const padded = new Uint8Array(paddedLength(plaintext.length));
      padded.set(plaintext);
      padded[plaintext.length] = 0x80;
      payload = aesCbc(true, this.sEnc, this.icv(), padded);
    }
    const lengthField = encodeLength(payload.length + MAC_LENGTH);
    const fullMac = this.mac(tag, lengthField, payload);
    this.mcv = fullMac;
    this.counterValue++;
    return concatBytes(Uint8Array.of(tag), lengthField, payload, fullMac.subarray(0, MAC_LENGTH));
  }

  /** Splits `data` at arbitrary byte boundaries into as few segments as fit and protects each. */
  protectSplit(tag: Scp03tTag, data: Uint8Array): Uint8Array[] {
    const step = maxPlaintextPerSegment(tag);
    const out: Uint8Array[] = [];
    for (let off = 0; off < data.length || out.length === 0; off += step) out.push(this.protect(tag, data.subarray(off, off + step)));
    return out;
  }

  /**
   * eUICC side: checks and removes the protection of one segment TLV and returns its plaintext.
   * State (MCV, counter) only advances when the segment is accepted.
   */
  unprotect(segment: Uint8Array, expectedTag?: Scp03tTag): Uint8Array {
    const structure = (what: string): never => {
      throw cryptoError('SCP03T_STRUCTURE_ERROR', `SCP03t segment ${what}.`, { counter: this.counterValue, length: segment.length });
    };
    if (segment.length > SCP03T_MAX_SEGMENT_LENGTH) structure(`is ${segment.length} bytes, more than ${SCP03T_MAX_SEGMENT_LENGTH}`);
    let read;
    try {
      read = readTlv(segment, 0);
    } catch {
      return structure('is not a valid TLV');
    }
    if (read.next !== segment.length) structure('has trailing bytes');
    const { node } = read;
    const tag = node.tag;
    if (tag !== 0x86 && tag !== 0x87 && tag !== 0x88) return structure(`has tag ${tag.toString(16)}, expected 86, 87 or 88`);
    if (expectedTag !== undefined && tag !== expectedTag) structure(`has tag ${tag.toString(16)}, expected ${expectedTag.toString(16)}`);
    if (node.value.length < MAC_LENGTH) structure('is shorter than its MAC');
    const payload = node.value.subarray(0, node.value.length - MAC_LENGTH);
    const receivedMac = node.value.subarray(node.value.length - MAC_LENGTH);
    const lengthField = segment.subarray(1, segment.length - node.value.length);
    const fullMac = this.mac(tag, lengthField, payload);
    if (!timingSafeEqual(fullMac.subarray(0, MAC_LENGTH), receivedMac)) {
      throw cryptoError('SCP03T_MAC_INVALID', `MAC of the ${tag.toString(16)} segment with counter ${this.counterValue} does not match.`, { counter: this.counterValue, tag });
    }
    let plaintext = payload;
    if (isEncrypted(tag)) {
      if (payload.length === 0 || payload.length % BLOCK !== 0) structure(`ciphertext length ${payload.length} is not a positive multiple of 16`);
      const padded = aesCbc(false, this.sEnc, this.icv(), payload);
      let end = padded.length - 1;
      while (end >= 0 && padded[end] === 0x00) end--;
      if (end < 0 || padded[end] !== 0x80 || padded.length - end > BLOCK) structure('has invalid padding');
      plaintext = padded.subarray(0, end);
    }
    this.mcv = fullMac;
    this.counterValue++;
    return plaintext.slice();
  }
}
