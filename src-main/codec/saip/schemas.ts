/**
 * SAIP (TCA eUICC Profile Package, PEDefinitions v3.3) schemas for the profile elements the workbench
 * builds and installs: header, MF, USIM, TELECOM, PIN/PUK codes, AKA parameters, generic file
 * management, non-standard and end. The module uses AUTOMATIC TAGS, so most tags below are the
 * position of the component ([n] → 80+n primitive, A0+n constructed); see SGP22-DIGEST §2.1.
 * Profile elements this file does not model are kept as raw TLVs by the package parser.
 */
import { choice, enumerated, field, integer, nullValue, octetString, oid, optional, sequence, sequenceOf, utf8String } from '../schema.js';
import type { Field, Infer } from '../schema.js';

export const PEHeader = sequence({
  mandated: optional(0x80, nullValue()),
  identification: field(0x81, integer()),
}).named('PEHeader');

/** Names of ServicesList in order: the position is the context tag number (all NULL, present = required). */
export const SAIP_SERVICES = [
  'contactless',
  'usim',
  'isim',
  'csim',
  'milenage',
  'tuak128',
  'cave',
  'gba-usim',
  'gba-isim',
  'mbms',
  'eap',
  'javacard',
  'multos',
  'multiple-usim',
  'multiple-isim',
  'multiple-csim',
  'tuak256',
  'usim-test-algorithm',
  'ber-tlv',
  'dfLink',
  'cat-tp',
  'get-identity',
  'profile-a-x25519',
  'profile-b-p256',
  'suciCalculatorApi',
  'dns-resolution',
  'scp11ac',
  'scp11c-authorization-mechanism',
  's16mode',
  'eaka',
] as const;
export type SaipService = (typeof SAIP_SERVICES)[number];

export const ServicesList = sequence(Object.fromEntries(SAIP_SERVICES.map((name, i) => [name, optional(0x80 + i, nullValue())])) as Record<SaipService, Field<null, true>>).named(
  'ServicesList',
);

export const ProfileHeader = sequence({
  majorVersion: field(0x80, integer()),
  minorVersion: field(0x81, integer()),
  profileType: optional(0x82, utf8String({ min: 1, max: 100 })),
  iccid: field(0x83, octetString({ min: 10, max: 10 })),
  pol: optional(0x84, octetString()),
  eUICCMandatoryServices: field(0xa5, ServicesList),
  eUICCMandatoryGFSTEList: field(0xa6, sequenceOf(oid())),
  connectivityParameters: optional(0x87, octetString()),
  eUICCMandatoryAIDs: optional(
    0xa8,
    sequenceOf(
      sequence({
        aid: field(0x80, octetString({ min: 5, max: 16 })),
        version: field(0x81, octetString({ min: 2, max: 2 })),
      }),
    ),
  ),
  iotOptions: optional(0xa9, sequence({ pix: field(0x80, octetString({ min: 7, max: 11 })) })),
}).named('ProfileHeader');

export const ProprietaryInfo = sequence({
  specialFileInformation: optional(0xc0, octetString({ min: 1, max: 1 })),
  fillPattern: optional(0xc1, octetString({ min: 1, max: 200 })),
  repeatPattern: optional(0xc2, octetString({ min: 1, max: 200 })),
  maximumFileSize: optional(0x86, octetString()),
  fileDetails: optional(0x84, octetString({ min: 1, max: 1 })),
}).named('ProprietaryInfo');

/** File control parameters (ETSI TS 102 222 codings inside); every component carries its own tag. */
export const Fcp = sequence({
  fileDescriptor: optional(0x82, octetString({ min: 2, max: 4 })),
  fileID: optional(0x83, octetString({ min: 2, max: 2 })),
  dfName: optional(0x84, octetString({ min: 5, max: 16 })),
  lcsi: optional(0x8a, octetString({ min: 1, max: 1 })),
  securityAttributesReferenced: optional(0x8b, octetString({ min: 1, max: 3 })),
  efFileSize: optional(0x80, octetString()),
  pinStatusTemplateDO: optional(0xc6, octetString()),
  shortEFID: optional(0x88, octetString({ min: 0, max: 1 })),
  proprietaryEFInfo: optional(0xa5, ProprietaryInfo),
  linkPath: optional(0xc7, octetString({ min: 0, max: 8 })),
}).named('Fcp');

/** One file of a template PE: its FCP (optional for template files), then content fills. */
export const FileItem = choice({
  doNotCreate: nullValue().withTag(0x80),
  fileDescriptor: Fcp.withTag(0xa1),
  fillFileOffset: integer().withTag(0x82),
  fillFileContent: octetString().withTag(0x83),
}).named('FileItem');
export const File = sequenceOf(FileItem).named('File');

