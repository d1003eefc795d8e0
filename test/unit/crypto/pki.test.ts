import { X509Certificate } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { signPlain, verifyPlain } from '../../../src-main/crypto/ecdsa.js';
import { privateKeyToPem, publicPointOf } from '../../../src-main/crypto/keys.js';
import { generateTestPki } from '../../../src-main/crypto/pki/generate.js';
import { loadPkiDir, writePkiDir } from '../../../src-main/crypto/pki/pki-dir.js';
import type { PkiIdentity, RspPki } from '../../../src-main/crypto/pki/rsp-pki.js';
import { selectDpIdentities } from '../../../src-main/crypto/pki/rsp-pki.js';
import { certificateToPem } from '../../../src-main/crypto/x509.js';
import type { CertRole } from '../../../src-main/crypto/x509.js';
import { verifyEuiccChain, verifyServerCertificate } from '../../../src-main/crypto/x509-verify.js';
import { toHex } from '../../../shared/hex.js';
import { expectCode, generatedPki, sgp26Dir, withTempDir } from '../../helpers/pki-fixtures.js';

/** Every certificate and key of a PKI in a fixed order, as hex/PEM text. */
function fingerprint(pki: RspPki): string[] {
  const ids: Array<{ cert: { der: Uint8Array }; key?: PkiIdentity['key'] }> = [
    ...pki.ci,
    pki.eum,
    pki.euicc,
    pki.dpAuth,
    pki.dpPb,
    pki.dpTls,
    ...(pki.dpBrainpool ? [pki.dpBrainpool.auth, pki.dpBrainpool.pb] : []),
    ...(pki.ds ? [pki.ds.auth, pki.ds.tls] : []),
  ];
  return ids.flatMap((i) => [toHex(i.cert.der), i.key ? privateKeyToPem(i.key) : '']);
}

function serverIdentities(pki: RspPki): Array<[CertRole, PkiIdentity]> {
  return [
    ['dp-auth', pki.dpAuth],
    ['dp-pb', pki.dpPb],
    ['dp-tls', pki.dpTls],
    ['dp-auth', pki.dpBrainpool?.auth ?? pki.dpAuth],
    ['dp-pb', pki.dpBrainpool?.pb ?? pki.dpPb],
    ['ds-auth', pki.ds?.auth ?? pki.dpAuth],
    ['ds-tls', pki.ds?.tls ?? pki.dpTls],
  ];
}

