/**
 * What the T=0 trace decoder knows about commands, as data: for each INS, which side sends the data
 * bytes after the procedure byte (case 2: the card; case 3: the terminal — T=0 cannot tell from the
 * header alone), and how to turn the TPDU into words. Names come from the card layer's instruction
 * table; PIN-carrying commands are masked with the card layer's redaction.
 */
import { concatBytes, toSpacedHex } from '../../shared/hex.js';
import { findCardFile, nameAid } from '../card/files.js';
import { instructionClass } from '../card/instructions.js';
import { decodeFileControl, keyReferenceName } from './fcp.js';
import { describeEs10Payload } from './es10-payload.js';
import { salvageTlvSequence } from '../codec/ber-tlv.js';

export type DataSender = 'terminal' | 'card';

/** One reassembled TPDU as the decoders see it. */
export interface Tpdu {
  readonly cla: number;
  readonly ins: number;
  readonly p1: number;
  readonly p2: number;
  readonly p3: number;
  /** Data bytes the terminal sent after the procedure byte(s). */
  readonly data: Uint8Array;
  /** Data bytes the card sent after the procedure byte(s). */
  readonly response: Uint8Array;
  readonly sw1?: number;
  readonly sw2?: number;
}

/** What a SELECT aimed at, for people and for the diagnosis facts. */
export interface SelectTarget {
  readonly by: 'fid' | 'path' | 'aid' | 'parent' | 'child';
  /** FID of the file (last element of a path), upper-case hex; absent for AIDs. */
  readonly fid?: string;
  /** Full path from the MF when known, e.g. '3F00/2FE2'. */
  readonly path?: string;
  readonly aid?: string;
  readonly name?: string;
}

/** What GET RESPONSE data after a 61xx/9Fxx should be read as. */
export type ResponseKind = 'fcp' | 'gsm-file' | 'es10' | 'raw';

/** Decoder memory across TPDUs: current file, the command a GET RESPONSE answers, ES10 blocks. */
export interface DecoderState {
  currentPath?: string;
  pending?: { readonly command: string; readonly kind: ResponseKind; readonly target?: SelectTarget; collected: Uint8Array[] };
  storeData: Uint8Array[];
}

export interface CommandDecoding {
  readonly decoded: string;
  readonly details?: readonly string[];
  readonly notes?: readonly string[];
  readonly target?: SelectTarget;
}

interface CommandRow {
  readonly ins: number;
  /** Narrows rows that share an INS (e.g. UICC STATUS vs GlobalPlatform GET STATUS). */
  readonly when?: (t: Pick<Tpdu, 'cla' | 'p1' | 'p2'>) => boolean;
  readonly dataFrom: DataSender;
  /** Kind of the data a following GET RESPONSE returns. */
  readonly responseKind?: ResponseKind;
  readonly decode: (t: Tpdu, state: DecoderState) => CommandDecoding;
}

const h2 = (b: number): string => b.toString(16).toUpperCase().padStart(2, '0');
const hexOf = (b: Uint8Array): string => toSpacedHex(b).replace(/ /g, '');
const preview = (b: Uint8Array, n = 8): string => `${toSpacedHex(b.subarray(0, n))}${b.length > n ? ' …' : ''}`;
const ok = (t: Tpdu): boolean => t.sw1 !== undefined && [0x90, 0x91, 0x61, 0x9f, 0x62, 0x63].includes(t.sw1);
/** Le in a T=0 case-2 header: P3 = 00 asks for 256 bytes. */
const le = (t: Tpdu): number => (t.p3 === 0 ? 256 : t.p3);

function fileName(fid: string, parent?: string): string | undefined {
  return findCardFile(fid, parent)?.name;
}

function currentName(state: DecoderState): string {
  const path = state.currentPath;
  if (!path) return 'current file';
  const parts = path.split('/');
  const fid = parts[parts.length - 1] ?? '';
  return fileName(fid, parts.slice(0, -1).join('/')) ?? (path.startsWith('AID:') ? (nameAid(path.slice(4)) ?? path.slice(4)) : fid);
}

const P2_RESPONSE: Readonly<Record<number, string>> = { 0x00: 'FCI requested', 0x04: 'FCP requested', 0x08: 'FMD requested', 0x0c: 'no data requested' };

