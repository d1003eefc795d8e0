/**
 * The classic file system of the enabled profile (ETSI TS 102 221, 3GPP TS 31.102, GSM 11.11): the
 * file tree as data, file lookup for SELECT, FCP templates (UICC) and GSM 11.11 SELECT responses,
 * access conditions, and reading/writing contents, which live in the profile of the state model.
 * With no enabled profile the tree is the bare MF of a blank eUICC (seed 000).
 */
import { concatBytes, fromHex } from '../../../shared/hex.js';
import { findCardFile, type FileStructure } from '../../card/files.js';
import type { EuiccState, ProfileRecord } from '../euicc/state.js';
import { DIR_RECORD_LENGTH, encodeDirRecord, encodeIccidFile } from '../../codec/ef-coding.js';
import { tlv } from './tlv.js';

export type AccessCondition = 'always' | 'pin1' | 'adm' | 'never';

interface AccessRule {
  readonly read: AccessCondition;
  readonly update: AccessCondition;
}

/** Access rules; a rule's number is its record in EF.ARR, referenced by the FCP's 8B DO. */
const ACCESS_RULES: ReadonlyMap<number, AccessRule> = new Map([
  [1, { read: 'always', update: 'adm' }],
  [2, { read: 'pin1', update: 'adm' }],
  [3, { read: 'pin1', update: 'pin1' }],
  [4, { read: 'always', update: 'pin1' }],
  [5, { read: 'always', update: 'never' }],
]);

/** Where a file's bytes come from: a field of the profile's files, or derived from the profile/card. */
export type ContentKey = 'iccid' | 'dir' | 'pl' | 'arr' | 'imsi' | 'spn' | 'ad' | 'adn' | 'sms';

export interface FileNode {
  readonly fid: number;
  readonly name: string;
  readonly structure: FileStructure;
  readonly children: readonly FileNode[];
  parent: FileNode | undefined;
  readonly sfi?: number;
  /** Record number in EF.ARR. */
  readonly rule: number;
  readonly content?: ContentKey;
}

export function isDirectory(node: FileNode): boolean {
  return node.structure === 'mf' || node.structure === 'df' || node.structure === 'adf';
}

interface NodeSpec {
  fid: string;
  parent: string;
  sfi?: number;
  rule: number;
  content?: ContentKey;
  children?: NodeSpec[];
}

function build(spec: NodeSpec, parent?: FileNode): FileNode {
  const def = findCardFile(spec.fid, spec.parent);
  const node: FileNode = {
    fid: parseInt(spec.fid, 16),
    name: def?.name ?? spec.fid,
    structure: def?.structure ?? 'transparent',
    children: [],
    parent,
    rule: spec.rule,
    ...(spec.sfi === undefined ? {} : { sfi: spec.sfi }),
    ...(spec.content === undefined ? {} : { content: spec.content }),
  };
  (node.children as FileNode[]).push(...(spec.children ?? []).map((c) => build(c, node)));
  return node;
}

/** Files of a profile. EF.SMS is linked: DF.TELECOM's and ADF.USIM's are the same file, as on real cards. */
const PROFILE_TREE: NodeSpec = {
  fid: '3F00',
  parent: '',
  rule: 1,
  children: [
    { fid: '2FE2', parent: '3F00', sfi: 0x02, rule: 5, content: 'iccid' },
    { fid: '2F00', parent: '3F00', sfi: 0x1e, rule: 1, content: 'dir' },
    { fid: '2F05', parent: '3F00', sfi: 0x05, rule: 4, content: 'pl' },
    { fid: '2F06', parent: '3F00', sfi: 0x06, rule: 1, content: 'arr' },
    {
      fid: '7F10',
      parent: '3F00',
      rule: 1,
      children: [
        { fid: '6F3A', parent: '3F00/7F10', rule: 3, content: 'adn' },
        { fid: '6F3C', parent: '3F00/7F10', rule: 3, content: 'sms' },
      ],
    },
    {
      fid: '7F20',
      parent: '3F00',
      rule: 1,
      children: [
        { fid: '6F07', parent: '3F00/7FFF', rule: 2, content: 'imsi' },
        { fid: '6F46', parent: '3F00/7FFF', rule: 1, content: 'spn' },
        { fid: '6FAD', parent: '3F00/7FFF', rule: 1, content: 'ad' },
      ],
    },
  ],
};

