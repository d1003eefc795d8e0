import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sgp22CodesOf } from '../../../src-main/crypto/errors.js';
import { parseCertificate } from '../../../src-main/crypto/x509.js';
import { checkEidPermitted, verifyCertificate, verifyEuiccChain, verifyServerCertificate } from '../../../src-main/crypto/x509-verify.js';
import { toHex } from '../../../shared/hex.js';
import { expectCode, generatedPki, readSgp26 } from '../../helpers/pki-fixtures.js';

const cert = (rel: string) => parseCertificate(readSgp26(rel));
const ciNist = cert('CertificateIssuer/CERT_CI_ECDSA_NIST.der');
const ciBrp = cert('CertificateIssuer/CERT_CI_ECDSA_BRP.pem');
const eum = cert('EUM/CERT_EUM_ECDSA_NIST.der');
const euicc = cert('eUICC/CERT_EUICC_ECDSA_NIST.der');
const dpAuth = cert('DPauth/CERT_S_SM_DPauth_ECDSA_NIST.der');
const dpPb = cert('DPpb/CERT_S_SM_DPpb_ECDSA_NIST.der');
const NOW = new Date('2026-11-23T00:00:00Z');

describe('parsing the SGP.26 test certificates', () => {
  it('reads the CI: SKI = CI PKID, role ci, CA with keyCertSign', () => {
    expect(toHex(ciNist.subjectKeyId ?? new Uint8Array()).toUpperCase()).toBe('F54172BDF98A95D65CBEB88A38A1C11D800A85C3');
    expect(toHex(ciBrp.subjectKeyId ?? new Uint8Array()).toUpperCase()).toBe('C0BC70BA36929D43B467FF57570530E57AB8FCD8');
    expect(ciNist.subject.text).toBe('CN=Test CI, OU=TESTCERT, O=RSPTEST, C=IT');
    expect(ciNist.roles).toEqual(['ci']);
    expect(ciNist.basicConstraints).toEqual({ ca: true });
    expect(ciNist.keyUsage).toEqual(['keyCertSign', 'cRLSign']);
    expect(ciNist.curve).toBe('prime256v1');
    expect(ciBrp.curve).toBe('brainpoolP256r1');
    expect(ciNist.notBefore.toISOString()).toBe('2020-04-01T08:27:51.000Z');
  });

  it('reads the SM-DP+ OID from the DPauth subjectAltName registeredID', () => {
    expect(dpAuth.rspOid).toBe('2.999.10');
    expect(dpAuth.roles).toEqual(['dp-auth']);
    expect(dpPb.roles).toEqual(['dp-pb']);
    expect(toHex(dpAuth.authorityKeyId ?? new Uint8Array()).toUpperCase()).toBe('F54172BDF98A95D65CBEB88A38A1C11D800A85C3');
  });

  it('reads the EUM name constraints and the eUICC EID', () => {
    expect(eum.basicConstraints).toEqual({ ca: true, pathLength: 0 });
    expect(eum.permittedSubtrees.map((t) => t.text)).toEqual(['O=RSP Test EUM, serialNumber=89049032']);
    expect(euicc.eid).toBe('89049032123451234512345678901235');
    expect(euicc.roles).toEqual(['euicc']);
    expect(euicc.notAfter.toISOString()).toBe('9999-12-31T23:59:59.000Z');
  });

  it('reads the DP.TLS dNSName, EKU and policy; PEM and DER give the same certificate', () => {
    const tls = cert('reissued/CERT_S_SM_DP_TLS_NIST.pem');
    expect(tls.dnsNames).toEqual(['testsmdpplus1.example.com']);
    expect(tls.extendedKeyUsage).toContain('1.3.6.1.5.5.7.3.1');
    expect(tls.roles).toEqual(['dp-tls']);
    expect(toHex(tls.der)).toBe(toHex(cert('reissued/CERT_S_SM_DP_TLS_NIST.der').der));
  });

  it('reports malformed input as CERT_MALFORMED', () => {
    const truncated = ciNist.der.subarray(0, 100);
    expectCode(() => parseCertificate(truncated), 'CERT_MALFORMED');
    expectCode(() => parseCertificate('not a certificate'), 'CERT_MALFORMED');
  });
});