function selectTarget(t: Tpdu, state: DecoderState): SelectTarget {
  const d = t.data;
  if (t.p1 === 0x04) {
    const aid = hexOf(d);
    const name = nameAid(aid);
    return { by: 'aid', aid, ...(name ? { name } : {}) };
  }
  if (t.p1 === 0x03) return { by: 'parent' };
  if (t.p1 === 0x08 || t.p1 === 0x09) {
    const fids = (hexOf(d).match(/.{4}/g) ?? []) as string[];
    const base = t.p1 === 0x08 ? '3F00' : (state.currentPath ?? '3F00');
    const full = [base, ...fids.filter((f, i) => !(i === 0 && f === '3F00'))];
    const fid = full[full.length - 1] ?? '3F00';
    const parent = full.slice(0, -1).join('/');
    const name = fileName(fid, parent);
    return { by: 'path', fid, path: full.join('/'), ...(name ? { name } : {}) };
  }
  const fid = hexOf(d.subarray(0, 2));
  const name = fid === '' ? undefined : fileName(fid);
  const def = fid === '' ? undefined : findCardFile(fid);
  const path = fid === '3F00' ? '3F00' : def ? [def.parent, fid].filter(Boolean).join('/') : undefined;
  return { by: t.p1 === 0x01 || t.p1 === 0x02 ? 'child' : 'fid', fid, ...(path ? { path } : {}), ...(name ? { name } : {}) };
}

function decodeSelect(t: Tpdu, state: DecoderState): CommandDecoding {
  const target = selectTarget(t, state);
  let what: string;
  if (target.by === 'aid') what = `${target.name ?? 'application'} by AID ${target.aid}${t.p2 & 0x02 ? ' (next occurrence)' : ''}`;
  else if (target.by === 'parent') what = 'parent DF';
  else if (target.by === 'path') what = `${target.name ?? target.fid} by path /${(target.path ?? '').split('/').slice(1).join('/')}`;
  else what = `${target.name ?? 'file'} (${target.fid || 'no FID'})`;
  const notes: string[] = [];
  if (target.fid === '2F05') notes.push('2F05 is EF.PL in ETSI TS 102 221 (EF.ELP, extended language preference, in GSM 11.11).');
  if (ok(t)) {
    if (target.by === 'aid') state.currentPath = `AID:${target.aid}`;
    else if (target.path) state.currentPath = target.path;
    else if (target.fid) state.currentPath = target.fid;
  }
  const p2 = instructionClass(t.cla) === 'gsm' ? '' : `, ${P2_RESPONSE[t.p2 & 0x0c] ?? `P2 ${h2(t.p2)}`}`;
  return { decoded: `SELECT ${what}${p2}`, target, ...(notes.length ? { notes } : {}) };
}

/** ICCID digits: BCD with swapped nibbles, F padding (ITU-T E.118 / TS 102 221 §13.2). */
function swappedBcd(b: Uint8Array): string {
  return [...b].map((x) => `${(x & 0x0f).toString(16)}${(x >> 4).toString(16)}`).join('').replace(/f+$/i, '').toUpperCase();
}

/** Decoders for the content of well-known EFs read with READ BINARY / READ RECORD. */
const FILE_CONTENT: Readonly<Record<string, (b: Uint8Array) => string>> = {
  '2FE2': (b) => `ICCID ${swappedBcd(b)}`,
  '2F00': (b) => {
    const app = salvageTlvSequence(b).nodes.find((n) => n.tag === 0x61);
    const aid = app?.children?.find((n) => n.tag === 0x4f);
    if (!aid) return 'empty record';
    const hex = hexOf(aid.value);
    return `application ${hex}${nameAid(hex) ? ` (${nameAid(hex)})` : ''}`;
  },
};

function describeContent(state: DecoderState, b: Uint8Array): string | undefined {
  const fid = state.currentPath?.split('/').pop() ?? '';
  const decode = FILE_CONTENT[fid];
  return decode && b.length > 0 ? decode(b) : undefined;
}

function decodeReadBinary(t: Tpdu, state: DecoderState): CommandDecoding {
  const sfi = (t.p1 & 0x80) !== 0 && instructionClass(t.cla) !== 'gsm';
  const where = sfi ? `SFI ${t.p1 & 0x1f}, offset ${t.p2}` : `${currentName(state)}, offset ${(t.p1 << 8) | t.p2}`;
  const content = describeContent(state, t.response);
  return { decoded: `READ BINARY ${where}, ${le(t)} bytes${content ? `: ${content}` : ''}` };
}

