/**
 * Diagnosis rules as data. Each rule says what the user sees, why it happens and what to do, and
 * matches `DiagnosisFacts` — returning the evidence lines that made it fire, or undefined. Adding a
 * diagnosis is adding a row; `diagnose()` only runs the table.
 */
import type { CommandFact, DiagnosisFacts, SelectFact } from './facts.js';

export type Severity = 'error' | 'warning' | 'info';

export interface DiagnosisRule {
  readonly id: string;
  readonly title: string;
  readonly symptom: string;
  readonly cause: string;
  readonly fix: string;
  readonly severity: Severity;
  /** Evidence lines when the rule applies; undefined (or empty) when it does not. */
  readonly match: (facts: DiagnosisFacts) => readonly string[] | undefined;
}

const at = (c: { no?: number }): string => (c.no === undefined ? '' : ` (entry ${c.no})`);
const hex2 = (b: number): string => b.toString(16).toUpperCase().padStart(2, '0');

function selectLines(facts: DiagnosisFacts, fids: readonly string[]): string[] {
  return facts.selectedFiles
    .filter((s: SelectFact) => !s.byAid && fids.includes(s.target.split('/').pop() ?? ''))
    .map((s) => `SELECT ${s.name ?? s.target} → ${s.sw ?? 'no answer'}${at(s)}`);
}

function isdrLine(facts: DiagnosisFacts): string[] {
  if (facts.isdrSelectable === true) return ['the ISD-R (SGP.22 AID A0000005591010FFFFFFFF8900000100) answers SELECT'];
  return [];
}

