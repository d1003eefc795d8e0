/**
 * Live card probe over a CardSession: ATR, MF, EF.ICCID, EF.DIR applications, USIM, PIN status (VERIFY
 * without data: the card reports the retry counter, no PIN is ever sent), ISD-R (FCI → SGP.22 version),
 * EID (ES10c.GetEID through the Es10Client on the ISD-R channel), ECASD. It fills the same
 * DiagnosisFacts a decoded trace fills, so the one rule table diagnoses both, and ends with the
 * transport to use and the next step.
 *
 * Every exchange goes through the session, so the card layer's ApduLog holds it (PIN data redacted)
 * and the recorder tags it with its step. On channel-only transports (AT+CCHO, QMI logical channels)
 * the basic-channel steps are skipped with the reason; a failing step is recorded, never thrown.
 */
import { ECASD_AID } from '../card/files.js';
import type { DiagCardSummary, DiagRecommendation } from '../../shared/api.js';
import { isWorkbenchError } from '../../shared/errors.js';
import { fromHex, toHex } from '../../shared/hex.js';
import { parseCommandApdu, swToHex, type CommandApdu, type ResponseApdu } from '../card/apdu.js';
import type { CardSession } from '../card/card-session.js';
import { nameAid } from '../card/files.js';
import { instructionName } from '../card/instructions.js';
import { salvageTlvSequence, type Tlv } from '../codec/ber-tlv.js';
import { Es10Client } from '../euicc/es10-client.js';
import { DEFAULT_ISDR_AID, openIsdrChannel } from '../euicc/isdr.js';
import { parseAtr, summarizeAtr } from './atr.js';
import { emptyFacts, selectResultOf, type CommandFact, type DiagnosisFacts, type PinState, type SelectFact } from './facts.js';
import type { ProbeRecorder } from './probe-recorder.js';

/** USIM RID + application code (ETSI TS 101 220): selectable by partial AID when EF.DIR is missing. */
export const USIM_AID_PREFIX = 'A0000000871002';
const MAX_DIR_RECORDS = 16;
const PIN1 = 0x01;

export interface CardProbeOptions {
  /** ISD-R AID as hex (default: the SGP.22 one). */
  readonly isdrAid?: string;
  readonly signal?: AbortSignal;
}

export interface CardProbeResult {
  readonly facts: DiagnosisFacts;
  readonly card: DiagCardSummary;
  readonly recommendation: DiagRecommendation;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** What the steps learn, before it becomes DiagnosisFacts and the card summary. */
interface Observed {
  atrHex?: string;
  atrPresent?: boolean;
  selects: SelectFact[];
  iccid?: string;
  applications: { aid: string; label?: string; name?: string }[];
  isdr?: boolean;
  svn?: string;
  eid?: string;
  ecasd?: boolean;
  pin?: { state: DiagCardSummary['pin']['status']; retries?: number; evidence: string };
  pinFact?: PinState;
}

const swOf = (r: ResponseApdu): string => swToHex(r.sw1, r.sw2);
const entryRef = (seq: number | undefined): string => (seq === undefined ? '' : ` (entry ${seq})`);

/** BCD, nibble-swapped, F-padded ICCID → digits. */
export function iccidFromEf(bytes: Uint8Array): string {
  return toHex(bytes)
    .toUpperCase()
    .replace(/(.)(.)/g, '$2$1')
    .replace(/F+$/, '');
}

function findTlv(nodes: readonly Tlv[], tag: number): Tlv | undefined {
  for (const n of nodes) {
    if (n.tag === tag) return n;
    const inner = findTlv(n.children ?? [], tag);
    if (inner) return inner;
  }
  return undefined;
}

/** One EF.DIR record (61 { 4F AID, 50 label }); undefined for an empty (FF) record. */
export function parseDirRecord(record: Uint8Array): { aid: string; label?: string; name?: string } | undefined {
  const nodes = salvageTlvSequence(record).nodes;
  const aid = findTlv(nodes, 0x4f)?.value;
  if (aid === undefined || aid.length === 0) return undefined;
  const aidHex = toHex(aid).toUpperCase();
  const labelBytes = findTlv(nodes, 0x50)?.value;
  const label = labelBytes?.length ? new TextDecoder().decode(labelBytes) : undefined;
  const name = nameAid(aidHex);
  return { aid: aidHex, ...(label ? { label } : {}), ...(name ? { name } : {}) };
}

/** What a VERIFY without data says about PIN1 (ETSI TS 102 221 §11.1.9). */
export function pinFromVerifyQuery(sw: string): { state: DiagCardSummary['pin']['status']; retries?: number; fact?: PinState; meaning: string } {
  if (sw === '9000') return { state: 'not-required', fact: 'verified', meaning: 'PIN disabled or already verified' };
  if (/^63C[1-9A-F]$/.test(sw)) {
    const retries = parseInt(sw.slice(3), 16);
    return { state: 'required', retries, fact: 'required', meaning: `PIN not verified, ${retries} attempt(s) left` };
  }
  if (sw === '63C0' || sw === '6983') return { state: 'blocked', retries: 0, fact: 'blocked', meaning: 'no PIN attempts left' };
  if (sw === '6A88' || sw === '6A82') return { state: 'not-available', meaning: 'no PIN1 on the card (no active profile)' };
  return { state: 'unknown', meaning: 'unexpected answer' };
}

class CardProber {
  readonly seen: Observed = { selects: [], applications: [] };
  private basicChannelProblem: string | undefined;

