/**
 * SAIP file-system templates as data: which file each component of a template PE creates. Template
 * PEs carry file contents without FIDs (the template defines them), so the parser needs this table to
 * place files; adding a template or file is adding a row. Paths are FIDs from the MF; the USIM ADF is
 * written 7FFF (the "current ADF" FID), as in src-main/card/files.ts.
 */

export type SaipFileKind = 'mf' | 'df' | 'adf' | 'ef';

export interface TemplateFile {
  readonly fid: string;
  readonly kind: SaipFileKind;
}

export interface SaipTemplate {
  /** templateID of the PE (SAIP Annex A, base OIDs under 2.23.143.1.2). */
  readonly oid: string;
  /** Path of the directory that holds the template's root file ('' for the MF itself). */
  readonly parent: string;
  /** PE component name → file; the first entry is the template's root directory. */
  readonly files: Readonly<Record<string, TemplateFile>>;
}

const ef = (fid: string): TemplateFile => ({ fid, kind: 'ef' });

export const SAIP_TEMPLATES = {
  mf: {
    oid: '2.23.143.1.2.1',
    parent: '',
    files: { mf: { fid: '3F00', kind: 'mf' }, 'ef-pl': ef('2F05'), 'ef-iccid': ef('2FE2'), 'ef-dir': ef('2F00'), 'ef-arr': ef('2F06'), 'ef-umpc': ef('2F08') },
  },
  telecom: {
    oid: '2.23.143.1.2.3',
    parent: '3F00',
    files: { 'df-telecom': { fid: '7F10', kind: 'df' }, 'ef-arr': ef('6F06') },
  },
  usim: {
    oid: '2.23.143.1.2.4',
    parent: '3F00',
    files: {
      'adf-usim': { fid: '7FFF', kind: 'adf' },
      'ef-imsi': ef('6F07'),
      'ef-arr': ef('6F06'),
      'ef-keys': ef('6F08'),
      'ef-keysPS': ef('6F09'),
      'ef-hpplmn': ef('6F31'),
      'ef-ust': ef('6F38'),
      'ef-fdn': ef('6F3B'),
      'ef-sms': ef('6F3C'),
      'ef-smsp': ef('6F42'),
      'ef-smss': ef('6F43'),
      'ef-spn': ef('6F46'),
      'ef-est': ef('6F56'),
      'ef-start-hfn': ef('6F5B'),
      'ef-threshold': ef('6F5C'),
      'ef-psloci': ef('6F73'),
      'ef-acc': ef('6F78'),
      'ef-fplmn': ef('6F7B'),
      'ef-loci': ef('6F7E'),
      'ef-ad': ef('6FAD'),
      'ef-ecc': ef('6FB7'),
      'ef-netpar': ef('6FC4'),
      'ef-epsloci': ef('6FE3'),
      'ef-epsnsc': ef('6FE4'),
    },
  },
} as const satisfies Record<string, SaipTemplate>;

export type TemplatePeName = keyof typeof SAIP_TEMPLATES;

/** Well-known paths the parser reports by name (ParsedProfile.files). */
export const WELL_KNOWN_FILES = {
  iccid: '3F00/2FE2',
  dir: '3F00/2F00',
  pl: '3F00/2F05',
  arr: '3F00/2F06',
  imsi: '3F00/7FFF/6F07',
  spn: '3F00/7FFF/6F46',
  ad: '3F00/7FFF/6FAD',
  ust: '3F00/7FFF/6F38',
  est: '3F00/7FFF/6F56',
  acc: '3F00/7FFF/6F78',
  ecc: '3F00/7FFF/6FB7',
  sms: '3F00/7FFF/6F3C',
  adn: '3F00/7F10/6F3A',
} as const;

/**
 * ETSI TS 102 221 file descriptor bytes: byte 1 = shareable (40) + structure (transparent 01,
 * linear fixed 02, cyclic 06, DF 38), byte 2 = data coding 21, bytes 3–4 = record length.
 */
export const FILE_DESCRIPTOR = {
  df: Uint8Array.of(0x78, 0x21),
  transparent: Uint8Array.of(0x41, 0x21),
  linearFixed: (recordLength: number): Uint8Array => Uint8Array.of(0x42, 0x21, recordLength >> 8, recordLength & 0xff),
} as const;
