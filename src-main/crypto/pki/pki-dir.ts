/**
 * PKI directories in the GSMA SGP.26 layout (as in ../shared/test-pki/sgp26): writing a generated
 * PKI and loading either a generated directory or the SGP.26 one into an RspPki.
 * SM-DS files (not part of SGP.26) use DSauth/ and DStls/ with the same naming pattern.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { KeyObject } from 'node:crypto';
import { writeFileAtomic } from '../../links/durable-file.js';
import type { RspCurve } from '../curves.js';
import { CURVES } from '../curves.js';
import { cryptoError } from '../errors.js';
import { loadPrivateKey, privateKeyToPem } from '../keys.js';
import { certificateToPem, parseCertificate } from '../x509.js';
import type { RspCertificate } from '../x509.js';
import type { PkiCi, PkiIdentity, RspPki } from './rsp-pki.js';

/** Directory and file stems per slot; `{C}` is the curve tag NIST/BRP. Cert = CERT_<stem>, key = SK_<stem>. */
export const PKI_LAYOUT = {
  ci: { dir: 'CertificateIssuer', stem: 'CI_ECDSA_{C}' },
  eum: { dir: 'EUM', stem: 'EUM_ECDSA_{C}' },
  euicc: { dir: 'eUICC', stem: 'EUICC_ECDSA_{C}' },
  dpAuth: { dir: 'DPauth', stem: 'S_SM_DPauth_ECDSA_{C}' },
  dpPb: { dir: 'DPpb', stem: 'S_SM_DPpb_ECDSA_{C}' },
  dpTls: { dir: 'DPtls', stem: 'S_SM_DP_TLS_{C}' },
  dsAuth: { dir: 'DSauth', stem: 'S_SM_DSauth_ECDSA_{C}' },
  dsTls: { dir: 'DStls', stem: 'S_SM_DS_TLS_{C}' },
} as const;
type Slot = keyof typeof PKI_LAYOUT;

/** SGP.26 ships a re-issued DP.TLS certificate here when the original has expired. */
const REISSUED_DIR = 'reissued';
const EID_FILE = 'EID';

function filePaths(dir: string, slot: Slot, curve: RspCurve = 'prime256v1'): { cert: string; key: string } {
  const { dir: sub, stem } = PKI_LAYOUT[slot];
  const s = stem.replace('{C}', CURVES[curve].fileTag);
  return { cert: path.join(dir, sub, `CERT_${s}`), key: path.join(dir, sub, `SK_${s}.pem`) };
}

async function writeCert(certPath: string, cert: RspCertificate): Promise<void> {
  await writeFileAtomic(`${certPath}.der`, cert.der, { mode: 0o644 });
  await writeFileAtomic(`${certPath}.pem`, certificateToPem(cert.der), { mode: 0o644 });
}

async function writeIdentity(dir: string, slot: Slot, cert: RspCertificate, key: KeyObject | undefined): Promise<void> {
  const p = filePaths(dir, slot, cert.curve);
  await writeCert(p.cert, cert);
  if (key !== undefined) await writeFileAtomic(p.key, privateKeyToPem(key), { mode: 0o600 });
}

/** Writes `pki` in the SGP.26 layout (certificates as .der and .pem, keys as SEC1 PEM, mode 0600). */
export async function writePkiDir(pki: RspPki, dir: string): Promise<void> {
  for (const ci of pki.ci) await writeIdentity(dir, 'ci', ci.cert, ci.key);
  await writeIdentity(dir, 'eum', pki.eum.cert, pki.eum.key);
  await writeIdentity(dir, 'euicc', pki.euicc.cert, pki.euicc.key);
  await writeFileAtomic(path.join(dir, PKI_LAYOUT.euicc.dir, EID_FILE), `${pki.euicc.eid}\n`, { mode: 0o644 });
  for (const [slot, id] of [
    ['dpAuth', pki.dpAuth],
    ['dpPb', pki.dpPb],
    ['dpTls', pki.dpTls],
    ['dpAuth', pki.dpBrainpool?.auth],
    ['dpPb', pki.dpBrainpool?.pb],
    ['dsAuth', pki.ds?.auth],
    ['dsTls', pki.ds?.tls],
  ] as const) {
    if (id !== undefined) await writeIdentity(dir, slot, id.cert, id.key);
  }
}

async function readCertIfPresent(certPath: string): Promise<RspCertificate | undefined> {
  for (const ext of ['.der', '.pem']) {
    if (existsSync(certPath + ext)) return parseCertificate(new Uint8Array(await readFile(certPath + ext)));
  }
  return undefined;
}

async function readKeyIfPresent(keyPath: string): Promise<KeyObject | undefined> {
  return existsSync(keyPath) ? loadPrivateKey(await readFile(keyPath, 'utf8')) : undefined;
}

function missing(dir: string, what: string, file: string): never {
  throw cryptoError('PKI_DIR_INCOMPLETE', `${what} not found in ${dir} (expected ${path.relative(dir, file)}[.der|.pem]).`, { dir, file });
}