const RECORD_MODES: Readonly<Record<number, string>> = { 2: 'next', 3: 'previous', 4: 'absolute' };

function decodeRecord(verb: string) {
  return (t: Tpdu, state: DecoderState): CommandDecoding => {
    const sfi = t.p2 >> 3;
    const mode = RECORD_MODES[t.p2 & 0x07] ?? `mode ${t.p2 & 0x07}`;
    const file = sfi ? `SFI ${sfi}` : currentName(state);
    const content = verb === 'READ' ? describeContent(state, t.response) : undefined;
    const length = verb === 'READ' ? le(t) : t.data.length;
    return { decoded: `${verb} RECORD ${file}, record ${t.p1} (${mode}), ${length} bytes${content ? `: ${content}` : ''}` };
  };
}

function decodeUpdateBinary(t: Tpdu, state: DecoderState): CommandDecoding {
  return { decoded: `UPDATE BINARY ${currentName(state)}, offset ${(t.p1 << 8) | t.p2}, ${t.data.length} bytes` };
}

function decodePinCommand(verb: string) {
  return (t: Tpdu): CommandDecoding => {
    const who = keyReferenceName(t.p2);
    if (t.p3 === 0) return { decoded: `${verb} ${who}: retry counter query (no PIN sent)` };
    return { decoded: `${verb} ${who}, ${t.p3} data bytes (masked)` };
  };
}

function decodeStatus(t: Tpdu): CommandDecoding {
  const p1 = ({ 0: '', 1: ', application initialised', 2: ', application terminating' } as Record<number, string>)[t.p1] ?? `, P1 ${h2(t.p1)}`;
  const p2 = ({ 0: 'FCP of the current application', 1: 'DF name', 0x0c: 'no data' } as Record<number, string>)[t.p2] ?? `P2 ${h2(t.p2)}`;
  const body = t.response.length > 0 ? decodeFileControl(t.response) : undefined;
  return { decoded: `STATUS (${p2}${p1})${body ? `: ${body.summary}` : ''}`, ...(body ? { details: body.details } : {}) };
}

/** A9 template of TERMINAL CAPABILITY (ETSI TS 102 221 §11.1.19; eUICC bits per SGP.22 digest §1.2). */
const EUICC_CAPABILITY_BITS: readonly [number, string][] = [
  [0x01, 'LUId'], [0x02, 'LPDd'], [0x04, 'LDSd'], [0x08, 'LUIe-SCWS'], [0x10, 'metadata update alerting'],
  [0x20, 'enterprise capable'], [0x40, 'LUIe-E4E'], [0x80, 'LPR'],
];

function decodeTerminalCapability(t: Tpdu): CommandDecoding {
  const template = salvageTlvSequence(t.data).nodes.find((n) => n.tag === 0xa9);
  const items: string[] = [];
  for (const n of template?.children ?? []) {
    if (n.tag === 0x80) items.push(`power supply ${toSpacedHex(n.value)}`);
    else if (n.tag === 0x81) items.push('extended logical channels supported');
    else if (n.tag === 0x82) items.push(((n.value[0] ?? 0) & 0x01) !== 0 ? 'UICC-CLF interface supported' : `additional interfaces ${toSpacedHex(n.value)}`);
    else if (n.tag === 0x83) {
      const b = n.value[0] ?? 0;
      const names = EUICC_CAPABILITY_BITS.filter(([m]) => (b & m) !== 0).map(([, s]) => s);
      items.push(`eUICC support: ${names.join(', ') || 'none'}`);
    } else items.push(`tag ${h2(n.tag)} ${toSpacedHex(n.value)}`);
  }
  return { decoded: `TERMINAL CAPABILITY: ${items.join('; ') || toSpacedHex(t.data) || 'no data'}` };
}

