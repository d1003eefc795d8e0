/**
 * Reads a SAIP profile package (concatenated ProfileElement DER, the plaintext of the 86 segments):
 * checks its frame (header first, end last), decodes the modelled PEs, keeps the others as raw
 * TLVs, and rebuilds the file system the template and generic-file-management PEs describe, so the
 * virtual eUICC can create a profile from it. Errors are typed (SAIP_*) with offset and PE index.
 */
import { WorkbenchError } from '../../../shared/errors.js';
import { toHex } from '../../../shared/hex.js';
import { readTlvHeader, tagToHex } from '../ber-tlv.js';
import { decodeDetailed } from '../schema.js';
import { decodeIccid } from '../sgp22/values.js';
import { decodeImsi, decodeSpn, fromSwappedBcd, pinFromBlock } from '../ef-coding.js';
import { PROFILE_ELEMENT_NAMES, ProfileElement, SAIP_SERVICES } from './schemas.js';
import type { FcpValue, FileManagementItemValue, FileValue, ProfileElementValue, SaipService } from './schemas.js';
import { SAIP_TEMPLATES, WELL_KNOWN_FILES } from './templates.js';
import type { SaipFileKind, SaipTemplate, TemplatePeName } from './templates.js';

export type EfStructure = 'transparent' | 'linear-fixed' | 'cyclic' | 'ber-tlv' | 'unknown';

export interface SaipFile {
  /** FIDs from the MF joined by '/', e.g. '3F00/7FFF/6F07' (7FFF = ADF.USIM). */
  path: string;
  fid: string;
  kind: SaipFileKind;
  /** EFs only. */
  structure?: EfStructure;
  recordLength?: number;
  /** File body (EFs): efFileSize bytes, unwritten parts filled with FF or the fill pattern. */
  content: Uint8Array;
  /** Record files: the body split into records. */
  records?: Uint8Array[];
  /** ADFs: the application AID (dfName), hex. */
  aid?: string;
}

export interface SaipElementInfo {
  /** ProfileElement alternative name ('usim', 'application', …) or 'unknown'. */
  type: string;
  tag: string;
  offset: number;
  /** Bytes of the whole PE TLV. */
  length: number;
  /** PEHeader.identification when the PE is modelled. */
  identification?: number;
  /** False for PEs this codec skips (kept in `raw`). */
  modelled: boolean;
  raw: Uint8Array;
}

export interface SaipPin {
  value?: string;
  /** The 8-byte pinValue/pukValue as in the package. */
  raw: Uint8Array;
  maxAttempts: number;
  retriesLeft: number;
}

export interface ParsedProfile {
  header: { majorVersion: number; minorVersion: number; iccid: string; profileType?: string; mandatoryServices: SaipService[] };
  /** Raw contents of the well-known files (record files as record lists). */
  files: {
    iccid?: Uint8Array;
    dir?: Uint8Array[];
    pl?: Uint8Array;
    arr?: Uint8Array[];
    imsi?: Uint8Array;
    spn?: Uint8Array;
    ad?: Uint8Array;
    ust?: Uint8Array;
    est?: Uint8Array;
    acc?: Uint8Array;
    ecc?: Uint8Array[];
    sms?: Uint8Array[];
    adn?: Uint8Array[];
  };
  /** Values decoded from those files. */
  decoded: {
    /** ICCID digits from EF.ICCID. */
    iccid?: string;
    imsi?: string;
    spn?: string;
    spnDisplayCondition?: number;
    /** EF.AD byte 4. */
    mncLength?: number;
    usimAid?: string;
    /** Label of the USIM's EF.DIR record. */
    usimLabel?: string;
  };
  pins: { pin1?: SaipPin; puk1?: SaipPin; adm1?: SaipPin };
  aka?: { algorithm: string | number; key: Uint8Array; opc: Uint8Array };
  fileSystem: SaipFile[];
  elements: SaipElementInfo[];
}

function saipError(code: string, message: string, hint: string, details: Record<string, unknown>, cause?: unknown): WorkbenchError {
  return new WorkbenchError(code, message, hint, { details, cause });
}

