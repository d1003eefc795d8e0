/** ES10b handlers about the eUICC itself: EUICCInfo1/2, GetRAT, LoadCRL, LPAe activation. */
import { ES10 } from '../../codec/sgp22/index.js';
import { parseTlv } from '../../codec/ber-tlv.js';
import { derToPlainSignature, verifyPlain } from '../../crypto/index.js';
import type { HandlerRow } from './isdr-context.js';
import { typedRow } from './isdr-context.js';
import { encodeRat, euiccInfo1, euiccInfo2 } from './euicc-info.js';

const getEuiccInfo1 = typedRow(ES10.getEuiccInfo1, (_req, ctx) => euiccInfo1(ctx.info, ctx.identity));

const getEuiccInfo2 = typedRow(ES10.getEuiccInfo2, (_req, ctx) => euiccInfo2(ctx.info, ctx.identity, ctx.store.state));

const getRat: HandlerRow = {
  name: ES10.getRat.name,
  tags: [ES10.getRat.tag],
  handle: async (_request, ctx) => encodeRat(ctx.info),
};

/** The CI whose key verifies the CRL signature, if any (CertificateList = tbs, algorithm, BIT STRING signature). */
function crlSignedByTrustedCi(crl: Uint8Array, ctx: Parameters<HandlerRow['handle']>[1]): boolean | 'malformed' {
  try {
    const [tbs, , signature] = parseTlv(crl).children ?? [];
    if (tbs === undefined || signature === undefined || signature.value[0] !== 0) return 'malformed';
    const der = signature.value.subarray(1);
    return ctx.identity.trustedCis.some((ci) => verifyPlain(ci.cert.publicKey, tbs.raw, derToPlainSignature(der, ci.curve)));
  } catch {
    return 'malformed';
  }
}

/**
 * LoadCRL (§5.7.12), minimal: this eUICC does not advertise crlSupport, so it checks that a trusted
 * CI signed the CRL and accepts it without keeping revocation state.
 */
const loadCrl = typedRow(ES10.loadCrl, (req, ctx) => {
  const verdict = crlSignedByTrustedCi(req.crl, ctx);
  if (verdict === 'malformed') return { kind: 'loadCRLResponseError' as const, value: 'invalidCRLFormat' as const };
  if (!verdict) return { kind: 'loadCRLResponseError' as const, value: 'verificationKeyNotFound' as const };
  return { kind: 'loadCRLResponseOk' as const, value: {} };
});

/** No LPAe on this eUICC: the LPA runs on the host. */
const lpaeActivation = typedRow(ES10.lpaeActivation, () => ({ lpaeActivationResult: 'notSupported' as const }));

export const INFO_HANDLERS: readonly HandlerRow[] = [getEuiccInfo1, getEuiccInfo2, getRat, loadCrl, lpaeActivation];
