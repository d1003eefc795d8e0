/**
 * The card behind the virtual AT modem, and the modem's own power-up look at it. The start-up
 * sequence follows the EM7455 logic-analyzer trace of seed 000: SELECT MF, TERMINAL CAPABILITY,
 * SELECT EF.ICCID from the MF, TERMINAL PROFILE, SELECT EF.DIR. A card that answers EF.ICCID with
 * 6A82 (a profile-less eUICC) leaves the modem with "no usable SIM".
 */
import { concatBytes, fromHex, toHex } from '../../../shared/hex.js';
import { channelOfCla, claForChannel } from '../../transports/at/apdu-text.js';

/** What the virtual modem needs of a card: the virtual eUICC (src-main/sim/card) fits as is. */
export interface ModemSimCard {
  powerOn(): Uint8Array | Promise<Uint8Array>;
  transmit(apdu: Uint8Array): Promise<Uint8Array>;
}

export type ModemSimState = 'ready' | 'no-usable-sim' | 'absent';

export interface SimStartUp {
  readonly state: ModemSimState;
  readonly atr?: Uint8Array;
  readonly iccid?: string;
  /** The TERMINAL PROFILE the modem sent (empty when it never got that far). */
  readonly terminalProfileSent: Uint8Array;
  /** Every APDU exchanged at start-up, for the emulator's own diagnostics. */
  readonly trace: readonly { readonly command: string; readonly response: string }[];
}

export function swOf(response: Uint8Array): number {
  return ((response[response.length - 2] ?? 0) << 8) | (response[response.length - 1] ?? 0);
}

/**
 * Sends `apdu` and completes the T=0 procedure (61xx → GET RESPONSE, 6Cxx → resend with that Le),
 * as a modem does for its own commands; it hands 61xx of +CSIM/+CGLA through to the host instead.
 */
export async function transmitWithGetResponse(card: ModemSimCard, apdu: Uint8Array): Promise<Uint8Array> {
  let response = await card.transmit(apdu);
  if (response.length === 2 && response[0] === 0x6c && apdu.length === 5) response = await card.transmit(Uint8Array.of(...apdu.subarray(0, 4), response[1] ?? 0));
  let data: Uint8Array = new Uint8Array(0);
  for (let i = 0; i < 16 && response.length >= 2 && response[response.length - 2] === 0x61; i++) {
    data = concatBytes(data, response.subarray(0, response.length - 2));
    const cla = claForChannel(0x00, channelOfCla(apdu[0] ?? 0));
    response = await card.transmit(Uint8Array.of(cla, 0xc0, 0x00, 0x00, response[response.length - 1] ?? 0));
  }
  return data.length === 0 ? response : concatBytes(data, response);
}

/** EF.ICCID content → digits (BCD, nibbles swapped, F padding). */
function iccidDigits(bytes: Uint8Array): string {
  return toHex(bytes)
    .replace(/(.)(.)/g, '$2$1')
    .replace(/f+$/i, '');
}

const WRONG_P1P2 = [0x6a86, 0x6b00, 0x6d00];

/** Runs the modem start-up against `card`; `terminalProfile` is what this modem model sends. */
export async function startUpSim(card: ModemSimCard | undefined, terminalProfile: Uint8Array): Promise<SimStartUp> {
  const trace: { command: string; response: string }[] = [];
  if (card === undefined) return { state: 'absent', terminalProfileSent: new Uint8Array(0), trace };
  const send = async (hex: string | Uint8Array): Promise<Uint8Array> => {
    const apdu = typeof hex === 'string' ? fromHex(hex) : hex;
    const response = await transmitWithGetResponse(card, apdu);
    trace.push({ command: toHex(apdu).toUpperCase(), response: toHex(response).toUpperCase() });
    return response;
  };
  let atr: Uint8Array;
  try {
    atr = await card.powerOn();
    const mf = await send('00A40004023F00');
    if (swOf(mf) !== 0x9000) return { state: 'no-usable-sim', atr, terminalProfileSent: new Uint8Array(0), trace };
    await send('80AA000007A9058100820101');
    let ef = await send('00A40804022FE2');
    if (WRONG_P1P2.includes(swOf(ef))) ef = await send('00A40004022FE2');
    let iccid: string | undefined;
    if (swOf(ef) === 0x9000) {
      const content = await send('00B000000A');
      if (swOf(content) === 0x9000) iccid = iccidDigits(content.subarray(0, content.length - 2));
    }
    await send(Uint8Array.from([0x80, 0x10, 0x00, 0x00, terminalProfile.length, ...terminalProfile]));
    await send('00A40804022F00');
    return { state: iccid === undefined ? 'no-usable-sim' : 'ready', atr, iccid, terminalProfileSent: terminalProfile, trace };
  } catch {
    return { state: 'absent', terminalProfileSent: new Uint8Array(0), trace };
  }
}
