/**
 * Answer To Reset facts the virtual card needs (ISO 7816-3 §8): which protocols an ATR offers, its
 * TA1 clock-rate conversion (Fi) and baud-rate adjustment (Di), the TCK check, and the modelled
 * transfer time of a byte on the card link.
 */
import { WorkbenchError } from '../../../shared/errors.js';
import { toSpacedHex } from '../../../shared/hex.js';

/**
 * Default ATR: direct convention; TA1 96 (Fi 512, Di 32); T=0 and T=1 offered (T=1 with IFSC 254,
 * BWI 4, CWI 5); T=15 global byte C7 (clock stop no preference, classes A, B, C); historical bytes
 * 80 31 E0 73 FE 21 1F (card service data, selection methods, 8+ logical channels); TCK B1.
 */
export const DEFAULT_ATR_HEX = '3B979680B1FE451FC78031E073FE211FB1';

/** ISO 7816-3 Table 7: Fi by the high nibble of TA1 (undefined = RFU). */
const FI_TABLE: readonly (number | undefined)[] = [372, 372, 558, 744, 1116, 1488, 1860, undefined, undefined, 512, 768, 1024, 1536, 2048, undefined, undefined];
/** ISO 7816-3 Table 8: Di by the low nibble of TA1. */
const DI_TABLE: readonly (number | undefined)[] = [undefined, 1, 2, 4, 8, 16, 32, 64, 12, 20, undefined, undefined, undefined, undefined, undefined, undefined];

export interface AtrInfo {
  /** Protocols announced in TD bytes (T=0 implied when no TD1). */
  protocols: number[];
  fi: number;
  di: number;
  historical: Uint8Array;
  /** Whether a TCK is present and correct (absent is fine when only T=0 is offered). */
  checksumOk: boolean;
}

function atrError(atr: Uint8Array, why: string): WorkbenchError {
  return new WorkbenchError('ATR_INVALID', `The ATR ${toSpacedHex(atr)} is not valid: ${why}.`, 'Configure an ATR that follows ISO 7816-3, or use the default.', {
    details: { atr: toSpacedHex(atr) },
  });
}

/** Parses an ATR's structure; throws ATR_INVALID when it is truncated or has a bad TCK. */
export function parseAtr(atr: Uint8Array): AtrInfo {
  if (atr.length < 2 || (atr[0] !== 0x3b && atr[0] !== 0x3f)) throw atrError(atr, 'TS must be 3B or 3F');
  const t0 = atr[1] ?? 0;
  let y = t0 >> 4;
  const k = t0 & 0x0f;
  let i = 2;
  let level = 1;
  let fi = 372;
  let di = 1;
  const protocols: number[] = [];
  for (;;) {
    const ta = (y & 1) !== 0 ? atr[i++] : undefined;
    if ((y & 2) !== 0) i++;
    if ((y & 4) !== 0) i++;
    const td = (y & 8) !== 0 ? atr[i++] : undefined;
    if (i > atr.length) throw atrError(atr, 'interface bytes truncated');
    if (level === 1 && ta !== undefined) {
      fi = FI_TABLE[ta >> 4] ?? 372;
      di = DI_TABLE[ta & 0x0f] ?? 1;
    }
    if (td === undefined) break;
    if (!protocols.includes(td & 0x0f)) protocols.push(td & 0x0f);
    y = td >> 4;
    level++;
  }
  if (protocols.length === 0) protocols.push(0);
  const historical = atr.slice(i, i + k);
  if (historical.length !== k) throw atrError(atr, 'historical bytes truncated');
  const needsTck = protocols.some((p) => p !== 0);
  const tckPresent = atr.length === i + k + 1;
  if (atr.length > i + k + 1 || (needsTck && !tckPresent)) throw atrError(atr, needsTck ? 'TCK missing or extra bytes' : 'extra bytes after the historical bytes');
  let x = 0;
  for (let j = 1; j < atr.length; j++) x ^= atr[j] ?? 0;
  const checksumOk = !tckPresent || x === 0;
  if (!checksumOk) throw atrError(atr, 'TCK does not match');
  return { protocols: protocols.filter((p) => p !== 15), fi, di, historical, checksumOk };
}

/**
 * Modelled time (ms) to move `bytes` characters over the card link: one character is 12 etu on T=0
 * (start, 8 data, parity, 2 guard) and 11 etu on T=1; 1 etu = F / (D · f).
 */
export function linkTimeMs(bytes: number, o: { fi: number; di: number; clockHz: number; protocol: 'T=0' | 'T=1' }): number {
  const etuSeconds = o.fi / (o.di * o.clockHz);
  const etuPerChar = o.protocol === 'T=0' ? 12 : 11;
  return bytes * etuPerChar * etuSeconds * 1000;
}
