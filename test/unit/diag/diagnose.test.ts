import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { diagnose, formatFindings } from '../../../src-main/diag/diagnose.js';
import { emptyFacts, factsFromTrace, type DiagnosisFacts } from '../../../src-main/diag/facts.js';
import { DIAGNOSIS_RULES } from '../../../src-main/diag/rules.js';
import { decodeT0Trace } from '../../../src-main/diag/t0-trace.js';
import { capture, t0Receive, t0Send, t0Status } from '../../helpers/diag-t0.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const seed = readFileSync(path.join(repoRoot, 'test/fixtures/diag/seed-000-trace.txt'), 'utf8');
const ids = (text: string): string[] => diagnose(factsFromTrace(decodeT0Trace(text))).map((f) => f.ruleId);
const facts = (over: Partial<DiagnosisFacts>): DiagnosisFacts => ({ ...emptyFacts('probe'), ...over });

const MF_FCP = '62 25 82 02 78 21 83 02 3F 00 A5 0B 80 01 71 83 03 0C 27 BA 87 01 01 8A 01 05 8B 03 2F 06 01 C6 06 90 01 80 83 01 0A';
const USIM_AID = 'A0 00 00 00 87 10 02 FF 49 FF 05 89';
const ISDR_AID = 'A0 00 00 05 59 10 10 FF FF FF FF 89 00 00 01 00';
const ICCID = '98 94 00 10 32 54 76 98 10 F2';

/** What a modem sends to a card with an enabled profile: the same start as the seed, then it carries on. */
const PROVISIONED = capture(
  t0Send('00 A4 00 04 02', '3F 00', '61 27'),
  t0Receive('00 C0 00 00 27', MF_FCP, '90 00'),
  t0Send('80 AA 00 00 07', 'A9 05 81 00 82 01 01', '90 00'),
  t0Send('00 A4 08 0C 02', '2F E2', '90 00'),
  t0Receive('00 B0 00 00 0A', ICCID, '90 00'),
  t0Send('80 10 00 00 04', 'FF FF FF FF', '90 00'),
  t0Send('00 A4 08 0C 02', '2F 00', '90 00'),
  t0Receive('00 B2 01 04 12', `61 10 4F 0C ${USIM_AID} 50 00`, '90 00'),
  t0Send('00 A4 04 04 0C', USIM_AID, '61 20'),
  t0Status('80 F2 00 0C 00', '90 00'),
);