describe('verification with SGP.22 semantics', () => {
  it('DPauth and DPpb chain to the NIST CI', () => {
    expect(verifyServerCertificate(dpAuth, [ciBrp, ciNist], { expectedRole: 'dp-auth', now: NOW }).ci).toBe(ciNist);
    expect(verifyServerCertificate(dpPb, [ciNist], { expectedRole: 'dp-pb', now: NOW }).ci).toBe(ciNist);
  });

  it('accepts the SGP.26 eUICC under the EUM prefix rule that openssl rejects', () => {
    const { ci, eid } = verifyEuiccChain(euicc, eum, [ciBrp, ciNist], { now: NOW });
    expect(ci).toBe(ciNist);
    expect(eid).toBe('89049032123451234512345678901235');
  });

  it('rejects an expired certificate (now option) and a not-yet-valid one', () => {
    const e = expectCode(() => verifyCertificate(dpAuth, ciNist, { now: new Date('2031-01-01T00:00:00Z') }), 'CERT_EXPIRED');
    expect(e.details).toMatchObject({ notAfter: '2030-03-30T08:31:30.000Z' });
    expect(e.hint).not.toBe('');
    expectCode(() => verifyCertificate(dpAuth, ciNist, { now: new Date('2019-01-01T00:00:00Z') }), 'CERT_NOT_YET_VALID');
    expectCode(() => verifyServerCertificate(cert('DPtls/CERT_S_SM_DP_TLS_NIST.der'), [ciNist], { expectedRole: 'dp-tls', now: NOW }), 'CERT_EXPIRED');
    // No trusted clock (eUICC): validity is skipped.
    expect(() => verifyCertificate(dpAuth, ciNist, { now: new Date('2031-01-01T00:00:00Z'), checkValidity: false })).not.toThrow();
  });

  it('rejects the wrong role and maps it to AuthenticateServer invalidOid', () => {
    const e = expectCode(() => verifyServerCertificate(dpPb, [ciNist], { expectedRole: ['dp-auth', 'ds-auth'], now: NOW }), 'CERT_WRONG_ROLE');
    expect(e.details).toMatchObject({ roles: ['dp-pb'], expectedRoles: ['dp-auth', 'ds-auth'] });
    expect(sgp22CodesOf(e)).toMatchObject({ authenticateServer: 5, prepareDownload: 1, es9Reason: '6.1' });
    expect(sgp22CodesOf(new Error('foreign'))).toBeUndefined();
  });

  it('rejects the wrong issuer and an unknown CI', () => {
    expectCode(() => verifyCertificate(dpAuth, eum, { now: NOW }), 'CERT_WRONG_ISSUER');
    const e = expectCode(() => verifyServerCertificate(dpAuth, [ciBrp], { expectedRole: 'dp-auth', now: NOW }), 'CERT_UNKNOWN_CI');
    expect(e.details).toMatchObject({ authorityKeyId: 'F54172BDF98A95D65CBEB88A38A1C11D800A85C3' });
    expectCode(() => verifyServerCertificate(dpAuth, [ciNist], { expectedRole: 'dp-auth', ciPkId: ciBrp.subjectKeyId ?? new Uint8Array(), now: NOW }), 'CERT_UNKNOWN_CI');
    const chain = expectCode(() => verifyEuiccChain(euicc, eum, [ciBrp], { now: NOW }), 'CERT_UNKNOWN_CI');
    expect(chain.details).toMatchObject({ es9SubjectCode: '8.11.1', sgp22: { authenticateServer: 7, es9Reason: '3.9' } });
  });

  it('rejects a tampered signature', () => {
    const der = dpAuth.der.slice();
    der[der.length - 5] = (der[der.length - 5] ?? 0) ^ 0x01;
    expectCode(() => verifyCertificate(parseCertificate(der), ciNist, { now: NOW }), 'CERT_SIGNATURE_INVALID');
    const tbsTampered = euicc.der.slice();
    const at = toHex(tbsTampered).indexOf(Buffer.from('Test eUICC').toString('hex')) / 2;
    tbsTampered[at] = 0x55; // 'T' → 'U' inside the signed subject
    const e = expectCode(() => verifyEuiccChain(parseCertificate(tbsTampered), eum, [ciNist], { now: NOW }), 'CERT_SIGNATURE_INVALID');
    expect(e.details).toMatchObject({ certificate: 'euicc', es9SubjectCode: '8.1.3' });
  });

  it('rejects an EID outside the EUM prefix, and a foreign organisation', () => {
    const outside = generatedPki({ seed: 'unit-test', eid: '89049099000000000000000000000017', eidPrefix: '89049032' });
    const e = expectCode(() => verifyEuiccChain(outside.euicc.cert, outside.eum.cert, outside.ci.map((c) => c.cert)), 'CERT_EID_OUTSIDE_EUM_RANGE');
    expect(e.details).toMatchObject({ eid: '89049099000000000000000000000017', permittedEidPrefixes: ['89049032'], es9SubjectCode: '8.1.3' });
    // Same prefix, but the SGP.26 EUM permits O=RSP Test EUM only.
    const pki = generatedPki();
    expectCode(() => checkEidPermitted(pki.euicc.cert, eum), 'CERT_NAME_CONSTRAINTS_VIOLATED');
  });

  it('an EUM must not verify as a DPauth and a CI cannot be replaced by an end-entity issuer', () => {
    expectCode(() => verifyServerCertificate(eum, [ciNist], { expectedRole: 'dp-auth', now: NOW }), 'CERT_WRONG_ROLE');
    expectCode(() => verifyCertificate(euicc, dpAuth, { now: NOW }), 'CERT_WRONG_ISSUER');
  });

  it('agrees with Node X509Certificate on the SGP.26 signatures', () => {
    const x = (c: { der: Uint8Array }) => new X509Certificate(c.der);
    expect(x(dpAuth).verify(x(ciNist).publicKey)).toBe(true);
    expect(x(euicc).verify(x(eum).publicKey)).toBe(true);
    expect(x(dpAuth).verify(x(ciBrp).publicKey)).toBe(false);
  });
});
