/**
 * Status words the virtual card answers with (ISO 7816-4 / ETSI TS 102 221), and their GSM 11.11
 * equivalents for commands sent with class A0. Handlers always speak ISO; the platform translates
 * once, from the table, when the command came in the GSM class.
 */
export const SW = {
  OK: 0x9000,
  WRONG_LENGTH: 0x6700,
  CHANNEL_NOT_SUPPORTED: 0x6881,
  CHAINING_NOT_SUPPORTED: 0x6884,
  INCOMPATIBLE_FILE_STRUCTURE: 0x6981,
  SECURITY_NOT_SATISFIED: 0x6982,
  AUTH_METHOD_BLOCKED: 0x6983,
  REFERENCE_DATA_NOT_USABLE: 0x6984,
  CONDITIONS_NOT_SATISFIED: 0x6985,
  NO_CURRENT_EF: 0x6986,
  WRONG_DATA: 0x6a80,
  FUNCTION_NOT_SUPPORTED: 0x6a81,
  FILE_NOT_FOUND: 0x6a82,
  RECORD_NOT_FOUND: 0x6a83,
  NOT_ENOUGH_MEMORY: 0x6a84,
  WRONG_P1P2: 0x6a86,
  REFERENCE_NOT_FOUND: 0x6a88,
  OFFSET_OUT_OF_RANGE: 0x6b00,
  INS_NOT_SUPPORTED: 0x6d00,
  CLA_NOT_SUPPORTED: 0x6e00,
  TECHNICAL_PROBLEM: 0x6f00,
} as const;

/** `63 Cx`: verification failed, x tries left. */
export function swRetriesLeft(n: number): number {
  return 0x63c0 | Math.min(n, 15);
}

/** `61 xx` (ISO) or `9F xx` (GSM): xx response bytes wait for GET RESPONSE; 256 is sent as 00. */
export function swResponseAvailable(length: number, gsm: boolean): number {
  return ((gsm ? 0x9f : 0x61) << 8) | (Math.min(length, 256) & 0xff);
}

/** `6C xx` (ISO) or `67 xx` (GSM, "incorrect P3, xx is the right length"). */
export function swWrongLe(length: number, gsm: boolean): number {
  return ((gsm ? 0x67 : 0x6c) << 8) | (Math.min(length, 256) & 0xff);
}

/** ISO status word → GSM 11.11 §9.4 status word. `63CX` covers the whole retry-counter family. */
const GSM_EQUIVALENT: ReadonlyMap<number | '63CX', number> = new Map<number | '63CX', number>([
  ['63CX', 0x9804], // CHV verification failed, attempts left
  [SW.SECURITY_NOT_SATISFIED, 0x9804], // access condition not fulfilled
  [SW.AUTH_METHOD_BLOCKED, 0x9840], // CHV blocked / unsuccessful, no attempt left
  [SW.REFERENCE_DATA_NOT_USABLE, 0x9808], // in contradiction with CHV status
  [SW.CONDITIONS_NOT_SATISFIED, 0x9808],
  [SW.FILE_NOT_FOUND, 0x9404],
  [SW.REFERENCE_NOT_FOUND, 0x9404],
  [SW.RECORD_NOT_FOUND, 0x9402], // out of range (invalid address)
  [SW.OFFSET_OUT_OF_RANGE, 0x9402],
  [SW.NO_CURRENT_EF, 0x9400],
  [SW.INCOMPATIBLE_FILE_STRUCTURE, 0x9408],
  [SW.WRONG_P1P2, 0x6b00],
  [SW.WRONG_DATA, 0x6b00],
  [SW.FUNCTION_NOT_SUPPORTED, 0x6b00],
  [SW.WRONG_LENGTH, 0x6700],
  [SW.NOT_ENOUGH_MEMORY, 0x9240],
]);

/** The status word a GSM-class command gets for ISO status word `sw`. */
export function toGsmSw(sw: number): number {
  if ((sw & 0xfff0) === 0x63c0) return GSM_EQUIVALENT.get('63CX') ?? sw;
  return GSM_EQUIVALENT.get(sw) ?? sw;
}
