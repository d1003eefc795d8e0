/**
 * File control parameters / information (SELECT and STATUS responses: templates 62 FCP, 6F FCI, 64 FMD)
 * per ISO 7816-4 §7.4 and ETSI TS 102 221 §11.1.1.3, decoded for people. Tags are rows of a table
 * scoped by their parent template, because the same tag means different things in different templates
 * (82 is the file descriptor in an FCP but the SGP.22 version inside the ISD-R's E0 template).
 */
import { toSpacedHex } from '../../shared/hex.js';
import { salvageTlvSequence, tagToHex, type Tlv } from '../codec/ber-tlv.js';
import { findCardFile, nameAid } from '../card/files.js';

type Scope = 'fcp' | 'proprietary' | 'pin' | 'isdr';

interface FcpTagRow {
  readonly scope: Scope;
  readonly tag: number;
  readonly name: string;
  readonly explain: (v: Uint8Array, out: FileControlInfo) => string;
  /** Constructed templates whose children are read in another scope. */
  readonly children?: Scope;
}

/** PIN status of one key reference, from the C6 template. */
export interface PinStatusEntry {
  readonly keyReference: number;
  readonly name: string;
  readonly enabled: boolean;
}

export interface FileControlInfo {
  summary: string;
  /** One line per decoded tag, indented by nesting. */
  details: string[];
  fid?: string;
  dfName?: string;
  fileType?: string;
  lifeCycle?: string;
  pinStatus?: PinStatusEntry[];
  /** SGP.22 version from an ISD-R FCI (E0/82). */
  sgp22Version?: string;
}

const num = (v: Uint8Array): number => v.reduce((n, b) => n * 256 + b, 0);

/** Key references of ETSI TS 102 221 Table 9.3. */
export function keyReferenceName(ref: number): string {
  if (ref >= 0x01 && ref <= 0x08) return `PIN${ref} (application PIN)`;
  if (ref >= 0x0a && ref <= 0x0e) return `ADM${ref - 0x09}`;
  if (ref === 0x11) return 'Universal PIN';
  if (ref >= 0x81 && ref <= 0x88) return `PIN2 of application ${ref - 0x80} (second PIN)`;
  if (ref >= 0x8a && ref <= 0x8e) return `ADM${ref - 0x84}`;
  return `key ${ref.toString(16).toUpperCase().padStart(2, '0')}`;
}

function fileDescriptor(v: Uint8Array, out: FileControlInfo): string {
  const fd = v[0] ?? 0;
  const shareable = (fd & 0x40) !== 0 ? 'shareable ' : '';
  let type: string;
  if ((fd & 0x3f) === 0x38) type = 'DF/ADF';
  else if ((fd & 0x3f) === 0x39) type = 'BER-TLV EF';
  else {
    const kind = (fd >> 3) & 0x07;
    const structure = ({ 1: 'transparent', 2: 'linear fixed', 6: 'cyclic' } as Record<number, string>)[fd & 0x07] ?? `structure ${fd & 0x07}`;
    type = `${kind === 1 ? 'internal' : kind === 0 ? 'working' : 'proprietary'} ${structure} EF`;
  }
  out.fileType = `${shareable}${type}`;
  const parts = [out.fileType];
  if (v.length >= 5) parts.push(`${num(v.subarray(2, 4))}-byte records × ${v[4] ?? 0}`);
  return parts.join(', ');
}

function lifeCycle(v: Uint8Array, out: FileControlInfo): string {
  const b = v[0] ?? 0;
  let s: string;
  if (b === 0x00) s = 'no information';
  else if (b === 0x01) s = 'creation';
  else if (b === 0x03) s = 'initialisation';
  else if ((b & 0xfc) === 0x0c) s = 'terminated';
  else if ((b & 0xf8) === 0 && (b & 0x04) !== 0) s = (b & 0x01) !== 0 ? 'operational, activated' : 'operational, deactivated';
  else s = 'proprietary';
  out.lifeCycle = s;
  return `${s} (${toSpacedHex(v)})`;
}

/**
 * C6 PIN status template: PS_DO (90) is a bitmap whose bits, from b8 of its first byte on, say for each
 * following key reference (83) whether that PIN is enabled.
 */
function pinStatusTemplate(v: Uint8Array, out: FileControlInfo): string {
  const { nodes } = salvageTlvSequence(v);
  const psDo = nodes.find((n) => n.tag === 0x90)?.value ?? new Uint8Array(0);
  const refs = nodes.filter((n) => n.tag === 0x83).map((n) => n.value[0] ?? 0);
  out.pinStatus = refs.map((keyReference, i) => ({
    keyReference,
    name: keyReferenceName(keyReference),
    enabled: ((psDo[i >> 3] ?? 0) & (0x80 >> (i & 7))) !== 0,
  }));
  return out.pinStatus.map((p) => `${p.name}: ${p.enabled ? 'enabled' : 'disabled'}`).join(', ') || 'no key references';
}