const HINT_MALFORMED = 'The profile package is not valid SAIP DER: check it was decrypted completely and in order (all 86 segments), or rebuild it with `ewb sim make-profile`.';

function malformed(message: string, offset: number, peIndex: number, extra: Record<string, unknown> = {}, cause?: unknown): WorkbenchError {
  return saipError('SAIP_MALFORMED', message, HINT_MALFORMED, { offset, peIndex, ...extra }, cause);
}

// ---------------------------------------------------------------------------------------- file system

interface Write {
  at: number;
  data: Uint8Array;
}

interface FileUnderConstruction {
  path: string;
  fid: string;
  kind: SaipFileKind;
  fcp?: FcpValue;
  writes: Write[];
  pos: number;
}

function kindOfFcp(fcp: FcpValue | undefined, fallback: SaipFileKind): SaipFileKind {
  const fd = fcp?.fileDescriptor?.[0];
  if (fd === undefined) return fallback;
  if ((fd & 0x38) === 0x38) return fcp?.dfName !== undefined ? 'adf' : fallback === 'mf' ? 'mf' : 'df';
  return 'ef';
}

function structureOf(fcp: FcpValue | undefined): EfStructure {
  const fd = fcp?.fileDescriptor?.[0];
  if (fd === undefined) return 'unknown';
  const structures: Record<number, EfStructure> = { 1: 'transparent', 2: 'linear-fixed', 6: 'cyclic' };
  return (fd & 0x39) === 0x39 ? 'ber-tlv' : (structures[fd & 0x07] ?? 'unknown');
}

function bytesToNumber(bytes: Uint8Array): number {
  return bytes.reduce((n, b) => n * 256 + b, 0);
}

class FileSystemBuilder {
  readonly files = new Map<string, FileUnderConstruction>();
  /** Temporary FIDs of ADFs (used in GFM file paths) → their path. */
  private readonly adfByTemporaryFid = new Map<string, string>();

  constructor(
    private readonly peIndex: () => number,
    private readonly peOffset: () => number,
  ) {}

  create(path: string, fid: string, kind: SaipFileKind, fcp: FcpValue | undefined): FileUnderConstruction {
    const file: FileUnderConstruction = { path, fid, kind: kindOfFcp(fcp, kind), writes: [], pos: 0, ...(fcp ? { fcp } : {}) };
    this.files.set(path, file);
    const tempFid = fcp?.fileID;
    if (file.kind === 'adf' && tempFid) this.adfByTemporaryFid.set(toHex(tempFid).toUpperCase(), path);
    return file;
  }

  fill(file: FileUnderConstruction | undefined, item: { kind: 'fillFileOffset'; value: number } | { kind: 'fillFileContent'; value: Uint8Array }): void {
    if (!file) throw malformed(`${item.kind} without a file to fill.`, this.peOffset(), this.peIndex());
    if (item.kind === 'fillFileOffset') file.pos += item.value;
    else {
      file.writes.push({ at: file.pos, data: item.value });
      file.pos += item.value.length;
    }
  }

  /** A template File component: FCP, then fills; doNotCreate drops it. */
  templateFile(path: string, fid: string, kind: SaipFileKind, items: FileValue): void {
    if (items.some((i) => i.kind === 'doNotCreate')) return;
    const fcpItem = items.find((i) => i.kind === 'fileDescriptor');
    const file = this.create(path, fid, kind, fcpItem?.kind === 'fileDescriptor' ? fcpItem.value : undefined);
    for (const item of items) if (item.kind === 'fillFileOffset' || item.kind === 'fillFileContent') this.fill(file, item);
  }

  /** GFM file path: FIDs from the MF (a leading 3F00 tolerated), ADFs by their temporary FID. */
  resolvePath(filePath: Uint8Array): string {
    const fids = (toHex(filePath).toUpperCase().match(/.{4}/g) ?? []).filter((f, i) => !(i === 0 && f === '3F00'));
    let path = '3F00';
    for (const fid of fids) path = this.adfByTemporaryFid.get(fid) ?? `${path}/${fid}`;
    return path;
  }

