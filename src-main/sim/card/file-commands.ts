/**
 * File commands of the classic file system (ETSI TS 102 221 §11.1, GSM 11.11 §9.2): SELECT of files
 * and ADF.USIM, READ/UPDATE BINARY, READ/UPDATE RECORD. Handlers answer in ISO status words; the
 * platform translates them for class A0 and frames the response (61xx/9Fxx/6Cxx).
 */
import { bytesEqual, fromHex, toHex } from '../../../shared/hex.js';
import type { ParsedCommandApdu } from '../../card/apdu.js';
import type { EuiccState, ProfileRecord } from '../euicc/state.js';
import type { CardReply } from './applet.js';
import type { AccessCondition, FileNode, FileTree } from './filesystem.js';
import { accessRule, buildFcp, buildGsmResponse, findByFid, findByPath, findBySfi, isDirectory, readRecords, readTransparent, storedField } from './filesystem.js';
import { SW } from './sw.js';

/** Where a channel stands in the file system. */
export interface FileCursor {
  df: FileNode;
  ef?: FileNode;
  /** Current record number (1-based) of `ef`. */
  record?: number;
}

/** What file handlers may see and change. */
export interface FileEnv {
  readonly state: EuiccState;
  readonly profile: ProfileRecord | undefined;
  readonly tree: FileTree;
  /** Command came with GSM class A0: answer in GSM 11.11 formats. */
  readonly gsm: boolean;
  /** PIN1 verified in this card session. */
  readonly pin1Verified: boolean;
  /** Changes the enabled profile and persists it before resolving. */
  updateProfile(mutator: (profile: ProfileRecord) => void): Promise<void>;
}

export interface FileResult {
  reply: CardReply;
  /** New cursor when the command moved it. */
  cursor?: FileCursor;
}

function sw(code: number): FileResult {
  return { reply: { sw: code } };
}

function allowed(condition: AccessCondition, env: FileEnv): boolean {
  if (condition === 'always') return true;
  if (condition === 'pin1') return env.profile !== undefined && (!env.profile.files.pin1.enabled || env.pin1Verified);
  return false; // ADM is never presented to this card; NEVER is never.
}

function selectResponse(node: FileNode, env: FileEnv): Uint8Array {
  return env.gsm ? buildGsmResponse(node, env.state, env.profile) : buildFcp(node, env.state, env.profile);
}

/** The FCP/GSM answer for the current directory (STATUS). */
export function statusResponse(cursor: FileCursor, env: FileEnv): Uint8Array {
  return selectResponse(cursor.df, env);
}

function cursorAt(node: FileNode): FileCursor {
  return isDirectory(node) ? { df: node } : { df: node.parent ?? node, ef: node };
}

function fidsOf(data: Uint8Array): number[] | undefined {
  if (data.length === 0 || data.length % 2 !== 0) return undefined;
  const out: number[] = [];
  for (let i = 0; i < data.length; i += 2) out.push(((data[i] ?? 0) << 8) | (data[i + 1] ?? 0));
  return out;
}

/** SELECT of a file or of ADF.USIM by AID (applets are looked up by the platform first). */
export function selectFile(cmd: ParsedCommandApdu, cursor: FileCursor, env: FileEnv): FileResult {
  const data = cmd.data ?? new Uint8Array(0);
  if (env.gsm && (cmd.p1 !== 0 || cmd.p2 !== 0)) return sw(SW.WRONG_P1P2);
  const responseOption = cmd.p2 & 0x0c;
  if ((cmd.p2 & 0xf0) !== 0 || responseOption === 0x08) return sw(SW.WRONG_P1P2);
  let target: FileNode | undefined;
  switch (cmd.p1) {
    case 0x00: {
      if (data.length === 0) target = env.tree.mf;
      else if (data.length !== 2) return sw(SW.WRONG_LENGTH);
      else target = findByFid(env.tree, cursor.df, ((data[0] ?? 0) << 8) | (data[1] ?? 0));
      break;
    }
    case 0x01:
    case 0x02: {
      if (data.length !== 2) return sw(SW.WRONG_LENGTH);
      const fid = ((data[0] ?? 0) << 8) | (data[1] ?? 0);
      target = cursor.df.children.find((c) => c.fid === fid && isDirectory(c) === (cmd.p1 === 0x01));
      break;
    }
    case 0x03:
      target = cursor.df.parent;
      break;
    case 0x04: {
      const aid = env.profile === undefined ? undefined : fromHex(env.profile.files.usimAid);
      const matches = aid !== undefined && data.length >= 5 && data.length <= aid.length && bytesEqual(aid.subarray(0, data.length), data);
      if ((cmd.p2 & 0x03) !== 0) return sw(SW.FILE_NOT_FOUND); // only one occurrence of the USIM
      target = matches ? env.tree.adf : undefined;
      break;
    }
    case 0x08:
    case 0x09: {
      const path = fidsOf(data);
      if (path === undefined) return sw(SW.WRONG_LENGTH);
      target = findByPath(env.tree, cmd.p1 === 0x08 ? env.tree.mf : cursor.df, path);
      break;
    }
    default:
      return sw(SW.WRONG_P1P2);
  }
  if (target === undefined) return sw(SW.FILE_NOT_FOUND);
  const next = cursorAt(target);
  if (responseOption === 0x0c && !env.gsm) return { reply: { sw: SW.OK }, cursor: next };
  return { reply: { data: selectResponse(target, env), sw: SW.OK }, cursor: next };
}

