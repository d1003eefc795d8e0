/**
 * Script builders for euicc-layer tests on the scripted raw card: opening the ISD-R, ES10 calls as the
 * exact STORE DATA blocks (P1 11/91, P2 block number) with T=0 61xx response fetching, and closing.
 * The APDU bytes are written out here from the digest's rules, independently of the code under test.
 */
import { fromHex, toSpacedHex } from '../../shared/hex.js';
import { ApduLog } from '../../src-main/card/apdu-log.js';
import { CardSession } from '../../src-main/card/card-session.js';
import type { CardSessionOptions } from '../../src-main/card/card-session.js';
import { ScriptedRawCard } from './scripted-card.js';
import type { RawStep } from './scripted-card.js';

export const ISDR_AID = 'A0000005591010FFFFFFFF8900000100';
/** FCI of the ISD-R: 6F { 84 AID, A5 { E0 { 82 SGP.22 version 2.2.0, 03 lpaeSupport lpaeUsingCat } } } — E0 nested, as some cards put it. */
export const ISDR_FCI = `6F 1F 84 10 ${ISDR_AID} A5 0B E0 09 82 03 02 02 00 03 02 07 80`;
export const TERMINAL_CAPABILITY = '80 AA 00 00 0A A9 08 81 00 82 01 01 83 01 07';

/** ICCID 8944500101234567890 as on the wire (digest §2.5). */
export const ICCID = '8944500101234567890';
export const ICCID_TLV = '5A 0A 98 44 05 10 10 32 54 76 98 F0';

const h2 = (n: number): string => n.toString(16).toUpperCase().padStart(2, '0');

/** UTF-8 text as spaced hex. */
export function ascii(text: string): string {
  return toSpacedHex(new TextEncoder().encode(text));
}

/** Spaced upper-case hex of any hex text. */
export function norm(hex: string): string {
  return toSpacedHex(fromHex(hex));
}

/** ISO class byte of channel 0–3. */
function isoCla(ch: number): string {
  return h2(ch);
}

/** MANAGE CHANNEL open → `ch`, SELECT ISD-R (P2=00) → 61 xx, GET RESPONSE → FCI. Optionally TERMINAL CAPABILITY first. */
export function openIsdrSteps(ch: number, opts: { terminalCapability?: boolean; aid?: string; fci?: string } = {}): RawStep[] {
  const aid = fromHex(opts.aid ?? ISDR_AID);
  const fci = fromHex(opts.fci ?? ISDR_FCI);
  return [
    ...(opts.terminalCapability ? [{ send: TERMINAL_CAPABILITY, reply: '90 00' }] : []),
    { send: '00 70 00 00 01', reply: `${h2(ch)} 90 00` },
    { send: `${isoCla(ch)} A4 04 00 ${h2(aid.length)} ${toSpacedHex(aid)}`, reply: `61 ${h2(fci.length)}` },
    { send: `${isoCla(ch)} C0 00 00 ${h2(fci.length)}`, reply: `${toSpacedHex(fci)} 90 00` },
  ];
}

/** MANAGE CHANNEL close of `ch`, as the digest writes it (`00 70 80 0X 00`). */
export function closeStep(ch: number, reply = '90 00'): RawStep {
  return { send: `00 70 80 ${h2(ch)} 00`, reply };
}

/** The response fetched with 61xx + GET RESPONSE in chunks of at most 256 bytes. */
function responseSteps(ch: number, response: Uint8Array, sw: string): { first: string; rest: RawStep[] } {
  if (response.length === 0) return { first: sw, rest: [] };
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < response.length; i += 256) chunks.push(response.subarray(i, i + 256));
  const rest = chunks.map((chunk, i) => {
    const next = chunks[i + 1];
    return { send: `${isoCla(ch)} C0 00 00 ${h2(chunk.length & 0xff)}`, reply: `${toSpacedHex(chunk)} ${next ? `61 ${h2(next.length & 0xff)}` : sw}` };
  });
  return { first: `61 ${h2((chunks[0]?.length ?? 0) & 0xff)}`, rest };
}

/**
 * One ES10 call: the request in STORE DATA blocks of `segmentSize` (CLA 8ch, INS E2, P1 11…91,
 * P2 = block number, no Le), intermediate blocks answered 90 00, the last one with the response.
 */
export function es10Steps(ch: number, request: string, response = '', opts: { segmentSize?: number; sw?: string } = {}): RawStep[] {
  const req = fromHex(request);
  const size = opts.segmentSize ?? 255;
  const blocks: Uint8Array[] = [];
  for (let i = 0; i < req.length; i += size) blocks.push(req.subarray(i, i + size));
  const { first, rest } = responseSteps(ch, fromHex(response), opts.sw ?? '90 00');
  const steps: RawStep[] = blocks.map((block, i) => {
    const last = i === blocks.length - 1;
    return { send: `${h2(0x80 | ch)} E2 ${last ? '91' : '11'} ${h2(i)} ${h2(block.length)} ${toSpacedHex(block)}`, reply: last ? first : '90 00' };
  });
  return [...steps, ...rest];
}

export interface ScriptedEs10 {
  readonly card: ScriptedRawCard;
  readonly session: CardSession;
  readonly log: ApduLog;
}

/** A card session over a scripted raw card. */
export function scriptedSession(steps: readonly RawStep[], options: CardSessionOptions = {}): ScriptedEs10 {
  const card = new ScriptedRawCard(steps);
  const log = new ApduLog();
  return { card, session: new CardSession(card, log, options), log };
}

/** A TLV as spaced hex, with its DER length computed: tlv('BF2E', '80 10 …'). */
export function tlv(tag: string, ...content: readonly string[]): string {
  const value = fromHex(content.join(' '));
  const n = value.length;
  const length = n < 0x80 ? h2(n) : n < 0x100 ? `81 ${h2(n)}` : `82 ${h2(n >> 8)} ${h2(n & 0xff)}`;
  return norm(`${tag} ${length} ${toSpacedHex(value)}`);
}

/** `n` filler bytes as spaced hex (start, start+1, … mod 256), recognisable in failure diffs. */
export function filler(n: number, start = 0): string {
  return toSpacedHex(Uint8Array.from({ length: n }, (_, i) => (start + i) & 0xff));
}