  genericFileManagement(commands: FileManagementItemValue[][]): void {
    for (const list of commands) {
      let dir = '3F00';
      let file: FileUnderConstruction | undefined;
      for (const item of list) {
        if (item.kind === 'filePath') {
          const target = this.resolvePath(item.value);
          const existing = this.files.get(target);
          file = existing?.kind === 'ef' ? existing : undefined;
          dir = file ? target.slice(0, target.lastIndexOf('/')) : target;
        } else if (item.kind === 'createFCP') {
          const fid = item.value.fileID;
          if (!fid) throw malformed('createFCP without a fileID.', this.peOffset(), this.peIndex());
          const created = this.create(`${dir}/${toHex(fid).toUpperCase()}`, toHex(fid).toUpperCase(), 'ef', item.value);
          if (created.kind === 'ef') file = created;
          else {
            dir = created.path;
            file = undefined;
          }
        } else this.fill(file, item);
      }
    }
  }

  result(): SaipFile[] {
    return [...this.files.values()].map((f) => this.finish(f));
  }

  private finish(f: FileUnderConstruction): SaipFile {
    const base = { path: f.path, fid: f.fid, kind: f.kind };
    if (f.kind !== 'ef') {
      const aid = f.fcp?.dfName;
      return { ...base, content: new Uint8Array(0), ...(aid ? { aid: toHex(aid).toUpperCase() } : {}) };
    }
    const written = f.writes.reduce((n, w) => Math.max(n, w.at + w.data.length), 0);
    const declared = f.fcp?.efFileSize ? bytesToNumber(f.fcp.efFileSize) : undefined;
    if (declared !== undefined && written > declared) {
      throw malformed(`File ${f.path}: content reaches byte ${written} but efFileSize is ${declared}.`, this.peOffset(), this.peIndex(), { path: f.path });
    }
    const content = new Uint8Array(declared ?? written).fill(f.fcp?.proprietaryEFInfo?.fillPattern?.[0] ?? 0xff);
    for (const w of f.writes) content.set(w.data, w.at);
    const structure = structureOf(f.fcp);
    const fd = f.fcp?.fileDescriptor;
    const recordLength = (structure === 'linear-fixed' || structure === 'cyclic') && fd && fd.length >= 4 ? ((fd[2] ?? 0) << 8) | (fd[3] ?? 0) : undefined;
    const records =
      recordLength !== undefined && recordLength > 0
        ? Array.from({ length: Math.floor(content.length / recordLength) }, (_, i) => content.slice(i * recordLength, (i + 1) * recordLength))
        : undefined;
    return { ...base, structure, content, ...(recordLength !== undefined ? { recordLength } : {}), ...(records ? { records } : {}) };
  }
}

// ------------------------------------------------------------------------------------------ the walk

interface DecodedElement {
  info: SaipElementInfo;
  value?: ProfileElementValue;
}

function splitElements(bytes: Uint8Array): DecodedElement[] {
  const out: DecodedElement[] = [];
  for (let offset = 0; offset < bytes.length; ) {
    const index = out.length;
    let headerLength: number;
    let length: number;
    let tag: number;
    try {
      ({ headerLength, length, tag } = readTlvHeader(bytes, offset));
    } catch (err) {
      throw malformed(`Profile element ${index} at offset ${offset} has no valid tag/length.`, offset, index, {}, err);
    }
    const end = offset + headerLength + length;
    if (end > bytes.length) {
      throw malformed(`Profile element ${index} at offset ${offset} declares ${length} bytes but only ${bytes.length - offset - headerLength} remain.`, offset, index, { tag: tagToHex(tag) });
    }
    const raw = bytes.subarray(offset, end);
    const type = PROFILE_ELEMENT_NAMES[tag] ?? 'unknown';
    const info: SaipElementInfo = { type, tag: tagToHex(tag), offset, length: raw.length, modelled: false, raw };
    let value: ProfileElementValue | undefined;
    if (ProfileElement.tags.includes(tag)) {
      try {
        value = decodeDetailed(ProfileElement, raw).value;
      } catch (err) {
        const path = err instanceof WorkbenchError ? err.details.path : undefined;
        throw malformed(`Profile element ${index} (${type}) at offset ${offset} is malformed: ${err instanceof Error ? err.message : String(err)}`, offset, index, { type, path }, err);
      }
      info.modelled = true;
      if (value.kind !== 'header') info.identification = value.value.header.identification;
    }
    out.push(value ? { info, value } : { info });
    offset = end;
  }
  return out;
}

