/**
 * Which TLS servers the LPA trusts for ES9+/ES11 (SGP22-DIGEST §4.3, ARCHITECTURE §4).
 *
 * SM-DP+ and SM-DS TLS certificates are issued under the GSMA CIs, which are in no OS trust store, so
 * the LPA carries its own trust directories: the bundled one (the public GSMA CI roots) and the
 * user's (`<dataDir>/trust/`), holding `*.pem|*.crt|*.cer|*.der` files. A chain is accepted when
 * OpenSSL builds it to one of those anchors, the certificate names the SM-DP+ address, and — when
 * the anchor is an RSP CI — the eUICC lists that CI's key id (euiccCiPKIdListForVerification): a
 * server under a CI the card does not trust could never complete the download anyway, and trusting
 * it would leak the card's identity to it. Anchors that are not RSP CIs (a lab CA the user added on
 * purpose) are trusted as the user's explicit choice.
 */
import { X509Certificate } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { PeerCertificate } from 'node:tls';
import { checkServerIdentity as defaultCheckServerIdentity } from 'node:tls';
import { bytesEqual, toHex } from '../../shared/hex.js';
import { CERT_ROLE_OIDS, parseCertificate } from '../crypto/x509.js';

export interface TrustAnchor {
  readonly cert: X509Certificate;
  /** The CI PKID (subjectKeyIdentifier) when the anchor is an RSP CI (role policy …1.2.1.0). */
  readonly ciPkId?: Uint8Array;
  /** Where it was loaded from, for messages. */
  readonly source: string;
  /**
   * Server names this anchor may vouch for; undefined = any. Test CIs are scoped to the local test
   * servers, because their keys may be public (SGP.26) and must not let anyone impersonate a real SM-DP+.
   */
  readonly hosts?: readonly string[];
}

export interface TrustStore {
  readonly anchors: readonly TrustAnchor[];
  /** Files that could not be read as certificates (reported, not fatal: one bad file must not lock the user out). */
  readonly skipped: readonly { readonly file: string; readonly reason: string }[];
}

const CERT_FILE = /\.(pem|crt|cer|der)$/i;
const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

function anchorOf(der: Uint8Array, source: string): TrustAnchor {
  const cert = new X509Certificate(der);
  let ciPkId: Uint8Array | undefined;
  try {
    const rsp = parseCertificate(der);
    if (rsp.policies.includes(CERT_ROLE_OIDS.ci) && rsp.subjectKeyId !== undefined) ciPkId = rsp.subjectKeyId;
  } catch {
    // Not an RSP certificate (e.g. an RSA lab CA): a plain anchor without CI PKID.
  }
  return { cert, source, ...(ciPkId !== undefined ? { ciPkId } : {}) };
}

/** DER certificates in a file: every PEM CERTIFICATE block (other PEM blocks such as keys are not ours), or the whole file as DER. */
function certificatesInFile(bytes: Buffer): Uint8Array[] {
  const text = bytes.toString('latin1');
  const blocks = text.match(PEM_BLOCK);
  if (blocks) return blocks.map((b) => new Uint8Array(Buffer.from(b.replace(/-----[^-]+-----|\s+/g, ''), 'base64')));
  if (text.includes('-----BEGIN ')) return [];
  return [new Uint8Array(bytes)];
}

/** Builds a trust store from certificates given directly (tests, a PKI loaded in memory), optionally valid only for `hosts`. */
export function trustStoreOf(certificates: readonly (Uint8Array | { readonly der: Uint8Array })[], source = 'memory', hosts?: readonly string[]): TrustStore {
  const scope = hosts === undefined ? {} : { hosts: hosts.map((h) => h.toLowerCase()) };
  return { anchors: certificates.map((c) => ({ ...anchorOf(c instanceof Uint8Array ? c : c.der, source), ...scope })), skipped: [] };
}

/** Loads every certificate file of the given directories; missing directories are simply empty. */
export async function loadTrustStore(dirs: readonly string[]): Promise<TrustStore> {
  const anchors: TrustAnchor[] = [];
  const skipped: { file: string; reason: string }[] = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = (await readdir(dir)).filter((n) => CERT_FILE.test(n)).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    for (const name of names) {
      const file = path.join(dir, name);
      try {
        for (const der of certificatesInFile(await readFile(file))) anchors.push(anchorOf(der, file));
      } catch (err) {
        skipped.push({ file, reason: err instanceof Error ? err.message : String(err) });
      }
    }
  }
  return { anchors, skipped };
}

/** PEM list for the TLS `ca` option. */
export function caPems(store: TrustStore): string[] {
  return store.anchors.map((a) => a.cert.toString());
}

/** The marker code of the CI-not-listed refusal (mapped to ES9_TLS_UNTRUSTED by the client). */
export const CI_NOT_LISTED = 'EWB_TLS_CI_NOT_LISTED';
/** The marker code of an anchor used for a server name it is not scoped to (also ES9_TLS_UNTRUSTED). */
export const ANCHOR_NOT_FOR_HOST = 'EWB_TLS_ANCHOR_NOT_FOR_HOST';

function lastInChain(peer: PeerCertificate): PeerCertificate {
  let cert = peer as PeerCertificate & { issuerCertificate?: PeerCertificate };
  const seen = new Set<string>();
  while (cert.issuerCertificate !== undefined && cert.issuerCertificate !== cert && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    cert = cert.issuerCertificate as PeerCertificate & { issuerCertificate?: PeerCertificate };
  }
  return cert;
}

/** The anchor the verified chain ends at: the top certificate itself, or the anchor that issued it. */
export function anchorOfChain(store: TrustStore, peer: PeerCertificate): TrustAnchor | undefined {
  const top = new X509Certificate(lastInChain(peer).raw);
  return store.anchors.find((a) => a.cert.raw.equals(top.raw)) ?? store.anchors.find((a) => top.checkIssued(a.cert) && top.verify(a.cert.publicKey));
}

/**
 * `checkServerIdentity` for ES9+/ES11 connections: the standard host-name check, then the CI rule
 * above. Runs after OpenSSL verified the chain against the store's anchors.
 */
export function rspServerIdentityCheck(store: TrustStore, allowedCiPkIds: readonly Uint8Array[] | undefined): (host: string, cert: PeerCertificate) => Error | undefined {
  return (host, cert) => {
    const nameError = defaultCheckServerIdentity(host, cert);
    if (nameError) return nameError;
    const anchor = anchorOfChain(store, cert);
    if (anchor?.hosts !== undefined && !anchor.hosts.includes(host.toLowerCase())) {
      return Object.assign(new Error(`The server certificate chains to ${anchor.source}, which is trusted only for ${anchor.hosts.join(', ')}.`), { code: ANCHOR_NOT_FOR_HOST });
    }
    if (allowedCiPkIds === undefined) return undefined;
    if (anchor?.ciPkId === undefined) return undefined;
    const ciPkId = anchor.ciPkId;
    if (allowedCiPkIds.some((id) => bytesEqual(id, ciPkId))) return undefined;
    return Object.assign(new Error(`The server certificate chains to CI ${toHex(ciPkId).toUpperCase()}, which this eUICC does not trust.`), {
      code: CI_NOT_LISTED,
      ciPkId: toHex(ciPkId).toUpperCase(),
      euiccCiPkIds: allowedCiPkIds.map((id) => toHex(id).toUpperCase()),
    });
  };
}