const USIM_TREE: NodeSpec = {
  fid: '7FFF',
  parent: '3F00',
  rule: 1,
  children: [
    { fid: '6F07', parent: '3F00/7FFF', sfi: 0x07, rule: 2, content: 'imsi' },
    { fid: '6F46', parent: '3F00/7FFF', rule: 1, content: 'spn' },
    { fid: '6FAD', parent: '3F00/7FFF', sfi: 0x03, rule: 1, content: 'ad' },
    { fid: '6F3C', parent: '3F00/7FFF', rule: 3, content: 'sms' },
  ],
};

export interface FileTree {
  readonly mf: FileNode;
  /** ADF.USIM; selectable by AID or 7FFF, its parent for navigation is the MF. */
  readonly adf: FileNode | undefined;
}

function profileTree(): FileTree {
  const mf = build(PROFILE_TREE);
  const adf = build(USIM_TREE, mf);
  return { mf, adf };
}

export const PROFILE_FILES: FileTree = profileTree();
/** A blank eUICC: the MF and nothing under it (seed 000: EF.ICCID, EF.PL, EF.DIR → 6A82). */
export const BLANK_FILES: FileTree = { mf: build({ fid: '3F00', parent: '', rule: 1 }), adf: undefined };

export function treeFor(profile: ProfileRecord | undefined): FileTree {
  return profile === undefined ? BLANK_FILES : PROFILE_FILES;
}

/** SELECT by FID from current directory `cur` (TS 102 221 §8.4.1 reachable files). */
export function findByFid(tree: FileTree, cur: FileNode, fid: number): FileNode | undefined {
  if (fid === 0x3f00) return tree.mf;
  if (fid === 0x7fff) return tree.adf;
  if (fid === cur.fid) return cur;
  const child = cur.children.find((c) => c.fid === fid);
  if (child !== undefined) return child;
  const parent = cur.parent;
  if (parent === undefined) return undefined;
  if (parent.fid === fid) return parent;
  return parent.children.find((c) => c.fid === fid && isDirectory(c));
}

/** SELECT by path (P1 08 from the MF, 09 from `start`): each FID must be a child; 7FFF first = the ADF. */
export function findByPath(tree: FileTree, start: FileNode, path: readonly number[]): FileNode | undefined {
  let node: FileNode | undefined = start;
  for (const [i, fid] of path.entries()) {
    if (node === undefined) return undefined;
    if (i === 0 && fid === 0x7fff) node = tree.adf;
    else if (i === 0 && fid === 0x3f00 && start === tree.mf) node = tree.mf;
    else node = node.children.find((c) => c.fid === fid);
  }
  return node;
}

/** Child EF of `dir` with short file identifier `sfi`. */
export function findBySfi(dir: FileNode, sfi: number): FileNode | undefined {
  return dir.children.find((c) => c.sfi === sfi);
}

// ---- contents ----

const ARR_RECORD_LENGTH = 32;

function conditionDo(c: AccessCondition): Uint8Array {
  if (c === 'always') return Uint8Array.of(0x90, 0x00);
  if (c === 'never') return Uint8Array.of(0x97, 0x00);
  // CRT with key reference (01 PIN1, 0A ADM1) and usage qualifier 08 (user authentication).
  return tlv(0xa4, concatBytes(tlv(0x83, Uint8Array.of(c === 'pin1' ? 0x01 : 0x0a)), tlv(0x95, Uint8Array.of(0x08))));
}

/** EF.ARR record in expanded format: AM_DO 80 (01 read, 02 update) + the condition DO. */
function arrRecord(rule: AccessRule): Uint8Array {
  const body =
    rule.read === rule.update
      ? concatBytes(Uint8Array.of(0x80, 0x01, 0x03), conditionDo(rule.read))
      : concatBytes(Uint8Array.of(0x80, 0x01, 0x01), conditionDo(rule.read), Uint8Array.of(0x80, 0x01, 0x02), conditionDo(rule.update));
  const out = new Uint8Array(ARR_RECORD_LENGTH).fill(0xff);
  out.set(body);
  return out;
}

type TransparentKey = 'pl' | 'imsi' | 'spn' | 'ad';
type RecordKey = 'adn' | 'sms';

