/**
 * Encoders for the contents of the classic files a profile carries (3GPP TS 31.102, ETSI TS 102 221,
 * GSM 11.11): what the state model stores as raw bytes, built from values people type.
 */
import { WorkbenchError } from '../../../shared/errors.js';
import { concatBytes, fromHex } from '../../../shared/hex.js';

function badValue(what: string, value: string, hint: string): WorkbenchError {
  return new WorkbenchError('SIM_VALUE_INVALID', `Invalid ${what}: '${value}'.`, hint, { details: { what, value } });
}

function padded(bytes: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length).fill(0xff);
  out.set(bytes.subarray(0, length));
  return out;
}

/** Swaps the nibbles of BCD digits pairwise, padding an odd count with F (ICCID, dialling numbers). */
export function swappedBcd(digits: string): Uint8Array {
  const even = digits.length % 2 === 0 ? digits : `${digits}F`;
  const out = new Uint8Array(even.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(`${even[2 * i + 1]}${even[2 * i]}`, 16);
  return out;
}

/** Inverse of swappedBcd; stops at the first F filler. */
export function fromSwappedBcd(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += (b & 0x0f).toString(16) + (b >> 4).toString(16);
  const end = s.indexOf('f');
  return (end < 0 ? s : s.slice(0, end)).toUpperCase();
}

/** EF.ICCID (10 bytes) from the ICCID digits as printed (18–20 digits). */
export function encodeIccid(iccid: string): Uint8Array {
  if (!/^[0-9]{18,20}$/.test(iccid)) throw badValue('ICCID', iccid, 'An ICCID has 18 to 20 decimal digits, e.g. 8944476500001234567.');
  return padded(swappedBcd(iccid), 10);
}

/** EF.IMSI (9 bytes): length byte, then digits with the parity nibble (TS 31.102 §4.2.2). */
export function encodeImsi(imsi: string): Uint8Array {
  if (!/^[0-9]{6,15}$/.test(imsi)) throw badValue('IMSI', imsi, 'An IMSI has 6 to 15 decimal digits (MCC, MNC, MSIN).');
  const parity = imsi.length % 2 === 1 ? '9' : '1';
  const body = swappedBcd(`${parity}${imsi}`);
  return padded(concatBytes(Uint8Array.of(body.length), body), 9);
}

/** Digits of an EF.IMSI, or undefined for an unset (all FF) file. */
export function decodeImsi(ef: Uint8Array): string | undefined {
  const len = ef[0];
  if (len === undefined || len === 0xff || len === 0 || len > 8) return undefined;
  return fromSwappedBcd(ef.subarray(1, 1 + len)).slice(1);
}

/** GSM default alphabet where it coincides with ASCII; other text is stored as UCS2 (0x80 form). */
function encodeAlpha(text: string, length: number): Uint8Array {
  if (/^[A-Za-z0-9 .,:;'()+\-/?!"#%&*<=>]*$/.test(text) && !text.includes('@')) return padded(new TextEncoder().encode(text), length);
  const ucs2 = new Uint8Array(1 + 2 * text.length);
  ucs2[0] = 0x80;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    ucs2[1 + 2 * i] = c >> 8;
    ucs2[2 + 2 * i] = c & 0xff;
  }
  return padded(ucs2, length);
}

/** EF.SPN (17 bytes): display condition then the name (TS 31.102 §4.2.12). */
export function encodeSpn(name: string, displayCondition = 0x01): Uint8Array {
  return concatBytes(Uint8Array.of(displayCondition), encodeAlpha(name, 16));
}

/** EF.AD (4 bytes): normal operation, no extra features, MNC length 2 or 3 (TS 31.102 §4.2.18). */
export function encodeAd(mncLength: 2 | 3): Uint8Array {
  return Uint8Array.of(0x00, 0x00, 0x00, mncLength);
}

/** Record length of EF.ADN as this card models it: 16 alpha bytes + 14 (TS 31.102 §4.4.2.3). */
export const ADN_RECORD_LENGTH = 30;
/** Record length of EF.SMS (TS 31.102 §4.2.25). */
export const SMS_RECORD_LENGTH = 176;

/** One EF.ADN record; an empty name and number give the all-FF free record. */
export function encodeAdnRecord(name: string, number: string): Uint8Array {
  const alpha = name === '' ? new Uint8Array(16).fill(0xff) : encodeAlpha(name, 16);
  if (number === '') return concatBytes(alpha, new Uint8Array(14).fill(0xff));
  const international = number.startsWith('+');
  const digits = international ? number.slice(1) : number;
  if (!/^[0-9*#]{1,20}$/.test(digits)) throw badValue('dialling number', number, 'Use up to 20 digits, optionally with a leading +.');
  const bcd = swappedBcd(digits.replace(/\*/g, 'A').replace(/#/g, 'B'));
  const numberPart = concatBytes(Uint8Array.of(bcd.length + 1, international ? 0x91 : 0x81), padded(bcd, 10), Uint8Array.of(0xff, 0xff));
  return concatBytes(alpha, numberPart);
}

/** A free EF.SMS record: status 00 (free), rest FF. */
export function emptySmsRecord(): Uint8Array {
  const r = new Uint8Array(SMS_RECORD_LENGTH).fill(0xff);
  r[0] = 0x00;
  return r;
}

/** Record length of EF.DIR as this card models it. */
export const DIR_RECORD_LENGTH = 32;

/** One EF.DIR record: application template 61 { 4F AID, 50 label } (ETSI TS 102 221 §13.1). */
export function encodeDirRecord(aidHex: string, label: string): Uint8Array {
  const aid = fromHex(aidHex);
  const labelBytes = new TextEncoder().encode(label);
  const body = concatBytes(Uint8Array.of(0x4f, aid.length), aid, Uint8Array.of(0x50, labelBytes.length), labelBytes);
  return padded(concatBytes(Uint8Array.of(0x61, body.length), body), DIR_RECORD_LENGTH);
}

/** EF.PL (ETSI TS 102 221 §13.5): two-letter language codes, padded to 10 bytes. */
export function encodePl(languages: readonly string[]): Uint8Array {
  return padded(new TextEncoder().encode(languages.join('')), 10);
}

/** PIN/PUK in the 8-byte VERIFY format: ASCII digits padded with FF. */
export function pinBlock(pin: string): Uint8Array {
  if (!/^[0-9]{4,8}$/.test(pin)) throw badValue('PIN', '(hidden)', 'PINs have 4 to 8 digits, PUKs 8.');
  return padded(new TextEncoder().encode(pin), 8);
}

/** The digits of an 8-byte PIN block, or undefined when it is not a valid block. */
export function pinFromBlock(block: Uint8Array): string | undefined {
  if (block.length !== 8) return undefined;
  let s = '';
  for (const b of block) {
    if (b === 0xff) break;
    if (b < 0x30 || b > 0x39) return undefined;
    s += String.fromCharCode(b);
  }
  return block.subarray(s.length).every((b) => b === 0xff) && s.length >= 4 ? s : undefined;
}
