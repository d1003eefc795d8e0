/**
 * Instruction bytes as data (ISO 7816-4, ETSI TS 102 221/102 222, GSM 11.11, GlobalPlatform): names
 * for the APDU log and trace decoding, and which commands carry secrets (PIN/PUK values) in their data.
 */
import { toHex } from '../../shared/hex.js';
import type { CommandApdu } from './apdu.js';
import { GSM_CLA } from './channels.js';
import { findCardFile, nameAid } from './files.js';

/** Class of a CLA byte for instruction lookup: GSM A0, interindustry (b8=0) or proprietary. */
export type InstructionClass = 'iso' | 'proprietary' | 'gsm';

interface InstructionRow {
  readonly ins: number;
  readonly name: string;
  /** Classes the row applies to; absent = all. */
  readonly classes?: readonly InstructionClass[];
  /** The data field holds PIN/PUK values: the log masks it. */
  readonly secretData?: boolean;
}

const INSTRUCTIONS: readonly InstructionRow[] = [
  { ins: 0xa4, name: 'SELECT' },
  { ins: 0xc0, name: 'GET RESPONSE' },
  { ins: 0x70, name: 'MANAGE CHANNEL', classes: ['iso'] },
  { ins: 0xb0, name: 'READ BINARY' },
  { ins: 0xd6, name: 'UPDATE BINARY' },
  { ins: 0xb2, name: 'READ RECORD' },
  { ins: 0xdc, name: 'UPDATE RECORD' },
  { ins: 0xa2, name: 'SEARCH RECORD', classes: ['iso', 'proprietary'] },
  { ins: 0xa2, name: 'SEEK', classes: ['gsm'] },
  { ins: 0x32, name: 'INCREASE' },
  { ins: 0x20, name: 'VERIFY', secretData: true },
  { ins: 0x24, name: 'CHANGE REFERENCE DATA', secretData: true },
  { ins: 0x26, name: 'DISABLE VERIFICATION', secretData: true },
  { ins: 0x28, name: 'ENABLE VERIFICATION', secretData: true },
  { ins: 0x2c, name: 'RESET RETRY COUNTER (UNBLOCK)', secretData: true },
  { ins: 0x04, name: 'DEACTIVATE FILE', classes: ['iso', 'proprietary'] },
  { ins: 0x04, name: 'INVALIDATE', classes: ['gsm'] },
  { ins: 0x44, name: 'ACTIVATE FILE', classes: ['iso', 'proprietary'] },
  { ins: 0x44, name: 'REHABILITATE', classes: ['gsm'] },
  { ins: 0x88, name: 'AUTHENTICATE', classes: ['iso', 'proprietary'] },
  { ins: 0x88, name: 'RUN GSM ALGORITHM', classes: ['gsm'] },
  { ins: 0x84, name: 'GET CHALLENGE' },
  { ins: 0xca, name: 'GET DATA' },
  { ins: 0xcb, name: 'GET DATA' },
  { ins: 0xf2, name: 'STATUS', classes: ['gsm', 'proprietary'] },
  { ins: 0xaa, name: 'TERMINAL CAPABILITY', classes: ['proprietary'] },
  { ins: 0x10, name: 'TERMINAL PROFILE', classes: ['gsm', 'proprietary'] },
  { ins: 0xc2, name: 'ENVELOPE', classes: ['gsm', 'proprietary'] },
  { ins: 0x12, name: 'FETCH', classes: ['gsm', 'proprietary'] },
  { ins: 0x14, name: 'TERMINAL RESPONSE', classes: ['gsm', 'proprietary'] },
  { ins: 0xe2, name: 'STORE DATA', classes: ['proprietary'] },
  { ins: 0xe2, name: 'APPEND RECORD', classes: ['iso'] },
  { ins: 0xe0, name: 'CREATE FILE', classes: ['iso', 'proprietary'] },
  { ins: 0xe4, name: 'DELETE', classes: ['iso', 'proprietary'] },
  { ins: 0xe6, name: 'INSTALL', classes: ['proprietary'] },
  { ins: 0xe8, name: 'LOAD', classes: ['proprietary'] },
  { ins: 0xf0, name: 'SET STATUS', classes: ['proprietary'] },
  { ins: 0xd8, name: 'PUT KEY', classes: ['proprietary'] },
  { ins: 0x50, name: 'INITIALIZE UPDATE', classes: ['proprietary'] },
  { ins: 0x82, name: 'EXTERNAL AUTHENTICATE' },
];

/** Instruction class of a CLA byte. */
export function instructionClass(cla: number): InstructionClass {
  if (cla === GSM_CLA) return 'gsm';
  return (cla & 0x80) !== 0 ? 'proprietary' : 'iso';
}

function findInstruction(cla: number, ins: number): InstructionRow | undefined {
  const cls = instructionClass(cla);
  return INSTRUCTIONS.find((row) => row.ins === ins && (row.classes === undefined || row.classes.includes(cls)));
}

/**
 * Whether the data field of a command with this INS carries PIN/PUK values. Decided on INS alone,
 * whatever the class: over-masking a proprietary command is harmless, leaking a PIN is not.
 */
export function hasSecretData(ins: number): boolean {
  return INSTRUCTIONS.some((row) => row.ins === ins && row.secretData === true);
}

/** Name of the instruction, e.g. 'STORE DATA', or `INS XX` when unknown. */
export function instructionName(cla: number, ins: number): string {
  return findInstruction(cla, ins)?.name ?? `INS ${ins.toString(16).toUpperCase().padStart(2, '0')}`;
}

function describeSelect(cmd: CommandApdu): string {
  const target = toHex(cmd.data ?? new Uint8Array(0)).toUpperCase();
  switch (cmd.p1) {
    case 0x04: {
      const name = nameAid(target);
      return `SELECT AID ${target}${name ? ` (${name})` : ''}`;
    }
    case 0x00: {
      const name = findCardFile(target)?.name;
      return `SELECT ${target}${name ? ` (${name})` : ''}`;
    }
    case 0x08:
      return `SELECT path 3F00/${target.replace(/(.{4})(?=.)/g, '$1/')}`;
    default:
      return `SELECT P1=${cmd.p1.toString(16).toUpperCase().padStart(2, '0')} ${target}`;
  }
}

/**
 * One-line description of a command for the log when the caller gave no annotation, e.g.
 * "SELECT AID A0000005591010FFFFFFFF8900000100 (ISD-R)" or "MANAGE CHANNEL close 2".
 * Never includes the data of commands with secret data.
 */
export function describeCommand(cmd: CommandApdu): string {
  if (cmd.ins === 0xa4) return describeSelect(cmd);
  if (cmd.ins === 0x70 && instructionClass(cmd.cla) === 'iso') {
    if (cmd.p1 === 0x80) return `MANAGE CHANNEL close ${cmd.p2}`;
    return cmd.p2 === 0 ? 'MANAGE CHANNEL open' : `MANAGE CHANNEL open ${cmd.p2}`;
  }
  return instructionName(cmd.cla, cmd.ins);
}
