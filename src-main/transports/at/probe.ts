/**
 * probeAtModem: everything a technician needs to know about a modem's SIM access, in one report —
 * identity, SIM state, which access commands really work, USAT state, and which transport to use.
 * It opens and closes its own channel on the card; it never changes the modem's configuration.
 */
import { ISD_R_AID } from '../../card/files.js';
import type { WorkbenchError } from '../../../shared/errors.js';
import { isWorkbenchError } from '../../../shared/errors.js';
import { fromHex } from '../../../shared/hex.js';
import type { AtEngine, AtTrace } from './engine.js';
import { valueAfterPrefix } from './engine.js';
import { AtChannelTransport } from './channel-transport.js';
import { AtCsimTransport } from './csim-transport.js';
import { crsmReadBinary, decodeIccid } from './crsm.js';
import { identifyModem } from './modem.js';
import type { AtQuirkProfile } from './quirks.js';
import { selectAtQuirkProfile } from './quirks.js';
import type { SimStatus } from './sim-status.js';
import { readIccid, readSimStatus } from './sim-status.js';
import type { UiccState, UsatProfile } from './usat.js';
import { readUiccState, readUsatProfiles } from './usat.js';

/** SGP.22 ISD-R application id. */
const ISD_R_AID_BYTES = fromHex(ISD_R_AID);
/** STATUS, no data returned: harmless on the basic channel the modem itself uses. */
const STATUS_NO_DATA = fromHex('80F2000C00');

export const CFUN_MODES: readonly { readonly mode: number; readonly meaning: string }[] = [
  { mode: 0, meaning: 'minimum functionality' },
  { mode: 1, meaning: 'full functionality' },
  { mode: 4, meaning: 'radio off (transmit and receive disabled)' },
];

type ErrorJson = ReturnType<WorkbenchError['toJSON']>;

export interface SimAccessCheck {
  readonly works: boolean;
  readonly detail: string;
  readonly error?: ErrorJson;
}

export type RecommendedTransport = 'at-channel' | 'at-csim' | 'qmi-sap' | 'qmi' | 'pcsc' | 'none';

export interface AtModemProbe {
  readonly path: string;
  readonly ati: readonly string[];
  readonly manufacturer?: string;
  readonly model?: string;
  readonly revision?: string;
  readonly imei?: string;
  readonly quirkProfile: { readonly id: string; readonly label: string; readonly reason: string };
  readonly sim: SimStatus;
  readonly iccid?: string;
  readonly cfun?: { readonly mode: number; readonly meaning: string };
  readonly usat: { readonly uiccState?: UiccState; readonly profiles: readonly UsatProfile[] };
  readonly access: { readonly csim: SimAccessCheck; readonly channel: SimAccessCheck; readonly crsm: SimAccessCheck };
  /** Whether the ISD-R answered SELECT (through whichever access worked). */
  readonly euicc: 'present' | 'absent' | 'unknown';
  /** Set when the modem refuses a blank eUICC (seed 000): the error a transport would raise. */
  readonly blankEuiccRefusal?: ErrorJson;
  readonly recommendation: { readonly transport: RecommendedTransport; readonly reason: string };
  readonly transcript: readonly AtTrace[];
}

export interface ProbeAtModemOptions {
  readonly profile?: string;
  readonly usbId?: string;
  readonly signal?: AbortSignal;
}

function failure(err: unknown): SimAccessCheck {
  return isWorkbenchError(err) ? { works: false, detail: err.message, error: err.toJSON() } : { works: false, detail: String(err) };
}

function swOf(response: Uint8Array): number {
  return ((response[response.length - 2] ?? 0) << 8) | (response[response.length - 1] ?? 0);
}

/** ISD-R answered SELECT with 9000 or 61xx. */
function isdRSelected(response: Uint8Array): boolean {
  const sw = swOf(response);
  return sw === 0x9000 || sw >> 8 === 0x61;
}

async function checkChannel(engine: AtEngine, profile: AtQuirkProfile, signal?: AbortSignal): Promise<{ check: SimAccessCheck; euicc?: boolean }> {
  const transport = new AtChannelTransport(engine, { profile, ownsEngine: false });
  try {
    const { channel } = await transport.openLogicalChannel(ISD_R_AID_BYTES, signal);
    await transport.closeLogicalChannel(channel, signal).catch(() => undefined);
    return { check: { works: true, detail: `+CCHO opened the ISD-R (channel ${channel})` }, euicc: true };
  } catch (err) {
    return { check: failure(err) };
  }
}