describe('generated test PKI', () => {
  const pki = generatedPki();

  it('is byte-identical for the same seed and different for another seed', () => {
    const again = generateTestPki({ seed: 'unit-test' });
    expect(fingerprint(again)).toEqual(fingerprint(pki));
    const other = fingerprint(generateTestPki({ seed: 'unit-test-2' }));
    const mine = fingerprint(pki);
    expect(other).toHaveLength(mine.length);
    other.forEach((item, i) => expect(item).not.toBe(mine[i]));
  });

  it('has a NIST and a brainpool CI, keys matching certificates, and the requested names', () => {
    expect(pki.ci.map((c) => c.curve)).toEqual(['prime256v1', 'brainpoolP256r1']);
    for (const [, id] of serverIdentities(pki)) expect(toHex(publicPointOf(id.key))).toBe(toHex(id.cert.publicPoint));
    expect(pki.euicc.cert.eid).toBe('89049032123451234512345678901235');
    expect(pki.eum.cert.permittedSubtrees[0]?.text).toBe('O=eSIM Workbench Test EUM, serialNumber=89049032');
    expect(pki.eum.cert.basicConstraints).toEqual({ ca: true, pathLength: 0 });
    expect(pki.dpTls.cert.dnsNames).toEqual(['testsmdpplus1.example.com']);
    expect(pki.dpTls.cert.extendedKeyUsage).toContain('1.3.6.1.5.5.7.3.1');
    for (const id of [pki.dpAuth, pki.dpPb, pki.dpTls]) expect(id.cert.rspOid).toBe('2.999.10');
    const critical = pki.dpAuth.cert.extensions.find((e) => e.oid === '2.5.29.32')?.critical;
    expect(critical).toBe(true);
    expect(generateTestPki({ seed: 'x', curves: ['prime256v1'] }).ci).toHaveLength(1);
  });

  it('every chain verifies with our verifier', () => {
    const cis = pki.ci.map((c) => c.cert);
    expect(verifyEuiccChain(pki.euicc.cert, pki.eum.cert, cis).eid).toBe(pki.euicc.eid);
    for (const [role, id] of serverIdentities(pki)) expect(() => verifyServerCertificate(id.cert, cis, { expectedRole: role })).not.toThrow();
    for (const ci of pki.ci) expect(() => verifyServerCertificate(ci.cert, [ci.cert], { expectedRole: 'ci' })).not.toThrow();
  });

  it('CI-signed certificates verify with Node X509Certificate', () => {
    const cis = pki.ci.map((c) => new X509Certificate(c.cert.der));
    for (const [, id] of serverIdentities(pki)) {
      const x = new X509Certificate(id.cert.der);
      const issuer = cis.find((ci) => x.checkIssued(ci));
      expect(issuer).toBeDefined();
      expect(x.verify(issuer?.publicKey ?? cis[0]!.publicKey)).toBe(true);
    }
    expect(new X509Certificate(pki.eum.cert.der).verify(cis[0]!.publicKey)).toBe(true);
    expect(new X509Certificate(pki.euicc.cert.der).verify(new X509Certificate(pki.eum.cert.der).publicKey)).toBe(true);
  });

  it('the DP.TLS certificate serves TLS on loopback to a client trusting only the CI', async () => {
    const server = tls.createServer({ cert: certificateToPem(pki.dpTls.cert.der), key: privateKeyToPem(pki.dpTls.key) }, (socket) => socket.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const reply = await new Promise<string>((resolve, reject) => {
        const socket = tls.connect({ host: '127.0.0.1', port, servername: pki.dpTls.host, ca: certificateToPem(pki.ci[0]!.cert.der) }, () => {
          socket.once('data', (d) => resolve(d.toString()));
        });
        socket.once('error', reject);
      });
      expect(reply).toBe('ok');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('selects the SM-DP+ identities for the CI the eUICC lists first', () => {
    const [nist, brp] = pki.ci;
    expect(selectDpIdentities(pki, [brp!.ski, nist!.ski])?.auth).toBe(pki.dpBrainpool?.auth);
    expect(selectDpIdentities(pki, [nist!.ski])?.pb).toBe(pki.dpPb);
    expect(selectDpIdentities(pki, [new Uint8Array(20)])).toBeUndefined();
  });

  it('rejects an empty seed and a malformed EID', () => {
    expectCode(() => generateTestPki({ seed: '' }), 'PKI_OPTIONS_INVALID');
    expectCode(() => generateTestPki({ seed: 's', eid: '1234' }), 'PKI_OPTIONS_INVALID');
  });
});

describe('PKI directories', () => {
  it('writes the SGP.26 layout with 0600 keys, atomically, and loads it back identically', async () => {
    const pki = generatedPki();
    await withTempDir(async (dir) => {
      await writePkiDir(pki, dir);
      for (const file of [
        'CertificateIssuer/CERT_CI_ECDSA_NIST.der',
        'CertificateIssuer/SK_CI_ECDSA_NIST.pem',
        'CertificateIssuer/CERT_CI_ECDSA_BRP.der',
        'EUM/CERT_EUM_ECDSA_NIST.der',
        'EUM/SK_EUM_ECDSA_NIST.pem',
        'eUICC/CERT_EUICC_ECDSA_NIST.der',
        'eUICC/SK_EUICC_ECDSA_NIST.pem',
        'eUICC/EID',
        'DPauth/CERT_S_SM_DPauth_ECDSA_NIST.der',
        'DPauth/SK_S_SM_DPauth_ECDSA_NIST.pem',
        'DPauth/SK_S_SM_DPauth_ECDSA_BRP.pem',
        'DPpb/CERT_S_SM_DPpb_ECDSA_NIST.der',
        'DPtls/CERT_S_SM_DP_TLS_NIST.der',
        'DPtls/SK_S_SM_DP_TLS_NIST.pem',
        'DSauth/CERT_S_SM_DSauth_ECDSA_NIST.der',
        'DStls/SK_S_SM_DS_TLS_NIST.pem',
      ]) {
        const mode = (await stat(path.join(dir, file))).mode & 0o777;
        expect([file, mode]).toEqual([file, file.includes('/SK_') ? 0o600 : 0o644]);
      }
      expect(await readFile(path.join(dir, 'eUICC/EID'), 'utf8')).toBe('89049032123451234512345678901235\n');
      const leftovers = (await readdir(dir, { recursive: true })).filter((f) => String(f).endsWith('.tmp'));
      expect(leftovers).toEqual([]);
      const loaded = await loadPkiDir(dir);
      expect(fingerprint(loaded)).toEqual(fingerprint(pki));
      expect(loaded.dpTls.host).toBe('testsmdpplus1.example.com');
      expect(loaded.ds?.tls.host).toBe('testsmds1.example.com');
    });
  });

  it('loads the SGP.26 directory: NIST + brainpool CI, reissued TLS, EID, working keys', async () => {
    const pki = await loadPkiDir(sgp26Dir);
    expect(pki.ci.map((c) => toHex(c.ski).toUpperCase())).toEqual(['F54172BDF98A95D65CBEB88A38A1C11D800A85C3', 'C0BC70BA36929D43B467FF57570530E57AB8FCD8']);
    expect(pki.ci[0]?.key).toBeDefined();
    expect(pki.ci[1]?.key).toBeUndefined();
    expect(pki.euicc.eid).toBe('89049032123451234512345678901235');
    expect(pki.dpTls.host).toBe('testsmdpplus1.example.com');
    expect(pki.dpTls.cert.notAfter.toISOString()).toBe('2028-11-22T00:08:40.000Z'); // reissued, not the expired original
    expect(pki.dpAuth.cert.rspOid).toBe('2.999.10');
    expect(pki.dpBrainpool?.auth.cert.curve).toBe('brainpoolP256r1');
    expect(pki.ds).toBeUndefined();
    const cis = pki.ci.map((c) => c.cert);
    expect(verifyServerCertificate(pki.dpAuth.cert, cis, { expectedRole: 'dp-auth', now: new Date('2026-11-23T00:00:00Z') }).ci).toBe(cis[0]);
    expect(verifyEuiccChain(pki.euicc.cert, pki.eum.cert, cis).eid).toBe(pki.euicc.eid);
    const msg = new TextEncoder().encode('serverSigned1');
    expect(verifyPlain(pki.dpAuth.cert.publicKey, msg, signPlain(pki.dpAuth.key, msg))).toBe(true);
    expect(verifyPlain(pki.euicc.cert.publicKey, msg, signPlain(pki.euicc.key, msg))).toBe(true);
  });

  it('names the missing file when a directory is incomplete', async () => {
    await withTempDir(async (dir) => {
      const e = await loadPkiDir(dir).then(
        () => undefined,
        (err: unknown) => err as { code: string; message: string },
      );
      expect(e?.code).toBe('PKI_DIR_INCOMPLETE');
      expect(e?.message).toContain('CertificateIssuer/CERT_CI_ECDSA_NIST');
    });
  });
});
