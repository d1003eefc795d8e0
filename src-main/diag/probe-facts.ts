/**
 * Combining the facts of several probes of one device (modem side and card side) into the one
 * DiagnosisFacts the rules read. The card's own answers come first: a fact the card probe observed is
 * not overridden by what the modem infers; lists are joined.
 */
import type { DiagnosisFacts } from './facts.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const LIST_KEYS = ['commands', 'selectedFiles', 'pinEvidence', 'modemEvidence', 'claErrors', 'unanswered'] as const;

export function mergeFacts(base: DiagnosisFacts, ...more: readonly Partial<DiagnosisFacts>[]): DiagnosisFacts {
  const out: Mutable<DiagnosisFacts> = { ...base };
  const record = out as unknown as Record<string, unknown>;
  for (const part of more) {
    for (const [key, value] of Object.entries(part)) {
      if (value === undefined) continue;
      if ((LIST_KEYS as readonly string[]).includes(key)) record[key] = [...((record[key] as unknown[] | undefined) ?? []), ...(value as unknown[])];
      else if (key === 'terminalProfileSent') out.terminalProfileSent ||= value === true;
      else if (key === 'traceProblems') out.traceProblems += value as number;
      else if (record[key] === undefined) record[key] = value;
    }
  }
  return out;
}
