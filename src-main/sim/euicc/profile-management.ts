/**
 * ES10a / ES10c handlers: profile list, enable / disable / delete with the single-enabled-profile
 * model and PPR1/PPR2, nickname, memory reset, EID, configured addresses. Every change is one
 * StateStore transaction, notifications included.
 */
import { fromHex } from '../../../shared/hex.js';
import { ES10, ProfileInfo } from '../../codec/sgp22/index.js';
import type { ProfileInfoValue } from '../../codec/sgp22/index.js';
import { cardStatusError } from '../card/applet.js';
import { SW } from '../card/sw.js';
import type { HandlerRow, IsdrContext } from './isdr-context.js';
import { typedRow } from './isdr-context.js';
import { NOTIFICATION_EVENT_BIT, queueProfileEvent } from './notifications.js';
import { dpProprietaryValue, profileFootprint } from './profile-package.js';
import type { EuiccState, ProfileRecord } from './state.js';

type ProfileId = { kind: 'isdpAid'; value: Uint8Array } | { kind: 'iccid'; value: string };

function findProfile(state: EuiccState, id: ProfileId): ProfileRecord | undefined {
  return id.kind === 'iccid' ? state.profiles.find((p) => p.iccid === id.value) : state.profiles.find((p) => p.isdpAid.toUpperCase() === Buffer.from(id.value).toString('hex').toUpperCase());
}

/** Every stored field of a profile as ProfileInfo (the default set when no tag list is given). */
export function profileInfoOf(p: ProfileRecord): ProfileInfoValue {
  return {
    iccid: p.iccid,
    isdpAid: fromHex(p.isdpAid),
    profileState: p.state,
    ...(p.nickname === undefined ? {} : { profileNickname: p.nickname }),
    serviceProviderName: p.serviceProviderName,
    profileName: p.profileName,
    ...(p.iconType === undefined ? {} : { iconType: p.iconType }),
    ...(p.icon === undefined ? {} : { icon: new Uint8Array(Buffer.from(p.icon, 'base64')) }),
    profileClass: p.profileClass,
    ...(p.notificationConfigurationInfo.length === 0
      ? {}
      : {
          notificationConfigurationInfo: p.notificationConfigurationInfo.map((n) => ({
            profileManagementOperation: n.events.map((e) => NOTIFICATION_EVENT_BIT[e]),
            notificationAddress: n.address,
          })),
        }),
    ...(p.profileOwner === undefined
      ? {}
      : {
          profileOwner: {
            mccMnc: p.profileOwner.mccMnc,
            ...(p.profileOwner.gid1 === undefined ? {} : { gid1: fromHex(p.profileOwner.gid1) }),
            ...(p.profileOwner.gid2 === undefined ? {} : { gid2: fromHex(p.profileOwner.gid2) }),
          },
        }),
    ...(p.dpProprietaryData === undefined ? {} : { dpProprietaryData: dpProprietaryValue(p.dpProprietaryData) }),
    ...(p.pprs.length === 0 ? {} : { profilePolicyRules: [...p.pprs] }),
  };
}

/** The tags of a tag list (5C): concatenated one- or multi-byte BER tags. */
function tagsOf(tagList: Uint8Array): number[] {
  const tags: number[] = [];
  let i = 0;
  while (i < tagList.length) {
    let tag = tagList[i++] ?? 0;
    if ((tag & 0x1f) === 0x1f) {
      let b: number;
      do {
        b = tagList[i++] ?? 0;
        tag = tag * 256 + b;
      } while ((b & 0x80) !== 0 && i < tagList.length);
    }
    tags.push(tag);
  }
  return tags;
}

/** Keeps the ProfileInfo fields whose tag is listed; unknown tags (e.g. v3's 9F24) are ignored. */
function selectFields(info: ProfileInfoValue, tags: readonly number[]): ProfileInfoValue {
  const record = info as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [name, field] of ProfileInfo.fields ?? []) {
    if (field.schema.tags.some((t) => tags.includes(t)) && record[name] !== undefined) out[name] = record[name];
  }
  return out as ProfileInfoValue;
}

const getProfilesInfo = typedRow(ES10.getProfilesInfo, (req, ctx) => {
  const profiles = ctx.store.state.profiles;
  const criteria = req.searchCriteria;
  let chosen: ProfileRecord[] = profiles;
  if (criteria?.kind === 'profileClass') chosen = profiles.filter((p) => p.profileClass === criteria.value);
  else if (criteria !== undefined) chosen = profiles.filter((p) => p === findProfile(ctx.store.state, criteria));
  else if (req.iccid !== undefined) chosen = profiles.filter((p) => p.iccid === req.iccid);
  const tags = req.tagList === undefined ? undefined : tagsOf(req.tagList);
  return {
    kind: 'profileInfoListOk' as const,
    value: chosen.map((p) => (tags === undefined ? profileInfoOf(p) : selectFields(profileInfoOf(p), tags))),
  };
});

function switchNotice(ctx: IsdrContext, result: { enabled?: string; disabled?: string }, refresh: boolean): void {
  ctx.onProfileSwitch({ ...(result.enabled === undefined ? {} : { enabled: result.enabled }), ...(result.disabled === undefined ? {} : { disabled: result.disabled }), refresh });
}