/** Transparent body of `node`, or undefined when it is a record file. */
export function readTransparent(node: FileNode, profile: ProfileRecord): Uint8Array | undefined {
  const key = node.content;
  if (key === 'iccid') return encodeIccidFile(profile.iccid);
  if (key === 'pl' || key === 'imsi' || key === 'spn' || key === 'ad') return fromHex(profile.files[key]);
  return undefined;
}

/** Records of `node` (1-based number = index + 1), or undefined for a transparent file. */
export function readRecords(node: FileNode, profile: ProfileRecord): Uint8Array[] | undefined {
  const key = node.content;
  if (key === 'dir') return [encodeDirRecord(profile.files.usimAid, profile.files.usimLabel)];
  if (key === 'arr') return [...ACCESS_RULES.values()].map(arrRecord);
  if (key === 'adn' || key === 'sms') return profile.files[key].map((r) => fromHex(r));
  return undefined;
}

/** Field of ProfileFiles that stores `node`, when the file is writable at all. */
export function storedField(node: FileNode): TransparentKey | RecordKey | undefined {
  const key = node.content;
  return key === 'pl' || key === 'imsi' || key === 'spn' || key === 'ad' || key === 'adn' || key === 'sms' ? key : undefined;
}

export function accessRule(node: FileNode): AccessRule {
  return ACCESS_RULES.get(node.rule) ?? { read: 'never', update: 'never' };
}

/** Number of bytes of a transparent file, or record length × count. */
function fileSize(node: FileNode, profile: ProfileRecord): { size: number; recordLength: number; records: number } {
  const records = readRecords(node, profile);
  if (records !== undefined) {
    const recordLength = records[0]?.length ?? (node.content === 'dir' ? DIR_RECORD_LENGTH : 0);
    return { size: recordLength * records.length, recordLength, records: records.length };
  }
  return { size: readTransparent(node, profile)?.length ?? 0, recordLength: 0, records: 0 };
}

// ---- FCP (ETSI TS 102 221 §11.1.1.3) ----

interface KeyStatus {
  ref: number;
  enabled: boolean;
}

/** Keys listed in a directory's PIN status template: PIN1 (01) with a profile, always ADM1 (0A). */
function keysOf(profile: ProfileRecord | undefined): KeyStatus[] {
  const adm = { ref: 0x0a, enabled: true };
  return profile === undefined ? [adm] : [{ ref: 0x01, enabled: profile.files.pin1.enabled }, adm];
}

/** C6: PS_DO 90 (bit 8 down = key listed first … enabled), then one 83 key reference per key. */
function pinStatusTemplate(keys: readonly KeyStatus[]): Uint8Array {
  let ps = 0;
  keys.forEach((k, i) => {
    if (k.enabled) ps |= 0x80 >> i;
  });
  return tlv(0xc6, concatBytes(tlv(0x90, Uint8Array.of(ps)), ...keys.map((k) => tlv(0x83, Uint8Array.of(k.ref)))));
}

function u16(n: number): Uint8Array {
  return Uint8Array.of((n >> 8) & 0xff, n & 0xff);
}

function u24(n: number): Uint8Array {
  const v = Math.max(0, Math.min(n, 0xffffff));
  return Uint8Array.of(v >> 16, (v >> 8) & 0xff, v & 0xff);
}

/** Descriptor byte: shareable (0x40) + type/structure (ETSI TS 102 221 Table 11.5). */
const DESCRIPTOR: Readonly<Record<FileStructure, number>> = { mf: 0x78, df: 0x78, adf: 0x78, transparent: 0x41, 'linear-fixed': 0x42, cyclic: 0x46 };
/** Data coding byte, as on real UICCs. */
const DATA_CODING = 0x21;
/** Life cycle status: operational, activated. */
const LCS_OPERATIONAL = 0x05;
const EF_ARR_FID = 0x2f06;

/**
 * FCP template (62) of `node`. For the MF it reproduces the blank card of seed 000:
 * 82 02 78 21, 83 02 3F 00, A5 { 80 01 71, 83 03 <free memory>, 87 01 01 }, 8A 01 05,
 * 8B 03 2F 06 01, C6 { 90 01 80, 83 01 0A }.
 */
