/**
 * Deterministic test PKI: CI (NIST, optionally brainpool) → EUM → eUICC, and CI → SM-DP+ (DPauth,
 * DPpb, DP.TLS) and SM-DS (DSauth, DS.TLS). Private keys are derived from the seed with HMAC-SHA256
 * and certificates are signed with RFC 6979, so the same options give byte-identical output.
 * FOR LOOPBACK TESTING ONLY: anyone with the seed has every private key.
 */
import { createHmac } from 'node:crypto';
import { concatBytes } from '../../../shared/hex.js';
import { curveParams } from '../curves.js';
import type { RspCurve } from '../curves.js';
import { bigintToBytes, bytesToBigint } from '../der.js';
import { cryptoError } from '../errors.js';
import { privateKeyFromScalar, publicPointFromScalar } from '../keys.js';
import { parseCertificate } from '../x509.js';
import type { CertRole } from '../x509.js';
import { buildCertificate, encodeName, ext, keyIdentifier } from './cert-builder.js';
import type { NameSpec } from './cert-builder.js';
import type { PkiCi, PkiIdentity, RspPki } from './rsp-pki.js';

export interface TestPkiOptions {
  readonly seed: string | Uint8Array;
  /** EID of the eUICC certificate (32 digits). */
  readonly eid?: string;
  /** EID prefix the EUM may issue (nameConstraints serialNumber); default: first 8 digits of the EID. */
  readonly eidPrefix?: string;
  readonly smdpHost?: string;
  readonly smdsHost?: string;
  /** SM-DP+ OID (registeredID in DPauth, DPpb, DP.TLS). */
  readonly smdpOid?: string;
  readonly smdsOid?: string;
  /** CI curves; 'prime256v1' is always generated (the EUM/eUICC/TLS chain uses it). */
  readonly curves?: readonly RspCurve[];
  readonly validFrom?: Date;
  /** notAfter of every certificate except the eUICC's (which is 9999-12-31, as SGP.22 has it). */
  readonly validUntil?: Date;
}

export const TEST_PKI_DEFAULTS = {
  eid: '89049032123451234512345678901235',
  smdpHost: 'testsmdpplus1.example.com',
  smdsHost: 'testsmds1.example.com',
  smdpOid: '2.999.10',
  smdsOid: '2.999.15',
  ciOid: '2.999.1',
  eumOid: '2.999.5',
  curves: ['prime256v1', 'brainpoolP256r1'] as readonly RspCurve[],
  validFrom: new Date('2024-01-01T00:00:00Z'),
  validUntil: new Date('2049-12-31T23:59:59Z'),
  euiccValidUntil: new Date('9999-12-31T23:59:59Z'),
  crlUri: 'http://ci.test.example.com/crl.crl',
  organisation: 'eSIM Workbench Test',
  eumOrganisation: 'eSIM Workbench Test EUM',
} as const;

interface Issued {
  readonly der: Uint8Array;
  readonly d: bigint;
  readonly curve: RspCurve;
  readonly name: Uint8Array;
  readonly ski: Uint8Array;
}

/** Seed-derived values: private scalars in [1, n-1] and certificate serial numbers. */
class SeedDeriver {
  private readonly seed: Uint8Array;

  constructor(seed: string | Uint8Array) {
    this.seed = typeof seed === 'string' ? new TextEncoder().encode(seed) : seed;
    if (this.seed.length === 0) throw cryptoError('PKI_OPTIONS_INVALID', 'The test PKI seed is empty.');
  }

  private hmac(label: string): Uint8Array {
    return new Uint8Array(createHmac('sha256', this.seed).update(`ewb-test-pki/v1/${label}`).digest());
  }

  /** 512 HMAC bits reduced mod (n-1), plus 1: bias below 2^-250. */
  scalar(label: string, curve: RspCurve): bigint {
    const n = curveParams(curve).n;
    return (bytesToBigint(concatBytes(this.hmac(`key/${label}/1`), this.hmac(`key/${label}/2`))) % (n - 1n)) + 1n;
  }

  /** Positive 63-bit serial number. */
  serial(label: string): bigint {
    return (bytesToBigint(this.hmac(`serial/${label}`).subarray(0, 8)) & 0x7fffffffffffffffn) | 1n;
  }
}

interface IssueRequest {
  readonly label: string;
  readonly curve: RspCurve;
  readonly subject: NameSpec;
  readonly notAfter?: Date;
  /** Extensions besides SKI/AKI. */
  readonly extensions: readonly Uint8Array[];
}

