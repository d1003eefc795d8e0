/**
 * Builders for synthetic T=0 captures in diag tests: each returns the bytes on the I/O line for one
 * TPDU as spaced hex, so a test trace reads like the exchange it models.
 */
const norm = (hex: string): string => hex.replace(/\s+/g, ' ').trim().toUpperCase();
const insOf = (header: string): string => norm(header).split(' ')[1] ?? '';

/** Case 3 (or 4 under T=0): header, ACK = INS, command data from the terminal, SW. */
export function t0Send(header: string, data: string, sw: string): string {
  return [norm(header), insOf(header), norm(data), norm(sw)].join(' ');
}

/** Case 2: header, ACK = INS, response data from the card, SW. */
export function t0Receive(header: string, response: string, sw: string): string {
  return [norm(header), insOf(header), norm(response), norm(sw)].join(' ');
}

/** The card answers the header with a status word only (case 1, or an immediate error). */
export function t0Status(header: string, sw: string): string {
  return [norm(header), norm(sw)].join(' ');
}

/** Joins TPDUs into one capture. */
export function capture(...parts: string[]): string {
  return parts.join(' ');
}
