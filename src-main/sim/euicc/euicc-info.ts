/**
 * What the eUICC says about itself (GetEUICCInfo1/2, ISD-R FCI, GetRAT) as configuration data with
 * sensible defaults for a consumer eUICC. Free memory and the CI lists come from the live state and
 * the PKI, so EUICCInfo2 changes as profiles are installed.
 */
import { WorkbenchError } from '../../../shared/errors.js';
import { concatBytes, fromHex } from '../../../shared/hex.js';
import { encodeTlv, encodeTlvParts } from '../../codec/ber-tlv.js';
import { bitString, encode } from '../../codec/schema.js';
import { PPR_FLAG_BITS, PprIds } from '../../codec/sgp22/index.js';
import type { EUICCInfo1Value, EUICCInfo2Value, RSP_CAPABILITY_BITS, UICC_CAPABILITY_BITS } from '../../codec/sgp22/index.js';
import type { EuiccState } from './state.js';
import type { EuiccIdentity } from './identity.js';

type UiccCapability = (typeof UICC_CAPABILITY_BITS)[number];
type RspCapability = (typeof RSP_CAPABILITY_BITS)[number];
type EuiccCategory = 'other' | 'basicEuicc' | 'mediumEuicc' | 'contactlessEuicc';
export type RatPpr = 'ppr1' | 'ppr2';

/** One rule of the Rules Authorisation Table: which PPRs which operators may set. */
export interface RatRule {
  pprIds: RatPpr[];
  /** MCC+MNC digits; 'E' is the SGP.22 wildcard digit (EEEEEE = any operator). */
  allowedOperators: { mccMnc: string; gid1?: string; gid2?: string }[];
  /** End-user consent needed before installing such a profile. */
  consentRequired: boolean;
}

export interface EuiccInfoConfig {
  /** Highest SGP.22 version supported: 2.2.x up to 2.5.x. */
  svn: string;
  /** SAIP version supported. */
  profileVersion: string;
  firmwareVersion: string;
  ts102241Version?: string;
  globalplatformVersion?: string;
  uiccCapability: UiccCapability[];
  rspCapability: RspCapability[];
  euiccCategory: EuiccCategory;
  forbiddenProfilePolicyRules: ('pprUpdateControl' | RatPpr)[];
  ppVersion: string;
  sasAcreditationNumber: string;
  /** Profile classes StoreMetadata accepts (others fail with unsupportedProfileClass). */
  allowedProfileClasses: ('test' | 'provisioning' | 'operational')[];
  rat: RatRule[];
}

export const DEFAULT_EUICC_INFO: Readonly<EuiccInfoConfig> = {
  svn: '2.2.2',
  profileVersion: '2.3.1',
  firmwareVersion: '1.0.0',
  ts102241Version: '9.2.0',
  globalplatformVersion: '2.3.0',
  uiccCapability: [
    'usimSupport',
    'isimSupport',
    'csimSupport',
    'akaMilenage',
    'akaCave',
    'akaTuak128',
    'akaTuak256',
    'gbaAuthenUsim',
    'gbaAuthenISim',
    'eapClient',
    'javacard',
    'multipleUsimSupport',
    'multipleIsimSupport',
    'berTlvFileSupport',
    'dfLinkSupport',
    'catTp',
    'getIdentity',
    'profile-a-x25519',
    'profile-b-p256',
    'suciCalculatorApi',
  ],
  rspCapability: ['additionalProfile', 'testProfileSupport'],
  euiccCategory: 'mediumEuicc',
  forbiddenProfilePolicyRules: [],
  ppVersion: '1.0.0',
  sasAcreditationNumber: 'EWB-TEST-SAS-0001',
  allowedProfileClasses: ['test', 'provisioning', 'operational'],
  // A workbench card: any operator may lock its profile against disable (PPR1) or delete (PPR2).
  rat: [{ pprIds: ['ppr1', 'ppr2'], allowedOperators: [{ mccMnc: 'EEEEEE' }], consentRequired: false }],
};

/** Fills defaults and checks the version range (2.2–2.5, what this eUICC implements). */
export function resolveEuiccInfo(overrides: Partial<EuiccInfoConfig> = {}): EuiccInfoConfig {
  const info = { ...DEFAULT_EUICC_INFO, ...overrides };
  if (!/^2\.[2-5]\.\d{1,3}$/.test(info.svn)) {
    throw new WorkbenchError('SIM_CONFIG_INVALID', `SGP.22 version ${info.svn} is not supported by the virtual eUICC.`, 'Use a version from 2.2.0 to 2.5.x, e.g. 2.2.2.');
  }
  return info;
}

/** SVN as the three bytes the ISD-R FCI carries. */
export function svnBytes(svn: string): [number, number, number] {
  const [a = 0, b = 0, c = 0] = svn.split('.').map(Number);
  return [a, b, c];
}