/** Resolves the EF a READ/UPDATE acts on: by SFI (selecting it) or the current EF. */
function targetEf(cursor: FileCursor, sfi: number | undefined): { ef: FileNode; cursor: FileCursor } | number {
  if (sfi !== undefined && sfi !== 0) {
    const ef = findBySfi(cursor.df, sfi);
    return ef === undefined ? SW.FILE_NOT_FOUND : { ef, cursor: { df: cursor.df, ef } };
  }
  return cursor.ef === undefined ? SW.NO_CURRENT_EF : { ef: cursor.ef, cursor };
}

/** READ BINARY (B0) and UPDATE BINARY (D6). */
export async function binaryCommand(cmd: ParsedCommandApdu, cursor: FileCursor, env: FileEnv): Promise<FileResult> {
  const bySfi = (cmd.p1 & 0x80) !== 0;
  if (bySfi && (cmd.p1 & 0x60) !== 0) return sw(SW.WRONG_P1P2);
  const target = targetEf(cursor, bySfi ? cmd.p1 & 0x1f : undefined);
  if (typeof target === 'number') return sw(target);
  const { ef } = target;
  const offset = bySfi ? cmd.p2 : ((cmd.p1 & 0x7f) << 8) | cmd.p2;
  const body = env.profile === undefined ? undefined : readTransparent(ef, env.profile);
  if (body === undefined) return sw(SW.INCOMPATIBLE_FILE_STRUCTURE);
  const rule = accessRule(ef);
  const update = cmd.ins === 0xd6;
  if (!allowed(update ? rule.update : rule.read, env)) return sw(SW.SECURITY_NOT_SATISFIED);
  if (offset >= body.length) return sw(SW.OFFSET_OUT_OF_RANGE);
  if (!update) {
    const ne = cmd.le ?? 256;
    return { reply: { data: body.slice(offset, offset + ne), sw: SW.OK }, cursor: target.cursor };
  }
  const data = cmd.data;
  if (data === undefined) return sw(SW.WRONG_LENGTH);
  if (offset + data.length > body.length) return sw(SW.WRONG_LENGTH);
  const field = storedField(ef);
  if (field !== 'pl' && field !== 'imsi' && field !== 'spn' && field !== 'ad') return sw(SW.SECURITY_NOT_SATISFIED);
  const next = body.slice();
  next.set(data, offset);
  await env.updateProfile((p) => {
    p.files[field] = toHex(next);
  });
  return { reply: { sw: SW.OK }, cursor: target.cursor };
}

const MODE_NEXT = 0x02;
const MODE_PREVIOUS = 0x03;
const MODE_ABSOLUTE = 0x04;

/** READ RECORD (B2) and UPDATE RECORD (DC): absolute/current, next and previous modes. */
export async function recordCommand(cmd: ParsedCommandApdu, cursor: FileCursor, env: FileEnv): Promise<FileResult> {
  const mode = cmd.p2 & 0x07;
  if (mode !== MODE_NEXT && mode !== MODE_PREVIOUS && mode !== MODE_ABSOLUTE) return sw(SW.WRONG_P1P2);
  const target = targetEf(cursor, cmd.p2 >> 3);
  if (typeof target === 'number') return sw(target);
  const { ef } = target;
  const sameEf = target.cursor.ef === cursor.ef;
  const pointer = sameEf ? cursor.record : undefined;
  const records = env.profile === undefined ? undefined : readRecords(ef, env.profile);
  if (records === undefined) return sw(SW.INCOMPATIBLE_FILE_STRUCTURE);
  const rule = accessRule(ef);
  const update = cmd.ins === 0xdc;
  if (!allowed(update ? rule.update : rule.read, env)) return sw(SW.SECURITY_NOT_SATISFIED);

  let number: number | undefined;
  if (mode === MODE_ABSOLUTE) number = cmd.p1 === 0 ? pointer : cmd.p1;
  else if (cmd.p1 !== 0) return sw(SW.WRONG_P1P2);
  else if (mode === MODE_NEXT) number = (pointer ?? 0) + 1;
  else number = (pointer ?? records.length + 1) - 1;
  const record = number === undefined ? undefined : records[number - 1];
  if (number === undefined || record === undefined) return sw(SW.RECORD_NOT_FOUND);
  // Next/previous move the record pointer; absolute mode leaves it (TS 102 221 §11.1.5).
  const moved: FileCursor = { ...target.cursor, ...(mode === MODE_ABSOLUTE ? (pointer === undefined ? {} : { record: pointer }) : { record: number }) };

  if (!update) return { reply: { data: record, sw: SW.OK }, cursor: moved };
  const data = cmd.data;
  if (data === undefined || data.length !== record.length) return sw(SW.WRONG_LENGTH);
  const field = storedField(ef);
  if (field !== 'adn' && field !== 'sms') return sw(SW.SECURITY_NOT_SATISFIED);
  const index = number - 1;
  await env.updateProfile((p) => {
    p.files[field][index] = toHex(data);
  });
  return { reply: { sw: SW.OK }, cursor: moved };
}
