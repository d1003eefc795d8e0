/**
 * Findings for the structural problems of an ATR (atr.ts `issues`), as data: the rule table in
 * rules.ts looks at a card's behaviour, this one at the bytes of its Answer To Reset. Issues of one
 * code become one finding with every occurrence as evidence.
 */
import type { AtrInfo } from './atr.js';
import type { Finding } from './diagnose.js';
import type { Severity } from './rules.js';

interface AtrIssueRow {
  readonly codes: readonly string[];
  readonly id: string;
  readonly severity: Severity;
  readonly title: string;
  readonly symptom: string;
  readonly cause: string;
  readonly fix: string;
}

const RECAPTURE = 'Reset the card and read the ATR again; in a logic-analyzer capture, sample at ≥ 4× the bit rate (372 clocks per bit at reset).';

export const ATR_ISSUE_RULES: readonly AtrIssueRow[] = [
  {
    codes: ['ATR_BAD_TCK'],
    id: 'atr-bad-tck',
    severity: 'error',
    title: 'ATR check byte (TCK) is wrong',
    symptom: 'The bytes T0 … TCK do not XOR to 00.',
    cause: 'A byte of the ATR was lost, added or misread (capture baud rate or sampling, a noisy contact), or the card computes TCK wrongly.',
    fix: `${RECAPTURE} If a reader shows the same bytes every time, the card itself is at fault and terminals may reject it.`,
  },
  {
    codes: ['ATR_TRUNCATED', 'ATR_TCK_MISSING'],
    id: 'atr-truncated',
    severity: 'error',
    title: 'ATR incomplete',
    symptom: 'The ATR ends before the bytes its format byte (T0/TDi) announces, or without its TCK.',
    cause: 'The capture or the reader stopped too early, or bytes were lost on the I/O line.',
    fix: `${RECAPTURE} Paste the whole ATR, up to and including TCK when the card offers T=1 or T=15.`,
  },
  {
    codes: ['ATR_BAD_TS'],
    id: 'atr-bad-ts',
    severity: 'error',
    title: 'Not a valid ATR start (TS)',
    symptom: 'The first byte is neither 3B (direct) nor 3F (inverse convention).',
    cause: 'The input does not start at the ATR (capture started mid-stream), or it is not an ATR at all.',
    fix: 'Start the capture before the card is reset, or paste the ATR as the reader reports it (it starts with 3B or 3F).',
  },
  {
    codes: ['ATR_INVERSE_UNDECODED'],
    id: 'atr-inverse-convention',
    severity: 'info',
    title: 'Inverse-convention card decoded as direct',
    symptom: 'The first byte reads 03.',
    cause: 'The card uses the inverse convention (TS 3F) and the capture tool decoded it as direct; the bytes were corrected before decoding.',
    fix: 'Set the analyzer to inverse convention (MSB first, inverted levels) for this card.',
  },
  {
    codes: ['ATR_TRAILING_BYTES'],
    id: 'atr-trailing-bytes',
    severity: 'info',
    title: 'Bytes after the ATR',
    symptom: 'The input goes on after the last ATR byte.',
    cause: 'A PPS exchange or the first command was captured together with the ATR, or the input has extra bytes.',
    fix: 'Decode the full capture with the trace decoder (`ewb diag trace`), or paste only the ATR.',
  },
  {
    codes: ['ATR_RFU_VALUE', 'ATR_PROTOCOL_ORDER', 'ATR_TOO_LONG', 'ATR_HISTORICAL'],
    id: 'atr-unusual-values',
    severity: 'warning',
    title: 'Unusual values in the ATR',
    symptom: 'The ATR uses reserved values, an unusual protocol order or malformed historical bytes.',
    cause: 'A non-conforming card, or a misread byte.',
    fix: `${RECAPTURE} Terminals may still accept the card; check the listed fields.`,
  },
];

/** One finding per matching row, with the issue messages as evidence. */
export function atrIssueFindings(atr: AtrInfo): Finding[] {
  const findings: Finding[] = [];
  for (const row of ATR_ISSUE_RULES) {
    const evidence = atr.issues.filter((i) => row.codes.includes(i.code)).map((i) => (i.offset === undefined ? i.message : `${i.message} (byte ${i.offset})`));
    if (evidence.length === 0) continue;
    findings.push({ ruleId: row.id, severity: row.severity, title: row.title, symptom: row.symptom, cause: row.cause, fix: row.fix, evidence });
  }
  return findings;
}