/** Proactive command types (ETSI TS 102 223 §9.4), the ones seen in traces. */
const PROACTIVE_TYPES: Readonly<Record<number, string>> = {
  0x01: 'REFRESH', 0x02: 'MORE TIME', 0x03: 'POLL INTERVAL', 0x04: 'POLLING OFF', 0x05: 'SET UP EVENT LIST',
  0x10: 'SET UP CALL', 0x11: 'SEND SS', 0x12: 'SEND USSD', 0x13: 'SEND SHORT MESSAGE', 0x14: 'SEND DTMF',
  0x15: 'LAUNCH BROWSER', 0x21: 'DISPLAY TEXT', 0x22: 'GET INKEY', 0x23: 'GET INPUT', 0x24: 'SELECT ITEM',
  0x25: 'SET UP MENU', 0x26: 'PROVIDE LOCAL INFORMATION', 0x27: 'TIMER MANAGEMENT', 0x28: 'SET UP IDLE MODE TEXT',
  0x35: 'LANGUAGE NOTIFICATION', 0x40: 'OPEN CHANNEL', 0x41: 'CLOSE CHANNEL', 0x42: 'RECEIVE DATA', 0x43: 'SEND DATA',
  0x44: 'GET CHANNEL STATUS',
};

/** Command details (tag 01/81: number, type, qualifier) anywhere in a SIMPLE-TLV list. */
function proactiveType(b: Uint8Array): string | undefined {
  const nodes = salvageTlvSequence(b).nodes;
  const list = nodes.length === 1 && nodes[0]?.tag === 0xd0 ? salvageTlvSequence(nodes[0].value).nodes : nodes;
  const details = list.find((n) => (n.tag & 0x7f) === 0x01);
  const type = details?.value[1];
  return type === undefined ? undefined : (PROACTIVE_TYPES[type] ?? `type ${h2(type)}`);
}

const ENVELOPE_TAGS: Readonly<Record<number, string>> = {
  0xd1: 'SMS-PP download', 0xd2: 'Cell Broadcast download', 0xd3: 'menu selection', 0xd4: 'call control',
  0xd5: 'MO short message control', 0xd6: 'event download', 0xd7: 'timer expiration',
};

const ROWS: readonly CommandRow[] = [
  { ins: 0xa4, dataFrom: 'terminal', responseKind: 'fcp', decode: decodeSelect },
  {
    ins: 0xc0, dataFrom: 'card', decode: (t, state) => {
      const pending = state.pending;
      if (!pending) return { decoded: `GET RESPONSE ${le(t)} bytes` };
      const joined = concatBytes(...pending.collected, t.response);
      const of = `GET RESPONSE (to ${pending.command}${pending.target?.name ? ` ${pending.target.name}` : ''})`;
      if (pending.kind === 'fcp') {
        const fcp = decodeFileControl(joined);
        return { decoded: `${of}: ${fcp.summary}`, details: fcp.details };
      }
      if (pending.kind === 'gsm-file') return { decoded: `${of}: ${describeGsmFileResponse(joined)}` };
      if (pending.kind === 'es10') {
        const es10 = describeEs10Payload(joined);
        return { decoded: `${of}: ${es10.summary}`, details: es10.details };
      }
      return { decoded: `${of}: ${t.response.length} bytes` };
    },
  },
  { ins: 0xf2, when: (t) => instructionClass(t.cla) === 'proprietary' && (t.p1 & 0xf0) !== 0 && t.p1 !== 0xf0, dataFrom: 'terminal', responseKind: 'raw', decode: (t) => ({ decoded: `GET STATUS (GlobalPlatform), P1 ${h2(t.p1)}` }) },
  { ins: 0xf2, dataFrom: 'card', responseKind: 'fcp', decode: decodeStatus },
  { ins: 0xb0, dataFrom: 'card', decode: decodeReadBinary },
  { ins: 0xb2, dataFrom: 'card', decode: decodeRecord('READ') },
  { ins: 0xd6, dataFrom: 'terminal', decode: decodeUpdateBinary },
  { ins: 0xdc, dataFrom: 'terminal', decode: decodeRecord('UPDATE') },
  { ins: 0x20, dataFrom: 'terminal', decode: decodePinCommand('VERIFY') },
  { ins: 0x24, dataFrom: 'terminal', decode: decodePinCommand('CHANGE PIN') },
  { ins: 0x26, dataFrom: 'terminal', decode: decodePinCommand('DISABLE PIN') },
  { ins: 0x28, dataFrom: 'terminal', decode: decodePinCommand('ENABLE PIN') },
  { ins: 0x2c, dataFrom: 'terminal', decode: decodePinCommand('UNBLOCK PIN (PUK)') },
  { ins: 0xaa, dataFrom: 'terminal', decode: decodeTerminalCapability },
  { ins: 0x10, dataFrom: 'terminal', decode: (t) => ({ decoded: `TERMINAL PROFILE, ${t.data.length} bytes: ${preview(t.data)}` }) },
  { ins: 0x12, dataFrom: 'card', decode: (t) => ({ decoded: `FETCH ${le(t)} bytes${t.response.length ? `: proactive command ${proactiveType(t.response) ?? '?'}` : ''}` }) },
  { ins: 0x14, dataFrom: 'terminal', decode: (t) => ({ decoded: `TERMINAL RESPONSE to ${proactiveType(t.data) ?? 'proactive command'}, ${t.data.length} bytes` }) },
  { ins: 0xc2, dataFrom: 'terminal', responseKind: 'raw', decode: (t) => ({ decoded: `ENVELOPE ${ENVELOPE_TAGS[t.data[0] ?? 0] ?? `tag ${h2(t.data[0] ?? 0)}`}, ${t.data.length} bytes` }) },
  {
    ins: 0x70, dataFrom: 'card', decode: (t) => {
      if (t.p1 === 0x80) return { decoded: `MANAGE CHANNEL close channel ${t.p2}` };
      const opened = t.response[0];
      return { decoded: `MANAGE CHANNEL open${t.p2 ? ` channel ${t.p2}` : ''}${opened !== undefined ? ` → channel ${opened}` : ''}` };
    },
  },
  {
    ins: 0xe2, when: (t) => instructionClass(t.cla) === 'proprietary', dataFrom: 'terminal', responseKind: 'es10', decode: (t, state) => {
      const last = (t.p1 & 0x80) !== 0;
      if (t.p2 === 0) state.storeData = [];
      state.storeData.push(t.data);
      const block = `block ${t.p2}${last ? ' (last)' : ''}`;
      if (!last) return { decoded: `STORE DATA ${block}, ${t.data.length} bytes` };
      const joined = concatBytes(...state.storeData);
      state.storeData = [];
      const es10 = describeEs10Payload(joined);
      return { decoded: `STORE DATA ${block}: ${es10.summary}`, details: es10.details };
    },
  },
  { ins: 0x88, dataFrom: 'terminal', responseKind: 'raw', decode: (t) => ({ decoded: `${instructionClass(t.cla) === 'gsm' ? 'RUN GSM ALGORITHM' : 'AUTHENTICATE'}, ${t.data.length} bytes challenge` }) },
  { ins: 0x84, dataFrom: 'card', decode: (t) => ({ decoded: `GET CHALLENGE ${le(t)} bytes` }) },
  { ins: 0xca, dataFrom: 'card', decode: (t) => ({ decoded: `GET DATA tag ${h2(t.p1)}${h2(t.p2)}` }) },
];