  constructor(
    private readonly session: CardSession,
    private readonly rec: ProbeRecorder,
    private readonly opts: CardProbeOptions,
  ) {}

  private send(cmd: CommandApdu, annotation: string): Promise<ResponseApdu> {
    return this.session.transmit(cmd, { annotation, signal: this.opts.signal });
  }

  /** SELECT that reports the status word instead of throwing; records the SelectFact. */
  private async select(p1: number, target: string, name: string, p2 = 0x04): Promise<{ r: ResponseApdu; fact: SelectFact }> {
    const before = this.rec.apdus.length;
    const r = await this.send({ cla: 0x00, ins: 0xa4, p1, p2, data: fromHex(target.replace(/\//g, '')) }, `probe: SELECT ${name}`);
    const sw = swOf(r);
    const byAid = p1 === 0x04;
    const fact: SelectFact = { no: this.rec.apdus[before]?.seq, target: p1 === 0x08 ? `3F00/${target}` : target, name, byAid, sw, result: selectResultOf(sw) };
    this.seen.selects.push(fact);
    return { r, fact };
  }

  /** Basic-channel steps need a raw transport that actually passes APDUs; the first refusal skips the rest. */
  private basicStep(id: string, title: string, run: () => Promise<{ status: 'ok' | 'warning'; result: string; details?: string[] }>): Promise<void> {
    if (this.session.transport.shape === 'channel') {
      this.rec.skip(id, title, 'This transport only reaches applications on logical channels (the modem owns the basic channel).');
      return Promise.resolve();
    }
    if (this.basicChannelProblem !== undefined) {
      this.rec.skip(id, title, `No basic-channel access: ${this.basicChannelProblem}`);
      return Promise.resolve();
    }
    return this.rec
      .step(id, title, async () => {
        try {
          return await run();
        } catch (err) {
          // Not a status word: the transport itself refused, so the other basic-channel steps would too.
          if (!isWorkbenchError(err, 'CARD_SW_ERROR')) this.basicChannelProblem = err instanceof Error ? err.message : String(err);
          throw err;
        }
      })
      .then(() => undefined);
  }

  async atr(): Promise<void> {
    if (this.session.transport.getAtr === undefined) {
      this.rec.skip('atr', 'Answer To Reset', `${this.session.info.label} does not report the ATR.`);
      return;
    }
    await this.rec.step('atr', 'Answer To Reset', async () => {
      let bytes: Uint8Array;
      try {
        bytes = await this.session.getAtr(this.opts.signal);
      } catch (err) {
        if (isWorkbenchError(err, 'CARD_ATR_UNAVAILABLE')) return { status: 'skipped', result: err.message };
        throw err;
      }
      if (bytes.length === 0) {
        this.seen.atrPresent = false;
        return { status: 'failed', result: 'The card gave no ATR.' };
      }
      const info = parseAtr(bytes);
      this.seen.atrHex = info.hex;
      this.seen.atrPresent = true;
      return { status: info.issues.length > 0 ? 'warning' : 'ok', result: `${info.hex} (${summarizeAtr(info)})`, details: info.issues.map((i) => i.message) };
    });
  }

  async masterFile(): Promise<void> {
    await this.basicStep('mf', 'SELECT MF', async () => {
      const { r } = await this.select(0x00, '3F00', 'MF');
      return { status: 'ok', result: `MF → ${swOf(r)}` };
    });
  }

  async iccid(): Promise<void> {
    await this.basicStep('iccid', 'EF.ICCID', async () => {
      const { r, fact } = await this.select(0x08, '2FE2', 'EF.ICCID');
      if (fact.result !== 'present') return { status: 'warning', result: `EF.ICCID not readable: SELECT → ${swOf(r)}${fact.result === 'absent' ? ' (file not found: no enabled profile)' : ''}` };
      const read = await this.send({ cla: 0x00, ins: 0xb0, p1: 0, p2: 0, le: 10 }, 'probe: READ BINARY EF.ICCID');
      if (read.sw !== 0x9000) return { status: 'warning', result: `READ BINARY EF.ICCID → ${swOf(read)}` };
      this.seen.iccid = iccidFromEf(read.data);
      return { status: 'ok', result: `ICCID ${this.seen.iccid}` };
    });
  }

  async directory(): Promise<void> {
    await this.basicStep('dir', 'EF.DIR applications', async () => {
      const { r, fact } = await this.select(0x08, '2F00', 'EF.DIR');
      if (fact.result !== 'present') return { status: 'warning', result: `EF.DIR not readable: SELECT → ${swOf(r)}` };
      for (let n = 1; n <= MAX_DIR_RECORDS; n++) {
        const read = await this.send({ cla: 0x00, ins: 0xb2, p1: n, p2: 0x04, le: 256 }, `probe: READ RECORD ${n} EF.DIR`);
        if (read.sw !== 0x9000) break;
        const app = parseDirRecord(read.data);
        if (app) this.seen.applications.push(app);
      }
      const list = this.seen.applications.map((a) => `${a.name ?? 'application'} ${a.aid}${a.label ? ` "${a.label}"` : ''}`);
      return { status: 'ok', result: list.length > 0 ? `${list.length} application(s)` : 'EF.DIR lists no application', details: list };
    });
  }

  async usim(): Promise<void> {
    await this.basicStep('usim', 'USIM application', async () => {
      const listed = this.seen.applications.find((a) => a.name === 'USIM');
      const aid = listed?.aid ?? USIM_AID_PREFIX;
      const { r, fact } = await this.select(0x04, aid, 'USIM');
      const how = listed ? 'AID from EF.DIR' : 'partial AID, EF.DIR lists none';
      return fact.result === 'present' ? { status: 'ok', result: `USIM selected (${how}) → ${swOf(r)}` } : { status: 'warning', result: `No USIM: SELECT ${aid} (${how}) → ${swOf(r)}` };
    });
  }

  async pin(): Promise<void> {
    await this.basicStep('pin', 'PIN1 status', async () => {
      const before = this.rec.apdus.length;
      // VERIFY without data (case 1) only queries the retry counter: no PIN is sent, no attempt is used.
      const r = await this.send({ cla: 0x00, ins: 0x20, p1: 0x00, p2: PIN1 }, 'probe: VERIFY PIN1 (status query, no PIN sent)');
      const seq = this.rec.apdus[before]?.seq;
      const sw = swOf(r);
      const pin = pinFromVerifyQuery(sw);
      let evidence = `VERIFY answered ${sw}: ${pin.meaning}${entryRef(seq)}`;
      let state = pin.state;
      let fact = pin.fact;
      if (state === 'blocked') {
        const unblock = await this.send({ cla: 0x00, ins: 0x2c, p1: 0x00, p2: PIN1 }, 'probe: UNBLOCK PIN1 (status query, no PUK sent)');
        const usw = swOf(unblock);
        if (usw === '63C0' || usw === '6983') {
          state = 'puk-blocked';
          fact = 'puk-blocked';
          evidence = `UNBLOCK PIN answered ${usw}: the PUK is blocked${entryRef(this.rec.apdus.at(-1)?.seq)}`;
        }
      }
      this.seen.pin = { state, ...(pin.retries === undefined ? {} : { retries: pin.retries }), evidence };
      if (fact) this.seen.pinFact = fact;
      return { status: state === 'required' || state === 'blocked' || state === 'puk-blocked' ? 'warning' : 'ok', result: evidence };
    });
  }

  /** ISD-R on a logical channel (TERMINAL CAPABILITY first on raw transports), then GetEID on it. */
  async isdrAndEid(): Promise<void> {
    const aid = this.opts.isdrAid ?? DEFAULT_ISDR_AID;
    let channel: Awaited<ReturnType<typeof openIsdrChannel>> | undefined;
    await this.rec.step('isdr', 'ISD-R (SGP.22)', async () => {
      try {
        channel = await openIsdrChannel(this.session, { isdrAid: aid, signal: this.opts.signal });
      } catch (err) {
        if (isWorkbenchError(err, 'ES10_NO_ISDR')) {
          const sw = String(err.details.sw);
          this.seen.isdr = false;
          this.seen.selects.push({ target: aid, name: 'ISD-R', byAid: true, sw, result: selectResultOf(sw) });
          return { status: 'warning', result: `No ISD-R: SELECT ${aid} → ${sw}` };
        }
        throw err;
      }
      this.seen.isdr = true;
      if (channel.isdr.svn) this.seen.svn = channel.isdr.svn;
      this.seen.selects.push({ target: aid, name: 'ISD-R', byAid: true, sw: channel.channel.selectResponse ? swOf(channel.channel.selectResponse) : '9000', result: 'present' });
      return { status: 'ok', result: `ISD-R selected on channel ${channel.channel.channel}${channel.isdr.svn ? `, SGP.22 ${channel.isdr.svn}` : ''}` };
    });
    const open = channel;
    if (open === undefined) {
      this.rec.skip('eid', 'EID', 'The ISD-R is not reachable.');
      return;
    }
    try {
      await this.rec.step('eid', 'EID', async () => {
        this.seen.eid = await new Es10Client(open).getEid({ signal: this.opts.signal });
        return { status: 'ok', result: `EID ${this.seen.eid}` };
      });
    } finally {
      await open.channel.close().catch(() => undefined); // a close failure must not hide what the probe found
    }
  }

  async ecasd(): Promise<void> {
    await this.rec.step('ecasd', 'ECASD', async () => {
      try {
        const sw = await this.session.withLogicalChannel(ECASD_AID, async (ch) => (ch.selectResponse ? swOf(ch.selectResponse) : '9000'), { annotation: 'probe: SELECT ECASD', signal: this.opts.signal });
        this.seen.ecasd = true;
        return { status: 'ok', result: `ECASD selected → ${sw}` };
      } catch (err) {
        if (isWorkbenchError(err, 'CARD_SW_ERROR')) {
          this.seen.ecasd = false;
          return { status: 'warning', result: `No ECASD: ${err.message}` };
        }
        throw err;
      }
    });
  }
}

/** Commands and unanswered exchanges as facts, from the APDU log entries of the probe. */
function commandFacts(rec: ProbeRecorder, from: number): { commands: CommandFact[]; unanswered: CommandFact[] } {
  const commands: CommandFact[] = [];
  const unanswered: CommandFact[] = [];
  for (const e of rec.apdus.slice(from)) {
    let head: { cla: number; ins: number };
    try {
      head = parseCommandApdu(fromHex(e.command.replace(/\*\*/g, '00')));
    } catch {
      continue;
    }
    const fact: CommandFact = { no: e.seq, command: instructionName(head.cla, head.ins), cla: head.cla, ins: head.ins, ...(e.sw ? { sw: e.sw } : {}) };
    if (e.error !== undefined && /TIMEOUT|no answer|not respond/i.test(e.error)) unanswered.push(fact);
    else commands.push(fact);
  }
  return { commands, unanswered };
}

function best(selects: readonly SelectFact[], match: (s: SelectFact) => boolean): SelectFact['result'] | undefined {
  const own = selects.filter(match);
  if (own.length === 0) return undefined;
  return own.some((s) => s.result === 'present') ? 'present' : own[own.length - 1]?.result;
}

function toFacts(seen: Observed, rec: ProbeRecorder, from: number): DiagnosisFacts {
  const facts: Mutable<DiagnosisFacts> = { ...emptyFacts('probe'), ...commandFacts(rec, from), selectedFiles: seen.selects };
  if (seen.atrPresent !== undefined) facts.atrPresent = seen.atrPresent;
  if (seen.atrHex) facts.atr = parseAtr(fromHex(seen.atrHex));
  const mf = best(seen.selects, (s) => s.target === '3F00');
  if (mf !== undefined && mf !== 'no-answer') facts.mfPresent = mf === 'present';
  const iccid = seen.iccid !== undefined ? 'present' : best(seen.selects, (s) => s.target.endsWith('2FE2'));
  if (iccid !== undefined) facts.iccidStatus = iccid;
  const dir = best(seen.selects, (s) => s.target.endsWith('2F00'));
  if (dir !== undefined) facts.dirStatus = dir;
  if (seen.isdr !== undefined) facts.isdrSelectable = seen.isdr;
  const usim = best(seen.selects, (s) => s.byAid && s.name === 'USIM');
  if (usim !== undefined && usim !== 'no-answer') facts.usimSelectable = usim === 'present';
  if (seen.pinFact) {
    facts.pinStatus = seen.pinFact;
    if (seen.pin?.retries !== undefined && seen.pinFact === 'required') facts.pinRetriesLeft = seen.pin.retries;
    facts.pinEvidence = seen.pin ? [seen.pin.evidence] : [];
  }
  return facts;
}

function presence(v: boolean | undefined): 'present' | 'absent' | 'unknown' {
  return v === undefined ? 'unknown' : v ? 'present' : 'absent';
}

function toSummary(seen: Observed, facts: DiagnosisFacts): DiagCardSummary {
  const iccidStatus = facts.iccidStatus === 'present' || facts.iccidStatus === 'absent' ? facts.iccidStatus : 'unknown';
  return {
    ...(seen.atrHex ? { atr: seen.atrHex } : {}),
    mf: presence(facts.mfPresent),
    isdr: presence(seen.isdr),
    ...(seen.svn ? { sgp22Version: seen.svn } : {}),
    ecasd: presence(seen.ecasd),
    ...(seen.eid ? { eid: seen.eid } : {}),
    ...(seen.iccid ? { iccid: seen.iccid } : {}),
    iccidStatus,
    applications: seen.applications,
    usim: presence(facts.usimSelectable),
    pin: { status: seen.pin?.state ?? 'unknown', ...(seen.pin?.retries === undefined ? {} : { retriesLeft: seen.pin.retries }) },
  };
}

/** The transport name of a session, in the vocabulary of DiagRecommendation. */
export function transportChoiceOf(session: CardSession): string {
  const { id, kind, label } = session.info;
  if (kind === 'at') return id.startsWith('at-channel:') ? 'at-channel' : 'at-csim';
  if (kind === 'qmi') return /SAP/i.test(label) ? 'qmi-sap' : 'qmi';
  return kind;
}

/** The transport to keep using (or not) and the next step, from what the card showed. */
export function recommendForCard(transport: string, card: DiagCardSummary, facts: DiagnosisFacts): DiagRecommendation {
  if (facts.atrPresent === false || (facts.unanswered.length > 0 && facts.commands.length === 0)) {
    return { transport: 'none', reason: 'The card does not answer on this transport.', nextStep: 'Reseat the card, check the slot and its voltage class, then try it in a PC/SC reader.' };
  }
  if (card.pin.status === 'puk-blocked') return { transport, reason: 'The card is reachable, but its PUK is blocked.', nextStep: 'Delete the locked profile (eUICC) or have the operator replace the SIM.' };
  if (card.pin.status === 'blocked') return { transport, reason: 'The card is reachable, but PIN1 is blocked.', nextStep: 'Unblock PIN1 with the PUK from the operator; do not guess it.' };
  if (card.isdr === 'present') {
    if (card.iccidStatus === 'absent') {
      return {
        transport,
        reason: `This transport (${transport}) reaches the ISD-R of this eUICC, which has no enabled profile.`,
        nextStep: "Download the first profile (the operator's activation code) over this computer's own network; enable it, then the modem accepts the card.",
      };
    }
    return { transport, reason: `This transport (${transport}) reaches the ISD-R: profile management works here.`, nextStep: card.pin.status === 'required' ? 'Manage profiles as needed; enter the PIN only for subscriber files or before the modem attaches.' : 'Manage profiles (list, enable, download) on this device.' };
  }
  if (card.isdr === 'absent') {
    return card.iccidStatus === 'present'
      ? { transport, reason: 'The card is a classic SIM: no ISD-R answers.', nextStep: 'Use an eUICC for profile downloads; for a removable eSIM with its own ISD-R AID, set that AID in the settings.' }
      : { transport, reason: 'No ISD-R and no EF.ICCID answer.', nextStep: 'Check that the card is an eUICC (or set its ISD-R AID) and that it is the card in use.' };
  }
  return { transport: 'qmi-sap', reason: `The ISD-R could not be reached through ${transport}.`, nextStep: 'Reach the card through QMI UIM SAP (the QMI transport of a modem) or a PC/SC reader, then probe again.' };
}

/**
 * Probes the card behind `session`, recording steps and APDUs in `rec` (call `rec.watch(session.log)`
 * first to collect the APDUs). Never throws for card or transport failures; only cancellation.
 */
export async function probeCard(session: CardSession, rec: ProbeRecorder, opts: CardProbeOptions = {}): Promise<CardProbeResult> {
  const from = rec.apdus.length;
  const prober = new CardProber(session, rec, opts);
  await prober.atr();
  await prober.masterFile();
  await prober.iccid();
  await prober.directory();
  await prober.usim();
  await prober.pin();
  await prober.isdrAndEid();
  await prober.ecasd();
  const facts = toFacts(prober.seen, rec, from);
  const card = toSummary(prober.seen, facts);
  return { facts, card, recommendation: recommendForCard(transportChoiceOf(session), card, facts) };
}