/** +CSIM check, plus the ISD-R through MANAGE CHANNEL when +CSIM works. */
async function checkCsim(engine: AtEngine, profile: AtQuirkProfile, signal?: AbortSignal): Promise<{ check: SimAccessCheck; euicc?: boolean }> {
  const transport = new AtCsimTransport(engine, { profile, ownsEngine: false });
  try {
    const status = await transport.transmit(STATUS_NO_DATA, signal);
    const check = { works: true, detail: `+CSIM reached the card (STATUS → ${swOf(status).toString(16).toUpperCase().padStart(4, '0')})` };
    const open = await transport.transmit(fromHex('0070000001'), signal);
    if (swOf(open) !== 0x9000 || open.length !== 3) return { check };
    const channel = open[0] ?? 0;
    const cla = channel <= 3 ? channel : 0x40 | (channel - 4);
    const select = await transport.transmit(Uint8Array.from([cla, 0xa4, 0x04, 0x00, ISD_R_AID_BYTES.length, ...ISD_R_AID_BYTES]), signal);
    await transport.transmit(Uint8Array.of(0x00, 0x70, 0x80, channel), signal).catch(() => undefined);
    return { check, euicc: isdRSelected(select) };
  } catch (err) {
    return { check: failure(err) };
  }
}

async function checkCrsm(engine: AtEngine, signal?: AbortSignal): Promise<{ check: SimAccessCheck; iccid?: string }> {
  try {
    const r = await crsmReadBinary(engine, 0x2fe2, 10, { signal });
    const sw = (r.sw1 << 8) | r.sw2;
    return { check: { works: true, detail: `+CRSM READ BINARY EF.ICCID → ${sw.toString(16).toUpperCase()}` }, iccid: sw === 0x9000 ? decodeIccid(r.data) : undefined };
  } catch (err) {
    return { check: failure(err) };
  }
}

async function readCfun(engine: AtEngine, signal?: AbortSignal): Promise<AtModemProbe['cfun']> {
  const result = await engine.send('AT+CFUN?', { signal });
  const mode = Number(valueAfterPrefix(result.lines, '+CFUN')?.split(',')[0]);
  if (result.final.outcome !== 'ok' || !Number.isInteger(mode)) return undefined;
  return { mode, meaning: CFUN_MODES.find((m) => m.mode === mode)?.meaning ?? `vendor mode ${mode}` };
}

function recommend(probe: Pick<AtModemProbe, 'access' | 'sim' | 'blankEuiccRefusal'>, profile: AtQuirkProfile): AtModemProbe['recommendation'] {
  const { csim, channel } = probe.access;
  if (channel.works && (profile.preferred === 'channel' || !csim.works)) return { transport: 'at-channel', reason: 'The modem opens logical channels on the card (+CCHO/+CGLA).' };
  if (csim.works) return { transport: 'at-csim', reason: 'The modem passes raw APDUs (+CSIM); logical channels are managed by this tool.' };
  if (probe.blankEuiccRefusal) {
    return { transport: 'qmi-sap', reason: 'The modem refuses the profile-less eUICC over AT. Use QMI UIM SAP on this modem (or a PC/SC reader) and download the first profile over this computer’s network.' };
  }
  if (probe.sim.readiness === 'no-usable-sim') return { transport: 'none', reason: 'The modem sees no usable SIM. Insert the card, or check the slot selection.' };
  return { transport: 'qmi', reason: 'This modem offers no working SIM access over AT; try its QMI port, or a PC/SC reader.' };
}

/** Probes the modem behind `engine` (already open; initialise it with initializeAtEngine first). */
export async function probeAtModem(engine: AtEngine, options: ProbeAtModemOptions = {}): Promise<AtModemProbe> {
  const { signal } = options;
  const transcript: AtTrace[] = [];
  const stopTrace = engine.onTrace((t) => transcript.push(t));
  try {
    const identity = await identifyModem(engine, signal);
    const atiModel = identity.ati.find((l) => /^Model:/i.test(l))?.replace(/^Model:\s*/i, '');
    const selection = selectAtQuirkProfile({ override: options.profile, usbId: options.usbId, model: identity.model ?? atiModel });
    const sim = await readSimStatus(engine, signal);
    const iccid = await readIccid(engine, signal);
    const cfun = await readCfun(engine, signal);
    const uiccState = await readUiccState(engine, signal);
    const profiles = await readUsatProfiles(engine, signal);
    const csim = await checkCsim(engine, selection.profile, signal);
    const channel = await checkChannel(engine, selection.profile, signal);
    const crsm = await checkCrsm(engine, signal);
    const refused = !csim.check.works && !channel.check.works;
    const blankEuiccRefusal = refused ? [csim.check, channel.check].find((c) => c.error?.code === 'AT_MODEM_REFUSES_BLANK_EUICC')?.error : undefined;
    const euiccSeen = channel.euicc ?? csim.euicc;
    const access = { csim: csim.check, channel: channel.check, crsm: crsm.check };
    return {
      path: engine.path,
      ...identity,
      quirkProfile: { id: selection.profile.id, label: selection.profile.label, reason: selection.reason },
      sim,
      iccid: iccid ?? crsm.iccid,
      cfun,
      usat: { uiccState, profiles },
      access,
      euicc: euiccSeen === undefined ? (csim.check.works || channel.check.works ? 'absent' : 'unknown') : euiccSeen ? 'present' : 'absent',
      blankEuiccRefusal,
      recommendation: recommend({ access, sim, blankEuiccRefusal }, selection.profile),
      transcript,
    };
  } finally {
    stopTrace();
  }
}
