/**
 * Builds a minimal valid SAIP profile package: header, MF (EF.ICCID/DIR/PL/ARR), PUK and PIN codes,
 * DF.TELECOM, USIM (EF.IMSI/SPN/AD/UST/EST/ACC/ECC/SMS), Milenage AKA parameters, EF.ADN by generic
 * file management, optional padding, end. The result is the concatenated ProfileElement DER that
 * travels (encrypted) in the 86 segments of a Bound Profile Package.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { WorkbenchError } from '../../../shared/errors.js';
import { concatBytes, fromHex } from '../../../shared/hex.js';
import { writeFileAtomic } from '../../links/durable-file.js';
import { encode } from '../schema.js';
import { encodeIccid } from '../sgp22/values.js';
import {
  ADN_RECORD_LENGTH,
  emptySmsRecord,
  encodeAcc,
  encodeAd,
  encodeAdnRecord,
  encodeDirRecord,
  encodeImsi,
  encodeSpn,
  padFF,
  pinBlock,
} from '../ef-coding.js';
import { ProfileElement } from './schemas.js';
import type { FcpValue, FileManagementItemValue, FileValue, ProfileElementValue } from './schemas.js';
import { FILE_DESCRIPTOR, SAIP_TEMPLATES } from './templates.js';

export interface ProfileContact {
  name: string;
  number: string;
}

export interface ProfilePackageOptions {
  /** 18–20 digits. */
  iccid: string;
  /** 6–15 digits. */
  imsi: string;
  /** Service provider name for EF.SPN (up to 16 GSM characters). */
  spn: string;
  /** Written as ProfileHeader.profileType. */
  profileName?: string;
  /** Length of the MNC inside the IMSI (EF.AD); default 2. */
  mncLength?: 2 | 3;
  /** Milenage K and OPc (16 bytes, hex or bytes); default 3GPP TS 35.208 test set 1. */
  ki?: string | Uint8Array;
  opc?: string | Uint8Array;
  /** Default '0000'. */
  pin1?: string;
  /** Default '12345678'. */
  puk1?: string;
  /** Default '88888888'. */
  adm1?: string;
  /** AID of ADF.USIM, hex. */
  usimAid?: string;
  /** Phonebook entries written to EF.ADN under DF.TELECOM. */
  contacts?: ProfileContact[];
  /** Number of EF.ADN records (at least the number of contacts); default 10. */
  adnRecords?: number;
  /** Number of EF.SMS records; default 10. */
  smsRecords?: number;
  /** Pad the package to about this many bytes (a generic-file-management PE with filler EFs). */
  size?: number;
}

/** 3GPP TS 35.208 Milenage test set 1 (K, OPc): a test profile must never carry real keys. */
export const MILENAGE_TEST_SET_1 = { ki: '465b5ce8b199b49faa5f0a2ee238a6bc', opc: 'cd63cb71954a9f4e48a5994e37a02baf' } as const;
export const DEFAULT_USIM_AID = 'A0000000871002FFFFFFFF8907090000';
/** Temporary file ID of ADF.USIM inside the package (SAIP: FIDs of ADFs only live during creation). */
const USIM_TEMPORARY_FID = Uint8Array.of(0x7f, 0xf1);
/** SAIP version written to the ProfileHeader. */
export const SAIP_VERSION = { major: 2, minor: 3 } as const;
/** Largest filler EF the padding creates (efFileSize stays within two bytes). */
const FILLER_FILE_MAX = 0x8000;

function optionError(message: string, hint: string, details: Record<string, unknown> = {}): WorkbenchError {
  return new WorkbenchError('SAIP_OPTIONS_INVALID', message, hint, { details });
}

function key16(value: string | Uint8Array | undefined, fallback: string, what: string): Uint8Array {
  const bytes = value === undefined ? fromHex(fallback) : typeof value === 'string' ? fromHex(value) : value;
  if (bytes.length !== 16) throw optionError(`${what} must be 16 bytes, got ${bytes.length}.`, 'Give 32 hex digits.', { what });
  return bytes;
}

/** Minimal big-endian bytes of a size (SAIP: efFileSize without leading zero bytes). */
function sizeBytes(n: number): Uint8Array {
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v % 256);
  return Uint8Array.from(out.length === 0 ? [0] : out);
}

function transparentFcp(length: number, fileID?: Uint8Array): FcpValue {
  return { fileDescriptor: FILE_DESCRIPTOR.transparent, ...(fileID ? { fileID } : {}), efFileSize: sizeBytes(length) };
}

function recordFcp(recordLength: number, count: number, fileID?: Uint8Array): FcpValue {
  return { fileDescriptor: FILE_DESCRIPTOR.linearFixed(recordLength), ...(fileID ? { fileID } : {}), efFileSize: sizeBytes(recordLength * count) };
}

/** A template EF with its FCP (so size and structure are explicit) and its content. */
function efFile(fcp: FcpValue, content: Uint8Array): FileValue {
  return [
    { kind: 'fileDescriptor', value: fcp },
    { kind: 'fillFileContent', value: content },
  ];
}