/** A file component of a template PE at context tag `tag`. */
const file = (tag: number) => optional(tag, File);
const requiredFile = (tag: number) => field(tag, File);

export const PEMF = sequence({
  header: field(0xa0, PEHeader),
  templateID: field(0x81, oid()),
  mf: requiredFile(0xa2),
  'ef-pl': file(0xa3),
  'ef-iccid': requiredFile(0xa4),
  'ef-dir': requiredFile(0xa5),
  'ef-arr': requiredFile(0xa6),
  'ef-umpc': file(0xa7),
}).named('PE-MF');

export const PEUSIM = sequence({
  header: field(0xa0, PEHeader),
  templateID: field(0x81, oid()),
  'adf-usim': requiredFile(0xa2),
  'ef-imsi': requiredFile(0xa3),
  'ef-arr': requiredFile(0xa4),
  'ef-keys': file(0xa5),
  'ef-keysPS': file(0xa6),
  'ef-hpplmn': file(0xa7),
  'ef-ust': requiredFile(0xa8),
  'ef-fdn': file(0xa9),
  'ef-sms': file(0xaa),
  'ef-smsp': file(0xab),
  'ef-smss': file(0xac),
  'ef-spn': requiredFile(0xad),
  'ef-est': requiredFile(0xae),
  'ef-start-hfn': file(0xaf),
  'ef-threshold': file(0xb0),
  'ef-psloci': file(0xb1),
  'ef-acc': requiredFile(0xb2),
  'ef-fplmn': file(0xb3),
  'ef-loci': file(0xb4),
  'ef-ad': file(0xb5),
  'ef-ecc': requiredFile(0xb6),
  'ef-netpar': file(0xb7),
  'ef-epsloci': file(0xb8),
  'ef-epsnsc': file(0xb9),
}).named('PE-USIM');

/** PE-TELECOM, modelled up to DF.TELECOM and EF.ARR; its further optional files are skipped as unknown. */
export const PETELECOM = sequence({
  header: field(0xa0, PEHeader),
  templateID: field(0x81, oid()),
  'df-telecom': requiredFile(0xa2),
  'ef-arr': file(0xa3),
}).named('PE-TELECOM');

/** PINKeyReferenceValue / PUKKeyReferenceValue names used here (others decode as numbers). */
export const PIN_KEY_REFERENCES = { pinAppl1: 1, pinAppl2: 2, adm1: 10, adm2: 11, secondPINAppl1: 129 } as const;
export const PUK_KEY_REFERENCES = { pukAppl1: 1, pukAppl2: 2, secondPUKAppl1: 129 } as const;

export const PINConfiguration = sequence({
  keyReference: field(0x80, enumerated(PIN_KEY_REFERENCES)),
  pinValue: field(0x81, octetString({ min: 8, max: 8 })),
  unblockingPINReference: optional(0x82, enumerated(PUK_KEY_REFERENCES)),
  /** DEFAULT 7. */
  pinAttributes: optional(0x83, integer()),
  /** DEFAULT 51 (0x33): max attempts high nibble, retries left low nibble. */
  maxNumOfAttemptsRetryNumLeft: optional(0x84, integer()),
}).named('PINConfiguration');

export const PEPINCodes = sequence({
  header: field(0xa0, PEHeader),
  pinCodes: field(
    0xa1,
    choice({
      pinconfig: sequenceOf(PINConfiguration).withTag(0xa0),
      filePath: octetString({ min: 0, max: 8 }).withTag(0x81),
    }),
  ),
}).named('PE-PINCodes');

export const PUKConfiguration = sequence({
  keyReference: field(0x80, enumerated(PUK_KEY_REFERENCES)),
  pukValue: field(0x81, octetString({ min: 8, max: 8 })),
  /** DEFAULT 170 (0xAA). */
  maxNumOfAttemptsRetryNumLeft: optional(0x82, integer()),
}).named('PUKConfiguration');

export const PEPUKCodes = sequence({
  header: field(0xa0, PEHeader),
  pukCodes: field(0xa1, sequenceOf(PUKConfiguration)),
}).named('PE-PUKCodes');

