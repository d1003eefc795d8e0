/**
 * What the diagnosis rules look at. A decoded trace fills these facts (`factsFromTrace`); a live probe
 * (AT/QMI/PC/SC) fills the same fields from what it asked the card and the modem, so one rule set
 * serves both. Unknown is `undefined`, never a guess: rules must treat it as "not observed".
 */
import type { AtrInfo } from './atr.js';
import type { TraceListing } from './t0-trace.js';
import { findCardFile, nameAid } from '../card/files.js';
import { GSM_CLA } from '../card/channels.js';

/** What selecting a file or application showed. */
export type SelectResult = 'present' | 'absent' | 'protected' | 'error' | 'no-answer';

export interface CommandFact {
  /** Entry number in the trace, or probe step number. */
  readonly no?: number;
  readonly command: string;
  readonly cla: number;
  readonly ins: number;
  /** Four hex digits; undefined when the card did not answer. */
  readonly sw?: string;
}

export interface SelectFact {
  readonly no?: number;
  /** Path from the MF ('3F00/2FE2'), bare FID, or the AID in hex. */
  readonly target: string;
  readonly name?: string;
  readonly byAid: boolean;
  readonly sw?: string;
  readonly result: SelectResult;
}

export type PinState = 'verified' | 'required' | 'blocked' | 'puk-blocked';

export interface DiagnosisFacts {
  readonly source: 'trace' | 'probe';
  readonly atr?: AtrInfo;
  /** False when the card gave no ATR at all (probe); undefined when not observed (trace without reset). */
  readonly atrPresent?: boolean;
  readonly commands: readonly CommandFact[];
  readonly selectedFiles: readonly SelectFact[];
  readonly mfPresent?: boolean;
  readonly iccidStatus?: SelectResult;
  readonly dirStatus?: SelectResult;
  /** ISD-R (SGP.22 AID) selectable: true/false when tried, undefined when never tried. */
  readonly isdrSelectable?: boolean;
  readonly usimSelectable?: boolean;
  readonly pinStatus?: PinState;
  readonly pinRetriesLeft?: number;
  /** Human lines explaining pinStatus. */
  readonly pinEvidence: readonly string[];
  readonly terminalProfileSent: boolean;
  readonly lastCommand?: CommandFact;
  /**
   * The terminal stopped using the card after initialisation without selecting an application or
   * reading a file (trace), or the modem reports the slot as empty/unusable (probe).
   */
  readonly modemGaveUp?: boolean;
  /** Human lines explaining modemGaveUp. */
  readonly modemEvidence: readonly string[];
  /** Probe: the modem refused host APDU access (AT+CSIM / +CCHO ERROR, QMI logical channel refused). */
  readonly hostApduRefused?: boolean;
  /** Commands the card rejected for their class byte (6Exx, or 6D00 to GSM class A0). */
  readonly claErrors: readonly (CommandFact & { readonly suggestion: string })[];
  /** Commands the card never answered (no procedure byte). */
  readonly unanswered: readonly CommandFact[];
  /** Number of decoding problems in the source capture (0 for probes). */
  readonly traceProblems: number;
}

const SW_PRESENT = /^(90|91|61|9F|62|63)/;
const SW_ABSENT = /^(6A82|6A88|9404)$/;
const SW_PROTECTED = /^(6982|9804)$/;
const SW_BLOCKED = /^(63C0|6983|9840)$/;

export function selectResultOf(sw: string | undefined): SelectResult {
  if (sw === undefined) return 'no-answer';
  if (SW_PRESENT.test(sw)) return 'present';
  if (SW_ABSENT.test(sw)) return 'absent';
  if (SW_PROTECTED.test(sw)) return 'protected';
  return 'error';
}

/** The most telling result of several selections of one file: any success wins, else the last answer. */
function bestResult(selects: readonly SelectFact[]): SelectResult | undefined {
  if (selects.length === 0) return undefined;
  if (selects.some((s) => s.result === 'present')) return 'present';
  return selects[selects.length - 1]?.result;
}