async function loadIdentity(dir: string, slot: Slot, curve: RspCurve, required: true): Promise<PkiIdentity>;
async function loadIdentity(dir: string, slot: Slot, curve: RspCurve, required: false): Promise<PkiIdentity | undefined>;
async function loadIdentity(dir: string, slot: Slot, curve: RspCurve, required: boolean): Promise<PkiIdentity | undefined> {
  const p = filePaths(dir, slot, curve);
  const cert = await readCertIfPresent(p.cert);
  const key = await readKeyIfPresent(p.key);
  if (cert !== undefined && key !== undefined) return { cert, key };
  if (!required) return undefined;
  return missing(dir, `${slot} ${cert === undefined ? 'certificate' : 'private key'}`, cert === undefined ? p.cert : p.key);
}

function tlsHost(id: PkiIdentity, dir: string): string {
  const host = id.cert.dnsNames[0];
  if (host === undefined) throw cryptoError('PKI_DIR_INCOMPLETE', `The TLS certificate "${id.cert.subject.text}" in ${dir} has no dNSName.`, { dir });
  return host;
}

/**
 * Loads a generated directory or the SGP.26 one. Required: a CI, EUM cert, eUICC cert + key,
 * DPauth/DPpb/DPtls (NIST) certs + keys. Optional: brainpool CI and DP files, SM-DS files, CI/EUM keys.
 * `reissued/CERT_S_SM_DP_TLS_NIST` replaces the DPtls certificate when present (same key).
 */
export async function loadPkiDir(dir: string): Promise<RspPki> {
  const ci: PkiCi[] = [];
  for (const curve of Object.keys(CURVES) as RspCurve[]) {
    const p = filePaths(dir, 'ci', curve);
    const cert = await readCertIfPresent(p.cert);
    if (cert === undefined) continue;
    if (cert.subjectKeyId === undefined) throw cryptoError('PKI_DIR_INCOMPLETE', `CI certificate ${p.cert} has no subjectKeyIdentifier (the CI PKID).`, { dir });
    const key = await readKeyIfPresent(p.key);
    ci.push({ cert, ski: cert.subjectKeyId, curve, ...(key !== undefined ? { key } : {}) });
  }
  if (ci.length === 0) missing(dir, 'CI certificate', filePaths(dir, 'ci').cert);

  const eumPaths = filePaths(dir, 'eum');
  const eumCert = (await readCertIfPresent(eumPaths.cert)) ?? missing(dir, 'EUM certificate', eumPaths.cert);
  const eumKey = await readKeyIfPresent(eumPaths.key);

  const euicc = await loadIdentity(dir, 'euicc', 'prime256v1', true);
  const eid = euicc.cert.eid ?? missing(dir, 'EID (subject serialNumber of the eUICC certificate)', filePaths(dir, 'euicc').cert);
  const eidFile = path.join(dir, PKI_LAYOUT.euicc.dir, EID_FILE);
  if (existsSync(eidFile)) {
    const fileEid = (await readFile(eidFile, 'utf8')).trim();
    if (fileEid !== eid) throw cryptoError('PKI_DIR_INCOMPLETE', `EID file says ${fileEid} but the eUICC certificate has ${eid}.`, { dir, fileEid, eid });
  }

  const dpTlsOriginal = await loadIdentity(dir, 'dpTls', 'prime256v1', true);
  const reissued = await readCertIfPresent(path.join(dir, REISSUED_DIR, `CERT_${PKI_LAYOUT.dpTls.stem.replace('{C}', 'NIST')}`));
  const dpTls = reissued !== undefined ? { cert: reissued, key: dpTlsOriginal.key } : dpTlsOriginal;

  const brpAuth = await loadIdentity(dir, 'dpAuth', 'brainpoolP256r1', false);
  const brpPb = await loadIdentity(dir, 'dpPb', 'brainpoolP256r1', false);
  const dsAuth = await loadIdentity(dir, 'dsAuth', 'prime256v1', false);
  const dsTls = await loadIdentity(dir, 'dsTls', 'prime256v1', false);

  return {
    ci,
    eum: { cert: eumCert, ...(eumKey !== undefined ? { key: eumKey } : {}) },
    euicc: { ...euicc, eid },
    dpAuth: await loadIdentity(dir, 'dpAuth', 'prime256v1', true),
    dpPb: await loadIdentity(dir, 'dpPb', 'prime256v1', true),
    dpTls: { ...dpTls, host: tlsHost(dpTls, dir) },
    ...(brpAuth !== undefined && brpPb !== undefined ? { dpBrainpool: { auth: brpAuth, pb: brpPb } } : {}),
    ...(dsAuth !== undefined && dsTls !== undefined ? { ds: { auth: dsAuth, tls: { ...dsTls, host: tlsHost(dsTls, dir) } } } : {}),
  };
}