export const AlgoParameter = sequence({
  algorithmID: field(0x80, enumerated({ milenage: 1, tuak: 2, 'usim-test-algorithm': 3 })),
  algorithmOptions: field(0x81, octetString({ min: 1, max: 1 })),
  key: field(0x82, octetString()),
  opc: field(0x83, octetString()),
  rotationConstants: optional(0x84, octetString({ min: 5, max: 5 })),
  xoringConstants: optional(0x85, octetString({ min: 80, max: 80 })),
  authCounterMax: optional(0x86, octetString({ min: 3, max: 3 })),
  numberOfKeccak: optional(0x87, integer()),
}).named('AlgoParameter');

export const PEAKAParameter = sequence({
  header: field(0xa0, PEHeader),
  algoConfiguration: field(
    0xa1,
    choice({
      mappingParameter: sequence({
        mappingOptions: field(0x80, octetString({ min: 1, max: 1 })),
        mappingSource: field(0x81, octetString({ min: 5, max: 16 })),
      }).withTag(0xa0),
      algoParameter: AlgoParameter.withTag(0xa1),
    }),
  ),
  sqnOptions: optional(0x82, octetString({ min: 1, max: 1 })),
  sqnDelta: optional(0x83, octetString({ min: 6, max: 6 })),
  sqnAgeLimit: optional(0x84, octetString({ min: 6, max: 6 })),
  sqnInit: optional(0xa5, sequenceOf(octetString({ min: 6, max: 6 }))),
}).named('PE-AKAParameter');

/** One command list of PE-GenericFileManagement: select a path, create files, fill them. */
export const FileManagementItem = choice({
  filePath: octetString({ min: 0, max: 8 }).withTag(0x80),
  createFCP: Fcp.withTag(0x62),
  fillFileOffset: integer(), // untagged in a CHOICE with tagged siblings: universal 02
  fillFileContent: octetString().withTag(0x81),
}).named('FileManagementItem');

export const PEGenericFileManagement = sequence({
  header: field(0xa0, PEHeader),
  fileManagementCMD: field(0xa1, sequenceOf(sequenceOf(FileManagementItem))),
}).named('PE-GenericFileManagement');

export const PENonStandard = sequence({
  header: field(0xa0, PEHeader),
  issuerID: field(0x81, oid()),
  content: field(0x82, octetString()),
}).named('PE-NonStandard');

export const PEEnd = sequence({
  header: field(0xa0, PEHeader),
}).named('PE-End');

/** The modelled ProfileElement alternatives with their CHOICE tags (position in the CHOICE). */
export const ProfileElement = choice({
  header: ProfileHeader.withTag(0xa0),
  genericFileManagement: PEGenericFileManagement.withTag(0xa1),
  pinCodes: PEPINCodes.withTag(0xa2),
  pukCodes: PEPUKCodes.withTag(0xa3),
  akaParameter: PEAKAParameter.withTag(0xa4),
  nonStandard: PENonStandard.withTag(0xa9),
  end: PEEnd.withTag(0xaa),
  mf: PEMF.withTag(0xb0),
  telecom: PETELECOM.withTag(0xb2),
  usim: PEUSIM.withTag(0xb3),
}).named('ProfileElement');

/** Every ProfileElement alternative of v3.3 by tag, so skipped elements are still named in reports. */
export const PROFILE_ELEMENT_NAMES: Readonly<Record<number, string>> = {
  0xa0: 'header',
  0xa1: 'genericFileManagement',
  0xa2: 'pinCodes',
  0xa3: 'pukCodes',
  0xa4: 'akaParameter',
  0xa5: 'cdmaParameter',
  0xa6: 'securityDomain',
  0xa7: 'rfm',
  0xa8: 'application',
  0xa9: 'nonStandard',
  0xaa: 'end',
  0xab: 'rfu1',
  0xac: 'rfu2',
  0xad: 'rfu3',
  0xae: 'rfu4',
  0xaf: 'rfu5',
  0xb0: 'mf',
  0xb1: 'cd',
  0xb2: 'telecom',
  0xb3: 'usim',
  0xb4: 'opt-usim',
  0xb5: 'isim',
  0xb6: 'opt-isim',
  0xb7: 'phonebook',
  0xb8: 'gsm-access',
  0xb9: 'csim',
  0xba: 'opt-csim',
  0xbb: 'eap',
  0xbc: 'df-5gs',
  0xbd: 'df-saip',
  0xbe: 'df-snpn',
  0xbf1f: 'df-5gprose',
  0xbf20: 'iot',
  0xbf21: 'opt-iot',
};

export type ProfileHeaderValue = Infer<typeof ProfileHeader>;
export type FcpValue = Infer<typeof Fcp>;
export type FileValue = Infer<typeof File>;
export type ProfileElementValue = Infer<typeof ProfileElement>;
export type FileManagementItemValue = Infer<typeof FileManagementItem>;
