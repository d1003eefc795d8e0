import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toHex } from '../../../shared/hex.js';
import { certificateToPem } from '../../../src-main/crypto/x509.js';
import { caPems, loadTrustStore } from '../../../src-main/rsp/tls-trust.js';
import { generatedPki, sgp26Dir } from '../../helpers/pki-fixtures.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ewb-trust-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('trust directories', () => {
  it('load the SGP.26 test CIs with their CI PKIDs', async () => {
    const store = await loadTrustStore([path.join(sgp26Dir, 'CertificateIssuer')]);
    const ids = new Set(store.anchors.map((a) => toHex(a.ciPkId ?? new Uint8Array()).toUpperCase()));
    expect(ids).toEqual(new Set(['F54172BDF98A95D65CBEB88A38A1C11D800A85C3', 'C0BC70BA36929D43B467FF57570530E57AB8FCD8']));
    expect(store.skipped).toEqual([]);
  });

  it('read PEM bundles and DER files, skip unreadable files, ignore missing directories', async () => {
    const pki = generatedPki({ seed: 'rsp-unit' });
    const [nist, brainpool] = pki.ci;
    if (!nist || !brainpool) throw new Error('PKI without two CIs');
    await writeFile(path.join(dir, 'bundle.pem'), certificateToPem(nist.cert.der) + certificateToPem(brainpool.cert.der));
    await writeFile(path.join(dir, 'lab-tls.der'), pki.dpTls.cert.der); // not a CI: a plain anchor
    await writeFile(path.join(dir, 'broken.crt'), 'not a certificate');
    await writeFile(path.join(dir, 'README.txt'), 'ignored');
    const store = await loadTrustStore([dir, path.join(dir, 'missing')]);
    expect(store.anchors.map((a) => [path.basename(a.source), a.ciPkId ? toHex(a.ciPkId).toUpperCase() : undefined])).toEqual([
      ['bundle.pem', toHex(nist.ski).toUpperCase()],
      ['bundle.pem', toHex(brainpool.ski).toUpperCase()],
      ['lab-tls.der', undefined],
    ]);
    expect(store.skipped.map((s) => path.basename(s.file))).toEqual(['broken.crt']);
    expect(caPems(store)[0]).toContain('-----BEGIN CERTIFICATE-----');
  });
});
