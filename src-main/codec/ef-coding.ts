/**
 * Contents of the classic files of a SIM/USIM (3GPP TS 31.102, ETSI TS 102 221, GSM 03.38): EF.ICCID,
 * EF.IMSI, EF.SPN, EF.AD, EF.ACC, EF.PL, EF.DIR, EF.ADN/EF.SMS records, PIN blocks. One coding for the
 * SAIP package builder/parser and the virtual card's file system.
 */
import { WorkbenchError } from '../../shared/errors.js';
import { concatBytes, fromHex } from '../../shared/hex.js';

function invalid(what: string, value: string, hint: string): WorkbenchError {
  return new WorkbenchError('EF_VALUE_INVALID', `Invalid ${what}: '${value}'.`, hint, { details: { what, value } });
}

/** `bytes` cut or padded with FF to `length`. */
export function padFF(bytes: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length).fill(0xff);
  out.set(bytes.subarray(0, length));
  return out;
}

/** Digits as BCD with the nibbles of each byte swapped, odd counts padded with F ('123' → 21 F3). */
export function swappedBcd(digits: string): Uint8Array {
  const even = digits.length % 2 === 0 ? digits : `${digits}F`;
  const out = new Uint8Array(even.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(`${even[2 * i + 1] ?? 'F'}${even[2 * i] ?? 'F'}`, 16);
  return out;
}

/** Inverse of {@link swappedBcd}, stopping at the first F filler nibble. */
export function fromSwappedBcd(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += (b & 0x0f).toString(16) + (b >> 4).toString(16);
  const end = s.indexOf('f');
  return (end < 0 ? s : s.slice(0, end)).toUpperCase();
}

/** EF.ICCID (10 bytes) from the ICCID digits as printed (18–20 digits). */
export function encodeIccidFile(iccid: string): Uint8Array {
  if (!/^\d{18,20}$/.test(iccid)) throw invalid('ICCID', iccid, 'An ICCID has 18 to 20 decimal digits, e.g. 8944476500001234567.');
  return padFF(swappedBcd(iccid), 10);
}

/** EF.PL (ETSI TS 102 221 §13.5): two-letter language codes, padded to 10 bytes. */
export function encodePl(languages: readonly string[]): Uint8Array {
  return padFF(new TextEncoder().encode(languages.join('')), 10);
}

// --------------------------------------------------------------------------------------------- IMSI

export const IMSI_FILE_SIZE = 9;

/** EF.IMSI: length byte, then parity nibble + digits swapped BCD, FF padded (TS 31.102 §4.2.2). */
export function encodeImsi(imsi: string): Uint8Array {
  if (!/^\d{6,15}$/.test(imsi)) throw invalid('IMSI', imsi, 'An IMSI has 6 to 15 decimal digits (MCC, MNC, MSIN).');
  // The first nibble tells the digit count's parity: 9 = odd, 1 = even (identity type IMSI).
  const body = swappedBcd(`${imsi.length % 2 === 1 ? '9' : '1'}${imsi}`);
  return padFF(concatBytes(Uint8Array.of(body.length), body), IMSI_FILE_SIZE);
}

/** IMSI digits of an EF.IMSI, or undefined when the file is unset or malformed. */
export function decodeImsi(ef: Uint8Array): string | undefined {
  const len = ef[0];
  if (len === undefined || len === 0 || len > 8 || ef.length < 1 + len) return undefined;
  const digits = fromSwappedBcd(ef.subarray(1, 1 + len));
  const parity = digits[0];
  if (parity !== '9' && parity !== '1') return undefined;
  return digits.slice(1);
}

// ------------------------------------------------------------------------------ alpha identifiers

/** GSM 03.38 default alphabet, 8-bit unpacked as SIM files store it (index = code). 1B (escape) is never emitted. */
const GSM_DEFAULT_ALPHABET =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';

/** Alpha identifier (TS 102 221 Annex A): GSM default alphabet when possible, else UCS2 (80 form). */
export function encodeAlpha(text: string, length: number): Uint8Array {
  const gsm = Array.from(text).map((c) => (c === '\u001b' ? -1 : GSM_DEFAULT_ALPHABET.indexOf(c)));
  if (gsm.every((code) => code >= 0)) {
    if (gsm.length > length) throw invalid('name', text, `At most ${length} characters fit this file.`);
    return padFF(Uint8Array.from(gsm), length);
  }
  const units = Array.from({ length: text.length }, (_, i) => text.charCodeAt(i));
  if (1 + 2 * units.length > length) throw invalid('name', text, `At most ${Math.floor((length - 1) / 2)} characters fit this file in UCS2 coding.`);
  return padFF(Uint8Array.from([0x80, ...units.flatMap((u) => [u >> 8, u & 0xff])]), length);
}

/** Text of an alpha identifier: GSM default alphabet or UCS2 (80); FF padding removed. */
export function decodeAlpha(bytes: Uint8Array): string {
  if (bytes[0] === 0x80) {
    let s = '';
    for (let i = 1; i + 1 < bytes.length; i += 2) {
      const unit = ((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0);
      if (unit === 0xffff) break;
      s += String.fromCharCode(unit);
    }
    return s;
  }
  let s = '';
  for (const b of bytes) {
    if (b === 0xff) break;
    s += GSM_DEFAULT_ALPHABET[b & 0x7f] ?? '?';
  }
  return s;
}

// ---------------------------------------------------------------------------------------------- SPN

export const SPN_FILE_SIZE = 17;

/** EF.SPN: display condition byte, then the name in 16 bytes (TS 31.102 §4.2.12). */
export function encodeSpn(name: string, displayCondition = 0x01): Uint8Array {
  return concatBytes(Uint8Array.of(displayCondition), encodeAlpha(name, SPN_FILE_SIZE - 1));
}

export function decodeSpn(ef: Uint8Array): { name: string; displayCondition: number } | undefined {
  const condition = ef[0];
  if (condition === undefined) return undefined;
  return { displayCondition: condition, name: decodeAlpha(ef.subarray(1)) };
}

// -------------------------------------------------------------------------------------- AD, ACC

/** EF.AD: normal operation, no extra features, length of the MNC in the IMSI (TS 31.102 §4.2.18). */
export function encodeAd(mncLength: 2 | 3): Uint8Array {
  return Uint8Array.of(0x00, 0x00, 0x00, mncLength);
}

/** EF.ACC: the access class is the last IMSI digit (TS 22.011); classes 8, 9 sit in the first byte. */
export function encodeAcc(imsi: string): Uint8Array {
  const cls = Number(imsi[imsi.length - 1] ?? '0');
  const bits = 1 << cls;
  return Uint8Array.of(bits >> 8, bits & 0xff);
}

// --------------------------------------------------------------------------------- record files

export const DIR_RECORD_LENGTH = 32;
export const ADN_RECORD_LENGTH = 30;
export const SMS_RECORD_LENGTH = 176;

/** EF.DIR record: 61 { 4F AID, 50 label } (ETSI TS 102 221 §13.1). */
export function encodeDirRecord(aidHex: string, label: string): Uint8Array {
  const aid = fromHex(aidHex);
  const text = new TextEncoder().encode(label);
  const body = concatBytes(Uint8Array.of(0x4f, aid.length), aid, Uint8Array.of(0x50, text.length), text);
  return padFF(concatBytes(Uint8Array.of(0x61, body.length), body), DIR_RECORD_LENGTH);
}

/** EF.ADN record: 16 alpha bytes, BCD number length, TON/NPI, 10 BCD bytes, CCP, EXT (TS 31.102 §4.4.2.3). */
export function encodeAdnRecord(name: string, number: string): Uint8Array {
  const alpha = name === '' ? new Uint8Array(16).fill(0xff) : encodeAlpha(name, 16);
  if (number === '') return concatBytes(alpha, new Uint8Array(14).fill(0xff));
  const international = number.startsWith('+');
  const digits = international ? number.slice(1) : number;
  if (!/^[0-9*#]{1,20}$/.test(digits)) throw invalid('dialling number', number, 'Use up to 20 digits, optionally with a leading +.');
  const bcd = swappedBcd(digits.replace(/\*/g, 'A').replace(/#/g, 'B'));
  return concatBytes(alpha, Uint8Array.of(bcd.length + 1, international ? 0x91 : 0x81), padFF(bcd, 10), Uint8Array.of(0xff, 0xff));
}

/** A free EF.SMS record: status 00, rest FF (TS 31.102 §4.2.25). */
export function emptySmsRecord(): Uint8Array {
  const record = new Uint8Array(SMS_RECORD_LENGTH).fill(0xff);
  record[0] = 0x00;
  return record;
}

// ---------------------------------------------------------------------------------------- PINs

/** PIN/PUK as SAIP pinValue: ASCII digits padded with FF to 8 bytes (the VERIFY format). */
export function pinBlock(pin: string, what = 'PIN'): Uint8Array {
  if (!/^\d{4,8}$/.test(pin)) throw invalid(what, '(hidden)', 'PINs have 4 to 8 digits, PUKs and ADM codes 8.');
  return padFF(new TextEncoder().encode(pin), 8);
}

/** Digits of an 8-byte PIN block, or undefined when it is not digits + FF padding. */
export function pinFromBlock(block: Uint8Array): string | undefined {
  let s = '';
  for (const b of block) {
    if (b === 0xff) break;
    if (b < 0x30 || b > 0x39) return undefined;
    s += String.fromCharCode(b);
  }
  return block.subarray(s.length).every((b) => b === 0xff) && s.length > 0 ? s : undefined;
}
