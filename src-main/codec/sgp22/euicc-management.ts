/** Rules Authorisation Table (§5.7.22), CRL loading (§5.7.12) and LPAe activation. */
import { bitString, choice, enumerated, explicit, field, integer, optional, sequence, sequenceOf } from '../schema.js';
import type { Infer } from '../schema.js';
import { CertificateList, OperatorId, PprIds } from './common.js';
import { LoadCrlError, LpaeActivationResult } from './results.js';
import { LPAE_OPTION_BITS, PPR_FLAG_BITS } from './values.js';

export const GetRatRequest = sequence({}).withTag(0xbf43).named('GetRatRequest');

export const ProfilePolicyAuthorisationRule = sequence({
  pprIds: field(0x80, PprIds),
  allowedOperators: field(0xa1, sequenceOf(OperatorId)),
  pprFlags: field(0x82, bitString(PPR_FLAG_BITS)),
}).named('ProfilePolicyAuthorisationRule');

export const GetRatResponse = sequence({
  rat: field(0xa0, sequenceOf(ProfilePolicyAuthorisationRule)),
})
  .withTag(0xbf43)
  .named('GetRatResponse');

export const LoadCRLRequest = sequence({
  crl: field(CertificateList),
})
  .withTag(0xbf35)
  .named('LoadCRLRequest');

export const LoadCRLResponse = explicit(
  0xbf35,
  choice({
    loadCRLResponseOk: sequence({ missingParts: optional(0xa0, sequenceOf(integer())) }).withTag(0xa0),
    loadCRLResponseError: enumerated(LoadCrlError.codes).withTag(0x81),
  }),
).named('LoadCRLResponse');

export const LpaeActivationRequest = sequence({
  lpaeOption: field(0x80, bitString(LPAE_OPTION_BITS)),
})
  .withTag(0xbf42)
  .named('LpaeActivationRequest');

export const LpaeActivationResponse = sequence({
  lpaeActivationResult: field(0x80, enumerated(LpaeActivationResult.codes)),
})
  .withTag(0xbf42)
  .named('LpaeActivationResponse');

export type GetRatResponseValue = Infer<typeof GetRatResponse>;