export function generateTestPki(options: TestPkiOptions): RspPki {
  // Explicit `undefined` options fall back to the defaults too.
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as TestPkiOptions;
  const o = { ...TEST_PKI_DEFAULTS, ...given };
  if (!/^\d{32}$/.test(o.eid)) throw cryptoError('PKI_OPTIONS_INVALID', `EID "${o.eid}" is not 32 digits.`, { eid: o.eid });
  const eidPrefix = options.eidPrefix ?? o.eid.slice(0, 8);
  const seed = new SeedDeriver(options.seed);

  const issue = (req: IssueRequest, issuer: Issued | 'self'): Issued => {
    const d = seed.scalar(req.label, req.curve);
    const point = publicPointFromScalar(req.curve, bigintToBytes(d, 32));
    const ski = keyIdentifier(point);
    const name = encodeName(req.subject);
    const signer = issuer === 'self' ? { curve: req.curve, d, name, ski } : issuer;
    const der = buildCertificate(
      {
        serial: seed.serial(req.label),
        subject: name,
        notBefore: o.validFrom,
        notAfter: req.notAfter ?? o.validUntil,
        curve: req.curve,
        publicPoint: point,
        extensions: [...(issuer === 'self' ? [] : [ext.authorityKeyId(signer.ski)]), ext.subjectKeyId(ski), ...req.extensions],
      },
      signer,
    );
    return { der, d, curve: req.curve, name, ski };
  };

  const serverCert = (label: string, curve: RspCurve, role: CertRole, cn: string, rid: string, ci: Issued, tlsHost?: string): Issued =>
    issue(
      {
        label,
        curve,
        subject: [
          ['O', o.organisation],
          ['CN', cn],
        ],
        extensions: [
          ext.keyUsage(['digitalSignature']),
          ...(tlsHost !== undefined ? [ext.extendedKeyUsage(['serverAuth', 'clientAuth'])] : []),
          ext.rolePolicy(role),
          ext.subjectAltName({ ...(tlsHost !== undefined ? { dns: [tlsHost] } : {}), registeredId: rid }),
          ext.crlDistributionPoint(o.crlUri),
        ],
      },
      ci,
    );

  const makeCi = (curve: RspCurve): Issued =>
    issue(
      {
        label: `ci/${curve}`,
        curve,
        subject: [
          ['O', o.organisation],
          ['OU', 'TESTCERT'],
          ['CN', `Test CI ${curveParams(curve).fileTag}`],
        ],
        notAfter: o.validUntil,
        extensions: [ext.basicConstraintsCa(), ext.rolePolicy('ci'), ext.keyUsage(['keyCertSign', 'cRLSign']), ext.subjectAltName({ registeredId: o.ciOid }), ext.crlDistributionPoint(o.crlUri)],
      },
      'self',
    );

  const ciNist = makeCi('prime256v1');
  const ciBrp = o.curves.includes('brainpoolP256r1') ? makeCi('brainpoolP256r1') : undefined;

  const eum = issue(
    {
      label: 'eum',
      curve: 'prime256v1',
      subject: [
        ['O', o.eumOrganisation],
        ['CN', 'Test EUM'],
      ],
      extensions: [
        ext.keyUsage(['keyCertSign']),
        ext.rolePolicy('eum'),
        ext.subjectAltName({ registeredId: o.eumOid }),
        ext.basicConstraintsCa(0),
        ext.crlDistributionPoint(o.crlUri),
        ext.nameConstraints([
          [
            ['O', o.eumOrganisation],
            ['serialNumber', eidPrefix],
          ],
        ]),
      ],
    },
    ciNist,
  );
  const euicc = issue(
    {
      label: 'euicc',
      curve: 'prime256v1',
      subject: [
        ['O', o.eumOrganisation],
        ['serialNumber', o.eid],
        ['CN', 'Test eUICC'],
      ],
      notAfter: TEST_PKI_DEFAULTS.euiccValidUntil,
      extensions: [ext.keyUsage(['digitalSignature']), ext.rolePolicy('euicc')],
    },
    eum,
  );

  const dpAuth = serverCert('dp-auth/prime256v1', 'prime256v1', 'dp-auth', 'Test SM-DP+', o.smdpOid, ciNist);
  const dpPb = serverCert('dp-pb/prime256v1', 'prime256v1', 'dp-pb', 'Test SM-DP+', o.smdpOid, ciNist);
  const dpTls = serverCert('dp-tls', 'prime256v1', 'dp-tls', o.smdpHost, o.smdpOid, ciNist, o.smdpHost);
  const dsAuth = serverCert('ds-auth', 'prime256v1', 'ds-auth', 'Test SM-DS', o.smdsOid, ciNist);
  const dsTls = serverCert('ds-tls', 'prime256v1', 'ds-tls', o.smdsHost, o.smdsOid, ciNist, o.smdsHost);

  const identity = (i: Issued): PkiIdentity => ({ cert: parseCertificate(i.der), key: privateKeyFromScalar(i.curve, bigintToBytes(i.d, 32)) });
  const ci = (i: Issued): PkiCi => ({ ...identity(i), ski: i.ski, curve: i.curve });

  return {
    ci: [ci(ciNist), ...(ciBrp ? [ci(ciBrp)] : [])],
    eum: identity(eum),
    euicc: { ...identity(euicc), eid: o.eid },
    dpAuth: identity(dpAuth),
    dpPb: identity(dpPb),
    dpTls: { ...identity(dpTls), host: o.smdpHost },
    ...(ciBrp
      ? {
          dpBrainpool: {
            auth: identity(serverCert('dp-auth/brainpoolP256r1', 'brainpoolP256r1', 'dp-auth', 'Test SM-DP+', o.smdpOid, ciBrp)),
            pb: identity(serverCert('dp-pb/brainpoolP256r1', 'brainpoolP256r1', 'dp-pb', 'Test SM-DP+', o.smdpOid, ciBrp)),
          },
        }
      : {}),
    ds: { auth: identity(dsAuth), tls: { ...identity(dsTls), host: o.smdsHost } },
  };
}
