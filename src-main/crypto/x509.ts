/**
 * X.509 parsing for RSP: the fields SGP.22 relies on (digest §5.1) read straight from the DER, so the
 * exact TBS bytes, role policies, SGP.22 name constraints and the SM-DP+ OID are all available.
 * Verification lives in x509-verify.ts.
 */
import { createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { isWorkbenchError } from '../../shared/errors.js';
import { toHex } from '../../shared/hex.js';
import { ALGORITHM_OID, CURVES } from './curves.js';
import type { RspCurve } from './curves.js';
import { decodeOid, derChildren, DER_TAG, expectTag, integerContentToUnsigned, parseDer, parseDerTime } from './der.js';
import type { DerNode } from './der.js';
import { cryptoError } from './errors.js';

/** SGP.22 certificate roles (certificatePolicies OIDs under 2.23.146.1.2.1). */
export type CertRole = 'ci' | 'euicc' | 'eum' | 'dp-tls' | 'dp-auth' | 'dp-pb' | 'ds-tls' | 'ds-auth';

export const CERT_ROLE_OIDS: Readonly<Record<CertRole, string>> = {
  ci: '2.23.146.1.2.1.0',
  euicc: '2.23.146.1.2.1.1',
  eum: '2.23.146.1.2.1.2',
  'dp-tls': '2.23.146.1.2.1.3',
  'dp-auth': '2.23.146.1.2.1.4',
  'dp-pb': '2.23.146.1.2.1.5',
  'ds-tls': '2.23.146.1.2.1.6',
  'ds-auth': '2.23.146.1.2.1.7',
};

/** Name attribute types with their conventional short names. */
export const NAME_ATTRIBUTE_OIDS = {
  CN: '2.5.4.3',
  serialNumber: '2.5.4.5',
  C: '2.5.4.6',
  L: '2.5.4.7',
  ST: '2.5.4.8',
  O: '2.5.4.10',
  OU: '2.5.4.11',
} as const;

export const EXTENSION_OIDS = {
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  nameConstraints: '2.5.29.30',
  crlDistributionPoints: '2.5.29.31',
  certificatePolicies: '2.5.29.32',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  /** SGP.22 id-rsp-expDate. */
  rspExpirationDate: '2.23.146.1.2.0.1',
  /** GSMA permittedEins (newer EUM certificates; recognised, not evaluated). */
  rspPermittedEins: '2.23.146.1.2.2.0',
} as const;

export const EKU_OIDS = { serverAuth: '1.3.6.1.5.5.7.3.1', clientAuth: '1.3.6.1.5.5.7.3.2' } as const;

/** keyUsage bit names in bit order (RFC 5280 §4.2.1.3). */
export const KEY_USAGE_BITS = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
] as const;
export type KeyUsage = (typeof KEY_USAGE_BITS)[number];

export interface NameAttribute {
  readonly oid: string;
  /** Short name (CN, O, serialNumber, …) or the OID when unknown. */
  readonly type: string;
  readonly value: string;
}

export interface DistinguishedName {
  /** Attributes in encoding order (multi-valued RDNs flattened). */
  readonly attributes: readonly NameAttribute[];
  /** `CN=…, O=…` in encoding order, for messages. */
  readonly text: string;
  /** The Name DER exactly as encoded. */
  readonly der: Uint8Array;
}

export interface CertExtension {
  readonly oid: string;
  readonly critical: boolean;
  readonly value: Uint8Array;
}

export interface RspCertificate {
  readonly der: Uint8Array;
  /** TBSCertificate bytes as encoded: what the signature covers. */
  readonly tbs: Uint8Array;
  /** Serial number, upper-case hex without sign byte. */
  readonly serialNumber: string;
  readonly subject: DistinguishedName;
  readonly issuer: DistinguishedName;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly curve: RspCurve;
  /** Uncompressed public point 04‖X‖Y. */
  readonly publicPoint: Uint8Array;
  readonly publicKey: KeyObject;
  readonly subjectKeyId?: Uint8Array;
  readonly authorityKeyId?: Uint8Array;
  readonly policies: readonly string[];
  /** Roles recognised from `policies`. */
  readonly roles: readonly CertRole[];
  readonly basicConstraints?: { readonly ca: boolean; readonly pathLength?: number };
  readonly keyUsage?: readonly KeyUsage[];
  readonly extendedKeyUsage: readonly string[];
  readonly dnsNames: readonly string[];
  readonly registeredIds: readonly string[];
  /** SM-DP+/SM-DS OID: the first registeredID of subjectAltName. */
  readonly rspOid?: string;
  /** EID of an eUICC certificate: the subject serialNumber attribute. */
  readonly eid?: string;
  /** Permitted directoryName subtrees of nameConstraints (EUM: O + serialNumber EID prefix). */
  readonly permittedSubtrees: readonly DistinguishedName[];
  readonly signatureAlgorithm: string;
  /** Certificate signature as encoded (DER SEQUENCE{r, s} for ECDSA). */
  readonly signature: Uint8Array;
  readonly extensions: readonly CertExtension[];
}