const transparentFile = (content: Uint8Array): FileValue => efFile(transparentFcp(content.length), content);

function recordFile(records: readonly Uint8Array[]): FileValue {
  const length = records[0]?.length ?? 0;
  return efFile(recordFcp(length, records.length), concatBytes(...records));
}

/** PS_DO template: bitmap (PIN1 disabled, ADM1 enabled) then the key references it covers. */
const MF_PIN_STATUS = fromHex('90 01 40 83 01 01 83 01 0A');
const ADF_PIN_STATUS = fromHex('90 01 00 83 01 01');
/** One access rule record: always readable (EF.ARR, ETSI TS 102 221 §9.5). */
const ARR_RECORD = padFF(fromHex('80 01 01 90 00'), 16);
/** 112 as the emergency number, no alpha, category 0 (TS 31.102 §4.2.21). */
const ECC_RECORD = fromHex('11 F2 FF 00');
/** USIM service table: service 10 (short message storage). */
const UST = fromHex('00 02 00 00 00 00 00 00');

interface BuildState {
  next: number;
}

const header = (state: BuildState, mandated = true) => ({ ...(mandated ? { mandated: null } : {}), identification: state.next++ });

function pes(o: ProfilePackageOptions, state: BuildState): ProfileElementValue[] {
  if (!/^\d{18,20}$/.test(o.iccid)) throw optionError(`ICCID '${o.iccid}' is not 18 to 20 digits.`, 'Use the ICCID as printed, e.g. 8949449999999990023.', { iccid: o.iccid });
  const usimAid = o.usimAid ?? DEFAULT_USIM_AID;
  const contacts = o.contacts ?? [];
  const adnCount = Math.max(o.adnRecords ?? 10, contacts.length, 1);
  const smsCount = Math.max(o.smsRecords ?? 10, 1);
  const adn = Array.from({ length: adnCount }, (_, i) => encodeAdnRecord(contacts[i]?.name ?? '', contacts[i]?.number ?? ''));

  const adnCommands: FileManagementItemValue[] = [
    { kind: 'filePath', value: fromHex(SAIP_TEMPLATES.telecom.files['df-telecom'].fid) },
    { kind: 'createFCP', value: recordFcp(ADN_RECORD_LENGTH, adnCount, fromHex('6F3A')) },
    { kind: 'fillFileContent', value: concatBytes(...adn) },
  ];

  return [
    {
      kind: 'header',
      value: {
        majorVersion: SAIP_VERSION.major,
        minorVersion: SAIP_VERSION.minor,
        ...(o.profileName !== undefined ? { profileType: o.profileName } : {}),
        iccid: encodeIccid(o.iccid),
        eUICCMandatoryServices: { usim: null, milenage: null },
        eUICCMandatoryGFSTEList: [SAIP_TEMPLATES.mf.oid, SAIP_TEMPLATES.telecom.oid, SAIP_TEMPLATES.usim.oid],
      },
    },
    {
      kind: 'mf',
      value: {
        header: header(state),
        templateID: SAIP_TEMPLATES.mf.oid,
        mf: [{ kind: 'fileDescriptor', value: { fileDescriptor: FILE_DESCRIPTOR.df, fileID: fromHex('3F00'), pinStatusTemplateDO: MF_PIN_STATUS } }],
        'ef-pl': transparentFile(padFF(new TextEncoder().encode('en'), 10)),
        'ef-iccid': transparentFile(encodeIccid(o.iccid)),
        'ef-dir': recordFile([encodeDirRecord(usimAid, 'USIM')]),
        'ef-arr': recordFile([ARR_RECORD]),
      },
    },
    {
      kind: 'pukCodes',
      value: { header: header(state), pukCodes: [{ keyReference: 'pukAppl1', pukValue: pinBlock(o.puk1 ?? '12345678', 'PUK1') }] },
    },
    {
      kind: 'pinCodes',
      value: {
        header: header(state),
        pinCodes: {
          kind: 'pinconfig',
          value: [
            { keyReference: 'pinAppl1', pinValue: pinBlock(o.pin1 ?? '0000', 'PIN1'), unblockingPINReference: 'pukAppl1' },
            { keyReference: 'adm1', pinValue: pinBlock(o.adm1 ?? '88888888', 'ADM1') },
          ],
        },
      },
    },
    {
      kind: 'telecom',
      value: {
        header: header(state, false),
        templateID: SAIP_TEMPLATES.telecom.oid,
        'df-telecom': [{ kind: 'fileDescriptor', value: { fileDescriptor: FILE_DESCRIPTOR.df, fileID: fromHex('7F10'), pinStatusTemplateDO: ADF_PIN_STATUS } }],
      },
    },
    {
      kind: 'usim',
      value: {
        header: header(state),
        templateID: SAIP_TEMPLATES.usim.oid,
        'adf-usim': [{ kind: 'fileDescriptor', value: { fileDescriptor: FILE_DESCRIPTOR.df, fileID: USIM_TEMPORARY_FID, dfName: fromHex(usimAid), pinStatusTemplateDO: ADF_PIN_STATUS } }],
        'ef-imsi': transparentFile(encodeImsi(o.imsi)),
        'ef-arr': recordFile([ARR_RECORD]),
        'ef-ust': transparentFile(UST),
        'ef-sms': recordFile(Array.from({ length: smsCount }, emptySmsRecord)),
        'ef-spn': transparentFile(encodeSpn(o.spn)),
        'ef-est': transparentFile(Uint8Array.of(0x00)),
        'ef-acc': transparentFile(encodeAcc(o.imsi)),
        'ef-ad': transparentFile(encodeAd(o.mncLength ?? 2)),
        'ef-ecc': recordFile([ECC_RECORD]),
      },
    },
    {
      kind: 'akaParameter',
      value: {
        header: header(state),
        algoConfiguration: {
          kind: 'algoParameter',
          value: {
            algorithmID: 'milenage',
            algorithmOptions: Uint8Array.of(0x01),
            key: key16(o.ki, MILENAGE_TEST_SET_1.ki, 'Ki'),
            opc: key16(o.opc, MILENAGE_TEST_SET_1.opc, 'OPc'),
          },
        },
      },
    },
    { kind: 'genericFileManagement', value: { header: header(state), fileManagementCMD: [adnCommands] } },
  ];
}