function uint32(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, Math.max(0, Math.min(n, 0xffffffff)));
  return out;
}

/** ETSI TS 102 226 extended card resources: installed applications, free NVM, free RAM. */
export function extCardResource(state: EuiccState): Uint8Array {
  return concatBytes(encodeTlv(0x81, Uint8Array.of(Math.min(state.profiles.length, 0xff))), encodeTlv(0x82, uint32(state.freeMemory.nonVolatile)), encodeTlv(0x83, uint32(state.freeMemory.volatile)));
}

export function euiccInfo1(info: EuiccInfoConfig, identity: EuiccIdentity): EUICCInfo1Value {
  return {
    svn: info.svn,
    euiccCiPKIdListForVerification: identity.trustedCis.map((c) => c.ski),
    euiccCiPKIdListForSigning: [...identity.signingCiPkIds],
  };
}

export function euiccInfo2(info: EuiccInfoConfig, identity: EuiccIdentity, state: EuiccState): EUICCInfo2Value {
  return {
    profileVersion: info.profileVersion,
    svn: info.svn,
    euiccFirmwareVer: info.firmwareVersion,
    extCardResource: extCardResource(state),
    uiccCapability: [...info.uiccCapability],
    ...(info.ts102241Version === undefined ? {} : { ts102241Version: info.ts102241Version }),
    ...(info.globalplatformVersion === undefined ? {} : { globalplatformVersion: info.globalplatformVersion }),
    rspCapability: [...info.rspCapability],
    euiccCiPKIdListForVerification: identity.trustedCis.map((c) => c.ski),
    euiccCiPKIdListForSigning: [...identity.signingCiPkIds],
    euiccCategory: info.euiccCategory,
    ...(info.forbiddenProfilePolicyRules.length === 0 ? {} : { forbiddenProfilePolicyRules: [...info.forbiddenProfilePolicyRules] }),
    ppVersion: info.ppVersion,
    sasAcreditationNumber: info.sasAcreditationNumber,
  };
}

/** One MCC/MNC digit pair pattern match, 'E' matching any digit. */
function operatorMatches(pattern: string, mccMnc: string): boolean {
  const p = pattern.toUpperCase();
  const m = mccMnc.length === 5 ? `${mccMnc}F` : mccMnc;
  const full = p.length === 5 ? `${p}F` : p;
  return full.length === m.length && [...full].every((c, i) => c === 'E' || c === m[i]);
}

/** Whether the RAT lets a profile of `owner` carry every PPR in `pprs` (SGP.22 §2.9.2). */
export function pprsAllowed(info: EuiccInfoConfig, pprs: readonly RatPpr[], owner: string | undefined): boolean {
  if (pprs.some((p) => info.forbiddenProfilePolicyRules.includes(p))) return false;
  return pprs.every((ppr) => info.rat.some((rule) => rule.pprIds.includes(ppr) && owner !== undefined && rule.allowedOperators.some((o) => operatorMatches(o.mccMnc, owner))));
}

/** 'EEEEEE' → EE EE EE; digits → TS 24.008 coding (MNC3 = F for two-digit MNCs). */
function encodeOperatorPattern(mccMnc: string): Uint8Array {
  const d = (i: number): string => mccMnc[i] ?? 'F';
  return Uint8Array.from([d(1) + d(0), d(5) + d(2), d(4) + d(3)].map((h) => parseInt(h, 16)));
}

const PprIdsField = PprIds.withTag(0x80);
const PprFlagsField = bitString(PPR_FLAG_BITS).withTag(0x82);

/**
 * BF43 GetRAT response. The operator list is written here rather than with the OperatorId schema
 * because its MCC/MNC codec only writes digits and the RAT needs the 'E' wildcard.
 */
export function encodeRat(info: EuiccInfoConfig): Uint8Array {
  const operator = (o: RatRule['allowedOperators'][number]): Uint8Array =>
    encodeTlvParts(0x30, [
      encodeTlv(0x80, encodeOperatorPattern(o.mccMnc.toUpperCase())),
      ...(o.gid1 === undefined ? [] : [encodeTlv(0x81, fromHex(o.gid1))]),
      ...(o.gid2 === undefined ? [] : [encodeTlv(0x82, fromHex(o.gid2))]),
    ]);
  const rules = info.rat.map((r) =>
    encodeTlvParts(0x30, [encode(PprIdsField, [...r.pprIds]), encodeTlvParts(0xa1, r.allowedOperators.map(operator)), encode(PprFlagsField, r.consentRequired ? ['consentRequired'] : [])]),
  );
  return encodeTlv(0xbf43, encodeTlvParts(0xa0, rules));
}