const ATTRIBUTE_NAMES = new Map<string, string>(Object.entries(NAME_ATTRIBUTE_OIDS).map(([k, v]) => [v, k]));

function decodeString(node: DerNode): string {
  // TeletexString / BMPString are legacy; treat Teletex as Latin-1 and BMP as UTF-16BE.
  if (node.tag === DER_TAG.BMP_STRING) return Buffer.from(node.value).swap16().toString('utf16le');
  if (node.tag === DER_TAG.TELETEX_STRING) return Buffer.from(node.value).toString('latin1');
  return new TextDecoder().decode(node.value);
}

export function parseName(node: DerNode): DistinguishedName {
  expectTag(node, DER_TAG.SEQUENCE, 'Name');
  const attributes: NameAttribute[] = [];
  for (const rdn of derChildren(node)) {
    for (const atv of derChildren(expectTag(rdn, DER_TAG.SET, 'RelativeDistinguishedName'))) {
      const [type, value] = derChildren(expectTag(atv, DER_TAG.SEQUENCE, 'AttributeTypeAndValue'));
      const oid = decodeOid(expectTag(type, DER_TAG.OID, 'attribute type').value);
      if (value === undefined) throw cryptoError('CERT_MALFORMED', 'Name attribute without a value.');
      attributes.push({ oid, type: ATTRIBUTE_NAMES.get(oid) ?? oid, value: decodeString(value) });
    }
  }
  return { attributes, text: attributes.map((a) => `${a.type}=${a.value}`).join(', '), der: node.raw.slice() };
}

/** Value of the first attribute with the given OID. */
export function nameAttribute(name: DistinguishedName, oid: string): string | undefined {
  return name.attributes.find((a) => a.oid === oid)?.value;
}

const normalise = (v: string): string => v.trim().replace(/\s+/g, ' ').toLowerCase();

/** Name equality after RFC 5280-style normalisation (case and runs of spaces ignored). */
export function namesEqual(a: DistinguishedName, b: DistinguishedName): boolean {
  if (a.attributes.length !== b.attributes.length) return false;
  return a.attributes.every((attr, i) => {
    const other = b.attributes[i];
    return other !== undefined && other.oid === attr.oid && normalise(other.value) === normalise(attr.value);
  });
}

/** Attribute value equality as used for name constraints. */
export function attributeValuesEqual(a: string, b: string): boolean {
  return normalise(a) === normalise(b);
}

interface ParsedExtensions {
  subjectKeyId?: Uint8Array;
  authorityKeyId?: Uint8Array;
  policies: string[];
  basicConstraints?: { ca: boolean; pathLength?: number };
  keyUsage?: KeyUsage[];
  extendedKeyUsage: string[];
  dnsNames: string[];
  registeredIds: string[];
  permittedSubtrees: DistinguishedName[];
}

