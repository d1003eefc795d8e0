/**
 * Elementary and dedicated files of SIM/USIM cards as data (GSM 11.11, ETSI TS 102 221, 3GPP TS 31.102).
 * Used by the virtual card's file system, the trace decoder (naming FIDs) and the live probes.
 * Adding a file is adding a row.
 */
export type FileStructure = 'mf' | 'df' | 'adf' | 'transparent' | 'linear-fixed' | 'cyclic';

export interface CardFileDef {
  /** Two-byte file identifier, upper-case hex. */
  readonly fid: string;
  /** Conventional name, e.g. EF.ICCID. */
  readonly name: string;
  /** Parent path of FIDs from the MF, e.g. `3F00/7FFF` (7FFF = current ADF). Empty for the MF. */
  readonly parent: string;
  readonly structure: FileStructure;
  /** What the file holds, for people. */
  readonly description: string;
  /** Typical size in bytes (transparent) or record length (record files), when fixed by the spec. */
  readonly size?: number;
  /** Typical record count for record files. */
  readonly records?: number;
}

export const CARD_FILES: readonly CardFileDef[] = [
  { fid: '3F00', name: 'MF', parent: '', structure: 'mf', description: 'Master File, root of the file system' },
  { fid: '2FE2', name: 'EF.ICCID', parent: '3F00', structure: 'transparent', size: 10, description: 'ICC identification number (BCD, nibble-swapped)' },
  { fid: '2F00', name: 'EF.DIR', parent: '3F00', structure: 'linear-fixed', description: 'Application directory: AIDs and labels of the UICC applications' },
  { fid: '2F05', name: 'EF.PL', parent: '3F00', structure: 'transparent', description: 'Preferred languages (EF.ELP in GSM 11.11)' },
  { fid: '2F06', name: 'EF.ARR', parent: '3F00', structure: 'linear-fixed', description: 'Access rule reference' },
  { fid: '2F08', name: 'EF.UMPC', parent: '3F00', structure: 'transparent', size: 5, description: 'UICC maximum power consumption' },
  { fid: '7F10', name: 'DF.TELECOM', parent: '3F00', structure: 'df', description: 'Telecom directory (phonebook, SMS parameters)' },
  { fid: '6F3A', name: 'EF.ADN', parent: '3F00/7F10', structure: 'linear-fixed', description: 'Abbreviated dialling numbers (phonebook)' },
  { fid: '7F20', name: 'DF.GSM', parent: '3F00', structure: 'df', description: 'GSM directory (2G SIM application)' },
  { fid: '7FFF', name: 'ADF.USIM', parent: '3F00', structure: 'adf', description: 'Current application (USIM) selected by AID' },
  { fid: '6F07', name: 'EF.IMSI', parent: '3F00/7FFF', structure: 'transparent', size: 9, description: 'International mobile subscriber identity' },
  { fid: '6F46', name: 'EF.SPN', parent: '3F00/7FFF', structure: 'transparent', size: 17, description: 'Service provider name' },
  { fid: '6FAD', name: 'EF.AD', parent: '3F00/7FFF', structure: 'transparent', size: 4, description: 'Administrative data (UE operation mode, MNC length)' },
  { fid: '6F3C', name: 'EF.SMS', parent: '3F00/7FFF', structure: 'linear-fixed', size: 176, description: 'Short messages' },
  { fid: '6F05', name: 'EF.LI', parent: '3F00/7FFF', structure: 'transparent', description: 'Language indication' },
  { fid: '6F38', name: 'EF.UST', parent: '3F00/7FFF', structure: 'transparent', description: 'USIM service table' },
  { fid: '6F78', name: 'EF.ACC', parent: '3F00/7FFF', structure: 'transparent', size: 2, description: 'Access control class' },
  { fid: '6F7E', name: 'EF.LOCI', parent: '3F00/7FFF', structure: 'transparent', size: 11, description: 'Location information' },
  { fid: '6F40', name: 'EF.MSISDN', parent: '3F00/7FFF', structure: 'linear-fixed', description: 'Own subscriber number' },
];

/** Looks a FID up; `parent` narrows FIDs that exist under several DFs. */
export function findCardFile(fid: string, parent?: string): CardFileDef | undefined {
  const id = fid.toUpperCase();
  return CARD_FILES.find((f) => f.fid === id && (parent === undefined || f.parent === parent)) ?? CARD_FILES.find((f) => f.fid === id);
}

/** AID of the ISD-R, the target of every ES10 function (SGP.22); some removable eSIMs use another. */
export const ISD_R_AID = 'A0000005591010FFFFFFFF8900000100';
/** AID of the ECASD (eUICC certificate store). */
export const ECASD_AID = 'A0000005591010FFFFFFFF8900000200';

/** Well-known application identifiers (SGP.22 §1.1 of the digest, ETSI TS 101 220). */
export const KNOWN_AIDS: readonly { readonly aid: string; readonly name: string; readonly prefixMatch?: boolean }[] = [
  { aid: ISD_R_AID, name: 'ISD-R' },
  { aid: ECASD_AID, name: 'ECASD' },
  { aid: 'A0000005591010FFFFFFFF8900000D00', name: 'ISD-P executable load file' },
  { aid: 'A0000005591010FFFFFFFF8900000E00', name: 'ISD-P module' },
  { aid: 'A0000005591010FFFFFFFF89000010', name: 'ISD-P', prefixMatch: true },
  { aid: 'A0000000871002', name: 'USIM', prefixMatch: true },
  { aid: 'A0000000871004', name: 'ISIM', prefixMatch: true },
  { aid: 'A0000003431002', name: 'CSIM', prefixMatch: true },
  { aid: 'A000000151000000', name: 'ISD (GlobalPlatform card manager)' },
];

/** Human name of an AID given as hex, or undefined. */
export function nameAid(aidHex: string): string | undefined {
  const aid = aidHex.toUpperCase();
  return KNOWN_AIDS.find((k) => (k.prefixMatch ? aid.startsWith(k.aid) : aid === k.aid))?.name;
}
