/**
 * AT+CRSM, restricted SIM access (27.007 §8.18): classic file reads that work even on modems
 * without +CSIM. Card errors come back as SW1/SW2 with OK, so callers get them as data.
 */
import { WorkbenchError } from '../../../shared/errors.js';
import { fromHex, toHex } from '../../../shared/hex.js';
import type { AtEngine } from './engine.js';
import { AtCommandError, valueAfterPrefix } from './engine.js';

/** <command> values of +CRSM. */
export const CRSM_COMMANDS = {
  readBinary: 176,
  readRecord: 178,
  getResponse: 192,
  updateBinary: 214,
  updateRecord: 220,
  status: 242,
  retrieveData: 203,
  setData: 219,
} as const;

export interface CrsmRequest {
  readonly command: number;
  /** File id, e.g. 0x2FE2. */
  readonly fileId?: number;
  readonly p1?: number;
  readonly p2?: number;
  readonly p3?: number;
  readonly data?: Uint8Array;
  /** Path of the file's parent as hex FIDs, e.g. `3F007FFF`. */
  readonly pathId?: string;
}

export interface CrsmResult {
  readonly sw1: number;
  readonly sw2: number;
  readonly data: Uint8Array;
}

export function crsmCommandLine(req: CrsmRequest): string {
  const args: string[] = [String(req.command)];
  if (req.fileId !== undefined) {
    args.push(String(req.fileId));
    if (req.p1 !== undefined || req.p2 !== undefined || req.p3 !== undefined || req.data !== undefined || req.pathId !== undefined) {
      args.push(String(req.p1 ?? 0), String(req.p2 ?? 0), String(req.p3 ?? 0));
      if (req.data !== undefined || req.pathId !== undefined) args.push(req.data === undefined ? '' : `"${toHex(req.data).toUpperCase()}"`);
      if (req.pathId !== undefined) args.push(`"${req.pathId.toUpperCase()}"`);
    }
  }
  return `AT+CRSM=${args.join(',')}`;
}

export function parseCrsmAnswer(value: string | undefined): CrsmResult {
  const m = value === undefined ? null : /^(\d+)\s*,\s*(\d+)(?:\s*,\s*"?([0-9A-Fa-f]*)"?)?$/.exec(value.trim());
  if (m === null || (m[3] ?? '').length % 2 !== 0) {
    throw new WorkbenchError('AT_RESPONSE_MALFORMED', `Unexpected +CRSM answer: '${value ?? ''}'.`, 'Retry; if it repeats, this modem formats +CRSM differently.', { details: { value } });
  }
  return { sw1: Number(m[1]), sw2: Number(m[2]), data: fromHex(m[3] ?? '') };
}

export async function crsm(engine: AtEngine, req: CrsmRequest, signal?: AbortSignal): Promise<CrsmResult> {
  const result = await engine.send(crsmCommandLine(req), { signal });
  if (result.final.outcome !== 'ok') throw new AtCommandError(result);
  return parseCrsmAnswer(valueAfterPrefix(result.lines, '+CRSM'));
}

export function crsmReadBinary(engine: AtEngine, fileId: number, length: number, options: { offset?: number; pathId?: string; signal?: AbortSignal } = {}): Promise<CrsmResult> {
  const offset = options.offset ?? 0;
  return crsm(engine, { command: CRSM_COMMANDS.readBinary, fileId, p1: offset >> 8, p2: offset & 0xff, p3: length, pathId: options.pathId }, options.signal);
}

/** READ RECORD in absolute mode (P2 = 4). */
export function crsmReadRecord(engine: AtEngine, fileId: number, record: number, length: number, options: { pathId?: string; signal?: AbortSignal } = {}): Promise<CrsmResult> {
  return crsm(engine, { command: CRSM_COMMANDS.readRecord, fileId, p1: record, p2: 4, p3: length, pathId: options.pathId }, options.signal);
}

export function crsmStatus(engine: AtEngine, signal?: AbortSignal): Promise<CrsmResult> {
  return crsm(engine, { command: CRSM_COMMANDS.status }, signal);
}

/** ICCID digits from EF.ICCID content (BCD, nibbles swapped, F padding). */
export function decodeIccid(bytes: Uint8Array): string {
  return toHex(bytes)
    .replace(/(.)(.)/g, '$2$1')
    .replace(/f+$/i, '');
}