export function buildFcp(node: FileNode, state: EuiccState, profile: ProfileRecord | undefined): Uint8Array {
  const parts: Uint8Array[] = [];
  const security = tlv(0x8b, concatBytes(u16(EF_ARR_FID), Uint8Array.of(node.rule)));
  const lcs = tlv(0x8a, Uint8Array.of(LCS_OPERATIONAL));
  if (isDirectory(node)) {
    parts.push(tlv(0x82, Uint8Array.of(DESCRIPTOR[node.structure], DATA_CODING)), tlv(0x83, u16(node.fid)));
    if (node.structure === 'adf' && profile !== undefined) parts.push(tlv(0x84, fromHex(profile.files.usimAid)));
    // A5: UICC characteristics (clock stop allowed, 3V/1.8V), available memory; the MF also lists
    // supported system commands (01 = TERMINAL CAPABILITY).
    const proprietary = [tlv(0x80, Uint8Array.of(0x71)), tlv(0x83, u24(state.freeMemory.nonVolatile))];
    if (node.structure === 'mf') proprietary.push(tlv(0x87, Uint8Array.of(0x01)));
    parts.push(tlv(0xa5, concatBytes(...proprietary)), lcs, security, pinStatusTemplate(keysOf(profile)));
  } else if (profile !== undefined) {
    const { size, recordLength, records } = fileSize(node, profile);
    const descriptor =
      node.structure === 'transparent'
        ? Uint8Array.of(DESCRIPTOR[node.structure], DATA_CODING)
        : concatBytes(Uint8Array.of(DESCRIPTOR[node.structure], DATA_CODING), u16(recordLength), Uint8Array.of(records));
    parts.push(tlv(0x82, descriptor), tlv(0x83, u16(node.fid)), lcs, security, tlv(0x80, u16(size)), tlv(0x88, node.sfi === undefined ? new Uint8Array(0) : Uint8Array.of(node.sfi << 3)));
  }
  return tlv(0x62, concatBytes(...parts));
}

// ---- GSM 11.11 §9.2.1 SELECT response ----

const GSM_AC: Readonly<Record<AccessCondition, number>> = { always: 0x0, pin1: 0x1, adm: 0x4, never: 0xf };
const GSM_STRUCTURE: Partial<Record<FileStructure, number>> = { transparent: 0x00, 'linear-fixed': 0x01, cyclic: 0x03 };

/** CHV status byte: b8 = initialised, b4–b1 = attempts left. */
function chvStatus(pin: { retriesLeft: number } | undefined): number {
  return pin === undefined ? 0x00 : 0x80 | Math.min(pin.retriesLeft, 15);
}

/** The GSM response data to SELECT / STATUS with class A0. */
export function buildGsmResponse(node: FileNode, state: EuiccState, profile: ProfileRecord | undefined): Uint8Array {
  if (isDirectory(node)) {
    const memory = u16(Math.min(state.freeMemory.nonVolatile, 0xffff));
    const dfs = node.children.filter(isDirectory).length;
    const efs = node.children.length - dfs;
    // File characteristics: clock stop allowed, 3 V; b8 set = CHV1 disabled.
    const characteristics = 0x13 | (profile !== undefined && !profile.files.pin1.enabled ? 0x80 : 0);
    const gsmData = Uint8Array.of(characteristics, dfs, efs, 0x04, 0x00, chvStatus(profile?.files.pin1), chvStatus(profile?.files.puk1), 0x00, 0x00, 0x00);
    return concatBytes(Uint8Array.of(0x00, 0x00), memory, u16(node.fid), Uint8Array.of(node.structure === 'mf' ? 0x01 : 0x02, 0, 0, 0, 0, 0, gsmData.length), gsmData);
  }
  const { size, recordLength } = profile === undefined ? { size: 0, recordLength: 0 } : fileSize(node, profile);
  const rule = accessRule(node);
  return concatBytes(
    Uint8Array.of(0x00, 0x00),
    u16(size),
    u16(node.fid),
    Uint8Array.of(0x04, 0x00, (GSM_AC[rule.read] << 4) | GSM_AC[rule.update], 0xff, 0x44, 0x01, 0x02, GSM_STRUCTURE[node.structure] ?? 0x00, recordLength),
  );
}