describe('diagnose: seed 000 (blank eUICC behind a Sierra EM7455)', () => {
  const findings = diagnose(factsFromTrace(decodeT0Trace(seed)));

  it('finds the blank eUICC and the modem giving up, nothing else', () => {
    expect(findings.map((f) => f.ruleId)).toEqual(['blank-euicc', 'modem-rejects-blank-card']);
    expect(findings.every((f) => f.severity === 'error')).toBe(true);
  });

  it('explains the blank eUICC with the 6A82 evidence and the SAP / PC/SC fix', () => {
    const blank = findings[0];
    expect(blank?.title).toMatch(/eUICC without an enabled profile/);
    expect(blank?.cause).toMatch(/eUICC with no enabled profile/);
    expect(blank?.evidence).toEqual([
      'SELECT MF → 6127 (entry 1)',
      'SELECT EF.ICCID → 6A82 (entry 4)',
      'SELECT EF.PL → 6A82 (entry 5)',
      'SELECT EF.ICCID → 6A82 (entry 6)',
      'SELECT EF.DIR → 6A82 (entry 8)',
    ]);
    expect(blank?.fix).toMatch(/QMI UIM SAP/);
    expect(blank?.fix).toMatch(/PC\/SC reader/);
    expect(blank?.fix).toMatch(/computer's own network/);
  });

  it('explains that the modem stops after TERMINAL PROFILE and refuses AT+CSIM', () => {
    const modem = findings[1];
    expect(modem?.symptom).toMatch(/TERMINAL PROFILE/);
    expect(modem?.symptom).toMatch(/AT\+CSIM/);
    expect(modem?.cause).toMatch(/no usable SIM/);
    expect(modem?.fix).toMatch(/SAP Connection \+ SAP Request/);
    expect(modem?.evidence[0]).toBe('TERMINAL PROFILE was accepted (entry 7)');
    expect(modem?.evidence[1]).toBe('after it the terminal only sent: SELECT EF.DIR → 6A82, SELECT MF → 6127, GET RESPONSE → 9000');
  });

  it('formats findings as text', () => {
    expect(formatFindings(findings)).toMatch(/^\[ERROR\] eUICC without an enabled profile \(blank-euicc\)\n {2}Symptom: /);
    expect(formatFindings([])).toBe('No known problem pattern found.');
  });
});

describe('diagnose: other cards', () => {
  it('a provisioned card is NOT reported as blank, and the modem did not give up', () => {
    const listing = decodeT0Trace(PROVISIONED);
    expect(listing.problems).toEqual([]);
    const f = factsFromTrace(listing);
    expect(f).toMatchObject({ mfPresent: true, iccidStatus: 'present', dirStatus: 'present', usimSelectable: true, terminalProfileSent: true, modemGaveUp: false });
    expect(diagnose(f)).toEqual([]);
  });

  it('PIN needed: 6982 on a read, VERIFY query 63C3', () => {
    const text = capture(t0Send('00 A4 04 04 0C', USIM_AID, '61 20'), t0Status('00 B0 00 00 09', '69 82'), t0Status('00 20 00 01 00', '63 C3'));
    const f = factsFromTrace(decodeT0Trace(text));
    expect(f.pinStatus).toBe('required');
    expect(f.pinRetriesLeft).toBe(3);
    const [finding] = diagnose(f);
    expect(finding?.ruleId).toBe('pin-required');
    expect(finding?.evidence).toEqual([
      'READ BINARY answered 6982: security status not satisfied, a PIN must be verified first (entry 2)',
      'VERIFY answered 63C3: PIN not verified, 3 attempt(s) left (entry 3)',
    ]);
  });

  it('PIN blocked: VERIFY 63C0', () => {
    expect(ids(t0Send('00 20 00 01 08', '31 32 33 34 FF FF FF FF', '63 C0'))).toEqual(['pin-blocked']);
    expect(ids(t0Status('00 20 00 01 00', '69 83'))).toEqual(['pin-blocked']);
  });

  it('PUK blocked: UNBLOCK 6983', () => {
    const text = capture(t0Status('00 20 00 01 00', '69 83'), t0Send('00 2C 00 01 10', '31 32 33 34 35 36 37 38 31 32 33 34 FF FF FF FF', '69 83'));
    expect(ids(text)).toEqual(['puk-blocked']);
  });

  it('plain SIM: EF.ICCID readable, ISD-R not found', () => {
    const text = capture(
      t0Send('00 A4 08 0C 02', '2F E2', '90 00'),
      t0Receive('00 B0 00 00 0A', ICCID, '90 00'),
      t0Receive('00 70 00 00 01', '01', '90 00'),
      t0Send('01 A4 04 00 10', ISDR_AID, '6A 82'),
    );
    const findings = diagnose(factsFromTrace(decodeT0Trace(text)));
    expect(findings.map((f) => f.ruleId)).toEqual(['plain-sim-no-isdr']);
    expect(findings[0]?.evidence).toEqual(['EF.ICCID is present', 'SELECT ISD-R → 6A82 (entry 4)']);
  });

  it('card that does not answer', () => {
    expect(ids('00 A4 00 04 02')).toEqual(['card-not-answering']);
    expect(diagnose(facts({ atrPresent: false }))[0]?.evidence).toEqual(['no ATR after reset']);
  });

  it('wrong class byte: GSM A0 on a UICC-only card → use 00', () => {
    const text = capture(t0Status('A0 A4 00 00 02', '6E 00'), t0Status('A0 F2 00 00 16', '6D 00'));
    const [finding, ...rest] = diagnose(factsFromTrace(decodeT0Trace(text)));
    expect(rest).toEqual([]);
    expect(finding?.ruleId).toBe('wrong-class-byte');
    expect(finding?.evidence).toHaveLength(2);
    expect(finding?.evidence[0]).toMatch(/^SELECT with CLA A0 → 6E00 \(entry 1\): .*use CLA 00/);
  });

  it('a 6D00 to class 00 is not a class problem', () => {
    expect(ids(t0Status('00 7E 00 00 00', '6D 00'))).toEqual([]);
  });
});

describe('diagnosis rules on synthetic facts', () => {
  it('no blank-eUICC finding when the ISD-R is known to be absent', () => {
    expect(diagnose(facts({ mfPresent: true, iccidStatus: 'absent', isdrSelectable: false })).map((f) => f.ruleId)).toEqual([]);
    expect(diagnose(facts({ mfPresent: true, iccidStatus: 'absent', isdrSelectable: true })).map((f) => f.ruleId)).toEqual(['blank-euicc']);
  });

  it('a live probe can report the modem refusing APDUs', () => {
    const found = diagnose(facts({ mfPresent: true, iccidStatus: 'absent', hostApduRefused: true }));
    expect(found.map((f) => f.ruleId)).toEqual(['blank-euicc', 'modem-rejects-blank-card']);
    expect(found[1]?.evidence).toEqual(['the modem refused host APDU access (AT+CSIM / logical channel)']);
  });

  it('capture problems are an info finding, sorted after errors', () => {
    const found = diagnose(facts({ traceProblems: 2, pinStatus: 'blocked', pinEvidence: ['VERIFY answered 63C0'] }));
    expect(found.map((f) => [f.ruleId, f.severity])).toEqual([['pin-blocked', 'error'], ['capture-incomplete', 'info']]);
  });

  it('rules are complete rows with unique ids, and a custom table can be passed', () => {
    expect(new Set(DIAGNOSIS_RULES.map((r) => r.id)).size).toBe(DIAGNOSIS_RULES.length);
    for (const r of DIAGNOSIS_RULES) for (const text of [r.title, r.symptom, r.cause, r.fix]) expect(text.length).toBeGreaterThan(10);
    const custom = [{ id: 'always', title: 't', symptom: 's', cause: 'c', fix: 'f', severity: 'info' as const, match: () => ['yes'] }];
    expect(diagnose(emptyFacts('probe'), custom)).toEqual([{ ruleId: 'always', severity: 'info', title: 't', symptom: 's', cause: 'c', fix: 'f', evidence: ['yes'] }]);
  });
});