/** The row for a header, or undefined for an instruction the table does not know. */
export function findCommand(t: Pick<Tpdu, 'cla' | 'ins' | 'p1' | 'p2'>): CommandRow | undefined {
  return ROWS.find((r) => r.ins === t.ins && (r.when === undefined || r.when(t)));
}

/** GSM 11.11 §9.2.1 response to SELECT: FID in bytes 5–6, file type in byte 7. */
function describeGsmFileResponse(b: Uint8Array): string {
  if (b.length < 7) return `${b.length} bytes`;
  const fid = hexOf(b.subarray(4, 6));
  const type = ({ 1: 'MF', 2: 'DF', 4: 'EF' } as Record<number, string>)[b[6] ?? 0] ?? `type ${h2(b[6] ?? 0)}`;
  return `GSM file ${fileName(fid) ?? fid} (${type})`;
}

/** Default decoding for instructions without a row: the name and the byte counts. */
export function decodeUnknown(name: string, t: Tpdu): CommandDecoding {
  const parts = [`${name} P1 ${h2(t.p1)} P2 ${h2(t.p2)}`];
  if (t.data.length) parts.push(`${t.data.length} bytes sent`);
  if (t.response.length) parts.push(`${t.response.length} bytes received`);
  return { decoded: parts.join(', ') };
}

/** The response kind a 61xx/9Fxx after this TPDU announces. */
export function responseKindFor(t: Pick<Tpdu, 'cla' | 'ins' | 'p1' | 'p2'>): ResponseKind {
  const row = findCommand(t);
  if (row?.responseKind === 'fcp' && instructionClass(t.cla) === 'gsm') return 'gsm-file';
  return row?.responseKind ?? 'raw';
}