function pinOf(raw: Uint8Array, counters: number): SaipPin {
  const value = pinFromBlock(raw);
  return { ...(value !== undefined ? { value } : {}), raw, maxAttempts: counters >> 4, retriesLeft: counters & 0x0f };
}

/** Parses a SAIP profile package; throws SAIP_MALFORMED / SAIP_MISSING_HEADER / SAIP_MISSING_END. */
export function parseProfilePackage(bytes: Uint8Array): ParsedProfile {
  const elements = splitElements(bytes);
  const first = elements[0];
  if (first?.value?.kind !== 'header') {
    throw saipError('SAIP_MISSING_HEADER', `The profile package does not start with a ProfileHeader (${first ? `found ${first.info.type} at offset 0` : 'it is empty'}).`, HINT_MALFORMED, {
      offset: 0,
      peIndex: 0,
      found: first?.info.type,
    });
  }
  const endIndex = elements.findIndex((e) => e.value?.kind === 'end');
  if (endIndex < 0) {
    throw saipError('SAIP_MISSING_END', 'The profile package has no PE-End: it is incomplete.', HINT_MALFORMED, { offset: bytes.length, peIndex: elements.length });
  }
  if (endIndex !== elements.length - 1) {
    const after = elements[endIndex + 1] as DecodedElement;
    throw malformed(`Data follows PE-End: ${after.info.type} at offset ${after.info.offset}.`, after.info.offset, endIndex + 1);
  }
  const h = first.value.value;
  const iccid = decodeIccid(h.iccid);
  if (!/^\d{18,20}$/.test(iccid)) throw malformed(`ProfileHeader ICCID ${toHex(h.iccid)} is not 18–20 BCD digits.`, 0, 0, { path: 'ProfileHeader.iccid' });

  let current = 0;
  const fs = new FileSystemBuilder(
    () => current,
    () => elements[current]?.info.offset ?? 0,
  );
  const pins: ParsedProfile['pins'] = {};
  let aka: ParsedProfile['aka'];
  elements.forEach((e, i) => {
    current = i;
    if (i > 0 && e.value?.kind === 'header') throw malformed(`A second ProfileHeader at offset ${e.info.offset}.`, e.info.offset, i);
    const pe = e.value;
    if (pe === undefined) return;
    switch (pe.kind) {
      case 'mf':
      case 'telecom':
      case 'usim':
        applyTemplate(fs, SAIP_TEMPLATES[pe.kind as TemplatePeName], pe.value as unknown as Record<string, FileValue | undefined>);
        break;
      case 'genericFileManagement':
        fs.genericFileManagement(pe.value.fileManagementCMD);
        break;
      case 'pinCodes':
        if (pe.value.pinCodes.kind === 'pinconfig') {
          for (const c of pe.value.pinCodes.value) {
            const slot = c.keyReference === 'pinAppl1' ? 'pin1' : c.keyReference === 'adm1' ? 'adm1' : undefined;
            if (slot && pins[slot] === undefined) pins[slot] = pinOf(c.pinValue, c.maxNumOfAttemptsRetryNumLeft ?? 0x33);
          }
        }
        break;
      case 'pukCodes':
        for (const c of pe.value.pukCodes) if (c.keyReference === 'pukAppl1' && pins.puk1 === undefined) pins.puk1 = pinOf(c.pukValue, c.maxNumOfAttemptsRetryNumLeft ?? 0xaa);
        break;
      case 'akaParameter':
        if (aka === undefined && pe.value.algoConfiguration.kind === 'algoParameter') {
          const p = pe.value.algoConfiguration.value;
          aka = { algorithm: p.algorithmID, key: p.key, opc: p.opc };
        }
        break;
      default:
        break;
    }
  });

  const fileSystem = fs.result();
  const byPath = new Map(fileSystem.map((f) => [f.path, f]));
  const content = (p: string) => byPath.get(p)?.content;
  const records = (p: string) => {
    const f = byPath.get(p);
    return f ? (f.records ?? [f.content]) : undefined;
  };
  const files: ParsedProfile['files'] = {};
  for (const [name, p] of Object.entries(WELL_KNOWN_FILES) as [keyof typeof WELL_KNOWN_FILES, string][]) {
    const f = byPath.get(p);
    if (!f) continue;
    if (name === 'dir' || name === 'arr' || name === 'ecc' || name === 'sms' || name === 'adn') files[name] = records(p);
    else files[name] = content(p);
  }

  return {
    header: {
      majorVersion: h.majorVersion,
      minorVersion: h.minorVersion,
      iccid,
      ...(h.profileType !== undefined ? { profileType: h.profileType } : {}),
      mandatoryServices: SAIP_SERVICES.filter((s) => h.eUICCMandatoryServices[s] !== undefined),
    },
    files,
    decoded: decodeWellKnown(files, fileSystem),
    pins,
    ...(aka ? { aka } : {}),
    fileSystem,
    elements: elements.map((e) => e.info),
  };
}

