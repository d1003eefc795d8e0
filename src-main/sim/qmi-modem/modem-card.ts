/**
 * The card slot of the virtual QMI modem: the minimal card interface it needs, and the power-up probe a
 * Qualcomm UIM task runs (seed trace: SELECT MF, EF.ICCID, EF.DIR; a profile-less eUICC answers 6A82
 * and the modem declares "no usable application").
 */
import { bytesEqual, fromHex } from '../../../shared/hex.js';

/** What the modem needs of a card; the virtual eUICC (src-main/sim/card) satisfies it. */
export interface ModemSimCard {
  /** Cold reset; returns the ATR. */
  powerOn(): Uint8Array | Promise<Uint8Array>;
  /** One command APDU → response APDU (data ‖ SW1 SW2), T=0 style (61xx/6Cxx possible). */
  transmit(apdu: Uint8Array): Promise<Uint8Array>;
}

export interface ProbedApplication {
  /** UIM application type (2 USIM, 5 ISIM, 0 unknown). */
  readonly type: number;
  readonly aid: Uint8Array;
}

export interface CardProbe {
  readonly atr: Uint8Array;
  readonly iccid?: Uint8Array;
  /** Applications listed in EF.DIR; empty for a blank eUICC. */
  readonly applications: readonly ProbedApplication[];
}

const sw = (r: Uint8Array): number => ((r[r.length - 2] ?? 0) << 8) | (r[r.length - 1] ?? 0);
const ok = (r: Uint8Array): boolean => sw(r) === 0x9000;

/** Sends `apdu` and completes the T=0 procedure the way modem firmware does (GET RESPONSE, re-send with Le). */
export async function exchangeT0(card: ModemSimCard, apdu: Uint8Array): Promise<Uint8Array> {
  let response = await card.transmit(apdu);
  const first = response[response.length - 2];
  if (first === 0x6c && apdu.length >= 4) {
    const again = Uint8Array.from(apdu.length === 4 ? [...apdu, 0] : apdu);
    again[again.length - 1] = response[response.length - 1] ?? 0;
    response = await card.transmit(again);
  }
  const parts: number[] = [];
  while (response[response.length - 2] === 0x61) {
    parts.push(...response.subarray(0, response.length - 2));
    response = await card.transmit(Uint8Array.of(apdu[0] ?? 0, 0xc0, 0x00, 0x00, response[response.length - 1] ?? 0));
  }
  return parts.length === 0 ? response : Uint8Array.from([...parts, ...response]);
}

const APP_TYPES: readonly { prefix: Uint8Array; type: number }[] = [
  { prefix: fromHex('A0000000871002'), type: 2 },
  { prefix: fromHex('A0000000871004'), type: 5 },
  { prefix: fromHex('A0000000090001'), type: 1 },
];

/** AIDs of EF.DIR records (`61 { 4F aid, … }`). */
function aidOfDirRecord(record: Uint8Array): Uint8Array | undefined {
  if (record[0] !== 0x61) return undefined;
  for (let i = 2; i + 1 < record.length; ) {
    const tag = record[i] ?? 0;
    const len = record[i + 1] ?? 0;
    if (tag === 0x4f) return record.slice(i + 2, i + 2 + len);
    i += 2 + len;
  }
  return undefined;
}

/** Power-up probe: ATR, then the files a modem needs before it calls the card usable. */
export async function probeCard(card: ModemSimCard): Promise<CardProbe> {
  const atr = await card.powerOn();
  await exchangeT0(card, fromHex('00A40004023F00'));
  const iccidSelect = await exchangeT0(card, fromHex('00A40804022FE2'));
  if (!ok(iccidSelect)) return { atr, applications: [] };
  const iccidRead = await exchangeT0(card, fromHex('00B000000A'));
  const iccid = ok(iccidRead) ? iccidRead.slice(0, -2) : undefined;
  const dirSelect = await exchangeT0(card, fromHex('00A40804022F00'));
  const applications: ProbedApplication[] = [];
  if (ok(dirSelect)) {
    for (let rec = 1; rec <= 8; rec++) {
      const r = await exchangeT0(card, Uint8Array.of(0x00, 0xb2, rec, 0x04, 0x00));
      if (!ok(r)) break;
      const aid = aidOfDirRecord(r.subarray(0, -2));
      if (aid === undefined) continue;
      const type = APP_TYPES.find((t) => bytesEqual(aid.subarray(0, t.prefix.length), t.prefix))?.type ?? 0;
      applications.push({ type, aid });
    }
  }
  return { atr, ...(iccid ? { iccid } : {}), applications };
}
