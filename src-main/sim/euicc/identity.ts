/**
 * The eUICC's own credentials, taken from an RspPki: CERT.EUICC + SK.EUICC, CERT.EUM, the CI roots
 * it trusts (verification list) and those its own chain ends in (signing list).
 */
import type { KeyObject } from 'node:crypto';
import { WorkbenchError } from '../../../shared/errors.js';
import { findIssuingCi, type PkiCi, type RspCertificate, type RspPki } from '../../crypto/index.js';

export interface EuiccIdentity {
  /** 32 hex digits, from the eUICC certificate subject serialNumber. */
  readonly eid: string;
  readonly certificate: RspCertificate;
  readonly key: KeyObject;
  readonly eumCertificate: RspCertificate;
  /** CIs whose signatures the eUICC accepts (euiccCiPKIdListForVerification). */
  readonly trustedCis: readonly PkiCi[];
  /** CI PKIDs its own chain ends in (euiccCiPKIdListForSigning). */
  readonly signingCiPkIds: readonly Uint8Array[];
}

export function euiccIdentityFromPki(pki: RspPki): EuiccIdentity {
  const signing = pki.ci.filter((ci) => findIssuingCi(pki.eum.cert, [ci.cert]) !== undefined).map((ci) => ci.ski);
  if (signing.length === 0) {
    throw new WorkbenchError('SIM_PKI_INVALID', 'No CI of the PKI issued the EUM certificate.', 'Use a PKI directory made by `ewb pki init` or the SGP.26 test PKI.');
  }
  return {
    eid: pki.euicc.eid.toUpperCase(),
    certificate: pki.euicc.cert,
    key: pki.euicc.key,
    eumCertificate: pki.eum.cert,
    trustedCis: pki.ci,
    signingCiPkIds: signing,
  };
}