function fidOf(target: string): string {
  return target.split('/').pop() ?? target;
}

/** The class byte the card probably wants instead of the rejected one. */
function claSuggestion(cla: number): string {
  if (cla === GSM_CLA) return 'the card does not speak GSM 11.11 class A0; use CLA 00 (ETSI TS 102 221 / ISO 7816-4)';
  if ((cla & 0x03) !== 0 || (cla & 0x40) !== 0) return 'this class addresses a logical channel that is not open; open it with MANAGE CHANNEL or use the basic channel';
  return 'the card may be a GSM-only SIM; try CLA A0';
}

const where = (c: { no?: number }): string => (c.no === undefined ? '' : ` (entry ${c.no})`);

/** Extracts the diagnosis facts from a decoded T=0 trace. */
export function factsFromTrace(listing: TraceListing): DiagnosisFacts {
  const entries = listing.entries.filter((e) => e.apdu !== undefined);
  const commands: CommandFact[] = entries.map((e) => ({ no: e.no, command: e.command, cla: e.apdu?.cla ?? 0, ins: e.apdu?.ins ?? 0, ...(e.sw ? { sw: e.sw } : {}) }));

  const selectedFiles: SelectFact[] = [];
  for (const e of entries) {
    if (e.apdu?.ins !== 0xa4 || !e.target) continue;
    const t = e.target;
    const target = t.aid ?? t.path ?? t.fid ?? '';
    if (target === '') continue;
    const name = t.name ?? (t.aid ? nameAid(t.aid) : undefined);
    selectedFiles.push({ no: e.no, target, byAid: t.aid !== undefined, ...(name ? { name } : {}), ...(e.sw ? { sw: e.sw } : {}), result: selectResultOf(e.sw) });
  }
  const ofFid = (fid: string): SelectFact[] => selectedFiles.filter((s) => !s.byAid && fidOf(s.target) === fid);
  const ofApp = (name: string): SelectFact[] => selectedFiles.filter((s) => s.byAid && s.name === name);
  // READ entries name the file they read (the decoder tracks the current file).
  const readOk = (fid: string): boolean => {
    const name = findCardFile(fid)?.name ?? fid;
    return entries.some((e) => (e.apdu?.ins === 0xb0 || e.apdu?.ins === 0xb2) && SW_PRESENT.test(e.sw ?? '') && e.decoded.includes(` ${name},`));
  };

  const mf = bestResult(ofFid('3F00'));
  const iccid = readOk('2FE2') ? 'present' : bestResult(ofFid('2FE2'));
  const dir = readOk('2F00') ? 'present' : bestResult(ofFid('2F00'));
  const isdr = bestResult(ofApp('ISD-R'));
  const usim = bestResult(ofApp('USIM'));

  // PIN: the strongest observation wins (PUK blocked > PIN blocked > PIN required > verified).
  let pinStatus: PinState | undefined;
  let pinRetriesLeft: number | undefined;
  const pinEvidence: string[] = [];
  const rank: Record<PinState, number> = { verified: 0, required: 1, blocked: 2, 'puk-blocked': 3 };
  const raise = (s: PinState, why: string): void => {
    pinEvidence.push(why);
    if (pinStatus === undefined || rank[s] > rank[pinStatus]) pinStatus = s;
  };
  for (const c of commands) {
    const sw = c.sw ?? '';
    const pinCommand = [0x20, 0x24, 0x26, 0x28].includes(c.ins);
    if (c.ins === 0x2c && SW_BLOCKED.test(sw)) raise('puk-blocked', `${c.command} answered ${sw}: the PUK is blocked${where(c)}`);
    else if (pinCommand && SW_BLOCKED.test(sw)) raise('blocked', `${c.command} answered ${sw}: no PIN attempts left${where(c)}`);
    else if (pinCommand && /^63C[1-9A-F]$/.test(sw)) {
      pinRetriesLeft = parseInt(sw.slice(3), 16);
      raise('required', `${c.command} answered ${sw}: PIN not verified, ${pinRetriesLeft} attempt(s) left${where(c)}`);
    } else if (!pinCommand && c.ins !== 0x2c && SW_PROTECTED.test(sw)) raise('required', `${c.command} answered ${sw}: security status not satisfied, a PIN must be verified first${where(c)}`);
    else if (c.ins === 0x20 && sw === '9000') raise('verified', `VERIFY answered 9000${where(c)}`);
  }

  // The modem "gave up" when, after TERMINAL PROFILE, it neither selected an application nor read anything.
  const tpIndex = commands.findIndex((c) => c.ins === 0x10 && SW_PRESENT.test(c.sw ?? ''));
  const modemEvidence: string[] = [];
  let modemGaveUp: boolean | undefined;
  if (tpIndex >= 0) {
    const tp = commands[tpIndex] as CommandFact;
    const after = commands.slice(tpIndex + 1);
    const progressed = after.some((c) => SW_PRESENT.test(c.sw ?? '') && ([0xb0, 0xb2, 0xf2, 0x12, 0x88, 0x20, 0x70].includes(c.ins) || (c.ins === 0xa4 && selectedFiles.find((s) => s.no === c.no)?.byAid === true)));
    modemGaveUp = !progressed;
    if (modemGaveUp) {
      modemEvidence.push(`TERMINAL PROFILE was accepted${where(tp)}`);
      const tail = after.map((c) => {
        const s = selectedFiles.find((f) => f.no === c.no);
        return `${c.command}${s ? ` ${s.name ?? s.target}` : ''} → ${c.sw ?? 'no answer'}`;
      });
      modemEvidence.push(after.length > 0 ? `after it the terminal only sent: ${tail.join(', ')}` : 'the terminal sent nothing after it');
      modemEvidence.push('the capture ends without any application selected or any file read: the terminal stopped using the card');
    }
  }

  const claErrors = commands
    .filter((c) => /^6E/.test(c.sw ?? '') || (c.sw === '6D00' && c.cla === GSM_CLA))
    .map((c) => ({ ...c, suggestion: claSuggestion(c.cla) }));
  const unanswered = listing.entries
    .filter((e) => e.outcome === 'no-answer' && e.apdu)
    .map((e) => ({ no: e.no, command: e.command, cla: e.apdu?.cla ?? 0, ins: e.apdu?.ins ?? 0 }));

  const lastCommand = commands[commands.length - 1];
  return {
    source: 'trace',
    ...(listing.atr ? { atr: listing.atr, atrPresent: true } : {}),
    commands,
    selectedFiles,
    ...(mf === undefined ? {} : { mfPresent: mf === 'present' }),
    ...(iccid === undefined ? {} : { iccidStatus: iccid }),
    ...(dir === undefined ? {} : { dirStatus: dir }),
    ...(isdr === undefined || isdr === 'no-answer' ? {} : { isdrSelectable: isdr === 'present' }),
    ...(usim === undefined || usim === 'no-answer' ? {} : { usimSelectable: usim === 'present' }),
    ...(pinStatus ? { pinStatus } : {}),
    ...(pinRetriesLeft === undefined ? {} : { pinRetriesLeft }),
    pinEvidence,
    terminalProfileSent: tpIndex >= 0,
    ...(lastCommand ? { lastCommand } : {}),
    ...(modemGaveUp === undefined ? {} : { modemGaveUp }),
    modemEvidence,
    claErrors,
    unanswered,
    traceProblems: listing.problems.length,
  };
}

/** Empty facts for a live probe to fill in. */
export function emptyFacts(source: DiagnosisFacts['source']): DiagnosisFacts {
  return { source, commands: [], selectedFiles: [], pinEvidence: [], terminalProfileSent: false, modemEvidence: [], claErrors: [], unanswered: [], traceProblems: 0 };
}