const enableProfile = typedRow(ES10.enableProfile, async (req, ctx) => {
  const result = await ctx.store.transaction((draft) => {
    const target = findProfile(draft, req.profileIdentifier);
    if (target === undefined) return { code: 'iccidOrAidNotFound' as const };
    if (target.state === 'enabled') return { code: 'profileNotInDisabledState' as const };
    const current = draft.profiles.find((p) => p.state === 'enabled');
    // Enabling implies disabling the current profile, which PPR1 forbids.
    if (current?.pprs.includes('ppr1') === true) return { code: 'disallowedByPolicy' as const };
    if (current !== undefined) {
      current.state = 'disabled';
      queueProfileEvent(draft, ctx.identity, current, 'disable');
    }
    target.state = 'enabled';
    queueProfileEvent(draft, ctx.identity, target, 'enable');
    return { code: 'ok' as const, enabled: target.iccid, ...(current === undefined ? {} : { disabled: current.iccid }) };
  });
  if (result.code === 'ok') switchNotice(ctx, result, req.refreshFlag);
  return { enableResult: result.code };
});

const disableProfile = typedRow(ES10.disableProfile, async (req, ctx) => {
  const result = await ctx.store.transaction((draft) => {
    const target = findProfile(draft, req.profileIdentifier);
    if (target === undefined) return { code: 'iccidOrAidNotFound' as const };
    if (target.state !== 'enabled') return { code: 'profileNotInEnabledState' as const };
    if (target.pprs.includes('ppr1')) return { code: 'disallowedByPolicy' as const };
    target.state = 'disabled';
    queueProfileEvent(draft, ctx.identity, target, 'disable');
    return { code: 'ok' as const, disabled: target.iccid };
  });
  if (result.code === 'ok') switchNotice(ctx, result, req.refreshFlag);
  return { disableResult: result.code };
});

function removeProfile(draft: EuiccState, p: ProfileRecord): void {
  draft.profiles = draft.profiles.filter((q) => q !== p);
  draft.freeMemory.nonVolatile += profileFootprint(p);
}

const deleteProfile = typedRow(ES10.deleteProfile, async (req, ctx) => {
  const code = await ctx.store.transaction((draft) => {
    const target = findProfile(draft, req);
    if (target === undefined) return 'iccidOrAidNotFound' as const;
    if (target.state === 'enabled') return 'profileNotInDisabledState' as const;
    if (target.pprs.includes('ppr2')) return 'disallowedByPolicy' as const;
    removeProfile(draft, target);
    queueProfileEvent(draft, ctx.identity, target, 'delete');
    return 'ok' as const;
  });
  return { deleteResult: code };
});

/**
 * eUICCMemoryReset (§5.7.19): deletes operational and/or field-loaded test profiles whatever their
 * state and PPRs, and/or clears the default SM-DP+ address. No notifications are generated.
 */
const euiccMemoryReset = typedRow(ES10.euiccMemoryReset, async (req, ctx) => {
  const options = req.resetOptions;
  const code = await ctx.store.transaction((draft) => {
    let changed = false;
    const classes = [...(options.includes('deleteOperationalProfiles') ? ['operational'] : []), ...(options.includes('deleteFieldLoadedTestProfiles') ? ['test'] : [])];
    for (const p of draft.profiles.filter((q) => classes.includes(q.profileClass))) {
      removeProfile(draft, p);
      changed = true;
    }
    if (options.includes('resetDefaultSmdpAddress') && draft.defaultDpAddress !== '') {
      draft.defaultDpAddress = '';
      changed = true;
    }
    return changed ? ('ok' as const) : ('nothingToDelete' as const);
  });
  return { resetResult: code };
});

const setNickname = typedRow(ES10.setNickname, async (req, ctx) => {
  const code = await ctx.store.transaction((draft) => {
    const p = draft.profiles.find((q) => q.iccid === req.iccid);
    if (p === undefined) return 'iccidNotFound' as const;
    if ([...req.profileNickname].length > 64) return 'undefinedError' as const;
    p.nickname = req.profileNickname;
    return 'ok' as const;
  });
  return { setNicknameResult: code };
});

const EID_TAG = 0x5a;

const getEid = typedRow(ES10.getEid, (req, ctx) => {
  if (req.tagList[0] !== EID_TAG) throw cardStatusError(SW.REFERENCE_NOT_FOUND, `GetEID: tag ${req.tagList[0]?.toString(16)} is not available (only 5A).`);
  return { eidValue: ctx.store.state.eid.toUpperCase() };
});

const getEuiccConfiguredAddresses = typedRow(ES10.getEuiccConfiguredAddresses, (_req, ctx) => {
  const s = ctx.store.state;
  return { ...(s.defaultDpAddress === '' ? {} : { defaultDpAddress: s.defaultDpAddress }), rootDsAddress: s.rootDsAddress };
});

const setDefaultDpAddress = typedRow(ES10.setDefaultDpAddress, async (req, ctx) => {
  // The address is an FQDN (or empty to clear it); anything longer than a DNS name is refused.
  if (req.defaultDpAddress.length > 255) return { setDefaultDpAddressResult: 'undefinedError' as const };
  await ctx.store.transaction((draft) => {
    draft.defaultDpAddress = req.defaultDpAddress;
  });
  return { setDefaultDpAddressResult: 'ok' as const };
});

export const PROFILE_MANAGEMENT_HANDLERS: readonly HandlerRow[] = [
  getProfilesInfo,
  enableProfile,
  disableProfile,
  deleteProfile,
  euiccMemoryReset,
  setNickname,
  getEid,
  getEuiccConfiguredAddresses,
  setDefaultDpAddress,
];