/** How each extension's value is read, as data; unknown extensions are kept raw. */
const EXTENSION_READERS: Readonly<Record<string, (value: DerNode, out: ParsedExtensions) => void>> = {
  [EXTENSION_OIDS.subjectKeyIdentifier]: (v, out) => {
    out.subjectKeyId = expectTag(v, DER_TAG.OCTET_STRING, 'subjectKeyIdentifier').value.slice();
  },
  [EXTENSION_OIDS.authorityKeyIdentifier]: (v, out) => {
    const keyId = derChildren(v).find((n) => n.tag === 0x80);
    if (keyId !== undefined) out.authorityKeyId = keyId.value.slice();
  },
  [EXTENSION_OIDS.certificatePolicies]: (v, out) => {
    for (const info of derChildren(v)) out.policies.push(decodeOid(expectTag(derChildren(info)[0], DER_TAG.OID, 'policyIdentifier').value));
  },
  [EXTENSION_OIDS.basicConstraints]: (v, out) => {
    const kids = derChildren(v);
    const ca = kids.find((n) => n.tag === DER_TAG.BOOLEAN);
    const len = kids.find((n) => n.tag === DER_TAG.INTEGER);
    out.basicConstraints = { ca: (ca?.value[0] ?? 0) !== 0 };
    if (len !== undefined) out.basicConstraints.pathLength = Number.parseInt(toHex(len.value) || '0', 16);
  },
  [EXTENSION_OIDS.keyUsage]: (v, out) => {
    const bits = expectTag(v, DER_TAG.BIT_STRING, 'keyUsage').value.subarray(1);
    out.keyUsage = KEY_USAGE_BITS.filter((_, i) => (((bits[i >> 3] ?? 0) >> (7 - (i & 7))) & 1) === 1);
  },
  [EXTENSION_OIDS.extKeyUsage]: (v, out) => {
    for (const oid of derChildren(v)) out.extendedKeyUsage.push(decodeOid(expectTag(oid, DER_TAG.OID, 'KeyPurposeId').value));
  },
  [EXTENSION_OIDS.subjectAltName]: (v, out) => {
    for (const gn of derChildren(v)) {
      if (gn.tag === 0x82) out.dnsNames.push(new TextDecoder().decode(gn.value));
      if (gn.tag === 0x88) out.registeredIds.push(decodeOid(gn.value));
    }
  },
  [EXTENSION_OIDS.nameConstraints]: (v, out) => {
    const permitted = derChildren(v).find((n) => n.tag === 0xa0);
    for (const subtree of permitted === undefined ? [] : derChildren(permitted)) {
      const base = derChildren(subtree)[0];
      // directoryName [4] is EXPLICIT because Name is a CHOICE.
      const name = base?.tag === 0xa4 ? derChildren(base)[0] : undefined;
      if (name !== undefined) out.permittedSubtrees.push(parseName(name));
    }
  },
  [EXTENSION_OIDS.crlDistributionPoints]: () => {},
  [EXTENSION_OIDS.rspExpirationDate]: () => {},
  [EXTENSION_OIDS.rspPermittedEins]: () => {},
};

/** OIDs of extensions this layer understands (a critical extension outside this set is rejected). */
export const KNOWN_EXTENSION_OIDS: ReadonlySet<string> = new Set(Object.keys(EXTENSION_READERS));

function pemToDer(text: string): Uint8Array {
  const m = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(text);
  if (m === null) throw cryptoError('CERT_MALFORMED', 'No PEM CERTIFICATE block found.');
  return new Uint8Array(Buffer.from((m[1] ?? '').replace(/\s+/g, ''), 'base64'));
}

/** Parses a certificate from DER bytes or PEM text (bytes starting with `-----BEGIN` count as PEM). */
export function parseCertificate(input: Uint8Array | string): RspCertificate {
  const asText = typeof input === 'string' ? input : input[0] === 0x2d ? Buffer.from(input).toString('latin1') : undefined;
  const der = asText !== undefined ? pemToDer(asText) : input instanceof Uint8Array ? input.slice() : new Uint8Array();
  try {
    return parseCertificateDer(der);
  } catch (err) {
    if (isWorkbenchError(err, 'CERT_UNSUPPORTED_CURVE') || isWorkbenchError(err, 'CERT_MALFORMED')) throw err;
    throw cryptoError('CERT_MALFORMED', `Not a valid X.509 certificate: ${err instanceof Error ? err.message : String(err)}`, {}, err);
  }
}