export const DIAGNOSIS_RULES: readonly DiagnosisRule[] = [
  {
    id: 'blank-euicc',
    severity: 'error',
    title: 'eUICC without an enabled profile',
    symptom: 'The card answers SELECT MF, but EF.ICCID (and EF.DIR / EF.PL) are not found (6A82).',
    cause:
      'Every provisioned SIM or enabled eSIM profile has EF.ICCID under the MF. An eUICC shows only its MF and its ISD-R until a profile is ' +
      'downloaded and enabled, so this card is an eUICC with no enabled profile (empty, or all profiles disabled).',
    fix:
      'Download (or enable) the first profile from this computer: reach the card through QMI UIM SAP (the QMI transport of this tool) or put it ' +
      'in a PC/SC reader, and let the LPA reach the SM-DP+ over the computer\'s own network (Wi-Fi or Ethernet) — the modem cannot attach without a profile.',
    match: (f) => {
      if (f.mfPresent !== true || f.iccidStatus !== 'absent' || f.isdrSelectable === false) return undefined;
      const mf = selectLines(f, ['3F00']).slice(0, 1);
      const missing = selectLines(f, ['2FE2', '2F05', '2F00']);
      return [...(mf.length ? mf : ['the MF is present']), ...(missing.length ? missing : ['EF.ICCID is not found']), ...isdrLine(f)];
    },
  },
  {
    id: 'modem-rejects-blank-card',
    severity: 'error',
    title: 'The modem treats the slot as empty and blocks APDU access',
    symptom:
      'After initialisation (TERMINAL PROFILE) the modem looked for EF.DIR, selected the MF again and stopped talking to the card; ' +
      'AT+CSIM / AT+CCHO answer ERROR and nothing is sent to the card.',
    cause:
      'The modem firmware (seen on the Sierra Wireless EM7455 and others) considers a card without EF.ICCID / EF.DIR / USIM to be "no usable SIM" and ' +
      'disables the slot for the host: AT+CSIM, +CCHO, MBIM and QMI logical channels are refused, also for profile management — a chicken-and-egg ' +
      'situation for a blank eUICC.',
    fix:
      'Talk to the card through QMI UIM SAP Connection + SAP Request (this tool\'s QMI transport detects the refusal and switches to SAP), or move ' +
      'the card to a PC/SC reader; download the first profile over the computer\'s own network. Once a profile is enabled the modem accepts the card.',
    match: (f) => {
      const gaveUp = f.modemGaveUp === true || f.hostApduRefused === true;
      if (!gaveUp || f.iccidStatus !== 'absent') return undefined;
      return [...f.modemEvidence, ...(f.hostApduRefused ? ['the modem refused host APDU access (AT+CSIM / logical channel)'] : [])];
    },
  },
  {
    id: 'pin-required',
    severity: 'warning',
    title: 'PIN verification needed',
    symptom: 'Reading or updating files fails with 6982 / 9804 (security status not satisfied), or VERIFY reports remaining attempts (63Cx).',
    cause: 'PIN1 is enabled on the card (or the active profile) and has not been verified in this session.',
    fix:
      'Enter the PIN (VERIFY) before reading subscriber files; the modem needs it too before it attaches (AT+CPIN). Profile management on the ISD-R ' +
      'does not need the PIN. Never retry an unknown PIN: three wrong attempts block it.',
    match: (f) => (f.pinStatus === 'required' ? f.pinEvidence.filter((e) => !e.startsWith('VERIFY answered 9000')) : undefined),
  },
  {
    id: 'pin-blocked',
    severity: 'error',
    title: 'PIN blocked',
    symptom: 'VERIFY answers 63C0 / 6983 (GSM: 9840): no PIN attempts left.',
    cause: 'The PIN was entered wrongly too many times and is now blocked.',
    fix: 'Unblock it with the PUK (UNBLOCK PIN, usually 10 attempts) from the card carrier or the operator, and set a new PIN. Do not guess the PUK.',
    match: (f) => (f.pinStatus === 'blocked' ? f.pinEvidence : undefined),
  },
  {
    id: 'puk-blocked',
    severity: 'error',
    title: 'PUK blocked: the profile is permanently locked',
    symptom: 'UNBLOCK PIN answers 63C0 / 6983 (GSM: 9840).',
    cause: 'The PUK retry counter is exhausted; the SIM application cannot be unlocked any more.',
    fix: 'On an eUICC, delete the locked profile and download a new one from the operator; a physical SIM must be replaced by the operator.',
    match: (f) => (f.pinStatus === 'puk-blocked' ? f.pinEvidence : undefined),
  },
  {
    id: 'plain-sim-no-isdr',
    severity: 'info',
    title: 'Classic SIM: no eUICC (ISD-R not found)',
    symptom: 'EF.ICCID is readable, but selecting the ISD-R answers 6A82 / 6A88.',
    cause: 'The card is a plain SIM/USIM without the SGP.22 ISD-R, so it cannot hold downloadable profiles — or it is a removable eSIM with a non-standard ISD-R AID.',
    fix: 'Use an eUICC for profile downloads. For removable eSIM products with their own ISD-R AID (e.g. 5ber, eSIM.me), set the custom ISD-R AID in the settings.',
    match: (f) => {
      if (f.isdrSelectable !== false || f.iccidStatus !== 'present') return undefined;
      const isdr = f.selectedFiles.filter((s) => s.byAid && s.name === 'ISD-R').map((s) => `SELECT ISD-R → ${s.sw ?? 'no answer'}${at(s)}`);
      return ['EF.ICCID is present', ...isdr];
    },
  },
  {
    id: 'card-not-answering',
    severity: 'error',
    title: 'The card does not answer',
    symptom: 'Commands get no procedure byte or status word from the card (or there is no ATR at all).',
    cause: 'No electrical contact, wrong supply voltage class, the slot is not powered or selected, or the card is dead.',
    fix:
      'Reseat the card and clean the contacts; check that the slot in use is the one the modem selects (e.g. AT!UIMS on Sierra modules) and that it ' +
      'supplies the voltage class the card supports (1.8/3/5 V, see the ATR); try the card in a PC/SC reader to tell card from slot.',
    match: (f) => {
      const lines = f.unanswered.map((c: CommandFact) => `${c.command} (${hex2(c.cla)} ${hex2(c.ins)}) got no answer${at(c)}`);
      if (f.atrPresent === false) lines.unshift('no ATR after reset');
      return lines.length > 0 ? lines : undefined;
    },
  },
  {
    id: 'wrong-class-byte',
    severity: 'warning',
    title: 'Wrong class byte (CLA)',
    symptom: 'The card answers 6E00 (class not supported) — or 6D00 to GSM class A0 — to commands it should know.',
    cause: 'The terminal uses a class the card does not accept: GSM 11.11 class A0 on a UICC-only card, ISO class 00 on an old GSM-only SIM, or a logical channel that is not open.',
    fix: 'Send the command with the class the card speaks: 00 (80 for proprietary commands) on a UICC/eUICC, A0 on a GSM-only SIM; open a logical channel before using its CLA.',
    match: (f) => {
      const lines = f.claErrors.map((c) => `${c.command} with CLA ${hex2(c.cla)} → ${c.sw}${at(c)}: ${c.suggestion}`);
      return lines.length > 0 ? lines : undefined;
    },
  },
  {
    id: 'capture-incomplete',
    severity: 'info',
    title: 'The capture has undecodable parts',
    symptom: 'Some bytes of the trace could not be assigned to a command.',
    cause: 'Bytes were lost or added by the logic analyzer (sampling rate, wrong baud rate or convention), or the capture was cut.',
    fix: 'Capture again with a sampling rate of at least 4× the bit rate and the baud rate from the ATR (Fi/Di after PPS); the diagnosis above may be incomplete.',
    match: (f) => (f.traceProblems > 0 ? [`${f.traceProblems} decoding problem(s) in the capture`] : undefined),
  },
];
