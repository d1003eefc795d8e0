import { WorkbenchError } from './errors.js';

/** Lower-case hex of `bytes`, no separators. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Upper-case hex with a space between bytes, as APDU logs and traces show it. */
export function toSpacedHex(bytes: Uint8Array): string {
  return toHex(bytes).toUpperCase().replace(/(..)(?=.)/g, '$1 ');
}

/**
 * Parses hex as people paste it: spaces, colons, dashes, newlines and `0x` prefixes are ignored.
 * Odd digit counts and non-hex characters raise HEX_INVALID.
 */
export function fromHex(text: string): Uint8Array {
  const clean = text.replace(/0x/gi, '').replace(/[\s:,-]/g, '');
  if (!/^[0-9a-fA-F]*$/.test(clean)) {
    const bad = clean.match(/[^0-9a-fA-F]/)?.[0] ?? '?';
    throw new WorkbenchError('HEX_INVALID', `Not hexadecimal: found '${bad}'.`, 'Use digits 0-9 and letters A-F only, e.g. "BF 2E 00".', {
      details: { character: bad },
    });
  }
  if (clean.length % 2 !== 0) {
    throw new WorkbenchError('HEX_INVALID', `Odd number of hex digits (${clean.length}).`, 'Every byte needs two hex digits; check for a missing or extra digit.', {
      details: { digits: clean.length },
    });
  }
  return new Uint8Array(Buffer.from(clean, 'hex'));
}

/** Concatenates byte arrays. */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Byte-wise equality. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Hex bytes from a pasted log line: takes the longest run of whitespace-separated hex tokens
 * (`81 E2 91 00 06 BF 3E 03 5C 01 5A`, `BF3E035C015A`), ignoring timestamps, arrows and words around
 * it. Plain hex input is returned as `fromHex` would. Raises HEX_INVALID when no hex is found.
 */
export function hexFromLogText(text: string): Uint8Array {
  try {
    return fromHex(text);
  } catch {
    // fall through: not plain hex, look for the hex run inside the line(s)
  }
  const tokens = text.split(/[\s,;|]+/).filter((t) => t.length > 0);
  const isHexToken = (t: string): boolean => /^(0x)?([0-9a-fA-F]{2})+$/.test(t.replace(/:/g, ''));
  let best: string[] = [];
  let run: string[] = [];
  for (const token of tokens) {
    if (isHexToken(token)) {
      run.push(token);
      if (run.join('').length > best.join('').length) best = [...run];
    } else run = [];
  }
  if (best.length === 0) {
    throw new WorkbenchError('HEX_INVALID', 'No hexadecimal bytes found in the input.', 'Paste the bytes as hex, e.g. "BF 2E 00" or a log line containing them.');
  }
  return fromHex(best.join(''));
}