function parseCertificateDer(der: Uint8Array): RspCertificate {
  const [tbsNode, sigAlgNode, sigNode] = derChildren(expectTag(parseDer(der), DER_TAG.SEQUENCE, 'Certificate'));
  const tbs = expectTag(tbsNode, DER_TAG.SEQUENCE, 'TBSCertificate');
  const fields = derChildren(tbs);
  if (fields[0]?.tag === 0xa0) fields.shift(); // version [0]
  const [serial, , issuerNode, validity, subjectNode, spkiNode, ...optional] = fields;
  const [notBefore, notAfter] = derChildren(expectTag(validity, DER_TAG.SEQUENCE, 'Validity'));
  if (notBefore === undefined || notAfter === undefined) throw cryptoError('CERT_MALFORMED', 'Validity incomplete.');

  const spki = expectTag(spkiNode, DER_TAG.SEQUENCE, 'SubjectPublicKeyInfo');
  const [algorithm, keyBits] = derChildren(spki);
  const [algOid, curveOid] = derChildren(expectTag(algorithm, DER_TAG.SEQUENCE, 'AlgorithmIdentifier'));
  const keyAlg = decodeOid(expectTag(algOid, DER_TAG.OID, 'algorithm').value);
  const curveName = curveOid?.tag === DER_TAG.OID ? decodeOid(curveOid.value) : undefined;
  const curve = Object.values(CURVES).find((c) => c.oid === curveName)?.name;
  if (keyAlg !== ALGORITHM_OID.ecPublicKey || curve === undefined) {
    throw cryptoError('CERT_UNSUPPORTED_CURVE', `The certificate key (${keyAlg}, ${curveName ?? 'no curve'}) is not on an RSP curve.`, { keyAlgorithm: keyAlg, curve: curveName });
  }

  const ext: ParsedExtensions = { policies: [], extendedKeyUsage: [], dnsNames: [], registeredIds: [], permittedSubtrees: [] };
  const extensions: CertExtension[] = [];
  const extWrapper = optional.find((n) => n.tag === 0xa3);
  for (const e of extWrapper === undefined ? [] : derChildren(expectTag(derChildren(extWrapper)[0], DER_TAG.SEQUENCE, 'Extensions'))) {
    const parts = derChildren(e);
    const oid = decodeOid(expectTag(parts[0], DER_TAG.OID, 'extnID').value);
    const critical = parts[1]?.tag === DER_TAG.BOOLEAN && (parts[1].value[0] ?? 0) !== 0;
    const value = expectTag(parts[parts.length - 1], DER_TAG.OCTET_STRING, 'extnValue').value;
    extensions.push({ oid, critical, value: value.slice() });
    EXTENSION_READERS[oid]?.(parseDer(value), ext);
  }

  const subject = parseName(expectTag(subjectNode, DER_TAG.SEQUENCE, 'subject'));
  const eid = nameAttribute(subject, NAME_ATTRIBUTE_OIDS.serialNumber);
  const roleEntries = Object.entries(CERT_ROLE_OIDS) as Array<[CertRole, string]>;
  const sigAlg = decodeOid(expectTag(derChildren(expectTag(sigAlgNode, DER_TAG.SEQUENCE, 'signatureAlgorithm'))[0], DER_TAG.OID, 'algorithm').value);
  const sigBits = expectTag(sigNode, DER_TAG.BIT_STRING, 'signatureValue');

  return {
    der,
    tbs: tbs.raw.slice(),
    serialNumber: toHex(integerContentToUnsigned(expectTag(serial, DER_TAG.INTEGER, 'serialNumber').value)).toUpperCase(),
    subject,
    issuer: parseName(expectTag(issuerNode, DER_TAG.SEQUENCE, 'issuer')),
    notBefore: parseDerTime(notBefore),
    notAfter: parseDerTime(notAfter),
    curve,
    publicPoint: keyBits?.value.slice(1) ?? new Uint8Array(),
    publicKey: createPublicKey({ key: Buffer.from(spki.raw), format: 'der', type: 'spki' }),
    ...(ext.subjectKeyId !== undefined ? { subjectKeyId: ext.subjectKeyId } : {}),
    ...(ext.authorityKeyId !== undefined ? { authorityKeyId: ext.authorityKeyId } : {}),
    policies: ext.policies,
    roles: roleEntries.filter(([, oid]) => ext.policies.includes(oid)).map(([role]) => role),
    ...(ext.basicConstraints !== undefined ? { basicConstraints: ext.basicConstraints } : {}),
    ...(ext.keyUsage !== undefined ? { keyUsage: ext.keyUsage } : {}),
    extendedKeyUsage: ext.extendedKeyUsage,
    dnsNames: ext.dnsNames,
    registeredIds: ext.registeredIds,
    ...(ext.registeredIds[0] !== undefined ? { rspOid: ext.registeredIds[0] } : {}),
    ...(eid !== undefined ? { eid } : {}),
    permittedSubtrees: ext.permittedSubtrees,
    signatureAlgorithm: sigAlg,
    signature: sigBits.value.slice(1),
    extensions,
  };
}

/** PEM text of a DER certificate. */
export function certificateToPem(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}
