/** Display helpers shared by the views. */

export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined) return '—';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
}

/** Groups a long identifier (EID, ICCID) in blocks of four for reading aloud. */
export function groupDigits(value: string, size = 4): string {
  return value.replace(new RegExp(`(.{${size}})(?=.)`, 'g'), '$1 ');
}

/** `12:00:03.125` in local time; the full ISO time is in the cell's title. */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/**
 * Finds the activation code in pasted text (a QR payload, an e-mail, a PDF line): the first
 * `LPA:1$…` run; otherwise the trimmed text, so the implementation can explain what is wrong.
 */
export function extractActivationCode(text: string): string {
  const match = /LPA:1\$[^\s"'<>]+/i.exec(text);
  return match ? `LPA:1${match[0].slice(5)}` : text.trim();
}

/** What each profile policy rule means for the user (SGP.22 §2.9). */
export const POLICY_RULE_TEXT: Readonly<Record<string, string>> = {
  ppr1: 'Cannot be disabled once enabled',
  ppr2: 'Cannot be deleted',
  pprUpdateControl: 'Policy rules can only be changed by the operator',
};

/** Status words that mean success (9000, 61xx more data, 91xx proactive command pending). */
export function isSuccessSw(sw: string): boolean {
  return /^(9000|61..|91..)$/i.test(sw);
}

/** The parts of an activation code `LPA:1$address$matchingId[$oid[$ccRequired]]` (SGP.22 §4.1), or undefined. */
export function activationCodeParts(code: string): { smdpAddress: string; matchingId: string; confirmationCodeRequired: boolean } | undefined {
  const fields = code.split('$');
  if (fields[0]?.toUpperCase() !== 'LPA:1' || !fields[1]) return undefined;
  return { smdpAddress: fields[1], matchingId: fields[2] ?? '', confirmationCodeRequired: fields[4] === '1' };
}
