/**
 * The profile metadata the SM-DP+ sends before the download (StoreMetadataRequest BF25, digest §8):
 * decoded into the consent preview, and its profile policy rules checked against the eUICC's Rules
 * Authorisation Table (SGP.22 §2.9.2: a PPR may be set only when a RAT rule lists it for the
 * profile owner; 'E' digits in a rule's MCC/MNC are wildcards).
 */
import { WorkbenchError } from '../../shared/errors.js';
import { bytesEqual } from '../../shared/hex.js';
import type { ProfilePreview } from '../../shared/api.js';
import { decode } from '../codec/schema.js';
import { StoreMetadataRequest } from '../codec/sgp22/index.js';
import type { GetRatResponseValue, OperatorIdValue, StoreMetadataRequestValue } from '../codec/sgp22/index.js';
import { iconDataUrl } from '../euicc/summaries.js';

export type RatRules = GetRatResponseValue['rat'];

/** Decodes profileMetadata; a malformed one is a metadataMismatch (CancelSession reason). */
export function decodeProfileMetadata(bytes: Uint8Array): StoreMetadataRequestValue {
  try {
    return decode(StoreMetadataRequest, bytes);
  } catch (err) {
    throw new WorkbenchError('DOWNLOAD_METADATA_INVALID', `The SM-DP+ sent unreadable profile metadata (${err instanceof Error ? err.message : String(err)}).`, 'The download was cancelled; report it to the operator.', {
      cause: err,
      details: { cancelReason: 'metadataMismatch' },
    });
  }
}

export function previewOf(metadata: StoreMetadataRequestValue, smdpAddress: string): ProfilePreview {
  const icon = iconDataUrl(metadata);
  return {
    iccid: metadata.iccid,
    serviceProviderName: metadata.serviceProviderName,
    profileName: metadata.profileName,
    ...(typeof metadata.profileClass === 'string' ? { profileClass: metadata.profileClass } : metadata.profileClass === undefined ? { profileClass: 'operational' as const } : {}),
    ...(icon !== undefined ? { icon } : {}),
    policyRules: (metadata.profilePolicyRules ?? []).map(String),
    smdpAddress,
  };
}

function operatorMatches(rule: OperatorIdValue, owner: OperatorIdValue): boolean {
  if (rule.mccMnc.length !== owner.mccMnc.length) return false;
  if (![...rule.mccMnc].every((d, i) => d === 'E' || d === owner.mccMnc[i])) return false;
  if (rule.gid1 !== undefined && (owner.gid1 === undefined || !bytesEqual(rule.gid1, owner.gid1))) return false;
  if (rule.gid2 !== undefined && (owner.gid2 === undefined || !bytesEqual(rule.gid2, owner.gid2))) return false;
  return true;
}

/** The PPRs of the profile that no RAT rule allows for its owner (empty = all allowed). */
export function pprsNotAllowed(metadata: StoreMetadataRequestValue, rat: RatRules): string[] {
  const pprs = (metadata.profilePolicyRules ?? []).map(String);
  const owner = metadata.profileOwner;
  return pprs.filter((ppr) => owner === undefined || !rat.some((rule) => rule.pprIds.map(String).includes(ppr) && rule.allowedOperators.some((op) => operatorMatches(op, owner))));
}

/** True when a RAT rule covering one of the profile's PPRs asks for explicit user consent. */
export function pprConsentRequired(metadata: StoreMetadataRequestValue, rat: RatRules): boolean {
  const pprs = (metadata.profilePolicyRules ?? []).map(String);
  return rat.some((rule) => rule.pprFlags.map(String).includes('consentRequired') && rule.pprIds.map(String).some((p) => pprs.includes(p)));
}
