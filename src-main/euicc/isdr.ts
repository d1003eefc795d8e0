/**
 * Reaching the ISD-R (SGP22-DIGEST §1.1–1.2): optional TERMINAL CAPABILITY on the basic channel, then
 * a logical channel with the ISD-R selected on it, and what its FCI says (SGP.22 version).
 */
import { ISD_R_AID } from '../card/files.js';
import { WorkbenchError, isWorkbenchError } from '../../shared/errors.js';
import { fromHex, toHex } from '../../shared/hex.js';
import type { CommandApdu } from '../card/apdu.js';
import type { CardSession, LogicalChannel } from '../card/card-session.js';
import { parseTlvSequence } from '../codec/ber-tlv.js';
import type { Tlv } from '../codec/ber-tlv.js';
import { decodeTlvDetailed } from '../codec/schema.js';
import { ISDRProprietaryApplicationTemplate } from '../codec/sgp22/index.js';

/** The standard ISD-R AID. Some removable eSIM adapters use another one (digest §1.1): make it configurable. */
export const DEFAULT_ISDR_AID = ISD_R_AID;

/**
 * TERMINAL CAPABILITY (ETSI TS 102 221 §11.1.19) as lpac sends it: A9 { 81 (extended logical channels),
 * 82 01 01 (UICC-CLF), 83 01 07 (eUICC: LUId, LPDd, LDSd) }. Wire form `80 AA 00 00 0A A9 08 81 00 82 01 01 83 01 07`.
 */
export const TERMINAL_CAPABILITY: CommandApdu = { cla: 0x80, ins: 0xaa, p1: 0x00, p2: 0x00, data: fromHex('A9 08 81 00 82 01 01 83 01 07') };

/** Status words of a SELECT that mean "no such application here" (not an eUICC, or another ISD-R AID). */
const NO_APPLICATION_SWS: ReadonlySet<string> = new Set(['6A82', '6A88']);

const ISDR_TEMPLATE_TAG = 0xe0;

export interface IsdrOptions {
  /** ISD-R AID as hex; default {@link DEFAULT_ISDR_AID}. */
  readonly isdrAid?: string;
  readonly signal?: AbortSignal;
  /**
   * Send TERMINAL CAPABILITY on the basic channel before opening the ISD-R (default true). Skipped on
   * channel transports (AT+CCHO, QMI logical channels), where the modem owns the basic channel.
   */
  readonly sendTerminalCapability?: boolean;
}

/** What the ISD-R's SELECT answer told us. */
export interface IsdrInfo {
  /** Upper-case hex. */
  readonly aid: string;
  /** SGP.22 version from FCI E0/82, e.g. '2.2.0'; undefined when the FCI does not carry it. */
  readonly svn?: string;
  /** LPAe support bits from E0, when present. */
  readonly lpaeSupport?: readonly string[];
}

/** An open channel to the ISD-R with what its FCI said. */
export interface IsdrChannel {
  readonly channel: LogicalChannel;
  readonly isdr: IsdrInfo;
}

function findTag(nodes: readonly Tlv[], tag: number): Tlv | undefined {
  for (const node of nodes) {
    if (node.tag === tag) return node;
    const inner = findTag(node.children ?? [], tag);
    if (inner) return inner;
  }
  return undefined;
}

/**
 * Reads the ISDRProprietaryApplicationTemplate (E0) wherever it sits in the FCI: as Android does, it
 * is searched recursively (root or inside 6F/A5). A missing or malformed template yields no version,
 * never an error: the FCI is informative only.
 */
export function parseIsdrFci(fci: Uint8Array): Pick<IsdrInfo, 'svn' | 'lpaeSupport'> {
  try {
    const template = findTag(parseTlvSequence(fci), ISDR_TEMPLATE_TAG);
    if (!template) return {};
    const { value } = decodeTlvDetailed(ISDRProprietaryApplicationTemplate, template);
    return { svn: value.svn, ...(value.lpaeSupport === undefined ? {} : { lpaeSupport: value.lpaeSupport.map(String) }) };
  } catch {
    return {};
  }
}

function noIsdr(aid: string, cause: WorkbenchError): WorkbenchError {
  return new WorkbenchError(
    'ES10_NO_ISDR',
    `No ISD-R at ${aid} (SELECT answered ${String(cause.details.sw)}): not an eUICC or a non-standard ISD-R AID.`,
    'If this is a removable eSIM adapter (5ber, eSIM.me …), configure its ISD-R AID in the device settings; a plain SIM has no ISD-R.',
    { cause, details: { isdrAid: aid, sw: cause.details.sw } },
  );
}

/** Sends TERMINAL CAPABILITY on the basic channel. Any status word is accepted: older cards do not know the command. */
async function sendTerminalCapability(session: CardSession, signal: AbortSignal | undefined): Promise<void> {
  await session.transmit(TERMINAL_CAPABILITY, { annotation: 'TERMINAL CAPABILITY (eUICC: LUId, LPDd, LDSd)', signal });
}

/**
 * TERMINAL CAPABILITY (unless disabled or impossible), then MANAGE CHANNEL + SELECT ISD-R (P2=00, FCI).
 * A SELECT refused with 6A82/6A88 becomes ES10_NO_ISDR; the card layer has closed the channel then.
 */
export async function openIsdrChannel(session: CardSession, opts: IsdrOptions = {}): Promise<IsdrChannel> {
  const aid = (opts.isdrAid ?? DEFAULT_ISDR_AID).replace(/\s/g, '').toUpperCase();
  if ((opts.sendTerminalCapability ?? true) && session.transport.shape === 'raw') await sendTerminalCapability(session, opts.signal);
  let channel: LogicalChannel;
  try {
    channel = await session.openLogicalChannel(aid, { returns: 'fci', annotation: `SELECT ISD-R ${aid}`, signal: opts.signal });
  } catch (err) {
    if (isWorkbenchError(err, 'CARD_SW_ERROR') && NO_APPLICATION_SWS.has(String(err.details.sw))) throw noIsdr(aid, err);
    throw err;
  }
  const fci = channel.selectResponse?.data ?? new Uint8Array(0);
  return { channel, isdr: { aid: toHex(channel.aid).toUpperCase(), ...parseIsdrFci(fci) } };
}
