/**
 * A small scripted eUICC for the QMI tests, until the real virtual eUICC (src-main/sim/card) is used:
 * answers like the seed trace when blank (SELECT MF via 61xx, EF.ICCID/EF.DIR 6A82), serves an ISD-R
 * SELECT and GET EID, and becomes "provisioned" (EF.ICCID + EF.DIR with a USIM) on demand.
 */
import { bytesEqual, concatBytes, fromHex, toHex } from '../../shared/hex.js';
import type { ModemSimCard } from '../../src-main/sim/qmi-modem/modem-card.js';

export const TEST_ATR = fromHex('3B9F96803FC7A08031E073FE211B63F100AD834F0790009D');
export const TEST_EID = fromHex('89049032123451234512345678901235');
export const ISD_R_AID_HEX = 'A0000005591010FFFFFFFF8900000100';
export const USIM_AID = fromHex('A0000000871002FF33FF01890000010A');
/** FCI the scripted ISD-R answers to SELECT (ends 90 00 once GET RESPONSE completes). */
export const ISD_R_FCI = fromHex(`6F188410${ISD_R_AID_HEX}A5049F6501FF`);
const MF_FCP = fromHex('62258202782183023F00A50B8001718303 0C27BA 870101 8A01058B032F0601C60690018083010A'.replace(/ /g, ''));
const OK = Uint8Array.of(0x90, 0x00);
const NOT_FOUND = Uint8Array.of(0x6a, 0x82);

export interface ScriptedEuicc extends ModemSimCard {
  /** Every command APDU the card received, upper-case hex. */
  readonly received: string[];
  provisioned: boolean;
}

export function createScriptedEuicc(options: { provisioned?: boolean } = {}): ScriptedEuicc {
  let pending: Uint8Array | undefined;
  let selectedFile = '';
  const openChannels = new Set<number>();
  const card: ScriptedEuicc = {
    received: [],
    provisioned: options.provisioned ?? false,
    powerOn: async () => {
      openChannels.clear();
      pending = undefined;
      return TEST_ATR;
    },
    transmit: async (apdu) => {
      card.received.push(toHex(apdu).toUpperCase());
      const [cla = 0, ins = 0, p1 = 0, p2 = 0] = apdu;
      const data = apdu.length > 5 ? apdu.subarray(5, 5 + (apdu[4] ?? 0)) : new Uint8Array();
      const later = (body: Uint8Array): Uint8Array => {
        pending = body;
        return Uint8Array.of(0x61, body.length);
      };
      switch (ins) {
        case 0xc0: {
          const body = pending ?? new Uint8Array();
          pending = undefined;
          return concatBytes(body, OK);
        }
        case 0x70:
          if (p1 === 0x00) {
            const n = [1, 2, 3].find((c) => !openChannels.has(c));
            if (n === undefined) return Uint8Array.of(0x6a, 0x81);
            openChannels.add(n);
            return Uint8Array.of(n, 0x90, 0x00);
          }
          openChannels.delete(p2);
          return OK;
        case 0xa4: {
          if (p1 === 0x04) return bytesEqual(data, fromHex(ISD_R_AID_HEX)) ? later(ISD_R_FCI) : NOT_FOUND;
          const fid = toHex(data).toUpperCase();
          if (fid === '3F00') return later(MF_FCP);
          if (card.provisioned && (fid === '2FE2' || fid === '2F00')) {
            selectedFile = fid;
            return OK;
          }
          return NOT_FOUND;
        }
        case 0xb0:
          return selectedFile === '2FE2' ? concatBytes(fromHex('98001032547698103214'), OK) : Uint8Array.of(0x69, 0x86);
        case 0xb2:
          if (selectedFile !== '2F00') return Uint8Array.of(0x69, 0x86);
          return p1 === 1 ? concatBytes(Uint8Array.of(0x61, USIM_AID.length + 2, 0x4f, USIM_AID.length), USIM_AID, OK) : Uint8Array.of(0x6a, 0x83);
        case 0xe2:
          // ES10 STORE DATA: GetEID (BF3E) is the one function the scripted ISD-R knows.
          if ((cla & 0x80) !== 0 && toHex(data).toUpperCase().startsWith('BF3E')) return later(concatBytes(fromHex('BF3E125A10'), TEST_EID));
          return Uint8Array.of(0x6a, 0x88);
        default:
          return Uint8Array.of(0x6d, 0x00);
      }
    },
  };
  return card;
}

/**
 * A blank scripted eUICC that holds every STORE DATA (INS E2) until `release()`: `reached` resolves
 * when one arrives, so a test can abort an exchange while the card is busy.
 */
export function createGatedEuicc(): { card: ModemSimCard; reached: Promise<void>; release: () => void } {
  const inner = createScriptedEuicc();
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => (release = r));
  let arrived: () => void = () => {};
  const reached = new Promise<void>((r) => (arrived = r));
  const card: ModemSimCard = {
    powerOn: () => inner.powerOn(),
    transmit: async (apdu) => {
      if (apdu[1] === 0xe2) {
        arrived();
        await gate;
      }
      return inner.transmit(apdu);
    },
  };
  return { card, reached, release };
}