function applyTemplate(fs: FileSystemBuilder, template: SaipTemplate, value: Record<string, FileValue | undefined>): void {
  const entries = Object.entries(template.files);
  const [rootName, root] = entries[0] as [string, SaipTemplate['files'][string]];
  const rootPath = template.parent === '' ? root.fid : `${template.parent}/${root.fid}`;
  fs.templateFile(rootPath, root.fid, root.kind, value[rootName] ?? []);
  for (const [name, f] of entries.slice(1)) {
    const items = value[name];
    if (items) fs.templateFile(`${rootPath}/${f.fid}`, f.fid, f.kind, items);
  }
}

/** EF.DIR record 61 {4F aid, 50 label}: the label of the record whose AID is `aid`. */
function dirLabel(dir: Uint8Array[] | undefined, aid: string | undefined): string | undefined {
  for (const record of dir ?? []) {
    if (record[0] !== 0x61) continue;
    let recordAid: string | undefined;
    let label: string | undefined;
    for (let i = 2; i + 1 < Math.min(record.length, 2 + (record[1] ?? 0)); ) {
      const tag = record[i] ?? 0;
      const len = record[i + 1] ?? 0;
      const v = record.subarray(i + 2, i + 2 + len);
      if (tag === 0x4f) recordAid = toHex(v).toUpperCase();
      if (tag === 0x50) label = new TextDecoder().decode(v);
      i += 2 + len;
    }
    if (aid === undefined || recordAid === aid) return label;
  }
  return undefined;
}

function decodeWellKnown(files: ParsedProfile['files'], fileSystem: SaipFile[]): ParsedProfile['decoded'] {
  const out: ParsedProfile['decoded'] = {};
  if (files.iccid) out.iccid = fromSwappedBcd(files.iccid);
  const imsi = files.imsi && decodeImsi(files.imsi);
  if (imsi) out.imsi = imsi;
  const spn = files.spn && decodeSpn(files.spn);
  if (spn) {
    out.spn = spn.name;
    out.spnDisplayCondition = spn.displayCondition;
  }
  if (files.ad && files.ad.length >= 4) out.mncLength = (files.ad[3] ?? 0) & 0x0f;
  const usimAid = fileSystem.find((f) => f.path === '3F00/7FFF')?.aid;
  if (usimAid) out.usimAid = usimAid;
  const label = dirLabel(files.dir, usimAid);
  if (label !== undefined) out.usimLabel = label;
  return out;
}
