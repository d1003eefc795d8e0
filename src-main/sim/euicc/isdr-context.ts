/**
 * What every ES10 handler of the ISD-R works with, and the shape of one row of the handler table:
 * request tags in, response bytes out. `typedRow` binds a row of the codec's ES10 function table to a
 * handler working on decoded values, so decoding and encoding happen in one place.
 */
import { decode, encode } from '../../codec/schema.js';
import type { Es10Function } from '../../codec/sgp22/index.js';
import { cardStatusError } from '../card/applet.js';
import { SW } from '../card/sw.js';
import type { EuiccInfoConfig } from './euicc-info.js';
import type { EuiccIdentity } from './identity.js';
import type { ProfilePackageParser } from './profile-package.js';
import type { RspSession } from './rsp-session.js';
import type { EuiccStateHolder } from './state-store.js';

/** A profile became enabled or disabled: the device would get a REFRESH when `refresh` is set. */
export interface ProfileSwitchEvent {
  enabled?: string;
  disabled?: string;
  refresh: boolean;
}

export interface IsdrContext {
  readonly store: EuiccStateHolder;
  readonly identity: EuiccIdentity;
  readonly info: EuiccInfoConfig;
  /** The RSP session (challenge, authentication, download keys, BPP load): volatile, never persisted. */
  readonly rsp: RspSession;
  readonly parseProfilePackage: ProfilePackageParser;
  readonly randomBytes: (n: number) => Uint8Array;
  readonly onProfileSwitch: (event: ProfileSwitchEvent) => void;
}

export interface HandlerRow {
  /** ES10 function name, e.g. 'ES10c.GetEID'. */
  readonly name: string;
  /** Outer tags of the requests this row answers. */
  readonly tags: readonly number[];
  /** Response TLV, or null for 90 00 without data. Throw cardStatusError for a status word. */
  handle(request: Uint8Array, ctx: IsdrContext): Promise<Uint8Array | null>;
}

/** A row for `fn`: the request is decoded with its schema (malformed → 6A80), the answer encoded with its response schema. */
export function typedRow<Req, Res>(fn: Es10Function<Req, Res>, handle: (request: Req, ctx: IsdrContext) => Res | Promise<Res>): HandlerRow {
  return {
    name: fn.name,
    tags: [fn.tag],
    async handle(request, ctx) {
      let value: Req;
      try {
        value = decode(fn.request, request);
      } catch (err) {
        throw cardStatusError(SW.WRONG_DATA, `${fn.name}: malformed request (${err instanceof Error ? err.message : String(err)}).`);
      }
      return encode(fn.response, await handle(value, ctx));
    },
  };
}
