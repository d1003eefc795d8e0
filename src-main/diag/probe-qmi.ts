/**
 * The QMI modem probe: UIM card status (card state, applications, PIN state), slot status (physical
 * slots, ICCID, ATR, eUICC flag), the ATR, and whether the modem opens a logical channel to the ISD-R —
 * the question that decides between QMI logical channels and QMI UIM SAP (the seed-000 case). SAP is
 * not tried here: it takes the card away from the modem, so opening the card does it only when needed.
 *
 * Everything QMI-specific is behind one step: when the QMI transport is missing or the device cannot
 * be opened, the section says "QMI probe unavailable: <reason>" and the rest of the probe goes on.
 */
import type { DiagRecommendation } from '../../shared/api.js';
import { isWorkbenchError } from '../../shared/errors.js';
import { fromHex, toHex } from '../../shared/hex.js';
import type { QmuxLink } from '../links/qmux-link.js';
import { openQmuxLink, qmuxLocationDevice, type QmuxLocation } from '../links/qmux-open.js';
import { ISD_R_AID } from '../card/files.js';
import { QmuxConnection, type QmiClient } from '../transports/qmi/qmi-client.js';
import { qmiBytes } from '../transports/qmi/qmi-codec.js';
import { UIM } from '../transports/qmi/qmi-messages.js';
import { QmiUimChannelTransport } from '../transports/qmi/qmi-uim-channel-transport.js';
import { judgeSlot, parseCardStatus, parseSlotStatus, type SlotVerdict, type UimCard, type UimPhysicalSlot } from '../transports/qmi/uim-status.js';
import { parseAtr, summarizeAtr } from './atr.js';
import type { DiagnosisFacts } from './facts.js';
import type { ModemProbeResult } from './probe-at.js';
import { recommendation } from './probe-recommend.js';
import type { ProbeRecorder } from './probe-recorder.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export type QmiProbeLocation = QmuxLocation | { readonly kind: 'link'; readonly link: QmuxLink };

export interface QmiProbeOptions {
  /** UIM slot, 1-based (default 1). */
  readonly slot?: number;
  readonly signal?: AbortSignal;
}

/** Value tables → words, keyed by the numbers of `UIM` (TRANSPORTS.md §2.2). */
const nameOf = (table: Readonly<Record<string, number>>, value: number): string => Object.entries(table).find(([, v]) => v === value)?.[0] ?? `value ${value}`;

const VERDICT_MEANING: Readonly<Record<SlotVerdict['kind'], string>> = {
  absent: 'no card in the slot',
  'sap-connected': 'the card is held by a SAP session',
  error: 'the modem reports a card error',
  'no-usable-application': 'a card is present but the modem found no usable application (a blank eUICC looks like this)',
  usable: 'the modem uses an application on the card',
};

function describeCard(card: UimCard | undefined): string {
  if (card === undefined) return 'not reported';
  const apps = card.applications.map((a) => `${nameOf(UIM.appType, a.type)} ${nameOf(UIM.appState, a.state)}`).join(', ');
  return `${nameOf(UIM.cardState, card.state)}${card.state === UIM.cardState.error ? ` (${nameOf(UIM.cardError, card.errorCode)})` : ''}; applications: ${apps || 'none'}`;
}

function describeSlot(s: UimPhysicalSlot, i: number): string {
  const iccid = s.iccid.length > 0 ? toHex(s.iccid).toUpperCase() : 'none';
  return `slot ${i + 1}: card ${s.cardPresent ? 'present' : 'absent'}, ${s.active ? `active as logical slot ${s.logicalSlot}` : 'inactive'}, ICCID ${iccid}${s.isEuicc === undefined ? '' : s.isEuicc ? ', eUICC' : ', not an eUICC'}`;
}

