/**
 * Runs the diagnosis rule table over facts from a trace or a live probe.
 */
import type { DiagnosisFacts } from './facts.js';
import { DIAGNOSIS_RULES, type DiagnosisRule, type Severity } from './rules.js';

export interface Finding {
  readonly ruleId: string;
  readonly severity: Severity;
  readonly title: string;
  readonly symptom: string;
  readonly cause: string;
  readonly fix: string;
  readonly evidence: readonly string[];
}

const SEVERITY_ORDER: Readonly<Record<Severity, number>> = { error: 0, warning: 1, info: 2 };

/** Findings of every rule that matches, most severe first (table order within a severity). */
export function diagnose(facts: DiagnosisFacts, rules: readonly DiagnosisRule[] = DIAGNOSIS_RULES): Finding[] {
  const findings: Finding[] = [];
  for (const rule of rules) {
    const evidence = rule.match(facts);
    if (evidence === undefined || evidence.length === 0) continue;
    const { id, severity, title, symptom, cause, fix } = rule;
    findings.push({ ruleId: id, severity, title, symptom, cause, fix, evidence: [...evidence] });
  }
  return findings.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
}

/** Findings as text for the CLI and reports. */
export function formatFindings(findings: readonly Finding[]): string {
  if (findings.length === 0) return 'No known problem pattern found.';
  return findings
    .map((f) => [`[${f.severity.toUpperCase()}] ${f.title} (${f.ruleId})`, `  Symptom: ${f.symptom}`, `  Cause:   ${f.cause}`, `  Fix:     ${f.fix}`, '  Evidence:', ...f.evidence.map((e) => `    - ${e}`)].join('\n'))
    .join('\n\n');
}
