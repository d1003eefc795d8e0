/**
 * PIN1 / PUK1 of the enabled profile (ETSI TS 102 221 §11.1.9–11.1.13, GSM 11.11 §9.2.9–9.2.13):
 * VERIFY, CHANGE, DISABLE, ENABLE and UNBLOCK PIN with retry counters that persist in the state.
 * Only PIN1 (key reference 01) is modelled; other references answer 6A88.
 */
import type { ParsedCommandApdu } from '../../card/apdu.js';
import type { PinState, ProfileRecord } from '../euicc/state.js';
import type { CardReply } from './applet.js';
import { pinFromBlock } from '../../codec/ef-coding.js';
import { SW, swRetriesLeft } from './sw.js';

export const PIN_INS = { verify: 0x20, change: 0x24, disable: 0x26, enable: 0x28, unblock: 0x2c } as const;

export interface PinEnv {
  readonly profile: ProfileRecord | undefined;
  readonly gsm: boolean;
  readonly pin1Verified: boolean;
  updateProfile(mutator: (profile: ProfileRecord) => void): Promise<void>;
}

export interface PinResult {
  reply: CardReply;
  /** New verification state of PIN1 for the session, when it changed. */
  pin1Verified?: boolean;
}

function reply(sw: number, pin1Verified?: boolean): PinResult {
  return pin1Verified === undefined ? { reply: { sw } } : { reply: { sw }, pin1Verified };
}

/** Key reference of PIN1: 01, except GSM UNBLOCK CHV which numbers CHV1 as 00. */
function isPin1(cmd: ParsedCommandApdu, gsm: boolean): boolean {
  return cmd.p2 === (gsm && cmd.ins === PIN_INS.unblock ? 0x00 : 0x01);
}

/** Data length each command needs (8 per PIN block); VERIFY and UNBLOCK may also be empty (counter query). */
const DATA_LENGTH: Readonly<Record<number, number>> = { 0x20: 8, 0x24: 16, 0x26: 8, 0x28: 8, 0x2c: 16 };

/**
 * Checks `presented` against `secret`, updating its counter in the profile. Returns the status word
 * of a failure, or undefined when the value matched.
 */
async function check(env: PinEnv, which: 'pin1' | 'puk1', presented: Uint8Array): Promise<number | undefined> {
  const secret: PinState | undefined = env.profile?.files[which];
  if (secret === undefined) return SW.REFERENCE_NOT_FOUND;
  if (secret.retriesLeft === 0) return SW.AUTH_METHOD_BLOCKED;
  const ok = pinFromBlock(presented) === secret.value;
  const retriesLeft = ok ? secret.maxRetries : secret.retriesLeft - 1;
  if (retriesLeft !== secret.retriesLeft) {
    await env.updateProfile((p) => {
      p.files[which].retriesLeft = retriesLeft;
    });
  }
  if (ok) return undefined;
  return retriesLeft === 0 ? SW.AUTH_METHOD_BLOCKED : swRetriesLeft(retriesLeft);
}

export async function pinCommand(cmd: ParsedCommandApdu, env: PinEnv): Promise<PinResult> {
  const profile = env.profile;
  if (cmd.p1 !== 0x00) return reply(SW.WRONG_P1P2);
  if (profile === undefined || !isPin1(cmd, env.gsm)) return reply(SW.REFERENCE_NOT_FOUND);
  const data = cmd.data ?? new Uint8Array(0);
  const { pin1, puk1 } = profile.files;
  const query = data.length === 0 && (cmd.ins === PIN_INS.verify || cmd.ins === PIN_INS.unblock);
  if (!query && data.length !== DATA_LENGTH[cmd.ins]) return reply(SW.WRONG_LENGTH);

  switch (cmd.ins) {
    case PIN_INS.verify: {
      if (query) {
        if (pin1.retriesLeft === 0) return reply(SW.AUTH_METHOD_BLOCKED);
        return reply(!pin1.enabled || env.pin1Verified ? SW.OK : swRetriesLeft(pin1.retriesLeft));
      }
      const failed = await check(env, 'pin1', data);
      return failed === undefined ? reply(SW.OK, true) : reply(failed, false);
    }
    case PIN_INS.change: {
      if (!pin1.enabled) return reply(SW.REFERENCE_DATA_NOT_USABLE);
      const next = pinFromBlock(data.subarray(8));
      if (next === undefined) return reply(SW.WRONG_DATA);
      const failed = await check(env, 'pin1', data.subarray(0, 8));
      if (failed !== undefined) return reply(failed, false);
      await env.updateProfile((p) => {
        p.files.pin1.value = next;
      });
      return reply(SW.OK, true);
    }
    case PIN_INS.disable:
    case PIN_INS.enable: {
      const enable = cmd.ins === PIN_INS.enable;
      if (pin1.enabled === enable) return reply(SW.CONDITIONS_NOT_SATISFIED);
      const failed = await check(env, 'pin1', data);
      if (failed !== undefined) return reply(failed, false);
      await env.updateProfile((p) => {
        p.files.pin1.enabled = enable;
      });
      return reply(SW.OK, true);
    }
    case PIN_INS.unblock: {
      if (query) return reply(puk1.retriesLeft === 0 ? SW.AUTH_METHOD_BLOCKED : swRetriesLeft(puk1.retriesLeft));
      const next = pinFromBlock(data.subarray(8));
      if (next === undefined) return reply(SW.WRONG_DATA);
      const failed = await check(env, 'puk1', data.subarray(0, 8));
      if (failed !== undefined) return reply(failed);
      await env.updateProfile((p) => {
        p.files.pin1.value = next;
        p.files.pin1.retriesLeft = p.files.pin1.maxRetries;
      });
      return reply(SW.OK, true);
    }
    default:
      return reply(SW.INS_NOT_SUPPORTED);
  }
}