const ROWS: readonly FcpTagRow[] = [
  { scope: 'fcp', tag: 0x82, name: 'File descriptor', explain: fileDescriptor },
  {
    scope: 'fcp', tag: 0x83, name: 'File identifier', explain: (v, out) => {
      out.fid = toSpacedHex(v).replace(/ /g, '');
      return `${out.fid}${findCardFile(out.fid) ? ` (${findCardFile(out.fid)?.name})` : ''}`;
    },
  },
  {
    scope: 'fcp', tag: 0x84, name: 'DF name (AID)', explain: (v, out) => {
      out.dfName = toSpacedHex(v).replace(/ /g, '');
      const known = nameAid(out.dfName);
      return `${out.dfName}${known ? ` (${known})` : ''}`;
    },
  },
  { scope: 'fcp', tag: 0x80, name: 'File size', explain: (v) => `${num(v)} bytes of data` },
  { scope: 'fcp', tag: 0x81, name: 'Total file size', explain: (v) => `${num(v)} bytes including structural information` },
  { scope: 'fcp', tag: 0x88, name: 'Short file identifier', explain: (v) => (v.length === 0 ? 'not supported' : `SFI ${(v[0] ?? 0) >> 3}`) },
  { scope: 'fcp', tag: 0x8a, name: 'Life cycle status', explain: lifeCycle },
  { scope: 'fcp', tag: 0x8b, name: 'Security attributes (referenced)', explain: (v) => `EF.ARR ${toSpacedHex(v.subarray(0, 2)).replace(' ', '')}, record ${toSpacedHex(v.subarray(2))}` },
  { scope: 'fcp', tag: 0x8c, name: 'Security attributes (compact)', explain: (v) => toSpacedHex(v) },
  { scope: 'fcp', tag: 0xab, name: 'Security attributes (expanded)', explain: (v) => toSpacedHex(v) },
  { scope: 'fcp', tag: 0xa5, name: 'Proprietary information', explain: () => '', children: 'proprietary' },
  { scope: 'fcp', tag: 0xc6, name: 'PIN status template', explain: pinStatusTemplate },
  { scope: 'fcp', tag: 0xe0, name: 'ISD-R proprietary application template', explain: () => '', children: 'isdr' },
  { scope: 'proprietary', tag: 0x80, name: 'UICC characteristics', explain: (v) => `${toSpacedHex(v)}${((v[0] ?? 0) & 0x01) !== 0 ? ' (clock stop allowed)' : ''}` },
  { scope: 'proprietary', tag: 0x81, name: 'Application power consumption', explain: (v) => toSpacedHex(v) },
  { scope: 'proprietary', tag: 0x82, name: 'Minimum application clock frequency', explain: (v) => `${(v[0] ?? 0) / 10} MHz` },
  { scope: 'proprietary', tag: 0x83, name: 'Available memory', explain: (v) => `${num(v)} bytes` },
  { scope: 'proprietary', tag: 0x84, name: 'File details', explain: (v) => toSpacedHex(v) },
  { scope: 'proprietary', tag: 0x85, name: 'Reserved file size', explain: (v) => `${num(v)} bytes` },
  { scope: 'proprietary', tag: 0x86, name: 'Maximum file size', explain: (v) => `${num(v)} bytes` },
  { scope: 'proprietary', tag: 0x87, name: 'Supported system commands', explain: (v) => (((v[0] ?? 0) & 0x01) !== 0 ? 'TERMINAL CAPABILITY supported' : toSpacedHex(v)) },
  { scope: 'proprietary', tag: 0xe0, name: 'ISD-R proprietary application template', explain: () => '', children: 'isdr' },
  {
    scope: 'isdr', tag: 0x82, name: 'SGP.22 version', explain: (v, out) => {
      out.sgp22Version = [...v].join('.');
      return out.sgp22Version;
    },
  },
  { scope: 'isdr', tag: 0x83, name: 'LPA-e support', explain: (v) => toSpacedHex(v) },
];

const TEMPLATES: Readonly<Record<number, string>> = { 0x62: 'FCP', 0x6f: 'FCI', 0x64: 'FMD' };

function walk(nodes: readonly Tlv[], scope: Scope, depth: number, out: FileControlInfo): void {
  for (const n of nodes) {
    const row = ROWS.find((r) => r.scope === scope && r.tag === n.tag);
    const pad = '  '.repeat(depth);
    const text = row ? row.explain(n.value, out) : toSpacedHex(n.value);
    out.details.push(`${pad}${tagToHex(n.tag)} ${row?.name ?? 'Unknown tag'}${text ? `: ${text}` : ''}`);
    if (row?.children && n.children) walk(n.children, row.children, depth + 1, out);
  }
}

/** Decodes a SELECT/STATUS response body. Never throws; undecodable input is reported in `summary`. */
export function decodeFileControl(bytes: Uint8Array): FileControlInfo {
  const out: FileControlInfo = { summary: '', details: [] };
  const { nodes, error } = salvageTlvSequence(bytes);
  const root = nodes[0];
  const template = root ? TEMPLATES[root.tag] : undefined;
  if (!root || !template) {
    out.summary = bytes.length === 0 ? 'no data' : `not a file control template: ${toSpacedHex(bytes.subarray(0, 16))}${bytes.length > 16 ? ' …' : ''}`;
    return out;
  }
  out.details.push(`${tagToHex(root.tag)} ${template} template`);
  walk(root.children ?? [], 'fcp', 1, out);
  if (error) out.details.push(`  (decoding stopped: ${error.message})`);
  const name = out.fid ? findCardFile(out.fid)?.name : out.dfName ? nameAid(out.dfName) : undefined;
  const parts = [
    `${template} of ${name ?? out.fid ?? out.dfName ?? 'file'}`,
    out.fileType,
    out.lifeCycle,
    out.pinStatus?.length ? `PIN status: ${out.pinStatus.map((p) => `${p.name} ${p.enabled ? 'enabled' : 'disabled'}`).join(', ')}` : undefined,
    out.sgp22Version ? `SGP.22 ${out.sgp22Version}` : undefined,
  ];
  out.summary = parts.filter(Boolean).join('; ');
  return out;
}
