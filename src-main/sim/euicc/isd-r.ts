/**
 * The ISD-R of the virtual eUICC: every ES10a/b/c function, dispatched by the request's outer tag
 * through a handler table (data: one row per function, from the codec's ES10 table). The card
 * platform's Es10Applet does the STORE DATA framing; this class only sees complete requests.
 */
import { randomBytes } from 'node:crypto';
import { readTlvHeader, tagToHex } from '../../codec/ber-tlv.js';
import { cardStatusError } from '../card/applet.js';
import { ISD_R_AID } from '../../card/files.js';
import { buildIsdrFci, Es10Applet } from '../card/es10-applet.js';
import type { Es10RequestHandler } from '../card/es10-applet.js';
import { SW } from '../card/sw.js';
import { fromHex } from '../../../shared/hex.js';
import { loadBoundProfilePackage, settleInterruptedLoad } from './bpp-loader.js';
import { resolveEuiccInfo, svnBytes } from './euicc-info.js';
import type { EuiccInfoConfig } from './euicc-info.js';
import type { EuiccIdentity } from './identity.js';
import { INFO_HANDLERS } from './info-handlers.js';
import type { HandlerRow, IsdrContext, ProfileSwitchEvent } from './isdr-context.js';
import { NOTIFICATION_HANDLERS } from './notifications.js';
import { PROFILE_MANAGEMENT_HANDLERS } from './profile-management.js';
import { parseSaipProfile } from './profile-package.js';
import type { ProfilePackageParser } from './profile-package.js';
import { RSP_SESSION_HANDLERS, RspSession } from './rsp-session.js';
import type { EuiccStateHolder } from './state-store.js';

/** Every function the ISD-R answers, one row each. */
export const ISDR_HANDLERS: readonly HandlerRow[] = [...INFO_HANDLERS, ...RSP_SESSION_HANDLERS, loadBoundProfilePackage, ...NOTIFICATION_HANDLERS, ...PROFILE_MANAGEMENT_HANDLERS];

export interface IsdrOptions {
  store: EuiccStateHolder;
  identity: EuiccIdentity;
  /** EUICCInfo / RAT / policy settings; defaults in DEFAULT_EUICC_INFO. */
  info?: Partial<EuiccInfoConfig>;
  /** Reads the decrypted profile package; default parseSaipProfile (SAIP codec). */
  parseProfilePackage?: ProfilePackageParser;
  /** Source of challenges (tests may make them deterministic). */
  randomBytes?: (n: number) => Uint8Array;
  /** Told after a successful Enable/Disable (e.g. to model the REFRESH a device gets). */
  onProfileSwitch?: (event: ProfileSwitchEvent) => void;
  /** ISD-R AID; default the standard one (digest §1.1). */
  aid?: Uint8Array;
}

export class IsdR {
  readonly info: EuiccInfoConfig;
  readonly rsp = new RspSession();
  /** The applet to install on the VirtualCard. */
  readonly applet: Es10Applet;
  readonly #ctx: IsdrContext;
  readonly #byTag: ReadonlyMap<number, HandlerRow>;

  constructor(o: IsdrOptions) {
    this.info = resolveEuiccInfo(o.info);
    this.#ctx = {
      store: o.store,
      identity: o.identity,
      info: this.info,
      rsp: this.rsp,
      parseProfilePackage: o.parseProfilePackage ?? parseSaipProfile,
      randomBytes: o.randomBytes ?? ((n) => new Uint8Array(randomBytes(n))),
      onProfileSwitch: o.onProfileSwitch ?? (() => undefined),
    };
    this.#byTag = new Map(ISDR_HANDLERS.flatMap((row) => row.tags.map((tag) => [tag, row] as const)));
    const aid = o.aid ?? fromHex(ISD_R_AID);
    this.applet = new Es10Applet({ aid, fci: buildIsdrFci(aid, svnBytes(this.info.svn)), handler: this.handle, onReset: () => this.reset() });
  }

  /** One complete ES10 request in, its response TLV out (null = 90 00 without data). */
  readonly handle: Es10RequestHandler = async (request) => {
    let tag: number;
    try {
      tag = readTlvHeader(request).tag;
    } catch {
      throw cardStatusError(SW.WRONG_DATA, 'The ES10 request does not start with a TLV header.');
    }
    const row = this.#byTag.get(tag);
    if (row === undefined) throw cardStatusError(SW.WRONG_DATA, `No ES10 function has request tag ${tagToHex(tag)}.`);
    // A download cut off by a reset, removal or restart is reported before anything else happens.
    await settleInterruptedLoad(this.#ctx);
    return row.handle(request, this.#ctx);
  };

  /**
   * Power off / reset: the RSP session (and any partial download) is gone, as on a real card. A load
   * past BF23 is still recorded in the state; the next request turns it into an interruption PIR.
   */
  reset(): void {
    this.rsp.clear();
  }
}