/** Deterministic filler bytes (SHA-256 in counter mode), so padded packages are reproducible. */
function filler(length: number, seed: string): Uint8Array {
  const out = new Uint8Array(length);
  for (let off = 0, i = 0; off < length; off += 32, i++) {
    out.set(createHash('sha256').update(`${seed}/${i}`).digest().subarray(0, Math.min(32, length - off)), off);
  }
  return out;
}

/** A GFM PE creating filler EFs A001, A002 … under the MF with `contentLength` bytes in all. */
function paddingPe(contentLength: number, identification: number, seed: string): Uint8Array {
  const data = filler(contentLength, seed);
  const commands: FileManagementItemValue[] = [{ kind: 'filePath', value: new Uint8Array(0) }];
  for (let off = 0, i = 1; off < data.length; off += FILLER_FILE_MAX, i++) {
    const chunk = data.subarray(off, off + FILLER_FILE_MAX);
    commands.push({ kind: 'createFCP', value: transparentFcp(chunk.length, Uint8Array.of(0xa0, i)) }, { kind: 'fillFileContent', value: chunk });
  }
  return encode(ProfileElement, { kind: 'genericFileManagement', value: { header: { identification }, fileManagementCMD: [commands] } });
}

/**
 * The padding PE whose encoded length is as close to `wanted` as DER lengths allow (a few bytes off
 * at most), or nothing when `wanted` is smaller than an empty filler.
 */
function padding(wanted: number, identification: number, seed: string): Uint8Array[] {
  let content = wanted;
  let pe = paddingPe(Math.max(content, 1), identification, seed);
  for (let i = 0; i < 4 && pe.length !== wanted; i++) {
    content = Math.max(1, content + wanted - pe.length);
    pe = paddingPe(content, identification, seed);
  }
  return pe.length > wanted + 64 ? [] : [pe];
}

/** The SAIP profile package (concatenated ProfileElement DER). */
export function buildProfilePackage(options: ProfilePackageOptions): Uint8Array {
  const state: BuildState = { next: 1 };
  const body = pes(options, state).map((pe) => encode(ProfileElement, pe));
  const end = (id: number) => encode(ProfileElement, { kind: 'end', value: { header: { mandated: null, identification: id } } });
  if (options.size !== undefined) {
    if (!Number.isSafeInteger(options.size) || options.size < 0) throw optionError(`Size ${String(options.size)} is not a byte count.`, 'Give a size such as 20k or 102400.');
    const padId = state.next++;
    const base = body.reduce((n, pe) => n + pe.length, 0) + end(state.next).length;
    body.push(...padding(options.size - base, padId, options.iccid));
  }
  body.push(end(state.next++));
  return concatBytes(...body);
}

/** '20k' → 20480, '1m' → 1048576, '5000' → 5000 (for `ewb sim make-profile --size`). */
export function parseProfileSize(text: string): number {
  const m = /^\s*(\d+)\s*([kKmM]i?[bB]?)?\s*$/.exec(text);
  if (!m) throw optionError(`'${text}' is not a size.`, 'Write a byte count, optionally with k or m, e.g. 20k or 100k.', { size: text });
  const unit = (m[2] ?? '').toLowerCase()[0];
  return Number(m[1]) * (unit === 'k' ? 1024 : unit === 'm' ? 1024 * 1024 : 1);
}

/** Builds the package and writes it atomically to `file`; returns what was written. */
export async function writeProfilePackageFile(options: ProfilePackageOptions, file: string): Promise<{ path: string; bytes: number; iccid: string }> {
  const data = buildProfilePackage(options);
  await writeFileAtomic(file, data);
  return { path: path.resolve(file), bytes: data.length, iccid: options.iccid };
}