class QmiProber {
  readonly facts: { label: string; value: string; meaning?: string }[] = [];
  readonly access: { method: string; works: boolean; detail: string }[] = [];
  readonly transcript: string[] = [];
  readonly diag: Mutable<Partial<DiagnosisFacts>> = {};
  verdict: SlotVerdict | undefined;
  channelRefused = false;

  constructor(
    private readonly client: QmiClient,
    private readonly slot: number,
    private readonly signal: AbortSignal | undefined,
  ) {}

  private async ask(key: Parameters<QmiClient['request']>[0], label: string, values: Record<string, number> = {}): Promise<Awaited<ReturnType<QmiClient['request']>> | undefined> {
    this.transcript.push(`> UIM ${label}`);
    try {
      const answer = await this.client.request(key, values, this.signal ? { signal: this.signal } : {});
      this.transcript.push(`< ${label}: ok`);
      return answer;
    } catch (err) {
      if (isWorkbenchError(err, 'ABORTED')) throw err;
      const message = err instanceof Error ? err.message : String(err);
      this.transcript.push(`< ${label}: ${message}`);
      this.facts.push({ label, value: 'failed', meaning: message });
      return undefined;
    }
  }

  async cardStatus(): Promise<void> {
    const answer = await this.ask('uim.getCardStatus', 'Get Card Status');
    if (!answer) return;
    const status = parseCardStatus(answer);
    const card = status.cards[this.slot - 1];
    this.verdict = judgeSlot(status, this.slot);
    this.facts.push({ label: `Card status (slot ${this.slot})`, value: describeCard(card), meaning: VERDICT_MEANING[this.verdict.kind] });
    const app = card?.applications[0];
    if (app?.state === UIM.appState.pin1OrUpinPinRequired) {
      this.diag.pinStatus = 'required';
      this.diag.pinEvidence = ['QMI card status: application waits for PIN1'];
    } else if (app?.state === UIM.appState.puk1OrUpinPukRequired) {
      this.diag.pinStatus = 'blocked';
      this.diag.pinEvidence = ['QMI card status: PIN1 blocked, PUK required'];
    } else if (app?.state === UIM.appState.pin1Blocked) {
      this.diag.pinStatus = 'puk-blocked';
      this.diag.pinEvidence = ['QMI card status: PIN1 permanently blocked'];
    }
  }

  async slotStatus(): Promise<void> {
    const answer = await this.ask('uim.getSlotStatus', 'Get Slot Status');
    if (!answer) return;
    const slots = parseSlotStatus(answer);
    slots.forEach((s, i) => this.facts.push({ label: 'Physical slot', value: describeSlot(s, i) }));
    const mine = slots.find((s) => s.active && s.logicalSlot === this.slot);
    if (mine?.cardPresent && mine.iccid.length > 0) this.diag.iccidStatus = 'present';
  }

  async atr(): Promise<void> {
    const answer = await this.ask('uim.getAtr', 'Get ATR', { slot: this.slot });
    if (!answer) return;
    const bytes = qmiBytes(answer, 'atr');
    if (bytes.length === 0) return;
    const info = parseAtr(bytes);
    this.facts.push({ label: 'ATR', value: info.hex, meaning: summarizeAtr(info) });
    this.diag.atr = info;
    this.diag.atrPresent = true;
  }

  /** Opens (and closes again) a logical channel to the ISD-R, as the LPA would. */
  async logicalChannel(label: string): Promise<void> {
    const transport = new QmiUimChannelTransport(this.client, { slot: this.slot, info: { id: `qmi-probe:${label}`, label, kind: 'qmi' } });
    this.transcript.push('> UIM Open Logical Channel (ISD-R)');
    try {
      const { channel } = await transport.openLogicalChannel(fromHex(ISD_R_AID), this.signal);
      this.transcript.push(`< Open Logical Channel: channel ${channel}`);
      await transport.closeLogicalChannel(channel).catch(() => undefined);
      this.access.push({ method: 'QMI Open Logical Channel (ISD-R)', works: true, detail: `channel ${channel} opened to the ISD-R` });
      this.diag.isdrSelectable = true;
    } catch (err) {
      if (isWorkbenchError(err, 'ABORTED')) throw err;
      const message = err instanceof Error ? err.message : String(err);
      this.transcript.push(`< Open Logical Channel: ${message}`);
      this.access.push({ method: 'QMI Open Logical Channel (ISD-R)', works: false, detail: message });
      this.channelRefused = isWorkbenchError(err, 'QMI_LOGICAL_CHANNEL_REFUSED');
    }
    this.facts.push({ label: 'QMI UIM SAP', value: 'not tried', meaning: 'connecting SAP takes the card from the modem; opening the card uses it when logical channels are refused' });
  }

