/**
 * What a `Failed` ES9+ / ES11 header means for the user and what to do, from the SGP.22 status table
 * (codec/sgp22/es9-status.ts). Lookup goes from the most specific row to the reason-code family, so
 * an unlisted code still gets a useful message.
 */
import { ES9_REASON_FAMILIES, ES9_STATUS_CODES, ES9_UNKNOWN_STATUS } from '../codec/sgp22/es9-status.js';
import type { Es9StatusRow } from '../codec/sgp22/es9-status.js';

const ROWS: readonly Es9StatusRow[] = ES9_STATUS_CODES;

/** Message and hint for a Failed status; never throws, unknown codes get a family or generic text. */
export function describeEs9Status(subjectCode: string, reasonCode: string): { message: string; hint: string } {
  const row =
    ROWS.find((r) => r.subject === subjectCode && r.reason === reasonCode) ??
    ROWS.find((r) => r.reason === '*' && (subjectCode === r.subject || subjectCode.startsWith(`${r.subject}.`)));
  if (row) return { message: row.message, hint: row.hint };
  const family = ES9_REASON_FAMILIES.find((f) => reasonCode.startsWith(f.prefix));
  return { message: family?.message ?? ES9_UNKNOWN_STATUS.message, hint: family?.hint ?? ES9_UNKNOWN_STATUS.hint };
}