  /** The modem's refusal of a profile-less card, in the rules' terms (as the AT probe does it). */
  refusalFacts(): void {
    if (this.verdict?.kind !== 'no-usable-application') return;
    this.diag.modemGaveUp = true;
    const evidence = ['QMI card status: a card is present but no application is usable'];
    if (this.channelRefused) {
      this.diag.hostApduRefused = true;
      this.diag.iccidStatus ??= 'absent';
      evidence.push('QMI Open Logical Channel to the ISD-R was refused');
    }
    this.diag.modemEvidence = evidence;
  }

  recommend(): DiagRecommendation {
    const kind = this.verdict?.kind;
    if (kind === 'absent') return recommendation('none', `The modem sees no card in slot ${this.slot}.`);
    if (kind === 'sap-connected') return recommendation('qmi-sap', 'The card is still in a SAP session left by an earlier run: QMI UIM SAP continues it.');
    if (this.access.some((a) => a.works)) return recommendation('qmi', 'The modem opens logical channels to the ISD-R over QMI.');
    if (this.channelRefused) {
      return recommendation('qmi-sap', kind === 'no-usable-application' ? 'The modem refuses logical channels to the profile-less eUICC; QMI UIM SAP still gives raw access to the card.' : 'The modem refuses QMI logical channels; QMI UIM SAP gives raw access to the card.');
    }
    return recommendation('pcsc', 'The QMI side of this modem gives no card access; use a PC/SC reader.');
  }
}

function unavailable(label: string, reason: string): ModemProbeResult {
  return { modem: { kind: 'qmi', label, available: false, unavailableReason: `QMI probe unavailable: ${reason}`, facts: [], access: [], transcript: [] }, facts: {} };
}

/** Probes the QMI modem at `location`: one step, always closed again; never throws except on cancellation. */
export async function probeQmiModem(location: QmiProbeLocation, rec: ProbeRecorder, opts: QmiProbeOptions = {}): Promise<ModemProbeResult> {
  const label = location.kind === 'link' ? location.link.description : qmuxLocationDevice(location);
  const slot = opts.slot ?? 1;
  const result = await rec.step('qmi-modem', `QMI modem ${label}`, async () => {
    const link = location.kind === 'link' ? location.link : await openQmuxLink(location, opts.signal);
    const connection = await QmuxConnection.open(link, {}, opts.signal);
    try {
      const client = await connection.allocateClient('uim', opts.signal ? { signal: opts.signal } : {});
      try {
        const prober = new QmiProber(client, slot, opts.signal);
        await prober.cardStatus();
        await prober.slotStatus();
        await prober.atr();
        if (prober.verdict?.kind !== 'absent') await prober.logicalChannel(label);
        prober.refusalFacts();
        const advice = prober.recommend();
        const section: ModemProbeResult = { modem: { kind: 'qmi', label, available: true, facts: prober.facts, access: prober.access, recommendation: advice, transcript: prober.transcript }, facts: prober.diag };
        return { status: advice.transport === 'qmi' ? 'ok' : 'warning', result: advice.reason, value: section };
      } finally {
        await client.close();
      }
    } finally {
      await connection.close();
    }
  });
  return result ?? unavailable(label, rec.steps.at(-1)?.result ?? 'the QMI device did not answer');
}
